/* Starting a container: the CLI side of run, start and create.

   1. Two pipes: sync (monitor to us) and ctl (us to monitor).  Spawn
      nook-monitor in a session of its own (no controlling terminal); it
      makes its user namespace at once and says UNSHARED, and we start
      newuidmap and newgidmap on it.  Attached, it has our stdio.
   2. Meanwhile we write the record (container_create), then send MAPPED
      once the mappers are done, and the ID on ctl (start: the monitor was
      given the ID).  A record whose namespace could not be mapped goes.
   3. We wait on sync: PID when the container runs (detached: done), then
      EXIT with its code once everything is cleaned up (or ERROR at any
      point).  SIGINT, SIGTERM and friends meanwhile go to the container
      through ctl, and so do window size changes; DETACHED when the detach
      keys were typed.  */
#include "container/internal.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container/tty.h"

static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };

/* Our environment, with MONITOR_TUNABLE added.  */
static char **
monitor_env (void)
{
  static const char tcache_off[] = MONITOR_TUNABLE;
  char **env = NULL;
  bool set = false;

  for (char **e = environ; *e; e++)
    if (str_has_prefix (*e, "GLIBC_TUNABLES="))
      {
        strv_push (&env, xasprintf ("%s:%s", *e, tcache_off));
        set = true;
      }
    else
      strv_push (&env, xstrdup (*e));
  if (!set)
    strv_push (&env, xasprintf ("GLIBC_TUNABLES=%s", tcache_off));
  return env;
}

/* The monitor gets a session of its own (no terminal's signals reach it)
   and outlives us if we go: it is then simply reparented.  It reads the
   container's ID from *CTL_WR unless given ID.  */
static int
spawn_monitor (const struct nook_paths *paths, struct storage *st, const char *id,
               const struct container_attach_opts *a, bool late_userns, bool map_it,
               const char *ids, int *sync_rd, int *ctl_wr, pid_t *pid, nook_error_t *err)
{
  _cleanup_free_ char *monitor = config_helper (paths, "nook-monitor");
  _cleanup_strv_ char **env = monitor_env ();
  int sync[2] = { -1, -1 }, ctl[2] = { -1, -1 }, keep[3];
  char syncstr[16], ctlstr[16];
  const char *argv[24] = { monitor, "--storage", st->root, "--runroot", paths->runroot };
  struct nook_spawn s = { .argv = argv,
                          .envp = (const char *const *)env,
                          .stdin_fd = -1,
                          .stdout_fd = -1,
                          .stderr_fd = -1,
                          .keep_fds = keep,
                          .new_session = true };
  size_t n = 5;
  int ret;

  if (pipe2 (sync, O_CLOEXEC) < 0 || pipe2 (ctl, O_CLOEXEC) < 0)
    {
      ret = nook_error (err, errno, "pipe");
      goto out;
    }
  snprintf (syncstr, sizeof (syncstr), "%d", sync[1]);
  snprintf (ctlstr, sizeof (ctlstr), "%d", ctl[0]);
  argv[n++] = id ? "--id" : "--id-fd";
  argv[n++] = id ? id : ctlstr;
  if (id)
    argv[n++] = "--id-fd", argv[n++] = ctlstr;
  argv[n++] = "--sync-fd";
  argv[n++] = syncstr;
  if (a)
    {
      argv[n++] = "--attach";
      argv[n++] = "--detach-keys";
      argv[n++] = a->detach_keys ? a->detach_keys : TTY_DETACH_KEYS_DEFAULT;
      s.stdin_fd = a->no_stdin ? -1 : STDIN_FILENO;
      s.stdout_fd = STDOUT_FILENO;
      s.stderr_fd = STDERR_FILENO;
    }
  if (nook_log_get_level () >= NOOK_LOG_DEBUG)
    argv[n++] = "--debug";
  if (late_userns)
    argv[n++] = "--late-userns";
  if (map_it)
    argv[n++] = "--userns-from-parent";
  if (ids)
    argv[n++] = "--ids", argv[n++] = ids;
  argv[n] = NULL;
  keep[0] = sync[1];
  keep[1] = ctl[0];
  keep[2] = -1;
  ret = nook_spawn (&s, pid, err);
  if (ret == 0)
    {
      *sync_rd = steal_fd (&sync[0]);
      *ctl_wr = steal_fd (&ctl[1]);
    }
out:
  for (int i = 0; i < 2; i++)
    {
      nook_closep (&sync[i]);
      nook_closep (&ctl[i]);
    }
  return ret;
}

