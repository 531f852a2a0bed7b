/* stop, kill and wait: messages to the container's monitor, which is
   root in the container's user namespace and can signal any of its
   processes.  A monitor that is gone leaves its processes to us.  */
#include "container/internal.h"

#include <signal.h>
#include <string.h>
#include <sys/socket.h>

/* The next message from the monitor: its type, or 0 at end of file.  */
static int
recv_msg (int fd, int32_t *value, nook_error_t *err)
{
  char p[MON_PACKET_MAX + 1];

  for (;;)
    {
      ssize_t r = recv (fd, p, sizeof (p), 0);
      if (r < 0 && errno == EINTR)
        continue;
      /* A monitor that ended before it read us resets the connection.  */
      if (r == 0 || (r < 0 && errno == ECONNRESET))
        return 0;
      if (r < 0)
        return nook_error (err, errno, "read from the monitor");
      if (r >= 5)
        memcpy (value, p + 1, 4);
      return p[0];
    }
}

/* Connect to ID's monitor; 1 when there is none to talk to.  A monitor
   waiting to restart its container is there too.  */
static int
connect_monitor (const struct nook_paths *paths, const struct container *c, int *fd,
                 nook_error_t *err)
{
  if (!container_monitor_alive (&c->state))
    return 1;
  if (container_monitor_connect (paths->runroot, c->cfg.id, fd, err) == 0)
    return 0;
  nook_debug ("%s", (*err)->msg);
  nook_error_free (err);
  return 1;
}

static void
kill_if_alive (pid_t pid, uint64_t start, int sig)
{
  if (pid > 0 && nook_proc_alive (pid, start))
    kill (pid, sig);
}

int
container_stop (struct storage *st, const struct nook_paths *paths, const char *id, int64_t timeout,
                nook_error_t *err)
{
  struct container c;
  _cleanup_close_ int fd = -1;
  int32_t args[2], v = 0;
  int64_t started = nook_now_ns ();
  int r;

  if (container_load (st, id, &c, err) < 0)
    return -1;
  args[0] = (int32_t)c.cfg.stop_signal;
  args[1] = (int32_t)(timeout >= 0 ? timeout : c.cfg.stop_timeout);
  r = connect_monitor (paths, &c, &fd, err);
  if (r == 0 && container_monitor_send (fd, MON_STOP, args, sizeof (args), err) == 0)
    {
      /* The exit, then end of file once the monitor has cleaned up.  */
      while ((r = recv_msg (fd, &v, err)) > 0)
        ;
      if (args[1] > 0 && nook_now_ns () - started >= (int64_t)args[1] * 1000000000LL)
        nook_warn (
            "StopSignal SIG%s failed to stop container %s in %d seconds, resorting to SIGKILL",
            sigabbrev_np ((int)c.cfg.stop_signal) ? sigabbrev_np ((int)c.cfg.stop_signal) : "?",
            c.cfg.name, (int)args[1]);
    }
  else if (r == 1 && c.state.status == CONTAINER_RUNNING)
    kill_if_alive (c.state.pid, c.state.pid_start, SIGKILL);
  container_free (&c);
  return r < 0 ? -1 : 0;
}

int
container_kill (struct storage *st, const struct nook_paths *paths, const char *id, int sig,
                nook_error_t *err)
{
  struct container c;
  _cleanup_close_ int fd = -1;
  int32_t v = sig;
  int r;

  if (container_load (st, id, &c, err) < 0)
    return -1;
  r = c.state.status == CONTAINER_RUNNING ? connect_monitor (paths, &c, &fd, err) : 1;
  if (r == 1)
    nook_error (err, 0,
                "can only kill running containers. %s is in state %s: container state improper", id,
                container_status_name (c.state.status));
  container_free (&c);
  if (r != 0 || container_monitor_send (fd, MON_KILL, &v, sizeof (v), err) < 0)
    return -1;
  r = recv_msg (fd, &v, err);
  if (r < 0)
    return -1;
  if (r != MON_ACK || v != 0)
    return nook_error (err, r == MON_ACK ? v : ESRCH, "kill container %.12s", id);
  return 0;
}

static bool
condition_holds (enum container_status s, const char *const *conditions)
{
  for (size_t i = 0; conditions[i]; i++)
    if (str_eq (conditions[i], container_status_name (s))
        || (str_eq (conditions[i], "stopped") && s == CONTAINER_EXITED))
      return true;
  return false;
}

/* The exit code from C's monitor; false when it could not tell (it ended
   meanwhile: the record has it).  */
static bool
wait_exit (const struct nook_paths *paths, const struct container *c, int *code)
{
  _cleanup_close_ int fd = -1;
  nook_error_t err = NULL;
  int32_t v = 0;
  bool got = connect_monitor (paths, c, &fd, &err) == 0
             && container_monitor_send (fd, MON_WAIT, NULL, 0, &err) == 0
             && recv_msg (fd, &v, &err) == MON_EXIT;

  nook_error_free (&err);
  if (got)
    *code = v;
  return got;
}

int
container_wait (struct storage *st, const struct nook_paths *paths, const char *id,
                const char *const *conditions, int *code, nook_error_t *err)
{
  static const char *const exited[] = { "exited", "stopped", NULL };
  bool on_exit;

  if (conditions == NULL || conditions[0] == NULL)
    conditions = exited;
  on_exit = condition_holds (CONTAINER_EXITED, conditions);
  for (;;)
    {
      struct container c;
      bool done;

      if (container_load (st, id, &c, err) < 0)
        return -1;
      done = condition_holds (c.state.status, conditions);
      /* A state reached, not an exit: no code, as Podman's -1.  */
      *code = c.state.status == CONTAINER_EXITED ? c.state.exit_code : -1;
      /* Running: the monitor says when it ends.  */
      if (!done && on_exit && c.state.status == CONTAINER_RUNNING && wait_exit (paths, &c, code))
        done = true;
      container_free (&c);
      if (done)
        return 0;
      nook_sleep_ms (100);
    }
}
