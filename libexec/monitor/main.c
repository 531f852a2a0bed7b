/* nook-monitor: one per running container, no daemon.

     nook-monitor --storage DIR --runroot DIR (--id ID | --id-fd FD)
                  --sync-fd FD [--attach] [--userns-from-parent]

   1. Become the child subreaper; take SIGCHLD and the stop signals through
      a signalfd.  Enter the user namespace (newuidmap and newgidmap: the
      slowest step, which is why nook starts us before it has even written
      the container's record, and sends the ID on --id-fd when it has).
      With --userns-from-parent we only unshare and say UNSHARED: nook
      maps us from outside while it writes the record, then sends MAPPED
      on --id-fd before the ID.
   2. Mount the rootfs (fuse-overlayfs is our child) and write the bundle;
      open the log and the attach socket (RUNROOT/monitor/ID).
   3. `runtime run --detach` with pipes (or, with -t, a pty) for the
      container's stdio; the container's init is reparented to us.  State:
      running.  PID -> nook.
   4. One loop (io.c) until the container's init exits and its output is
      read: output to nook (--attach: our fds 0-2 are nook's), the log and
      attach clients; signals, stop, kill and resizes.
   5. State: exited, with the code and time, on disk before anything else.
      The restart policy may start it again after a back-off (3-5); else
      unmount (fuse-overlayfs ends) and, for --rm, take the record and name
      away.  EXIT -> nook.  Then `runtime delete` and the removed record's
      files, while nook has already returned.
   A failure before 3 ends sends ERROR instead; nothing is left running.  */
#include "monitor.h"

#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/wait.h>

static int
parse_fd (const char *s, int *fd, nook_error_t *err)
{
  int64_t v;
  if (!str_to_int64 (s, &v) || v < 0 || v > 65535)
    return nook_error (err, 0, "invalid fd `%s`", s);
  *fd = (int)v;
  return 0;
}

static int
parse_args (struct monitor *m, int argc, char **argv, const char **storage, nook_error_t *err)
{
  static const struct option longopts[] = {
    { "storage", required_argument, NULL, 's' }, { "runroot", required_argument, NULL, 'r' },
    { "id", required_argument, NULL, 'i' },      { "id-fd", required_argument, NULL, 'I' },
    { "sync-fd", required_argument, NULL, 'f' }, { "debug", no_argument, NULL, 'd' },
    { "attach", no_argument, NULL, 'a' },        { "detach-keys", required_argument, NULL, 'k' },
    { "late-userns", no_argument, NULL, 'L' },   { "userns-from-parent", no_argument, NULL, 'U' },
    { "ids", required_argument, NULL, 'D' },     { NULL, 0, NULL, 0 },
  };
  int c;

  while ((c = getopt_long (argc, argv, "", longopts, NULL)) != -1)
    {
      int r = 0;
      if (c == 's')
        *storage = optarg;
      else if (c == 'r')
        m->runroot = xstrdup (optarg);
      else if (c == 'i' && storage_is_id (optarg))
        memcpy (m->id, optarg, 65);
      else if (c == 'I')
        r = parse_fd (optarg, &m->id_fd, err);
      else if (c == 'f')
        r = parse_fd (optarg, &m->sync_fd, err);
      else if (c == 'd')
        nook_log_set_level (NOOK_LOG_DEBUG);
      else if (c == 'a')
        m->attached = true;
      else if (c == 'k')
        r = tty_detach_keys_parse (optarg, &m->detach_keys, err);
      else if (c == 'L')
        m->late_userns = true;
      else if (c == 'U')
        m->userns_from_parent = true;
      else if (c == 'D')
        r = userns_ids_parse (optarg, &m->given_ids, err);
      else
        r = nook_error (err, 0,
                        "usage: nook-monitor --storage DIR --runroot DIR (--id ID | "
                        "--id-fd FD) --sync-fd FD [--ids IDS] [--attach [--detach-keys KEYS]]");
      if (r < 0)
        return -1;
    }
  if (m->attached)
    {
      m->fg_in = STDIN_FILENO;
      m->fg_out = STDOUT_FILENO;
      m->fg_err = STDERR_FILENO;
    }
  if (*storage == NULL || m->runroot == NULL || m->sync_fd < 0 || (!m->id[0] && m->id_fd < 0))
    return nook_error (err, 0, "nook-monitor: missing arguments");
  nook_set_cloexec (m->id_fd, true);
  return nook_set_cloexec (m->sync_fd, true);
}