static int
block_signals (sigset_t *set, int *sigfd, nook_error_t *err)
{
  sigemptyset (set);
  for (size_t i = 0; i < NOOK_ARRAY_SIZE (forwarded); i++)
    sigaddset (set, forwarded[i]);
  if (sigprocmask (SIG_BLOCK, set, NULL) < 0)
    return nook_error (err, errno, "sigprocmask");
  *sigfd = signalfd (-1, set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (*sigfd < 0)
    return nook_error (err, errno, "signalfd");
  return 0;
}

static void
send_ctl (int ctl_wr, int type, int value)
{
  struct monitor_ctl m = { .type = type, .value = value };
  if (ctl_wr >= 0 && write (ctl_wr, &m, sizeof (m)) < 0)
    nook_debug ("control message to the monitor: %s", strerror (errno));
}

/* The monitor's error message M, with its exit code.  */
static int
monitor_error (const struct monitor_msg *m, nook_error_t *err)
{
  nook_error (err, 0, "%s", m->msg);
  return nook_error_exit (err, m->value ? m->value : 125);
}

/* One message from the monitor: 1 to go on, 0 when finished (*CODE set),
   -1 on error.  DETACH: done at PID.  */
static int
on_message (int fd, bool detach, int *code, nook_error_t *err)
{
  struct monitor_msg m;
  int r = monitor_msg_recv (fd, &m);

  if (r != 0)
    return nook_error (err, 0, "nook-monitor exited without reporting the container's exit");
  switch (m.type)
    {
    case MONITOR_MSG_PID:
      nook_debug ("container running as pid %d", m.value);
      *code = 0;
      return detach ? 0 : 1;
    case MONITOR_MSG_EXIT:
      *code = m.value;
      return 0;
    case MONITOR_MSG_DETACHED:
      *code = 0;
      return 0;
    default:
      return monitor_error (&m, err);
    }
}

/* Step 3: until PID (DETACH) or the end.  */
static int
wait_monitor (int sync_rd, int ctl_wr, bool detach, bool sig_proxy, int sigfd, nook_error_t *err)
{
  int code = 0, r = 1;

  while (r > 0)
    {
      struct pollfd fds[2] = { { sync_rd, POLLIN, 0 }, { sigfd, POLLIN, 0 } };
      struct signalfd_siginfo si;

      if (poll (fds, 2, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          return nook_error (err, errno, "poll");
        }
      while (read (sigfd, &si, sizeof (si)) == sizeof (si))
        if (si.ssi_signo == SIGWINCH)
          send_ctl (ctl_wr, MONITOR_CTL_WINCH, 0);
        else if (sig_proxy)
          send_ctl (ctl_wr, MONITOR_CTL_SIGNAL, (int)si.ssi_signo);
      if (fds[0].revents)
        r = on_message (sync_rd, detach, &code, err);
    }
  return r < 0 ? -1 : code;
}

/* Steps 1 and 2 the other way round: the monitor starts first and
   enters the user namespace (newuidmap is the slowest part of a start)
   while we write the record, whose ID it then gets.  */
static int
create_for_monitor (struct storage *st, const struct container_create_opts *o, char id[65],
                    nook_error_t *err)
{
  struct container c;

  if (container_create_unsynced (st, o, &c, err) < 0)
    return -1; /* the monitor reads end of file and leaves */
  nook_debug ("run: created %.12s", c.cfg.id);
  memcpy (id, c.cfg.id, 65);
  container_free (&c);
  return 0;
}

static int
send_id (int ctl_wr, const char id[65], nook_error_t *err)
{
  char line[66];

  snprintf (line, sizeof (line), "%s\n", id);
  if (nook_write_all (ctl_wr, line, 65) < 0)
    return nook_error (err, errno, "hand the container to nook-monitor");
  return 0;
}

/* A record the monitor never got: nothing of it ran or was mounted.
   Its name and anonymous volumes go with it, as when create fails (the
   volumes once the record is out of sight: they are no one's then).  */
static void
discard_record (struct storage *st, const char *id)
{
  _cleanup_free_ char *gone = NULL;
  struct container c;
  nook_error_t err = NULL;
  bool loaded = container_load (st, id, &c, &err) == 0;

  nook_error_free (&err);
  if (loaded)
    storage_container_name_release (st, c.cfg.name, id);
  if (storage_container_hide (st, id, &gone, &err) < 0)
    nook_debug ("%s", err->msg);
  else if (loaded)
    container_mounts_remove_anonymous (st, &c.cfg.mounts);
  nook_error_free (&err);
  if (gone && storage_container_purge (st, gone, &err) < 0)
    nook_debug ("%s", err->msg);
  nook_error_free (&err);
  if (loaded)
    container_free (&c);
}

/* The user namespace of a monitor started with --userns-from-parent:
   once it has unshared, newuidmap and newgidmap run on it (here, in the
   namespace it left) while we go on.  */
static int
map_monitor_start (int sync_rd, pid_t pid, const struct userns_ids *ids, struct userns_mappers *mp,
                   nook_error_t *err)
{
  struct monitor_msg m;

  if (monitor_msg_recv (sync_rd, &m) != 0)
    return nook_error (err, 0, "nook-monitor exited before making its user namespace");
  if (m.type != MONITOR_MSG_UNSHARED)
    return monitor_error (&m, err);
  return userns_map_start (pid, ids, mp, err);
}

static int
map_monitor_finish (int ctl_wr, const struct userns_ids *ids, struct userns_mappers *mp,
                    nook_error_t *err)
{
  struct monitor_ctl c = { .type = MONITOR_CTL_MAPPED };

  if (userns_map_finish (mp, ids, err) < 0)
    return -1;
  if (nook_write_all (ctl_wr, &c, sizeof (c)) < 0)
    return nook_error (err, errno, "hand the user namespace to nook-monitor");
  return 0;
}

/* Until the monitor has its container: the ID (created from O when it is
   NULL), and with MAP_IT its user namespace mapped, the record written
   meanwhile.  A record whose namespace cannot be mapped is discarded.  */
static int
hand_over (struct storage *st, const struct container_create_opts *o, const char *id,
           const struct userns_ids *ids, pid_t pid, int sync_rd, int ctl_wr, char out_id[65],
           nook_error_t *err)
{
  struct userns_mappers mp = { 0, 0, -1 };
  bool map_it = ids != NULL;
  int r = map_it ? map_monitor_start (sync_rd, pid, ids, &mp, err) : 0;

  if (r == 0 && id == NULL)
    r = create_for_monitor (st, o, out_id, err);
  else if (r == 0)
    memcpy (out_id, id, 65);
  if (map_it && r < 0)
    userns_map_abandon (&mp);
  else if (map_it && map_monitor_finish (ctl_wr, ids, &mp, err) < 0)
    {
      if (id == NULL)
        discard_record (st, out_id);
      return -1;
    }
  if (r == 0 && id == NULL)
    {
      r = send_id (ctl_wr, out_id, err);
      /* On disk while the monitor goes on, before we say it is there.  */
      container_record_sync (st);
    }
  return r;
}

/* Run or start under a new monitor: ID NULL creates from O first.  A
   (NULL: detached) says how we attach; then the container's exit code is
   returned, else 0 once it runs.  */
static int
launch (const struct nook_paths *paths, struct storage *st, const struct container_create_opts *o,
        const char *id, const struct container_attach_opts *a, char out_id[65], bool tty,
        bool late_userns, nook_error_t *err)
{
  _cleanup_close_ int sync_rd = -1, sigfd = -1, ctl_wr = -1;
  _cleanup_tty_raw_ struct tty_raw raw = TTY_RAW_INIT;
  _cleanup_userns_ids_ struct userns_ids ids = { 0 };
  _cleanup_free_ char *ids_text = NULL;
  /* The monitor makes a user namespace unless we are root or in one: its
     ids are looked up here, the monitor does not (it is static).  Mapping
     it from here saves it forking mappers: not when it joins another's
     namespace.  */
  bool want_ids = !nook_is_real_root () && !userns_is_inside ();
  bool map_it = want_ids && !late_userns;
  sigset_t set;
  pid_t pid;
  int r = 0;

  if (want_ids && userns_ids_for_user (&ids, err) < 0)
    return -1;
  if (want_ids)
    ids_text = userns_ids_format (&ids);
  if (block_signals (&set, &sigfd, err) < 0)
    return -1;
  /* Raw before the container can start: keys typed meanwhile (ctrl-q)
     would otherwise be the terminal's.  */
  if (a && tty && !a->no_stdin && isatty (STDIN_FILENO)
      && tty_raw_enter (STDIN_FILENO, &raw, err) < 0)
    r = -1;
  nook_debug ("starting nook-monitor");
  if (r < 0
      || spawn_monitor (paths, st, id, a, late_userns, map_it, ids_text, &sync_rd, &ctl_wr, &pid,
                        err)
             < 0)
    r = -1;
  else
    r = hand_over (st, o, id, map_it ? &ids : NULL, pid, sync_rd, ctl_wr, out_id, err);
  if (r == 0)
    r = wait_monitor (sync_rd, ctl_wr, a == NULL, a ? a->sig_proxy : false, sigfd, err);
  else
    nook_closep (&ctl_wr); /* the monitor reads end of file and leaves */
  sigprocmask (SIG_UNBLOCK, &set, NULL);
  return r;
}

int
container_run (const struct nook_paths *paths, struct storage *st,
               const struct container_create_opts *o, const struct container_attach_opts *a,
               char id[65], nook_error_t *err)
{
  const char *net = o->net.network ? o->net.network : "";
  bool late = str_has_prefix (net, "container:") || str_has_prefix (net, "ns:");

  return launch (paths, st, o, NULL, a, id, o->tty, late, err);
}

int
container_start (const struct nook_paths *paths, struct storage *st, const char *id,
                 const struct container_attach_opts *a, nook_error_t *err)
{
  struct container c;
  char out[65];
  bool tty, late;

  if (container_load (st, id, &c, err) < 0)
    return -1;
  tty = c.cfg.tty;
  late = c.cfg.net.mode == NET_CONTAINER || c.cfg.net.mode == NET_NS;
  if (c.state.status == CONTAINER_RUNNING)
    {
      nook_error (err, 0,
                  "unable to start container \"%s\": container %s must be in Created or "
                  "Stopped state to be started: container state improper",
                  c.cfg.name, id);
      container_free (&c);
      return -1;
    }
  container_free (&c);
  return launch (paths, st, NULL, id, a, out, tty, late, err);
}
