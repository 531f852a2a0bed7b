/* nook-runtime re-executes from a sealed copy of itself (CVE-2019-5736,
   pkg/runtime/sealed.c) for every verb but the few known to put no
   process of ours in a container, however the global options before the
   verb are spelled (Go's flag rules: -root DIR, --root=DIR ...), and
   under any name (a symlink named runc).

   The built binary is copied here, so we can write it (one nobody here
   can write is never copied), and run with --log on a FIFO: it opens
   the log once the command line is parsed, which blocks until we read,
   and while it waits /proc/PID/exe shows whether it runs from the
   memfd.  */
#include "unit.h"

/* A writable copy of the built nook-runtime, and a symlink to it named
   runc; NULL (the test skipped) when there is no built one.  */
static const char *
runtime_copy (void)
{
  const char *b = unit_build_dir (), *rt = unit_path ("nook-runtime");
  size_t len;
  char *data;

  if (b == NULL || access (unit_fmt ("%s/libexec/nook/nook-runtime", b), X_OK) < 0)
    return NULL;
  data = unit_read_file (unit_fmt ("%s/libexec/nook/nook-runtime", b), &len);
  if (!CHECK (data != NULL))
    return NULL;
  unit_write_file (rt, data, len, 0755);
  CHECK_INT_EQ (symlink ("nook-runtime", unit_path ("runc")), 0);
  CHECK_INT_EQ (mkfifo (unit_path ("log"), 0600), 0);
  return rt;
}

#define runtime_or_skip(rt)                                                                        \
  do                                                                                               \
    {                                                                                              \
      rt = runtime_copy ();                                                                        \
      if (rt == NULL)                                                                              \
        SKIP ("no built nook-runtime next to this test");                                          \
    }                                                                                              \
  while (0)

/* The state letter of PID (/proc/PID/stat), or '?'.  */
static char
proc_state (pid_t pid)
{
  char *stat = unit_read_file (unit_fmt ("/proc/%d/stat", (int)pid), NULL);
  char *p = stat ? strrchr (stat, ')') : NULL;
  return p && p[1] == ' ' ? p[2] : '?';
}

/* What /proc/PID/exe of the runtime reads while it waits on its --log:
   run as PROG (in the test's directory) with ARGS, space-separated words
   where a trailing "LOG" stands for the FIFO's path.  */
static const char *
exe_while_logging (const char *prog, const char *args)
{
  char *argv[32], *words = unit_keep (xstrdup (args)), *save = NULL, link[4096] = "";
  size_t n = 0;
  ssize_t len;
  int fd, st;
  pid_t pid;

  argv[n++] = (char *)unit_path (prog);
  for (char *w = strtok_r (words, " ", &save); w && n < 31; w = strtok_r (NULL, " ", &save))
    {
      size_t wl = strlen (w);
      bool log = wl >= 3 && strcmp (w + wl - 3, "LOG") == 0;
      argv[n++] = log ? unit_fmt ("%.*s%s", (int)(wl - 3), w, unit_path ("log")) : w;
    }
  argv[n] = NULL;
  pid = fork ();
  if (pid == 0)
    {
      int null = open ("/dev/null", O_RDWR);
      dup2 (null, 1);
      dup2 (null, 2);
      if (chdir (unit_tmpdir ()) == 0)
        execv (argv[0], argv);
      _exit (127);
    }
  /* Asleep: in the open of the FIFO, its one wait (the re-exec before it
     never sleeps).  Gone (a zombie): it never opened its log.  */
  for (int i = 0; i < 2000 && proc_state (pid) != 'S' && proc_state (pid) != 'Z'; i++)
    usleep (5000);
  len = readlink (unit_fmt ("/proc/%d/exe", (int)pid), link, sizeof (link) - 1);
  link[len > 0 ? len : 0] = '\0';
  fd = open (unit_path ("log"), O_RDONLY | O_NONBLOCK);
  waitpid (pid, &st, 0);
  if (fd >= 0)
    close (fd);
  return unit_keep (xstrdup (link));
}

static bool
from_memfd (const char *exe)
{
  return str_has_prefix (exe, "/memfd:nook-runtime");
}

/* The verbs that put a process of ours in a container, with the global
   options spelled every way the parser takes them.  */
TEST (create_run_exec_sealed_however_the_options_are_spelled)
{
  static const char *const lines[] = {
    "--log LOG --root R create c",
    "--log LOG -root R create c",
    "-log LOG --root=R create c",
    "--log=LOG -root=R run c",
    "-log=LOG --root R exec c true",
    "--log LOG -debug -root R --log-format json create c",
    "--log LOG --debug=true -log-format=text create c",
    "--log LOG -rootless true --criu /x run --detach c",
    "--log LOG --systemd-cgroup=false -root R create c",
    "--log LOG -- create c",
    "--log LOG -root R exec --cwd / c true",
  };
  const char *rt;

  runtime_or_skip (rt);
  for (size_t i = 0; i < NOOK_ARRAY_SIZE (lines); i++)
    {
      const char *exe = exe_while_logging ("nook-runtime", lines[i]);
      if (!CHECK (from_memfd (exe)))
        unit_note ("nook-runtime %s: /proc/PID/exe is `%s`", lines[i], exe);
    }
}

TEST (sealed_under_another_name)
{
  const char *rt, *exe;

  runtime_or_skip (rt);
  exe = exe_while_logging ("runc", "-log LOG -root R create c");
  CHECK (from_memfd (exe));
  exe = exe_while_logging ("runc", "--log LOG exec c true");
  CHECK (from_memfd (exe));
  /* And the fast path holds there too.  */
  exe = exe_while_logging ("runc", "--log LOG -root R state c");
  CHECK_STR_EQ (exe, rt);
}

/* The read-only verbs stay fast: no copy, no second execve.  */
TEST (read_only_verbs_not_sealed)
{
  static const char *const lines[] = {
    "--log LOG -root R state c",
    "-log=LOG --root=R start c",
    "--log LOG -debug -root R kill c KILL",
    "--log LOG --log-format=json delete --force c",
    "--log LOG -rootless true list",
    "--log LOG --root R ps c",
    "--log LOG -v=false features",
    "--log LOG --criu /x spec --bundle /nonexistent",
  };
  const char *rt;

  runtime_or_skip (rt);
  for (size_t i = 0; i < NOOK_ARRAY_SIZE (lines); i++)
    {
      const char *exe = exe_while_logging ("nook-runtime", lines[i]);
      if (!CHECK_STR_EQ (exe, rt))
        unit_note ("nook-runtime %s", lines[i]);
    }
}

/* A value is never the verb, even one that reads like a verb.  */
TEST (a_value_is_not_the_verb)
{
  const char *rt, *exe;

  runtime_or_skip (rt);
  exe = exe_while_logging ("nook-runtime", "--log LOG --root state create c");
  CHECK (from_memfd (exe));
  exe = exe_while_logging ("nook-runtime", "--log LOG -root create state c");
  CHECK_STR_EQ (exe, rt);
  exe = exe_while_logging ("nook-runtime", "--criu list -log LOG exec c true");
  CHECK (from_memfd (exe));
}

UNIT_MAIN ()
