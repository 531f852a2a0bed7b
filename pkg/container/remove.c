/* Removing a container: stopped first when forced, then out of sight in
   one rename, then deleted.  */
#include "container/internal.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>

/* Wait until PID (started at START) is gone, up to MS milliseconds.  */
static bool
wait_gone (pid_t pid, uint64_t start, int ms)
{
  for (int i = 0; i < ms / 5; i++)
    {
      if (!nook_proc_alive (pid, start))
        return true;
      nook_sleep_ms (5);
    }
  return !nook_proc_alive (pid, start);
}

static void
kill_if_alive (pid_t pid, uint64_t start, int sig)
{
  if (pid > 0 && nook_proc_alive (pid, start))
    kill (pid, sig);
}

/* Stop a running container through its monitor, which cleans up; a
   monitor that is gone (or stuck) leaves its processes to us.  */
static void
stop_container (struct storage *st, const struct nook_paths *paths, const char *id, int64_t timeout,
                const struct container_state *s)
{
  nook_error_t err = NULL;

  if (container_stop (st, paths, id, timeout, &err) < 0)
    {
      nook_debug ("%s", err->msg);
      nook_error_free (&err);
    }
  kill_if_alive (s->pid, s->pid_start, SIGKILL);
  if (s->monitor_pid > 0 && !wait_gone (s->monitor_pid, s->monitor_start, 10000))
    kill_if_alive (s->monitor_pid, s->monitor_start, SIGKILL);
  kill_if_alive (s->fuse_pid, s->fuse_start, SIGKILL);
  kill_if_alive (s->net_pid, s->net_start, SIGKILL);
}

static bool
monitor_serving (const struct nook_paths *paths, const char *id, const struct container_state *s)
{
  _cleanup_close_ int fd = -1;
  nook_error_t err = NULL;
  bool up = container_monitor_alive (s)
            && container_monitor_connect (paths->runroot, id, &fd, &err) == 0;

  nook_error_free (&err);
  return up;
}

int
container_remove (struct storage *st, const struct nook_paths *paths, const char *id, bool force,
                  int64_t timeout, nook_error_t *err)
{
  struct container c;
  _cleanup_free_ char *rtdir = xasprintf ("%s/runtime/%s", paths->runroot, id);
  _cleanup_free_ char *sock = xasprintf ("%s/monitor/%s", paths->runroot, id);
  _cleanup_free_ char *log = xasprintf ("%s/monitor/%s.log", paths->runroot, id);
  _cleanup_free_ char *netlog = xasprintf ("%s/monitor/%s.net.log", paths->runroot, id);
  _cleanup_free_ char *api = xasprintf ("%s/monitor/%.12s.net", paths->runroot, id);
  _cleanup_close_ int dfd = -1;
  nook_error_t ignored = NULL;

  if (container_load (st, id, &c, err) < 0)
    return -1;
  /* A monitor in a restart back-off counts as running; one that is only
     finishing its clean-up (its socket gone) does not.  */
  if (c.state.status == CONTAINER_RUNNING || monitor_serving (paths, id, &c.state))
    {
      if (!force)
        {
          nook_error (err, 0,
                      "cannot remove container %s as it is running - running or paused "
                      "containers cannot be removed without force: container state "
                      "improper",
                      id);
          container_free (&c);
          return nook_error_exit (err, 2);
        }
      stop_container (st, paths, id, timeout, &c.state);
    }
  else
    {
      /* Exited, or a monitor died: leftovers are killed all the same.  */
      kill_if_alive (c.state.pid, c.state.pid_start, SIGKILL);
      kill_if_alive (c.state.fuse_pid, c.state.fuse_start, SIGKILL);
      kill_if_alive (c.state.net_pid, c.state.net_start, SIGKILL);
    }
  dfd = storage_container_open (st, id, err);
  if (dfd < 0 && (*err)->errnum == ENOENT && c.cfg.rm)
    {
      /* --rm: its monitor took it away once stopped.  */
      nook_error_free (err);
      container_free (&c);
      return 0;
    }
  if (dfd < 0 || nook_lock (dfd, true, err) < 0)
    {
      container_free (&c);
      return -1;
    }
  storage_container_name_release (st, c.cfg.name, id);
  /* What a monitor that was killed left: its socket, its runtime's log,
     slirp4netns's or pasta's log and slirp4netns's API socket.  */
  unlink (sock);
  unlink (log);
  unlink (netlog);
  unlink (api);
  if (nook_rm_tree_at (AT_FDCWD, rtdir, &ignored) < 0)
    nook_error_free (&ignored);
  container_free (&c);
  return storage_container_delete (st, id, err);
}
