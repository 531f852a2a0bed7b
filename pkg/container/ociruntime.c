/* Driving the OCI runtime from the monitor.  The container's stdio is the
   runtime's, so the runtime's own errors travel through its --log file,
   never through stderr.  */
#include "container/internal.h"

#include <fcntl.h>
#include <string.h>

#define LOG_MAX (1 << 20)

char *
container_runtime_log_error (const char *log)
{
  _cleanup_free_ char *text = NULL;
  nook_error_t err = NULL;
  char *found = NULL;

  if (nook_read_file_at (AT_FDCWD, log, LOG_MAX, &text, NULL, &err) < 0)
    {
      nook_error_free (&err);
      return NULL;
    }
  for (char *save = NULL, *line = strtok_r (text, "\n", &save); line;
       line = strtok_r (NULL, "\n", &save))
    {
      _cleanup_json_ nook_json *j = NULL;
      const char *msg;
      if (json_parse (line, strlen (line), &j, &err) < 0)
        {
          nook_error_free (&err);
          continue;
        }
      msg = json_str (json_get (j, "msg"));
      if (msg && str_eq (json_str (json_get (j, "level")), "error"))
        {
          free (found);
          found = xstrdup (msg);
        }
    }
  return found;
}

static int
spawn_runtime (const struct container_runtime *rt, const char *const *verb_args, const int stdio[3],
               const int *keep, pid_t *pid, nook_error_t *err)
{
  const char *argv[24] = { rt->path, "--root", rt->root, "--log", rt->log, "--log-format", "json" };
  struct nook_spawn s
      = { .argv = argv, .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1, .keep_fds = keep };
  size_t n = 7;

  if (nook_log_get_level () >= NOOK_LOG_DEBUG)
    argv[n++] = "--debug";
  for (size_t i = 0; verb_args[i] && n < NOOK_ARRAY_SIZE (argv) - 1; i++)
    argv[n++] = verb_args[i];
  argv[n] = NULL;
  if (stdio)
    {
      s.stdin_fd = stdio[0];
      s.stdout_fd = stdio[1];
      s.stderr_fd = stdio[2];
    }
  unlink (rt->log);
  if (nook_spawn (&s, pid, err) < 0)
    return nook_error_prefix (err, "OCI runtime");
  return 0;
}

static int
wait_runtime (const struct container_runtime *rt, const char *verb, pid_t pid, nook_error_t *err)
{
  int status;

  if (nook_waitpid (pid, &status, 0) < 0)
    return nook_error (err, errno, "wait for the OCI runtime");
  if (status != 0)
    {
      _cleanup_free_ char *msg = container_runtime_log_error (rt->log);
      const char *name = strrchr (rt->path, '/') ? strrchr (rt->path, '/') + 1 : rt->path;
      return nook_error (err, 0, "%s: %s failed: %s", name, verb, msg ? msg : "no error message");
    }
  return 0;
}

static void
append (nook_error_t *err, const char *suffix)
{
  char *msg = xasprintf ("%s%s", (*err)->msg, suffix);
  free ((*err)->msg);
  (*err)->msg = msg;
}

/* Did nook-runtime's start find that the program cannot be executed
   (ERRNO's text, as "exec `/x.sh`: No such file or directory" when a
   script's interpreter is missing)?  */
static bool
exec_failed (const char *msg, const char *error)
{
  const char *at = strstr (msg, ": exec `");
  const char *end = at ? strstr (at, "`: ") : NULL;
  return end && strcmp (end + 3, error) == 0;
}

/* Once `run` is started: the program looked up while it sets up, then
   its error mapped to the exit code Podman gives.  */
