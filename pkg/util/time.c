/* Time: RFC 3339 timestamps and the human forms Podman prints.  */
#include "util.h"

#include <ctype.h>
#include <string.h>
#include <time.h>

int64_t
nook_now_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void
nook_sleep_ms (int64_t ms)
{
  struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
  nanosleep (&ts, NULL);
}

char *
nook_time_format (int64_t ns)
{
  time_t secs = (time_t)(ns / 1000000000LL);
  long frac = (long)(ns % 1000000000LL);
  struct tm tm;
  char date[64], fracs[16] = "", zone[32];
  long off;

  if (frac < 0)
    {
      frac += 1000000000L;
      secs--;
    }
  localtime_r (&secs, &tm);
  strftime (date, sizeof (date), "%Y-%m-%dT%H:%M:%S", &tm);
  if (frac)
    {
      int n = snprintf (fracs, sizeof (fracs), ".%09ld", frac);
      while (n > 1 && fracs[n - 1] == '0')
        fracs[--n] = '\0';
    }
  off = tm.tm_gmtoff;
  if (off == 0)
    strcpy (zone, "Z");
  else
    snprintf (zone, sizeof (zone), "%c%02d:%02d", off < 0 ? '-' : '+', (int)(labs (off) / 3600),
              (int)((labs (off) % 3600) / 60));
  return xasprintf ("%s%s%s", date, fracs, zone);
}

int
nook_time_parse (const char *s, int64_t *ns)
{
  struct tm tm = { 0 };
  const char *p = s ? strptime (s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
  int64_t frac = 0, secs;
  long off = 0;

  if (p == NULL)
    return -1;
  if (*p == '.')
    {
      int digits = 0;
      for (p++; *p >= '0' && *p <= '9'; p++, digits++)
        if (digits < 9)
          frac = frac * 10 + (*p - '0');
      for (; digits < 9; digits++)
        frac *= 10;
    }
  if (*p == 'Z' || *p == 'z')
    p++;
  else if (*p == '+' || *p == '-')
    {
      /* Exactly "+HH:MM".  */
      const char *o = p + 1;
      if (!(isdigit ((unsigned char)o[0]) && isdigit ((unsigned char)o[1]) && o[2] == ':'
            && isdigit ((unsigned char)o[3]) && isdigit ((unsigned char)o[4])))
        return -1;
      off = ((o[0] - '0') * 10 + (o[1] - '0')) * 3600L + ((o[3] - '0') * 10 + (o[4] - '0')) * 60L;
      if (*p == '-')
        off = -off;
      p += 6;
    }
  else
    return -1;
  if (*p != '\0')
    return -1;
  secs = (int64_t)timegm (&tm) - off;
  *ns = secs * 1000000000LL + frac;
  return 0;
}

char *
nook_human_duration (int64_t seconds)
{
  /* Hours round to the nearest, as go-units does; years are truncated.  */
  int64_t minutes = seconds / 60, hours = (seconds + 1800) / 3600;

  if (seconds < 1)
    return xstrdup ("Less than a second");
  if (seconds == 1)
    return xstrdup ("1 second");
  if (seconds < 60)
    return xasprintf ("%lld seconds", (long long)seconds);
  if (minutes == 1)
    return xstrdup ("About a minute");
  if (minutes < 60)
    return xasprintf ("%lld minutes", (long long)minutes);
  if (hours == 1)
    return xstrdup ("About an hour");
  if (hours < 48)
    return xasprintf ("%lld hours", (long long)hours);
  if (hours < 24 * 7 * 2)
    return xasprintf ("%lld days", (long long)(hours / 24));
  if (hours < 24 * 30 * 2)
    return xasprintf ("%lld weeks", (long long)(hours / 24 / 7));
  if (hours < 24 * 365 * 2)
    return xasprintf ("%lld months", (long long)(hours / 24 / 30));
  return xasprintf ("%lld years", (long long)(seconds / 3600 / 24 / 365));
}

char *
nook_human_size (double size)
{
  static const char *const units[] = { "B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB" };
  size_t i = 0;
  char num[64];

  while (size >= 1000.0 && i + 1 < NOOK_ARRAY_SIZE (units))
    {
      size /= 1000.0;
      i++;
    }
  /* Go's %.3g: three significant digits, no trailing zeros.  */
  snprintf (num, sizeof (num), "%.3g", size);
  return xasprintf ("%s %s", num, units[i]);
}
