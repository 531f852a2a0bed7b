/* nook-monitor: one per running container, no daemon.

     nook-monitor --storage DIR --runroot DIR (--id ID | --id-fd FD) --sync-fd FD

   1. Become the child subreaper; take SIGCHLD and the stop signals through
      a signalfd.  Enter the user namespace (newuidmap and newgidmap: the
      slowest step, which is why nook starts us before it has even written
      the container's record, and sends the ID on --id-fd when it has).
   2. Mount the rootfs (fuse-overlayfs is our child) and write the bundle.
   3. `runtime run --detach` with the container's stdio; the container's
      init is reparented to us.  State: running.  PID -> nook.
   4. Reap every child until the container's init exits; a stop signal
      sent to us goes to the container.
   5. State: exited, with the code and time, on disk before anything is
      torn down.  Unmount (fuse-overlayfs ends) and, for --rm, take the
      record and name away.  EXIT -> nook.  Then `runtime delete` and the
      removed record's files, while nook has already returned.
   A failure before 3 ends sends ERROR instead; nothing is left running.  */
#include "container/container.h"

#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>

struct monitor
{
  struct storage st;
  struct container c;
  struct container_rootfs rootfs;
  struct container_runtime rt;
  struct userns_ids ids;
  char *runroot, *runtime_path, *runtime_root, *runtime_log, *pid_file;
  char *seccomp_profile; /* PREFIX/share/nook/seccomp.json */
  char *gone;            /* the removed record, under tmp/, to delete last */
  char id[65];
  int id_fd;
  int sync_fd;
  int sigfd;
  bool loaded;  /* the record is read */
  bool created; /* the runtime knows the container */
};

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
    { "storage", required_argument, NULL, 's' },
    { "runroot", required_argument, NULL, 'r' },
    { "id", required_argument, NULL, 'i' },
    { "id-fd", required_argument, NULL, 'I' },
    { "sync-fd", required_argument, NULL, 'f' },
    { "debug", no_argument, NULL, 'd' },
    { NULL, 0, NULL, 0 },
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
      else
        r = nook_error (err, 0,
                        "usage: nook-monitor --storage DIR --runroot DIR (--id ID | "
                        "--id-fd FD) --sync-fd FD");
      if (r < 0)
        return -1;
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
  m->sigfd = signalfd (-1, &set, SFD_CLOEXEC);
  if (m->sigfd < 0)
    return nook_error (err, errno, "signalfd");
  if (prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
    return nook_error (err, errno, "become a subreaper");
  return 0;
}

static int
enter_userns (struct monitor *m, nook_error_t *err)
{
  if (userns_is_inside ())
    return 0;
  if (!nook_is_real_root () && userns_ids_for_user (&m->ids, err) < 0)
    return -1;
  if (userns_enter (&m->ids, err) < 0)
    return -1;
  nook_debug ("monitor: in the user namespace");
  return 0;
}

/* The ID nook sends once the record is written; false when nook closed
   the pipe without one (its create failed: nothing for us to do).  */
