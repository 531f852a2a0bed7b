/* The times `logs --since/--until` take, as Podman parses them.  */
#include "logs/logs.h"

#include <string.h>
#include <time.h>

/* RFC 3339 and the shorter forms Podman takes; a missing zone is local.  */
static bool
parse_date (const char *s, int64_t *ns)
{
  static const char *const forms[] = { "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d" };
  _cleanup_free_ char *copy = NULL;

  if (nook_time_parse (s, ns) == 0)
    return true;
  /* "2006-01-02Z07:00": a date with a zone.  */
  if (strlen (s) > 10 && (s[10] == 'Z' || s[10] == '+' || s[10] == '-'))
    {
      copy = xasprintf ("%.10sT00:00:00%s", s, s + 10);
      return nook_time_parse (copy, ns) == 0;
    }
  for (size_t i = 0; i < NOOK_ARRAY_SIZE (forms); i++)
    {
      struct tm tm = { 0 };
      const char *end = strptime (s, forms[i], &tm);
      double frac = 0;
      if (end == NULL)
        continue;
      if (*end == '.' && i == 0)
        {
          char *e;
          frac = strtod (end, &e);
          end = e;
        }
      if (*end != '\0')
        continue;
      tm.tm_isdst = -1;
      *ns = (int64_t)mktime (&tm) * 1000000000LL + (int64_t)(frac * 1e9);
      return true;
    }
  return false;
}

/* Unix seconds, with a fraction or not.  */
static bool
parse_unix (const char *s, int64_t *ns)
{
  char *end;
  double v;

  if (*s == '\0' || strchr ("0123456789", *s) == NULL)
    return false;
  errno = 0;
  v = strtod (s, &end);
  if (*end != '\0' || errno != 0 || v > 9e9)
    return false;
  *ns = (int64_t)v * 1000000000LL; /* whole seconds, as Podman */
  return true;
}

/* Go's time.ParseDuration: "1h30m", "1.5s", "300ms", "-2h".  */
static bool
parse_duration (const char *s, int64_t *ns)
{
  static const struct
  {
    const char *unit;
    double ns;
  } units[] = { { "ns", 1 },  { "us", 1e3 }, { "\xc2\xb5s", 1e3 }, { "ms", 1e6 },
                { "s", 1e9 }, { "m", 6e10 }, { "h", 3.6e12 } };
  double total = 0;
  int sign = 1;

  if (*s == '-' || *s == '+')
    sign = *s++ == '-' ? -1 : 1;
  if (*s == '\0')
    return false;
  if (strcmp (s, "0") == 0)
    {
      *ns = 0;
      return true;
    }
  while (*s)
    {
      char *end;
      double v = strtod (s, &end);
      size_t best = 0, which = 0;
      if (end == s || *end == '\0')
        return false;
      for (size_t i = 0; i < NOOK_ARRAY_SIZE (units); i++)
        if (strncmp (end, units[i].unit, strlen (units[i].unit)) == 0
            && strlen (units[i].unit) > best)
          best = strlen (units[i].unit), which = i;
      if (best == 0)
        return false;
      total += v * units[which].ns;
      s = end + best;
    }
  if (total > 9.2e18)
    return false;
  *ns = sign * (int64_t)total;
  return true;
}

int
log_parse_time (const char *s, int64_t now_ns, bool since, int64_t *ns, nook_error_t *err)
{
  int64_t d;

  if (parse_date (s, ns) || parse_unix (s, ns))
    return 0;
  if (!parse_duration (s, &d))
    return nook_error (err, 0, "unable to interpret time value `%s`", s);
  *ns = since ? now_ns - d : now_ns + d;
  return 0;
}
