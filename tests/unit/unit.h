/* nook — a tiny TAP harness for the C unit tests of pkg/.

   A test file defines its tests with TEST (name) { ... } and ends with
   UNIT_MAIN ().  Tests run in file order, each in a forked child (a crash
   or a hang fails that test alone), each with a fresh temporary directory
   (unit_tmpdir ()) that is removed afterwards, whatever the test left in
   it (0000 directories included).  Output is TAP:

     1..N
     ok 1 - name
     # file.c:12: CHECK_STR_EQ (a, b) failed
     #   got:      "x"
     #   expected: "y"
     not ok 2 - name
     ok 3 - name # skip why

   (a failed check's comment lines come before its test's result line).

   The program exits 1 when a test failed.  Environment: UNIT_NOFORK=1 runs
   the tests in the one process (for a debugger); an argument selects the
   tests whose name contains it.

   Everything here is static (and marked unused) so each test file can
   include it under -Wmissing-prototypes -Werror.  */
#ifndef NOOK_UNIT_H
#define NOOK_UNIT_H

#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/util.h"

#define UNIT_FN        static __attribute__ ((unused))
#define UNIT_MAX_TESTS 512
#define UNIT_TIMEOUT   30 /* seconds per test */
#define UNIT_EXIT_FAIL 1
#define UNIT_EXIT_SKIP 77

struct unit_test
{
  const char *name;
  void (*fn) (void);
  int line;
};

static struct unit_test unit_tests_[UNIT_MAX_TESTS];
static size_t unit_ntests_;
static int unit_failures_;      /* failed checks in the running test */
static char *unit_skip_reason_; /* set by SKIP */
static char *unit_tmp_;         /* the running test's temporary directory */
static void **unit_kept_;       /* freed when the test ends */
static size_t unit_nkept_;

UNIT_FN void
unit_register_ (const char *name, void (*fn) (void), int line)
{
  if (unit_ntests_ == UNIT_MAX_TESTS)
    {
      fprintf (stderr, "unit.h: more than %d tests\n", UNIT_MAX_TESTS);
      abort ();
    }
  unit_tests_[unit_ntests_++] = (struct unit_test){ name, fn, line };
}

