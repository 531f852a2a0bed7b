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
               pid_t *pid, nook_error_t *err)
{
  const char *argv[24] = { rt->path, "--root", rt->root, "--log", rt->log, "--log-format", "json" };
  struct nook_spawn s = { .argv = argv, .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1 };
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

int
container_runtime_run (const struct container_runtime *rt, const char *id,
                       const struct container_rootfs *rootfs, const char *pid_file,
                       const int stdio[3], const char *console, nook_error_t *err)
{
  /* One exec for create and start: nothing has to happen in between.  */
  const char *args[] = { "run",
                         "--detach",
                         "--bundle",
                         rootfs->bundle,
                         "--pid-file",
                         pid_file,
                         console ? "--console-socket" : id,
                         console,
                         id,
                         NULL };
  pid_t pid;

  if (spawn_runtime (rt, args, stdio, &pid, err) == 0)
    {
      container_rootfs_warm (rootfs);
      if (wait_runtime (rt, "run", pid, err) == 0)
        return 0;
    }
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

int
container_runtime_delete_start (const struct container_runtime *rt, const char *id, pid_t *pid,
                                nook_error_t *err)
{
  const char *args[] = { "delete", "--force", id, NULL };
  return spawn_runtime (rt, args, NULL, pid, err);
}

int
container_runtime_delete_finish (const struct container_runtime *rt, pid_t pid, nook_error_t *err)
{
  return wait_runtime (rt, "delete", pid, err);
}
