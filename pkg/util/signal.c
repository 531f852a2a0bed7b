/* Signal names as Go's and Podman's: "TERM", "SIGTERM", "term", "15",
   RTMIN+N and RTMAX-N, numbered as on Linux.  */
#include "util/util.h"

#include <ctype.h>
#include <string.h>

int
nook_signal_parse (const char *v, int *out)
{
  static const char *const names[] = {
    NULL,   "HUP",  "INT",  "QUIT", "ILL",    "TRAP",   "ABRT",  "BUS",  "FPE",  "KILL", "USR1",
    "SEGV", "USR2", "PIPE", "ALRM", "TERM",   "STKFLT", "CHLD",  "CONT", "STOP", "TSTP", "TTIN",
    "TTOU", "URG",  "XCPU", "XFSZ", "VTALRM", "PROF",   "WINCH", "IO",   "PWR",  "SYS",
  };
  _cleanup_free_ char *up = xstrdup (v);
  const char *name = up;
  int64_t n;

  if (str_to_int64 (v, &n))
    {
      *out = (int)n;
      return n > 0 && n <= 64 ? 0 : -1;
    }
  for (char *p = up; *p; p++)
    *p = (char)toupper ((unsigned char)*p);
  if (str_has_prefix (name, "SIG"))
    name += 3;
  for (size_t i = 1; i < NOOK_ARRAY_SIZE (names); i++)
    if (strcmp (name, names[i]) == 0)
      {
        *out = (int)i;
        return 0;
      }
  if (strcmp (name, "IOT") == 0 || strcmp (name, "CLD") == 0 || strcmp (name, "POLL") == 0)
    {
      *out = name[0] == 'I' ? 6 : name[0] == 'C' ? 17 : 29;
      return 0;
    }
  /* RTMIN, RTMIN+1..15, RTMAX-14..1, RTMAX.  */
  if (strcmp (name, "RTMIN") == 0 || strcmp (name, "RTMAX") == 0)
    {
      *out = name[3] == 'I' ? 34 : 64;
      return 0;
    }
  if ((str_has_prefix (name, "RTMIN+") || str_has_prefix (name, "RTMAX-"))
      && str_to_int64 (name + 6, &n) && n >= 1 && n <= 15 && !(name[3] == 'A' && n > 14))
    {
      *out = name[3] == 'I' ? 34 + (int)n : 64 - (int)n;
      return 0;
    }
  return -1;
}