static int
finish_run (const struct container_runtime *rt, const struct container_rootfs *rootfs, pid_t pid,
            nook_error_t *err)
{
  container_rootfs_warm (rootfs);
  if (wait_runtime (rt, "run", pid, err) == 0)
    return 0;
  /* The words runc and crun use; Podman maps them the same way.  */
  if (strstr ((*err)->msg, "executable file not found")
      || strstr ((*err)->msg, "no such file or directory")
      || exec_failed ((*err)->msg, strerror (ENOENT)))
    {
      append (err, ": OCI runtime attempted to invoke a command that was not found");
      return nook_error_exit (err, 127);
    }
  if (strstr ((*err)->msg, "permission denied") || exec_failed ((*err)->msg, strerror (EACCES)))
    {
      append (err, ": OCI permission denied");
      return nook_error_exit (err, 126);
    }
  return -1;
}

/* `run --detach`, with --go-fd GO when GO >= 0: one exec for create and
   start, nothing has to happen in between.  */
static int
spawn_run (const struct container_runtime *rt, const char *id,
           const struct container_rootfs *rootfs, const char *pid_file, const int stdio[3],
           const char *console, int go, pid_t *pid, nook_error_t *err)
{
  const char *args[16] = { "run", "--detach", "--bundle", rootfs->bundle, "--pid-file", pid_file };
  int keep[2] = { go, -1 };
  char gostr[16];
  size_t n = 6;

  if (console)
    args[n++] = "--console-socket", args[n++] = console;
  if (go >= 0)
    {
      snprintf (gostr, sizeof (gostr), "%d", go);
      args[n++] = "--go-fd", args[n++] = gostr;
    }
  args[n++] = id;
  args[n] = NULL;
  return spawn_runtime (rt, args, stdio, keep, pid, err);
}

int
container_runtime_run (const struct container_runtime *rt, const char *id,
                       const struct container_rootfs *rootfs, const char *pid_file,
                       const int stdio[3], const char *console, nook_error_t *err)
{
  pid_t pid;

  if (spawn_run (rt, id, rootfs, pid_file, stdio, console, -1, &pid, err) < 0)
    return -1;
  return finish_run (rt, rootfs, pid, err);
}

int
container_runtime_run_early (const struct container_runtime *rt, const char *id,
                             const struct container_rootfs *rootfs, const char *pid_file,
                             const int stdio[3], const char *console, struct container_early_run *e,
                             nook_error_t *err)
{
  _cleanup_close_ int rd = -1;
  int p[2];

  *e = (struct container_early_run){ 0, -1 };
  if (pipe2 (p, O_CLOEXEC) < 0)
    return nook_error (err, errno, "pipe");
  rd = p[0];
  e->go = p[1];
  if (spawn_run (rt, id, rootfs, pid_file, stdio, console, rd, &e->pid, err) < 0)
    {
      nook_closep (&e->go);
      return -1;
    }
  return 0;
}

int
container_runtime_run_go (const struct container_runtime *rt, const struct container_rootfs *rootfs,
                          struct container_early_run *e, nook_error_t *err)
{
  pid_t pid = e->pid;

  /* A runtime already gone (EPIPE) says why in its log, as any other.  */
  if (write (e->go, "g", 1) != 1)
    nook_debug ("the early OCI runtime: %s", strerror (errno));
  nook_closep (&e->go);
  e->pid = 0;
  return finish_run (rt, rootfs, pid, err);
}

void
container_runtime_run_abandon (struct container_early_run *e)
{
  nook_closep (&e->go); /* end of file: it leaves, having done nothing */
  if (e->pid > 0)
    nook_waitpid (e->pid, NULL, 0);
  e->pid = 0;
}

int
container_runtime_delete_start (const struct container_runtime *rt, const char *id, pid_t *pid,
                                nook_error_t *err)
{
  const char *args[] = { "delete", "--force", id, NULL };
  return spawn_runtime (rt, args, NULL, NULL, pid, err);
}

int
container_runtime_delete_finish (const struct container_runtime *rt, pid_t pid, nook_error_t *err)
{
  return wait_runtime (rt, "delete", pid, err);
}
