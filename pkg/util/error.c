/* Errors and logging.  One error record per failure, described once where
   it happens; callers add context with nook_error_prefix.  */
#include "util.h"

#include <string.h>
#include <time.h>

static enum nook_log_level log_level = NOOK_LOG_WARN; /* once per process */

static char *
vformat (const char *fmt, va_list ap)
{
  char *s = NULL;
  if (vasprintf (&s, fmt, ap) < 0)
    {
      fputs ("nook: out of memory\n", stderr);
      abort ();
    }
  return s;
}

int
nook_error (nook_error_t *err, int errnum, const char *fmt, ...)
{
  va_list ap;
  _cleanup_free_ char *msg = NULL;

  va_start (ap, fmt);
  msg = vformat (fmt, ap);
  va_end (ap);

  if (*err != NULL)
    {
      /* A second failure while unwinding: keep the first, it is the cause.  */
      nook_debug ("discarded error: %s", msg);
      return -1;
    }
  *err = xzalloc (sizeof (**err));
  (*err)->errnum = errnum;
  (*err)->msg = errnum ? xasprintf ("%s: %s", msg, strerror (errnum)) : steal_pointer (&msg);
  return -1;
}

int
nook_error_prefix (nook_error_t *err, const char *fmt, ...)
{
  va_list ap;
  _cleanup_free_ char *prefix = NULL;
  char *msg;

  if (*err == NULL)
    return -1;
  va_start (ap, fmt);
  prefix = vformat (fmt, ap);
  va_end (ap);
  msg = xasprintf ("%s: %s", prefix, (*err)->msg);
  free ((*err)->msg);
  (*err)->msg = msg;
  return -1;
}

int
nook_error_set_errno (nook_error_t *err, int errnum)
{
  if (*err)
    (*err)->errnum = errnum;
  return -1;
}

int
nook_error_exit (nook_error_t *err, int code)
{
  if (*err)
    (*err)->exit_code = code;
  return -1;
}

void
nook_error_free (nook_error_t *err)
{
  if (*err == NULL)
    return;
  free ((*err)->msg);
  free (*err);
  *err = NULL;
}

int
nook_error_report (nook_error_t *err)
{
  int code = 125;

  if (*err == NULL)
    return code;
  fprintf (stderr, "Error: %s\n", (*err)->msg);
  if ((*err)->exit_code)
    code = (*err)->exit_code;
  nook_error_free (err);
  return code;
}

void
nook_log_set_level (enum nook_log_level level)
{
  log_level = level;
}

enum nook_log_level
nook_log_get_level (void)
{
  return log_level;
}

static void (*log_writer) (enum nook_log_level level, const char *msg);

void
nook_log_set_writer (void (*writer) (enum nook_log_level level, const char *msg))
{
  log_writer = writer;
}

static void
vlog (enum nook_log_level level, const char *prefix, const char *fmt, va_list ap)
{
  _cleanup_free_ char *msg = vformat (fmt, ap);
  _cleanup_free_ char *line = NULL;

  if (log_writer)
    {
      log_writer (level, msg);
      return;
    }
  line = xasprintf ("%s%s\n", prefix, msg);
  /* One write, so lines from concurrent processes do not interleave.  */
  (void)nook_write_all (STDERR_FILENO, line, strlen (line));
}

void
nook_warn (const char *fmt, ...)
{
  va_list ap;
  if (log_level < NOOK_LOG_WARN)
    return;
  va_start (ap, fmt);
  vlog (NOOK_LOG_WARN, "WARN[0000] ", fmt, ap);
  va_end (ap);
}

void
nook_debug (const char *fmt, ...)
{
  va_list ap;
  struct timespec ts;
  char prefix[64];

  if (log_level < NOOK_LOG_DEBUG)
    return;
  /* Milliseconds of the monotonic clock: lines from the CLI, the monitor
     and the runtime line up, which is what profiling start-up needs.  */
  clock_gettime (CLOCK_MONOTONIC, &ts);
  snprintf (prefix, sizeof (prefix), "DEBU[%lld.%03ld] [%d] ", (long long)ts.tv_sec % 100000,
            ts.tv_nsec / 1000000, (int)getpid ());
  va_start (ap, fmt);
  vlog (NOOK_LOG_DEBUG, prefix, fmt, ap);
  va_end (ap);
}

void
nook_die (int errnum, const char *fmt, ...)
{
  va_list ap;
  _cleanup_free_ char *msg = NULL;

  va_start (ap, fmt);
  msg = vformat (fmt, ap);
  va_end (ap);
  if (errnum)
    fprintf (stderr, "Error: %s: %s\n", msg, strerror (errnum));
  else
    fprintf (stderr, "Error: %s\n", msg);
  exit (125);
}