/* Constructors run in an order the toolchain picks: main sorts by line.  */
#define TEST(name)                                                                                 \
  static void test_##name (void);                                                                  \
  __attribute__ ((constructor)) static void unit_register_##name (void)                            \
  {                                                                                                \
    unit_register_ (#name, test_##name, __LINE__);                                                 \
  }                                                                                                \
  static void test_##name (void)

/* ---- reporting ---- */

/* Print MSG as "# " comment lines (one per line of MSG).  Bytes outside
   printable ASCII are written as \xNN: a stray invalid UTF-8 byte would
   make grep call the whole output binary.  */
UNIT_FN void
unit_comment_ (const char *msg)
{
  fputs ("# ", stdout);
  for (const unsigned char *p = (const unsigned char *)msg; *p; p++)
    {
      if (*p == '\n' && p[1] != '\0')
        fputs ("\n# ", stdout);
      else if (*p == '\n')
        ;
      else if (*p < 0x20 || *p >= 0x7f)
        printf ("\\x%02x", *p);
      else
        putchar (*p);
    }
  putchar ('\n');
}

UNIT_FN void __attribute__ ((format (printf, 1, 2))) unit_note (const char *fmt, ...)
{
  va_list ap;
  char *msg = NULL;
  va_start (ap, fmt);
  if (vasprintf (&msg, fmt, ap) < 0)
    abort ();
  va_end (ap);
  unit_comment_ (msg);
  free (msg);
}

UNIT_FN void __attribute__ ((format (printf, 3, 4)))
unit_fail_ (const char *file, int line, const char *fmt, ...)
{
  va_list ap;
  char *msg = NULL;
  va_start (ap, fmt);
  if (vasprintf (&msg, fmt, ap) < 0)
    abort ();
  va_end (ap);
  unit_note ("%s:%d: %s", file, line, msg);
  free (msg);
  unit_failures_++;
  fflush (stdout);
}

/* S quoted C-style, non-printable bytes escaped; NULL as (null).  */
UNIT_FN char *
unit_quote_ (const char *s, size_t len)
{
  char *out, *q;
  if (s == NULL)
    return strdup ("(null)");
  if (len > 300)
    len = 300;
  out = q = malloc (len * 4 + 8);
  if (out == NULL)
    abort ();
  *q++ = '"';
  for (size_t i = 0; i < len; i++)
    {
      unsigned char c = (unsigned char)s[i];
      if (c == '"' || c == '\\')
        q += sprintf (q, "\\%c", c);
      else if (c < 0x20 || c == 0x7f)
        q += sprintf (q, "\\x%02x", c);
      else
        *q++ = (char)c;
    }
  *q++ = '"';
  *q = '\0';
  return out;
}

UNIT_FN bool
unit_check_ (bool ok, const char *file, int line, const char *expr)
{
  if (!ok)
    unit_fail_ (file, line, "CHECK (%s) failed", expr);
  return ok;
}

UNIT_FN bool
unit_check_str_ (const char *got, const char *want, const char *file, int line, const char *egot,
                 const char *ewant)
{
  char *qg, *qw;
  if (got == want || (got && want && strcmp (got, want) == 0))
    return true;
  qg = unit_quote_ (got, got ? strlen (got) : 0);
  qw = unit_quote_ (want, want ? strlen (want) : 0);
  unit_fail_ (file, line, "CHECK_STR_EQ (%s, %s) failed\n  got:      %s\n  expected: %s", egot,
              ewant, qg, qw);
  free (qg);
  free (qw);
  return false;
}

UNIT_FN bool
unit_check_int_ (long long got, long long want, const char *file, int line, const char *egot,
                 const char *ewant)
{
  if (got == want)
    return true;
  unit_fail_ (file, line, "CHECK_INT_EQ (%s, %s) failed\n  got:      %lld\n  expected: %lld", egot,
              ewant, got, want);
  return false;
}

UNIT_FN bool
unit_check_mem_ (const void *got, size_t glen, const void *want, size_t wlen, const char *file,
                 int line, const char *egot)
{
  char *qg, *qw;
  if (got && glen == wlen && memcmp (got, want, wlen) == 0)
    return true;
  qg = unit_quote_ (got, glen);
  qw = unit_quote_ (want, wlen);
  unit_fail_ (file, line,
              "CHECK_MEM_EQ (%s) failed\n  got (%zu bytes):      %s\n"
              "  expected (%zu bytes): %s",
              egot, glen, qg, wlen, qw);
  free (qg);
  free (qw);
  return false;
}

/* Each CHECK evaluates to true when it passed, so a test can stop early:
     if (!CHECK (fd >= 0)) return;  */
#define CHECK(cond)        unit_check_ ((cond) ? true : false, __FILE__, __LINE__, #cond)
#define CHECK_STR_EQ(a, b) unit_check_str_ ((a), (b), __FILE__, __LINE__, #a, #b)
#define CHECK_INT_EQ(a, b)                                                                         \
  unit_check_int_ ((long long)(a), (long long)(b), __FILE__, __LINE__, #a, #b)
#define CHECK_MEM_EQ(a, alen, b, blen)                                                             \
  unit_check_mem_ ((a), (alen), (b), (blen), __FILE__, __LINE__, #a)
/* S contains NEEDLE.  */
#define CHECK_STR_HAS(s, needle)                                                                   \
  ({                                                                                               \
    const char *unit_hs_ = (s), *unit_hn_ = (needle);                                              \
    bool unit_hok_ = unit_hs_ && strstr (unit_hs_, unit_hn_);                                      \
    if (!unit_hok_)                                                                                \
      {                                                                                            \
        char *unit_hq_ = unit_quote_ (unit_hs_, unit_hs_ ? strlen (unit_hs_) : 0);                 \
        unit_fail_ (__FILE__, __LINE__, "CHECK_STR_HAS (%s, \"%s\") failed\n  got: %s", #s,        \
                    unit_hn_, unit_hq_);                                                           \
        free (unit_hq_);                                                                           \
      }                                                                                            \
    unit_hok_;                                                                                     \
  })

/* CALL returns >= 0 and leaves *ERRP unset; otherwise the message is
   printed.  *ERRP is freed either way.  */
#define CHECK_OK(call, errp)                                                                       \
  ({                                                                                               \
    int unit_or_ = (call);                                                                         \
    bool unit_ook_ = unit_or_ >= 0 && *(errp) == NULL;                                             \
    if (!unit_ook_)                                                                                \
      unit_fail_ (__FILE__, __LINE__, "%s returned %d: %s", #call, unit_or_,                       \
                  *(errp) ? (*(errp))->msg : "(no error set)");                                    \
    nook_error_free (errp);                                                                        \
    unit_ook_;                                                                                     \
  })

/* CALL fails (< 0) with an error whose message contains NEEDLE (NULL: any)
   and, when ERRNUM is not -1, whose errnum is ERRNUM.  *ERRP is freed.  */
#define CHECK_FAIL_ERRNO(call, errp, errnum_, needle)                                              \
  ({                                                                                               \
    int unit_fr_ = (call);                                                                         \
    const char *unit_fn_ = (needle);                                                               \
    int unit_fe_ = (errnum_);                                                                      \
    bool unit_fok_ = true;                                                                         \
    if (unit_fr_ >= 0)                                                                             \
      {                                                                                            \
        unit_fail_ (__FILE__, __LINE__, "%s succeeded (%d), expected a failure", #call, unit_fr_); \
        unit_fok_ = false;                                                                         \
      }                                                                                            \
    else if (*(errp) == NULL)                                                                      \
      {                                                                                            \
        unit_fail_ (__FILE__, __LINE__, "%s failed without setting an error", #call);              \
        unit_fok_ = false;                                                                         \
      }                                                                                            \
    else if ((unit_fn_ && strstr ((*(errp))->msg, unit_fn_) == NULL)                               \
             || (unit_fe_ != -1 && (*(errp))->errnum != unit_fe_))                                 \
      {                                                                                            \
        unit_fail_ (__FILE__, __LINE__,                                                            \
                    "%s failed, but not as expected\n  got:      \"%s\" (errno %d)\n"              \
                    "  expected: a message containing \"%s\" (errno %d)",                          \
                    #call, (*(errp))->msg, (*(errp))->errnum, unit_fn_ ? unit_fn_ : "", unit_fe_); \
        unit_fok_ = false;                                                                         \
      }                                                                                            \
    nook_error_free (errp);                                                                        \
    unit_fok_;                                                                                     \
  })
#define CHECK_FAIL(call, errp, needle) CHECK_FAIL_ERRNO (call, errp, -1, needle)

/* Stop the running test and report it skipped.  */
#define SKIP(...)                                                                                  \
  do                                                                                               \
    {                                                                                              \
      if (asprintf (&unit_skip_reason_, __VA_ARGS__) < 0)                                          \
        abort ();                                                                                  \
      return;                                                                                      \
    }                                                                                              \
  while (0)

/* ---- helpers for tests ---- */

/* Free P when the running test ends; returns P.  */
UNIT_FN void *
unit_keep (void *p)
{
  unit_kept_ = realloc (unit_kept_, (unit_nkept_ + 1) * sizeof (void *));
  if (unit_kept_ == NULL)
    abort ();
  unit_kept_[unit_nkept_++] = p;
  return p;
}

UNIT_FN char *__attribute__ ((format (printf, 1, 2))) unit_fmt (const char *fmt, ...)
{
  va_list ap;
  char *s = NULL;
  va_start (ap, fmt);
  if (vasprintf (&s, fmt, ap) < 0)
    abort ();
  va_end (ap);
  return unit_keep (s);
}

/* The build tree, from the test's own path: BUILD/tests/unit/test-x.  */
UNIT_FN const char *
unit_build_dir (void)
{
  char self[4096];
  ssize_t n = readlink ("/proc/self/exe", self, sizeof (self) - 1);
  if (n < 0)
    return NULL;
  self[n] = '\0';
  *strrchr (self, '/') = '\0';
  return unit_fmt ("%s/../..", self);
}

/* The running test's own temporary directory (absolute, empty at start).  */
UNIT_FN const char *
unit_tmpdir (void)
{
  return unit_tmp_;
}

/* unit_tmpdir ()/REL, freed with the test.  */
UNIT_FN char *
unit_path (const char *rel)
{
  return unit_fmt ("%s/%s", unit_tmp_, rel);
}

UNIT_FN bool
unit_exists (const char *path)
{
  struct stat st;
  return lstat (path, &st) == 0;
}

/* Write LEN bytes of DATA to PATH with plain libc (never the code under
   test); aborts on failure.  */
UNIT_FN void
unit_write_file (const char *path, const void *data, size_t len, mode_t mode)
{
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0 || write (fd, data, len) != (ssize_t)len || close (fd) < 0)
    {
      fprintf (stderr, "unit.h: write %s: %m\n", path);
      abort ();
    }
}

/* Read PATH whole with plain libc, NUL-terminated and freed with the test;
   NULL when it cannot be read.  */
UNIT_FN char *
unit_read_file (const char *path, size_t *len)
{
  FILE *f = fopen (path, "re");
  char *buf = NULL;
  size_t n = 0, cap = 0, r;
  if (f == NULL)
    return NULL;
  do
    {
      if (cap - n < 4096)
        {
          cap = cap ? cap * 2 : 8192;
          buf = realloc (buf, cap + 1);
          if (buf == NULL)
            abort ();
        }
      r = fread (buf + n, 1, cap - n, f);
      n += r;
    }
  while (r > 0);
  fclose (f);
  buf[n] = '\0';
  if (len)
    *len = n;
  return unit_keep (buf);
}

/* The names in directory PATH other than "." and "..", sorted and joined
   with spaces ("" when empty, NULL when it cannot be read).  */
UNIT_FN int
unit_cmp_str_ (const void *a, const void *b)
{
  return strcmp (*(char *const *)a, *(char *const *)b);
}

UNIT_FN char *
unit_list_dir (const char *path)
{
  DIR *d = opendir (path);
  struct dirent *e;
  char **names = NULL;
  size_t n = 0, total = 1;
  char *out;
  if (d == NULL)
    return NULL;
  while ((e = readdir (d)) != NULL)
    {
      if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0)
        continue;
      names = realloc (names, (n + 1) * sizeof (char *));
      if (names == NULL || (names[n] = strdup (e->d_name)) == NULL)
        abort ();
      total += strlen (names[n++]) + 1;
    }
  closedir (d);
  if (n > 1)
    qsort (names, n, sizeof (char *), unit_cmp_str_);
  out = calloc (1, total);
  if (out == NULL)
    abort ();
  for (size_t i = 0; i < n; i++)
    {
      if (i)
        strcat (out, " ");
      strcat (out, names[i]);
      free (names[i]);
    }
  free (names);
  return unit_keep (out);
}

/* Capture what is written on fd 2 between begin and end (library
   warnings).  The text is freed with the test.  */
static int unit_saved_stderr_ = -1;
static FILE *unit_capture_file_;

UNIT_FN void
unit_capture_stderr_begin (void)
{
  fflush (stderr);
  unit_capture_file_ = tmpfile ();
  if (unit_capture_file_ == NULL)
    abort ();
  unit_saved_stderr_ = dup (STDERR_FILENO);
  dup2 (fileno (unit_capture_file_), STDERR_FILENO);
}

UNIT_FN char *
unit_capture_stderr_end (void)
{
  long size;
  char *buf;
  fflush (stderr);
  dup2 (unit_saved_stderr_, STDERR_FILENO);
  close (unit_saved_stderr_);
  unit_saved_stderr_ = -1;
  size = ftell (unit_capture_file_);
  buf = calloc (1, (size_t)(size > 0 ? size : 0) + 1);
  if (buf == NULL)
    abort ();
  rewind (unit_capture_file_);
  if (size > 0 && fread (buf, 1, (size_t)size, unit_capture_file_) != (size_t)size)
    abort ();
  fclose (unit_capture_file_);
  unit_capture_file_ = NULL;
  return unit_keep (buf);
}

/* ---- running ---- */

/* rm -rf DIRFD/NAME without following symlinks, making directories
   writable on the way: the harness's own cleanup, independent of the
   code under test.  */
UNIT_FN void
unit_rm_rf_ (int dirfd, const char *name)
{
  int fd;
  DIR *d;
  struct dirent *e;

  if (unlinkat (dirfd, name, 0) == 0 || errno == ENOENT)
    return;
  fchmodat (dirfd, name, 0700, 0);
  fd = openat (dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return;
  d = fdopendir (fd);
  if (d == NULL)
    {
      close (fd);
      return;
    }
  while ((e = readdir (d)) != NULL)
    if (strcmp (e->d_name, ".") != 0 && strcmp (e->d_name, "..") != 0)
      unit_rm_rf_ (fd, e->d_name);
  closedir (d);
  if (unlinkat (dirfd, name, AT_REMOVEDIR) < 0)
    fprintf (stderr, "unit.h: cannot remove %s: %m\n", name);
}

/* Run test T in this process; returns 0, UNIT_EXIT_FAIL or UNIT_EXIT_SKIP
   (with the reason in unit_skip_reason_).  */
UNIT_FN int
unit_run_one_ (const struct unit_test *t)
{
  unit_failures_ = 0;
  free (unit_skip_reason_);
  unit_skip_reason_ = NULL;
  t->fn ();
  for (size_t i = 0; i < unit_nkept_; i++)
    free (unit_kept_[i]);
  free (unit_kept_);
  unit_kept_ = NULL;
  unit_nkept_ = 0;
  fflush (stdout);
  if (unit_failures_)
    return UNIT_EXIT_FAIL;
  return unit_skip_reason_ ? UNIT_EXIT_SKIP : 0;
}

UNIT_FN void
unit_print_result_ (size_t num, const char *name, int code, const char *reason)
{
  if (code == UNIT_EXIT_FAIL)
    printf ("not ok %zu - %s\n", num, name);
  else if (code == UNIT_EXIT_SKIP)
    printf ("ok %zu - %s # skip %s\n", num, name, reason && *reason ? reason : "(no reason)");
  else
    printf ("ok %zu - %s\n", num, name);
  fflush (stdout);
}

/* Run T in a child; the child sends "CODE REASON" on a pipe before it
   exits, so a failure after the test (a sanitizer's leak report at exit)
   or a crash is told apart from the test's own verdict.  */
UNIT_FN int
unit_run_forked_ (size_t num, const struct unit_test *t)
{
  int p[2], status = 0, code = UNIT_EXIT_FAIL;
  char msg[512] = "";
  ssize_t n = 0, r;
  pid_t pid;

  if (pipe2 (p, O_CLOEXEC) < 0 || (pid = fork ()) < 0)
    {
      printf ("Bail out! fork: %s\n", strerror (errno));
      exit (1);
    }
  if (pid == 0)
    {
      close (p[0]);
      alarm (UNIT_TIMEOUT);
      code = unit_run_one_ (t);
      dprintf (p[1], "%d %s", code, unit_skip_reason_ ? unit_skip_reason_ : "");
      close (p[1]);
      free (unit_skip_reason_);
      free (unit_tmp_);
      exit (code); /* exit, not _exit: leak checkers run here */
    }
  close (p[1]);
  while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
  /* A grandchild the test forked may still hold the pipe: do not wait.  */
  fcntl (p[0], F_SETFL, O_NONBLOCK);
  while (n < (ssize_t)sizeof (msg) - 1 && (r = read (p[0], msg + n, sizeof (msg) - 1 - n)) > 0)
    n += r;
  msg[n] = '\0';
  close (p[0]);
  if (n > 0)
    code = atoi (msg);
  if (WIFSIGNALED (status))
    {
      printf ("# %s: killed by signal %d (%s)%s\n", t->name, WTERMSIG (status),
              strsignal (WTERMSIG (status)), WTERMSIG (status) == SIGALRM ? ": timed out" : "");
      code = UNIT_EXIT_FAIL;
    }
  else if (n == 0 || WEXITSTATUS (status) != code)
    {
      printf ("# %s: exited with status %d%s\n", t->name, WEXITSTATUS (status),
              n ? " after the test (a sanitizer report?)" : " before reporting");
      code = UNIT_EXIT_FAIL;
    }
  unit_print_result_ (num, t->name, code, strchr (msg, ' ') ? strchr (msg, ' ') + 1 : "");
  return code;
}

UNIT_FN int
unit_cmp_test_ (const void *a, const void *b)
{
  return ((const struct unit_test *)a)->line - ((const struct unit_test *)b)->line;
}

UNIT_FN int
unit_main_ (int argc, char **argv)
{
  const char *tmp = getenv ("TMPDIR");
  const char *filter = argc > 1 ? argv[1] : NULL;
  bool nofork = getenv ("UNIT_NOFORK") && strcmp (getenv ("UNIT_NOFORK"), "0") != 0;
  const char *prog = strrchr (argv[0], '/') ? strrchr (argv[0], '/') + 1 : argv[0];
  char top[4096];
  size_t planned = 0, num = 0;
  int failed = 0, topfd;

  setvbuf (stdout, NULL, _IOLBF, 0);
  umask (022);
  signal (SIGPIPE, SIG_IGN);
  qsort (unit_tests_, unit_ntests_, sizeof (unit_tests_[0]), unit_cmp_test_);
  snprintf (top, sizeof (top), "%s/%s.XXXXXX", tmp && *tmp ? tmp : "/tmp", prog);
  if (mkdtemp (top) == NULL || (topfd = open (top, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
    {
      printf ("Bail out! mkdtemp %s: %s\n", top, strerror (errno));
      return 1;
    }

  for (size_t i = 0; i < unit_ntests_; i++)
    if (filter == NULL || strstr (unit_tests_[i].name, filter))
      planned++;
  printf ("1..%zu\n", planned);

  for (size_t i = 0; i < unit_ntests_; i++)
    {
      const struct unit_test *t = &unit_tests_[i];
      char sub[32];
      int code;

      if (filter && strstr (t->name, filter) == NULL)
        continue;
      num++;
      snprintf (sub, sizeof (sub), "%zu", num);
      if (mkdirat (topfd, sub, 0755) < 0)
        {
          printf ("Bail out! mkdir %s/%s: %s\n", top, sub, strerror (errno));
          return 1;
        }
      free (unit_tmp_);
      if (asprintf (&unit_tmp_, "%s/%s", top, sub) < 0)
        abort ();
      fflush (stdout);
      fflush (stderr);
      if (nofork)
        {
          code = unit_run_one_ (t);
          unit_print_result_ (num, t->name, code, unit_skip_reason_);
          free (unit_skip_reason_);
          unit_skip_reason_ = NULL;
        }
      else
        code = unit_run_forked_ (num, t);
      if (code == UNIT_EXIT_FAIL)
        failed++;
      unit_rm_rf_ (topfd, sub);
    }
  close (topfd);
  unit_rm_rf_ (AT_FDCWD, top);
  free (unit_tmp_);
  unit_tmp_ = NULL;
  return failed ? 1 : 0;
}

#define UNIT_MAIN()                                                                                \
  int main (int argc, char **argv)                                                                 \
  {                                                                                                \
    return unit_main_ (argc, argv);                                                                \
  }

#endif
