/* pkg/logs: the k8s-file writer, reader, rotation and time parsing.  */
#include "unit.h"

#include "logs/logs.h"

#include <time.h>

#define T0 1790000000123456789LL /* 2026-09-21T... UTC */

static struct log_writer
open_log (const char *name, uint64_t max_size, unsigned max_files)
{
  struct log_writer w;
  nook_error_t err = NULL;
  if (!CHECK_OK (log_writer_open (&w, unit_path (name), max_size, max_files, &err), &err))
    abort ();
  return w;
}

static void
put (struct log_writer *w, enum log_stream s, const char *text, int64_t ns)
{
  nook_error_t err = NULL;
  CHECK_OK (log_writer_write (w, s, text, strlen (text), ns, &err), &err);
}

/* Run a reader over NAME with O; stdout and stderr into one file (in
   order) or two.  Returns what was printed (both, when SAME).  */
static char *
read_log (const char *name, const struct log_read_opts *o, bool same, char **errout)
{
  struct log_reader r;
  nook_error_t err = NULL;
  const char *outp = unit_path ("out"), *errp = unit_path ("err");
  int out = open (outp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  int efd = same ? out : open (errp, O_WRONLY | O_CREAT | O_TRUNC, 0600);

  log_reader_init (&r, unit_path (name), o);
  CHECK_OK (log_reader_run (&r, out, efd, true, &err), &err);
  log_reader_free (&r);
  close (out);
  if (!same)
    close (efd);
  if (errout)
    *errout = unit_read_file (errp, NULL);
  return unit_read_file (outp, NULL);
}

static const struct log_read_opts all = { .tail = -1 };

TEST (writer_records)
{
  struct log_writer w = open_log ("ctr.log", 0, 1);
  char *text;

  setenv ("TZ", "UTC", 1);
  tzset ();
  put (&w, LOG_STDOUT, "one\ntwo\npart", T0);
  put (&w, LOG_STDERR, "err line\n", T0 + 1000000000LL);
  log_writer_close (&w);
  text = unit_read_file (unit_path ("ctr.log"), NULL);
  CHECK_STR_EQ (text, "2026-09-21T14:13:20.123456789+00:00 stdout F one\n"
                      "2026-09-21T14:13:20.123456789+00:00 stdout F two\n"
                      "2026-09-21T14:13:20.123456789+00:00 stdout P part\n"
                      "2026-09-21T14:13:21.123456789+00:00 stderr F err line\n");
}

TEST (reader_joins_partial_lines_and_splits_streams)
{
  struct log_writer w = open_log ("ctr.log", 0, 1);
  char *err_text;

  put (&w, LOG_STDOUT, "a", T0);
  put (&w, LOG_STDOUT, "b", T0);
  put (&w, LOG_STDOUT, "c\nd\n", T0);
  put (&w, LOG_STDERR, "oops\n", T0);
  put (&w, LOG_STDOUT, "tail without newline", T0);
  log_writer_close (&w);
  CHECK_STR_EQ (read_log ("ctr.log", &all, false, &err_text), "abc\nd\ntail without newline");
  CHECK_STR_EQ (err_text, "oops\n");
  CHECK_STR_EQ (read_log ("ctr.log", &all, true, NULL), "abc\nd\noops\ntail without newline");
}

TEST (reader_timestamps_and_names)
{
  struct log_writer w = open_log ("ctr.log", 0, 1);
  struct log_read_opts o = { .tail = -1, .timestamps = true, .prefix = "web" };

  setenv ("TZ", "UTC", 1);
  tzset ();
  put (&w, LOG_STDOUT, "x\n", 1790000000120000000LL);
  put (&w, LOG_STDOUT, "y\n", 1790000001000000000LL);
  log_writer_close (&w);
  CHECK_STR_EQ (read_log ("ctr.log", &o, true, NULL),
                "web 2026-09-21T14:13:20.12Z x\nweb 2026-09-21T14:13:21Z y\n");
}

TEST (reader_tail)
{
  struct log_writer w = open_log ("ctr.log", 0, 1);
  struct log_read_opts o = { .tail = 2 };

  put (&w, LOG_STDOUT, "1\n2\n", T0);
  put (&w, LOG_STDOUT, "3a", T0);
  put (&w, LOG_STDOUT, "3b\n4\n", T0);
  log_writer_close (&w);
  CHECK_STR_EQ (read_log ("ctr.log", &o, true, NULL), "3a3b\n4\n");
  o.tail = 0;
  CHECK_STR_EQ (read_log ("ctr.log", &o, true, NULL), "");
  o.tail = 100;
  CHECK_STR_EQ (read_log ("ctr.log", &o, true, NULL), "1\n2\n3a3b\n4\n");
}

TEST (reader_since_until)
{
  struct log_writer w = open_log ("ctr.log", 0, 1);
  struct log_read_opts o = { .tail = -1, .since = T0 + 1000000000LL };

  for (int i = 0; i < 5; i++)
    put (&w, LOG_STDOUT, unit_fmt ("%d\n", i), T0 + i * 1000000000LL);
  log_writer_close (&w);
  CHECK_STR_EQ (read_log ("ctr.log", &o, true, NULL), "1\n2\n3\n4\n");
  o.until = T0 + 3000000000LL;
  CHECK_STR_EQ (read_log ("ctr.log", &o, true, NULL), "1\n2\n3\n");
}

TEST (rotation_renames_and_reader_reads_across)
{
  struct log_writer w = open_log ("ctr.log", 200, 3);
  struct log_read_opts o = { .tail = -1 };
  struct nook_buf want = { 0 };
  char *got;

  for (int i = 0; i < 40; i++)
    {
      char *line = unit_fmt ("line %02d\n", i);
      put (&w, LOG_STDOUT, line, T0);
      nook_buf_puts (&want, line);
    }
  log_writer_close (&w);
  CHECK (unit_exists (unit_path ("ctr.log.1")));
  CHECK (unit_exists (unit_path ("ctr.log.2")));
  CHECK (!unit_exists (unit_path ("ctr.log.3")));
  /* Three files kept: the oldest lines are gone, the rest in order.  */
  got = read_log ("ctr.log", &o, true, NULL);
  CHECK (strlen (got) < want.len);
  CHECK (str_has_suffix (want.data, got));
  CHECK (str_has_suffix (got, "line 39\n"));
  o.tail = 3;
  CHECK_STR_EQ (read_log ("ctr.log", &o, true, NULL), "line 37\nline 38\nline 39\n");
  nook_buf_free (&want);
}

/* A reader that goes on where it stopped, across a rotation: what
   `logs -f` does.  */
TEST (reader_follows_across_rotation)
{
  struct log_writer w = open_log ("ctr.log", 120, 4);
  struct log_reader r;
  nook_error_t err = NULL;
  const char *outp = unit_path ("out");
  int out = open (outp, O_WRONLY | O_CREAT | O_TRUNC, 0600);

  log_reader_init (&r, unit_path ("ctr.log"), &all);
  put (&w, LOG_STDOUT, "first\n", T0);
  CHECK_OK (log_reader_run (&r, out, out, false, &err), &err);
  put (&w, LOG_STDOUT, "part", T0);
  CHECK_OK (log_reader_run (&r, out, out, false, &err), &err);
  for (int i = 0; i < 5; i++)
    put (&w, LOG_STDOUT, unit_fmt ("-%d\n", i), T0);
  CHECK_OK (log_reader_run (&r, out, out, false, &err), &err);
  put (&w, LOG_STDOUT, "last", T0);
  CHECK_OK (log_reader_run (&r, out, out, true, &err), &err);
  log_reader_free (&r);
  log_writer_close (&w);
  close (out);
  CHECK (unit_exists (unit_path ("ctr.log.1")));
  CHECK_STR_EQ (unit_read_file (outp, NULL), "first\npart-0\n-1\n-2\n-3\n-4\nlast");
}

/* `logs -f` while the monitor rotates: a writer in another process
   renames the files as fast as it can while the reader goes on where it
   stopped.  Every line once, in order (the files are enough that none is
   dropped).  A reader that follows by name alone saw a file move under
   it and started again from the oldest.  */
TEST (reader_follows_while_another_process_rotates)
{
  const int lines = 5000;
  const char *outp = unit_path ("out");
  int out = open (outp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  struct log_writer w = open_log ("ctr.log", 2000, 1000);
  struct nook_buf want = { 0 };
  struct log_reader r;
  nook_error_t err = NULL;
  int status;
  pid_t pid = fork ();

  if (pid == 0)
    {
      for (int i = 0; i < lines; i++)
        {
          char line[16];
          int n = snprintf (line, sizeof (line), "%d\n", i);
          if (log_writer_write (&w, LOG_STDOUT, line, (size_t)n, T0, &err) < 0)
            _exit (1);
        }
      _exit (0);
    }
  log_writer_close (&w);
  log_reader_init (&r, unit_path ("ctr.log"), &all);
  while (waitpid (pid, &status, WNOHANG) == 0)
    if (!CHECK_OK (log_reader_run (&r, out, out, false, &err), &err))
      break;
  CHECK_OK (log_reader_run (&r, out, out, true, &err), &err);
  log_reader_free (&r);
  close (out);
  CHECK (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  for (int i = 0; i < lines; i++)
    nook_buf_printf (&want, "%d\n", i);
  CHECK (unit_read_file (outp, NULL) != NULL
         && strcmp (unit_read_file (outp, NULL), want.data) == 0);
  nook_buf_free (&want);
}

TEST (reader_skips_garbage_and_survives_a_cut_file)
{
  const char *text = "garbage without spaces\n"
                     "2026-09-21T14:13:20.1+00:00 stdout F ok\n"
                     "not-a-time stdout F still printed\n"
                     "2026-09-21T14:13:20.1+00:00 stdout F cut in the mid";
  unit_write_file (unit_path ("ctr.log"), text, strlen (text), 0600);
  CHECK_STR_EQ (read_log ("ctr.log", &all, true, NULL), "ok\nstill printed\ncut in the mid\n");
}

TEST (many_short_lines)
{
  struct log_writer w = open_log ("ctr.log", 0, 1);
  struct nook_buf in = { 0 };
  char *got;

  for (int i = 0; i < 5000; i++)
    nook_buf_printf (&in, "%d\n", i);
  put (&w, LOG_STDOUT, in.data, T0);
  log_writer_close (&w);
  got = read_log ("ctr.log", &all, true, NULL);
  CHECK_STR_EQ (got, in.data);
  nook_buf_free (&in);
}

TEST (parse_time)
{
  nook_error_t err = NULL;
  int64_t ns = 0, now = T0;

  setenv ("TZ", "UTC", 1);
  tzset ();
  CHECK_OK (log_parse_time ("2026-09-21T14:13:20.5Z", now, true, &ns, &err), &err);
  CHECK (ns == 1790000000500000000LL);
  CHECK_OK (log_parse_time ("2026-09-21T16:13:20+02:00", now, true, &ns, &err), &err);
  CHECK (ns == 1790000000000000000LL);
  CHECK_OK (log_parse_time ("2026-09-21T14:13:20", now, true, &ns, &err), &err);
  CHECK (ns == 1790000000000000000LL);
  CHECK_OK (log_parse_time ("2026-09-21", now, true, &ns, &err), &err);
  CHECK (ns == 1789948800000000000LL);
  CHECK_OK (log_parse_time ("1790000000", now, true, &ns, &err), &err);
  CHECK (ns == 1790000000000000000LL);
  CHECK_OK (log_parse_time ("10m", now, true, &ns, &err), &err);
  CHECK (ns == now - 600000000000LL);
  CHECK_OK (log_parse_time ("1h30m", now, false, &ns, &err), &err);
  CHECK (ns == now + 5400000000000LL);
  CHECK_OK (log_parse_time ("1.5s", now, true, &ns, &err), &err);
  CHECK (ns == now - 1500000000LL);
  CHECK_FAIL (log_parse_time ("yesterday", now, true, &ns, &err), &err, "yesterday");
  CHECK_FAIL (log_parse_time ("5x", now, true, &ns, &err), &err, "5x");
  CHECK_FAIL (log_parse_time ("", now, true, &ns, &err), &err, "unable to interpret");
}

UNIT_MAIN ()