static bool
read_id (struct monitor *m)
{
  char line[66];
  size_t got = 0;

  if (m->id[0])
    return true;
  while (got < sizeof (line))
    {
      ssize_t r = read (m->id_fd, line + got, sizeof (line) - got);
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        break;
      got += (size_t)r;
    }
  nook_closep (&m->id_fd);
  if (got != 65 || line[64] != '\n')
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

/* Steps 2 and 3.  */
static int
start_container (struct monitor *m, nook_error_t *err)
{
  struct container_state *s = &m->c.state;
  _cleanup_close_ int devnull = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  int stdio[3] = { m->c.cfg.interactive ? STDIN_FILENO : devnull, STDOUT_FILENO, STDERR_FILENO };

  if (container_prepare (&m->st, &m->c, m->ids.user ? &m->ids : NULL, m->seccomp_profile,
                         &m->rootfs, err)
      < 0)
    return -1;
  nook_debug ("monitor: rootfs ready");
  s->fuse_pid = m->rootfs.fuse_pid;
  nook_proc_start_time (s->fuse_pid, &s->fuse_start);
  m->pid_file = xasprintf ("%s/pidfile", m->rootfs.bundle);
  m->runtime_log = xasprintf ("%s/runtime.log", m->rootfs.bundle);
  m->rt.log = m->runtime_log;
  m->created = true;
  if (container_runtime_run (&m->rt, m->id, m->rootfs.bundle, m->pid_file, stdio, err) < 0)
    return -1;
  if (read_pid (m->pid_file, &s->pid, err) < 0)
    return -1;
  nook_proc_start_time (s->pid, &s->pid_start);
  nook_debug ("monitor: started pid %d", (int)s->pid);
  s->status = CONTAINER_RUNNING;
  s->started_at = nook_time_format (nook_now_ns ());
  return save_state (m, false, err);
}

/* Step 4: the container's exit status.  */
static int
supervise (struct monitor *m)
{
  pid_t main_pid = m->c.state.pid;

  for (;;)
    {
      struct signalfd_siginfo si;
      int status;
      pid_t pid;

      if (read (m->sigfd, &si, sizeof (si)) != sizeof (si))
        {
          if (errno == EINTR)
            continue;
          return 255;
        }
      if (si.ssi_signo != SIGCHLD)
        {
          kill (main_pid, (int)si.ssi_signo);
          continue;
        }
      while ((pid = waitpid (-1, &status, WNOHANG)) > 0)
        if (pid == main_pid)
          return nook_exit_code (status);
    }
}

/* Step 5, what nook's caller sees: the rootfs gone, and with --rm the
   container's record and name.  */
static void
teardown_visible (struct monitor *m)
{
  nook_error_t err = NULL;

  if (m->rootfs.fuse_pid > 0)
    storage_overlay_unmount (&m->st, m->id, m->rootfs.fuse_pid);
  if (m->c.cfg.rm)
    {
      storage_container_name_release (&m->st, m->c.cfg.name, m->id);
      if (storage_container_hide (&m->st, m->id, &m->gone, &err) < 0)
        nook_error_free (&err);
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

  free (m->c.state.error);
  m->c.state.error = xstrdup ((*err)->msg);
  m->c.state.pid = 0;
  if (!m->c.cfg.rm && save_state (m, true, &e2) < 0)
    nook_error_free (&e2);
  teardown_visible (m);
  teardown_rest (m);
  return -1;
}

static int
run (struct monitor *m, const char *storage, nook_error_t *err)
{
  _cleanup_free_ char *self = NULL;
  int code, in_userns;

  if (setup_signals (m, err) < 0 || nook_self_dir (&self, err) < 0)
    return -1;
  in_userns = enter_userns (m, err);
  if (!read_id (m))
    {
      nook_error_free (err); /* nook's create failed and said why */
      return 0;
    }
  if (storage_open (&m->st, storage, err) < 0 || container_load (&m->st, m->id, &m->c, err) < 0)
    return -1;
  m->loaded = true;
  m->runtime_path = xasprintf ("%s/nook-runtime", self);
  m->runtime_root = xasprintf ("%s/runtime", m->runroot);
  m->seccomp_profile = xasprintf ("%s/../../share/nook/seccomp.json", self);
  m->rt.path = m->runtime_path;
  m->rt.root = m->runtime_root;
  m->c.state.monitor_pid = getpid ();
  nook_proc_start_time (getpid (), &m->c.state.monitor_start);
  if (in_userns < 0 || start_container (m, err) < 0)
    return failed (m, err);
  monitor_msg_send (m->sync_fd, MONITOR_MSG_PID, m->c.state.pid, NULL);
  code = supervise (m);
  nook_debug ("monitor: container exited with %d", code);
  m->c.state.status = CONTAINER_EXITED;
  m->c.state.exit_code = code;
  m->c.state.finished_at = nook_time_format (nook_now_ns ());
  if (!m->c.cfg.rm && save_state (m, true, err) < 0)
    nook_error_free (err);
  teardown_visible (m);
  nook_debug ("monitor: torn down");
  monitor_msg_send (m->sync_fd, MONITOR_MSG_EXIT, code, NULL);
  teardown_rest (m);
  return 0;
}

static void
monitor_release (struct monitor *m)
{
  if (m->loaded)
    container_free (&m->c);
  container_rootfs_free (&m->rootfs);
  userns_ids_free (&m->ids);
  free (m->runroot);
  free (m->seccomp_profile);
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

int
main (int argc, char **argv)
{
  __attribute__ ((cleanup (monitor_release))) struct monitor m
      = { .sync_fd = -1, .sigfd = -1, .id_fd = -1 };
  const char *storage = NULL;
  nook_error_t err = NULL;

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