static int
setup_signals (struct monitor *m, nook_error_t *err)
{
  static const int sigs[] = { SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
  sigset_t set;

  signal (SIGPIPE, SIG_IGN);
  sigemptyset (&set);
  for (size_t i = 0; i < NOOK_ARRAY_SIZE (sigs); i++)
    sigaddset (&set, sigs[i]);
  if (sigprocmask (SIG_BLOCK, &set, NULL) < 0)
    return nook_error (err, errno, "sigprocmask");
  m->sigfd = signalfd (-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (m->sigfd < 0)
    return nook_error (err, errno, "signalfd");
  if (prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
    return nook_error (err, errno, "become a subreaper");
  return 0;
}

/* The ids of the namespace we map or have mapped: nook's (--ids), which
   looked them up; we do not (NSS, libsubid: we are linked statically).  */
static int
take_ids (struct monitor *m, nook_error_t *err)
{
  if (m->given_ids.user == NULL)
    return nook_error (err, 0, "nook-monitor: no --ids for the user namespace");
  userns_ids_free (&m->ids);
  m->ids = m->given_ids;
  memset (&m->given_ids, 0, sizeof (m->given_ids));
  return 0;
}

static int
enter_userns (struct monitor *m, nook_error_t *err)
{
  if (userns_is_inside ())
    return 0;
  if (!nook_is_real_root () && take_ids (m, err) < 0)
    return -1;
  if (userns_enter (&m->ids, err) < 0)
    return -1;
  nook_debug ("monitor: in the user namespace");
  return 0;
}

/* Exactly SIZE bytes from FD; false at end of file or on an error.  */
static bool
read_exact (int fd, void *buf, size_t size)
{
  size_t got = 0;

  while (got < size)
    {
      ssize_t r = read (fd, (char *)buf + got, size - got);
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        return false;
      got += (size_t)r;
    }
  return true;
}

/* Step 1 with nook's help (--userns-from-parent): we unshare and say so,
   and nook, in the namespace we left, runs newuidmap and newgidmap on us
   while it writes the record, then sends MAPPED.  No mapper forked here
   first, and our start-up overlaps the mapping.  1: nook gave up (end of
   file), and says why itself.  */
static int
userns_from_parent (struct monitor *m, nook_error_t *err)
{
  struct monitor_ctl c;
  int r;

  if (userns_unshare (err) < 0)
    return -1;
  if (monitor_msg_send (m->sync_fd, MONITOR_MSG_UNSHARED, 0, NULL) < 0)
    return nook_error (err, errno, "tell nook the user namespace is there");
  r = take_ids (m, err);
  if (!read_exact (m->id_fd, &c, sizeof (c)) || c.type != MONITOR_CTL_MAPPED)
    {
      nook_error_free (err);
      return 1;
    }
  if (r < 0 || userns_become_root (err) < 0)
    return -1;
  nook_debug ("monitor: in the user namespace nook mapped");
  return 0;
}

/* The ID nook sends once the record is written; false when nook closed
   the pipe without one (its create failed: nothing for us to do).  */
static bool
read_id (struct monitor *m)
{
  char line[66];

  if (m->id[0])
    return true;
  if (!read_exact (m->id_fd, line, 65) || line[64] != '\n')
    return false;
  line[64] = '\0';
  if (!storage_is_id (line))
    return false;
  memcpy (m->id, line, 65);
  return true;
}

static int
save_state (struct monitor *m, bool durable, nook_error_t *err)
{
  return container_state_update (&m->st, m->id, &m->c.state, durable, err);
}

static int
read_pid (const char *pid_file, pid_t *pid, nook_error_t *err)
{
  _cleanup_free_ char *text = NULL;
  int64_t v;

  if (nook_read_file_at (AT_FDCWD, pid_file, 64, &text, NULL, err) < 0)
    return -1;
  if (!str_to_int64 (text, &v) || v <= 0)
    return nook_error (err, 0, "invalid pid file `%s`", pid_file);
  *pid = (pid_t)v;
  return 0;
}

/* The first run's `nook-runtime run --go-fd`, while fuse-overlayfs and
   the network come up: it waits for the bundle.  Not for another OCI
   runtime (--runtime), which is started once the bundle is there.  */
static int
start_runtime_early (struct monitor *m, nook_error_t *err)
{
  int stdio[3];
  int r;

  if (monitor_io_prepare (m, stdio, &m->early_console, &m->early_console_fd, err) < 0)
    return -1;
  r = container_runtime_run_early (&m->rt, m->id, &m->rootfs, m->pid_file, stdio, m->early_console,
                                   &m->early, err);
  for (int i = 0; i < 3; i++)
    nook_closep (&stdio[i]);
  return r;
}

/* A start that failed before the runtime got its bundle.  */
static void
abandon_early_runtime (struct monitor *m)
{
  container_runtime_run_abandon (&m->early);
  if (m->early_console)
    unlink (m->early_console);
  nook_closep (&m->early_console_fd);
}

/* The runtime's `run`: the early one told to go, or a new one.  */
static int
runtime_run (struct monitor *m, char **console, int *console_fd, nook_error_t *err)
{
  int stdio[3];
  int r;

  if (m->early.pid > 0)
    {
      *console = steal_pointer (&m->early_console);
      *console_fd = steal_fd (&m->early_console_fd);
      return container_runtime_run_go (&m->rt, &m->rootfs, &m->early, err);
    }
  if (monitor_io_prepare (m, stdio, console, console_fd, err) < 0)
    return -1;
  r = container_runtime_run (&m->rt, m->id, &m->rootfs, m->pid_file, stdio, *console, err);
  for (int i = 0; i < 3; i++)
    nook_closep (&stdio[i]);
  return r;
}

/* Step 3, for the first start and every restart.  */
static int
start_run (struct monitor *m, nook_error_t *err)
{
  struct container_state *s = &m->c.state;
  _cleanup_free_ char *console = NULL;
  _cleanup_close_ int console_fd = -1;
  int r;

  r = runtime_run (m, &console, &console_fd, err);
  if (console)
    unlink (console);
  if (r < 0 || (console && monitor_io_take_pty (m, console_fd, err) < 0)
      || read_pid (m->pid_file, &s->pid, err) < 0 || monitor_io_watch (m, err) < 0)
    return -1;
  nook_proc_start_time (s->pid, &s->pid_start);
  nook_debug ("monitor: started pid %d", (int)s->pid);
  m->exited = false;
  s->status = CONTAINER_RUNNING;
  free (s->started_at);
  s->started_at = nook_time_format (nook_now_ns ());
  free (s->error);
  s->error = NULL;
  return save_state (m, false, err);
}

/* RUNROOT/monitor, made before anything goes there: our socket, the
   runtime's log, the network helper's files.  */
static int
make_monitor_dir (struct monitor *m, nook_error_t *err)
{
  _cleanup_free_ char *dir = container_monitor_dir (m->runroot);

  if (mkdir (dir, 0700) < 0 && errno != EEXIST)
    return nook_error (err, errno, "mkdir `%s`", dir);
  return 0;
}

/* Step 2: the rootfs mounted; our own runtime started, the network made
   while fuse-overlayfs starts up; then the bundle.  A failure leaves the
   rootfs to teardown_visible.  */
static int
prepare_rootfs (struct monitor *m, bool runtime_ours, nook_error_t *err)
{
  struct container_state *s = &m->c.state;
  struct container_host host = { m->seccomp_profile, m->init_path, NULL };
  const struct userns_ids *ids = m->ids.user ? &m->ids : NULL;

  if (container_prepare_mount (&m->st, &m->c, &m->rootfs, err) < 0)
    return -1;
  s->fuse_pid = m->rootfs.fuse_pid;
  nook_proc_start_time (s->fuse_pid, &s->fuse_start);
  m->pid_file = xasprintf ("%s/pidfile", m->rootfs.bundle);
  /* Not in the bundle: --rm takes that away before the runtime's delete.  */
  m->runtime_log = xasprintf ("%s/monitor/%s.log", m->runroot, m->id);
  m->rt.log = m->runtime_log;
  if ((runtime_ours && start_runtime_early (m, err) < 0) || monitor_net_start (m, err) < 0)
    return -1;
  host.netns_path = m->netns_path;
  if (container_prepare_bundle (&m->st, &m->c, ids, &host, &m->rootfs, err) < 0)
    return -1;
  nook_debug ("monitor: rootfs ready");
  m->created = true;
  s->stopped = false;
  return 0;
}

int
monitor_kill (struct monitor *m, int sig)
{
  if (m->exited || m->c.state.pid <= 0)
    {
      errno = ESRCH;
      return -1;
    }
  return kill (m->c.state.pid, sig);
}

void
monitor_stop (struct monitor *m, int sig, int timeout)
{
  struct itimerspec its = { .it_value = { .tv_sec = timeout > 0 ? timeout : 0 } };

  m->c.state.stopped = true;
  if (m->exited)
    return;
  monitor_kill (m, sig > 0 ? sig : (int)m->c.cfg.stop_signal);
  if (timeout <= 0)
    {
      monitor_kill (m, SIGKILL);
      return;
    }
  m->killing = true;
  timerfd_settime (m->timerfd, 0, &its, NULL);
}

/* Step 4: a signal.  SIGCHLD: reap; the container's init ending ends the
   run.  The stop signals sent to us go to the container.  */
static void
on_signal (struct monitor *m)
{
  struct signalfd_siginfo si;
  int status;
  pid_t pid;

  while (read (m->sigfd, &si, sizeof (si)) == sizeof (si))
    if (si.ssi_signo != SIGCHLD)
      monitor_kill (m, (int)si.ssi_signo);
  while ((pid = waitpid (-1, &status, WNOHANG)) > 0)
    if (pid == m->c.state.pid && !m->exited)
      {
        m->exited = true;
        m->exit_code = nook_exit_code (status);
        nook_debug ("monitor: container exited with %d", m->exit_code);
      }
}

static void
on_timer (struct monitor *m)
{
  uint64_t n;

  if (read (m->timerfd, &n, sizeof (n)) < 0)
    return;
  if (m->backoff)
    m->backoff_done = true;
  else if (m->killing && !m->exited)
    monitor_kill (m, SIGKILL);
  m->killing = false;
}

/* Step 5's choice: the restart policy, unless stop or kill said no.  */
static bool
should_restart (const struct monitor *m)
{
  const struct container_config *cfg = &m->c.cfg;

  if (m->c.state.stopped || !cfg->restart[0] || str_eq (cfg->restart, "no"))
    return false;
  if (str_eq (cfg->restart, "on-failure"))
    return m->exit_code != 0
           && (cfg->restart_max <= 0 || m->c.state.restart_count < cfg->restart_max);
  return true; /* always, unless-stopped */
}

static int
record_exit (struct monitor *m, nook_error_t *err)
{
  struct container_state *s = &m->c.state;

  s->status = CONTAINER_EXITED;
  s->exit_code = m->exit_code;
  free (s->finished_at);
  s->finished_at = nook_time_format (nook_now_ns ());
  if (m->c.cfg.rm)
    return 0;
  return save_state (m, true, err);
}

/* Let go of nook's terminal or pipes: tell nook why (TYPE, CODE) and put
   /dev/null in their place, so nothing of ours keeps them open.  */
static void
let_go (struct monitor *m, int type, int code)
{
  _cleanup_close_ int null = open ("/dev/null", O_RDWR | O_CLOEXEC);

  if (!m->attached)
    return;
  monitor_msg_send (m->sync_fd, type, code, NULL);
  m->attached = false;
  if (m->fg_in >= 0 && m->epfd >= 0)
    epoll_ctl (m->epfd, EPOLL_CTL_DEL, m->fg_in, NULL);
  m->fg_in = m->fg_out = m->fg_err = -1;
  for (int fd = 0; fd < 3 && null >= 0; fd++)
    dup2 (null, fd);
}

/* An attached nook gets the first run's exit; later runs are detached.  */
static void
detach_nook (struct monitor *m, int code)
{
  let_go (m, MONITOR_MSG_EXIT, code);
}

void
monitor_detach_nook (struct monitor *m)
{
  let_go (m, MONITOR_MSG_DETACHED, 0);
}

/* Steps 3 to 5 again after a back-off that doubles from 100 ms (to 51 s);
   false when the container is to stay exited.  */
static bool
restart (struct monitor *m)
{
  int64_t n = m->c.state.restart_count < 9 ? m->c.state.restart_count : 9;
  int64_t ms = 100LL << n;
  struct itimerspec its = { .it_value = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 } };
  nook_error_t err = NULL;
  pid_t del;

  detach_nook (m, m->exit_code);
  m->backoff = true;
  m->backoff_done = false;
  timerfd_settime (m->timerfd, 0, &its, NULL);
  if (monitor_io_loop (m, on_signal, on_timer, &err) < 0 || m->c.state.stopped)
    goto out;
  m->backoff = false;
  m->c.state.restart_count++;
  nook_debug ("monitor: restart %lld", (long long)m->c.state.restart_count);
  if (container_runtime_delete_start (&m->rt, m->id, &del, &err) < 0
      || container_runtime_delete_finish (&m->rt, del, &err) < 0 || start_run (m, &err) < 0)
    goto out;
  return true;
out:
  m->backoff = false;
  if (err)
    {
      nook_warn ("container %.12s: restart: %s", m->id, err->msg);
      free (m->c.state.error);
      m->c.state.error = xstrdup (err->msg);
      nook_error_free (&err);
    }
  return false;
}

/* Step 5, what nook's caller sees: the rootfs gone, and with --rm the
   container's record and name.  */
static void
teardown_visible (struct monitor *m)
{
  nook_error_t err = NULL;

  monitor_net_stop (m);
  if (m->rootfs.fuse_pid > 0)
    storage_overlay_unmount (&m->st, m->id, m->rootfs.fuse_pid);
  container_mounts_unmount_images (&m->st, &m->c.cfg.mounts, m->id);
  if (m->c.cfg.rm)
    {
      storage_container_name_release (&m->st, m->c.cfg.name, m->id);
      if (storage_container_hide (&m->st, m->id, &m->gone, &err) < 0)
        nook_error_free (&err);
      /* As Podman's --rm: its anonymous volumes go with it.  */
      else
        container_mounts_remove_anonymous (&m->st, &m->c.cfg.mounts);
    }
}

/* The rest, after nook has its answer: the runtime's bookkeeping and the
   removed record's files.  */
static void
teardown_rest (struct monitor *m)
{
  nook_error_t err = NULL;
  pid_t del;

  if (m->created
      && (container_runtime_delete_start (&m->rt, m->id, &del, &err) < 0
          || container_runtime_delete_finish (&m->rt, del, &err) < 0))
    {
      nook_debug ("%s", err->msg);
      nook_error_free (&err);
    }
  if (m->runtime_log)
    unlink (m->runtime_log);
  if (storage_container_purge (&m->st, m->gone, &err) < 0)
    nook_error_free (&err);
  while (waitpid (-1, NULL, WNOHANG) > 0)
    ;
}

/* A start that failed: the container stays created, with the error
   recorded, unless --rm takes it.  */
static int
failed (struct monitor *m, nook_error_t *err)
{
  nook_error_t e2 = NULL;

  abandon_early_runtime (m);
  free (m->c.state.error);
  m->c.state.error = xstrdup ((*err)->msg);
  m->c.state.pid = 0;
  if (!m->c.cfg.rm && save_state (m, true, &e2) < 0)
    nook_error_free (&e2);
  teardown_visible (m);
  teardown_rest (m);
  return -1;
}

/* Steps 4 and 5, as often as the restart policy says.  */
static void
supervise (struct monitor *m)
{
  nook_error_t err = NULL;

  do
    {
      monitor_io_loop (m, on_signal, on_timer, &err);
      if (err)
        {
          nook_warn ("container %.12s: %s", m->id, err->msg);
          nook_error_free (&err);
        }
      monitor_io_close_run (m);
      if (record_exit (m, &err) < 0)
        {
          nook_warn ("container %.12s: %s", m->id, err->msg);
          nook_error_free (&err);
        }
      monitor_io_exit (m, m->exit_code, false);
    }
  while (should_restart (m) && restart (m));
}

static int
run (struct monitor *m, const char *storage, nook_error_t *err)
{
  _cleanup_free_ char *self = NULL, *ours = NULL;
  bool runtime_ours;
  int in_userns;

  if (setup_signals (m, err) < 0 || nook_self_dir (&self, err) < 0)
    return -1;
  /* Joining another's network: first find which user namespace.  */
  if (m->userns_from_parent)
    {
      in_userns = userns_from_parent (m, err);
      if (in_userns != 0)
        return in_userns > 0 ? 0 : -1;
    }
  else
    in_userns = m->late_userns ? 0 : enter_userns (m, err);
  if (!read_id (m))
    {
      nook_error_free (err); /* nook's create failed and said why */
      return 0;
    }
  if (storage_open (&m->st, storage, err) < 0 || container_load (&m->st, m->id, &m->c, err) < 0)
    return -1;
  m->loaded = true;
  if (m->late_userns)
    {
      int joined = monitor_net_join_userns (m, err);
      in_userns = joined == 0 ? enter_userns (m, err) : joined < 0 ? -1 : 0;
    }
  m->runtime_path = container_runtime_resolve (&m->c.cfg, self, err); /* --runtime */
  if (m->runtime_path == NULL)
    return failed (m, err);
  ours = xasprintf ("%s/nook-runtime", self);
  runtime_ours = str_eq (m->runtime_path, ours);
  m->runtime_root = xasprintf ("%s/runtime", m->runroot);
  m->seccomp_profile = xasprintf ("%s/../../share/nook/seccomp.json", self);
  m->init_path = xasprintf ("%s/nook-init", self);
  m->rt.path = m->runtime_path;
  m->rt.root = m->runtime_root;
  m->c.state.monitor_pid = getpid ();
  m->c.state.restart_count = 0;
  nook_proc_start_time (getpid (), &m->c.state.monitor_start);
  if (in_userns < 0 || make_monitor_dir (m, err) < 0 || prepare_rootfs (m, runtime_ours, err) < 0
      || monitor_io_open (m, err) < 0 || monitor_net_ready (m, err) < 0 || start_run (m, err) < 0)
    return failed (m, err);
  monitor_msg_send (m->sync_fd, MONITOR_MSG_PID, m->c.state.pid, NULL);
  monitor_idle_prepare (m);
  supervise (m);
  teardown_visible (m);
  monitor_io_exit (m, m->exit_code, true);
  nook_debug ("monitor: torn down");
  if (m->attached)
    detach_nook (m, m->exit_code);
  else
    monitor_msg_send (m->sync_fd, MONITOR_MSG_EXIT, m->exit_code, NULL);
  teardown_rest (m);
  return 0;
}

static void
monitor_release (struct monitor *m)
{
  monitor_io_release (m); /* first: it uses the runroot and the ID */
  monitor_net_release (m);
  monitor_idle_release (m);
  if (m->loaded)
    container_free (&m->c);
  abandon_early_runtime (m);
  free (m->early_console);
  container_rootfs_free (&m->rootfs);
  userns_ids_free (&m->ids);
  userns_ids_free (&m->given_ids);
  free (m->runroot);
  free (m->seccomp_profile);
  free (m->init_path);
  free (m->runtime_path);
  free (m->runtime_root);
  free (m->runtime_log);
  free (m->pid_file);
  free (m->gone);
  if (m->st.root)
    storage_close (&m->st);
  nook_closep (&m->sigfd);
  nook_closep (&m->id_fd);
}

/* GLIBC_TUNABLES as the user had it, without MONITOR_TUNABLE, for our
   children.  */
static void
restore_tunables (void)
{
  const char *v = getenv ("GLIBC_TUNABLES");
  size_t n = v ? strlen (v) : 0, k = strlen (MONITOR_TUNABLE);

  if (v == NULL || n < k || strcmp (v + n - k, MONITOR_TUNABLE) != 0)
    return;
  if (n == k)
    unsetenv ("GLIBC_TUNABLES");
  else
    {
      _cleanup_free_ char *mine = xstrndup (v, n - k - 1); /* and its ':' */
      setenv ("GLIBC_TUNABLES", mine, 1);
    }
}

int
main (int argc, char **argv)
{
  __attribute__ ((cleanup (monitor_release))) struct monitor m = { .sync_fd = -1,
                                                                   .sigfd = -1,
                                                                   .id_fd = -1,
                                                                   .epfd = -1,
                                                                   .timerfd = -1,
                                                                   .listen_fd = -1,
                                                                   .out_rd = -1,
                                                                   .err_rd = -1,
                                                                   .in_wr = -1,
                                                                   .fg_in = -1,
                                                                   .fg_out = -1,
                                                                   .fg_err = -1,
                                                                   .netns_fd = -1,
                                                                   .net_ready_fd = -1,
                                                                   .net_exit_fd = -1,
                                                                   .net_dirfd = -1,
                                                                   .early = { 0, -1 },
                                                                   .early_console_fd = -1 };
  const char *storage = NULL;
  nook_error_t err = NULL;

  restore_tunables ();
  for (size_t i = 0; i < MONITOR_MAX_CLIENTS; i++)
    m.clients[i].fd = -1;
  if (parse_args (&m, argc, argv, &storage, &err) < 0 || run (&m, storage, &err) < 0)
    {
      int code = err->exit_code ? err->exit_code : 125;
      if (m.sync_fd < 0 || monitor_msg_send (m.sync_fd, MONITOR_MSG_ERROR, code, err->msg) < 0)
        fprintf (stderr, "Error: %s\n", err->msg);
      nook_error_free (&err);
      return 1;
    }
  return 0;
}
