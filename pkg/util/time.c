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

/* Exactly N digits at S.  */
static bool
fixed_digits (const char *s, int n, int *out)
{
  int v = 0;

  for (int i = 0; i < n; i++)
    {
      if (s[i] < '0' || s[i] > '9')
        return false;
      v = v * 10 + (s[i] - '0');
    }
  *out = v;
  return true;
}

/* Days from 1970-01-01 to Y-M-D in the proleptic Gregorian calendar (H.
   Hinnant's days_from_civil); a day past the month's end runs on into
   the next, as timegm has it.  */
static int64_t
days_from_civil (int64_t y, int m, int d)
{
  int64_t era, yoe, doy, doe;

  y -= m <= 2;
  era = (y >= 0 ? y : y - 399) / 400;
  yoe = y - era * 400;
  doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

/* "YYYY-MM-DDTHH:MM:SS", fixed width as RFC 3339 has it, read by hand
   (strptime and timegm were a third of what `ps` spent on its own): the
   seconds since the epoch.  P has 19 bytes.  */
static bool
parse_date_time (const char *p, int64_t *secs)
{
  int y, mo, d, h, mi, sec;

  if (!fixed_digits (p, 4, &y) || p[4] != '-' || !fixed_digits (p + 5, 2, &mo) || p[7] != '-'
      || !fixed_digits (p + 8, 2, &d) || (p[10] != 'T' && p[10] != 't')
      || !fixed_digits (p + 11, 2, &h) || p[13] != ':' || !fixed_digits (p + 14, 2, &mi)
      || p[16] != ':' || !fixed_digits (p + 17, 2, &sec) || mo < 1 || mo > 12 || d < 1 || d > 31
      || h > 23 || mi > 59 || sec > 60)
    return false;
  *secs = days_from_civil (y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
  return true;
}

bool
nook_time_parse_n (const char *s, size_t len, int64_t *ns)
{
  const char *p = s + 19, *end = s + len;
  int64_t frac = 0, secs;
  int oh, om;
  long off = 0;

  if (len < 20 || !parse_date_time (s, &secs))
    return false;
  if (*p == '.')
    {
      int digits = 0;
      for (p++; p < end && *p >= '0' && *p <= '9'; p++, digits++)
        if (digits < 9)
          frac = frac * 10 + (*p - '0');
      for (; digits < 9; digits++)
        frac *= 10;
    }
  if (p < end && (*p == 'Z' || *p == 'z'))
    p++;
  /* Exactly "+HH:MM".  */
  else if (end - p >= 6 && (*p == '+' || *p == '-') && fixed_digits (p + 1, 2, &oh) && p[3] == ':'
           && fixed_digits (p + 4, 2, &om))
    {
      off = (oh * 3600L + om * 60L) * (*p == '-' ? -1 : 1);
      p += 6;
    }
  else
    return false;
  if (p != end)
    return false;
  *ns = (secs - off) * 1000000000LL + frac;
  return true;
}

int
nook_time_parse (const char *s, int64_t *ns)
{
  return s && nook_time_parse_n (s, strlen (s), ns) ? 0 : -1;
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
