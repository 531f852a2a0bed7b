/* exec: a process in a running container, started by the OCI runtime's
   `exec` straight from the CLI.  No monitor round trip and no newuidmap:
   the runtime joins the container's namespaces itself, which the kernel
   allows because the user owns the container's user namespace.

   1. Load the container; only a running one takes an exec (Podman's
      "container state improper" otherwise).
   2. Build the process: the container's own (config.json) with the
      command, the environment plus -e/--env-file, -w, -u (resolved in the
      running container's /etc/passwd and /etc/group, from inside its user
      namespace), the capabilities (--privileged: all) and the terminal.
      It goes to the runtime in a memfd (--process): nothing on disk.
   3. The runtime's exec runs in this process when our binary is one the
      user cannot write (see can_exec_in_process): the process is then our
      child and its pty master comes straight back.  Otherwise nook-runtime
      is spawned in a session of its own, its errors come back in another
      memfd (--log), and with -t the master comes over a console socket in
      the runtime dir (SCM_RIGHTS).  The signals we get are passed on.
   4. Copy the terminal (raw mode, window size, detach keys) or just wait;
      the exit status is the process's, unless the runtime failed.  A
      detach leaves the pty master with a small holder process that drains
      it until the process ends (Podman has conmon for that).  */
#include "container/exec.h"
#include "container/internal.h"
#include "container/tty.h"
#include "runtime/runtime.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#define CONFIG_MAX (OCI_CONFIG_MAX)

/* Signals passed on to the process (through the runtime).  */
static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };

struct exec_run
{
  const struct container_exec_opts *o;
  const struct nook_paths *paths;
  struct container c;
  int process_fd; /* memfd: the process JSON */
  int log_fd;     /* memfd: the runtime's --log */
  int listen_fd;  /* the console socket, -1 without -t */
  char *console_path;
  int master;
  pid_t runtime; /* the nook-runtime we spawned, or the process itself (DIRECT) */
  bool direct;   /* the runtime's exec ran in this process */
  int sigfd;
  sigset_t old_mask;
  bool mask_set;
  struct tty_raw raw; /* -it under a terminal: raw before the process starts */
};

static void
exec_run_release (struct exec_run *r)
{
  container_free (&r->c);
  if (r->process_fd >= 0)
    close (r->process_fd);
  if (r->log_fd >= 0)
    close (r->log_fd);
  if (r->listen_fd >= 0)
    close (r->listen_fd);
  if (r->console_path)
    unlink (r->console_path);
  free (r->console_path);
  if (r->master >= 0)
    close (r->master);
  if (r->sigfd >= 0)
    close (r->sigfd);
  if (r->mask_set)
    sigprocmask (SIG_SETMASK, &r->old_mask, NULL);
  tty_raw_restore (&r->raw);
}

/* ---- 1. the container ---- */

static int
load_running (struct storage *st, const char *id, struct container *c, nook_error_t *err)
{
  if (container_load (st, id, c, err) < 0)
    return -1;
  if (c->state.status != CONTAINER_RUNNING || c->state.pid <= 0
      || !nook_proc_alive (c->state.pid, c->state.pid_start))
    return nook_error (err, 0,
                       "can only create exec sessions on running containers: container state "
                       "improper");
  return 0;
}

/* ---- 2. the process ---- */

/* The container's config.json: the runtime's saved copy, or the bundle's.  */
static int
read_config_process (struct exec_run *r, struct storage *st, struct oci_spec *p, nook_error_t *err)
{
  _cleanup_free_ char *saved
      = xasprintf ("%s/runtime/%s/config.json", r->paths->runroot, r->c.cfg.id);
  _cleanup_free_ char *bundle
      = xasprintf ("%s/containers/%s/userdata/config.json", st->root, r->c.cfg.id);
  _cleanup_free_ char *text = NULL;
  _cleanup_json_ nook_json *j = NULL;
  const char *path = access (saved, F_OK) == 0 ? saved : bundle;
  nook_json *process;
  size_t len;

  if (nook_read_file_at (AT_FDCWD, path, CONFIG_MAX, &text, &len, err) < 0
      || json_parse (text, len, &j, err) < 0)
    return nook_error_prefix (err, "the container's config.json");
  process = json_get (j, "process");
  if (process == NULL || !json_is_object (process))
    return nook_error (err, 0, "`%s`: no process", path);
  memset (p, 0, sizeof (*p));
  p->umask = -1;
  if (oci_process_parse (process, p, err) < 0)
    return nook_error_prefix (err, "`%s`", path);
  return 0;
}

static void
env_set_default (char ***env, const char *key, const char *value)
{
  size_t klen = strlen (key);
  for (size_t i = 0; *env && (*env)[i]; i++)
    if (strncmp ((*env)[i], key, klen) == 0 && (*env)[i][klen] == '=')
      return;
  strv_push (env, xasprintf ("%s=%s", key, value));
}

static int
apply_env (const struct container_exec_opts *o, struct oci_spec *p, nook_error_t *err)
{
  if (p->env == NULL)
    p->env = xzalloc (sizeof (char *));
  for (size_t i = 0; o->env_files && o->env_files[i]; i++)
    if (container_env_file_add (&p->env, o->env_files[i], err) < 0)
      return -1;
  for (size_t i = 0; o->env && o->env[i]; i++)
    if (container_env_add (&p->env, o->env[i], err) < 0)
      return -1;
  return 0;
}

/* -u: resolved in the running container's own /etc/passwd and
   /etc/group.  Its rootfs is a FUSE mount that serves only its own user
   namespace, so a child joins the container's (we own it) to read them
   through /proc/PID/root and sends the answer back.  */
struct user_answer
{
  int32_t exit_code; /* -1: resolved; else failed, with MSG */
  uint32_t uid, gid;
  uint32_t n_gids;
  uint32_t gids[64];
  char home[1024];
  char msg[1024];
};

static void
resolve_in_container (pid_t pid, uint64_t start, const char *user, struct user_answer *a)
{
  nook_error_t err = NULL;
  char path[64];
  _cleanup_close_ int nsfd = -1, rootfd = -1;
  struct oci_spec gids = { 0 };
  struct resolved_user u;

  snprintf (path, sizeof (path), "/proc/%d/ns/user", (int)pid);
  nsfd = open (path, O_RDONLY | O_CLOEXEC);
  /* The pid could have been reused before the open.  */
  if (nsfd < 0 || !nook_proc_alive (pid, start))
    nook_error (&err, nsfd < 0 ? errno : 0, "open the user namespace of the container");
  else if (setns (nsfd, CLONE_NEWUSER) < 0)
    nook_error (&err, errno, "join the user namespace of the container");
  else
    {
      snprintf (path, sizeof (path), "/proc/%d/root", (int)pid);
      rootfd = open (path, O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (rootfd < 0)
        nook_error (&err, errno, "open the root of the container");
    }
  if (err == NULL && container_resolve_user (rootfd, user, &u, &err) == 0)
    {
      container_supplementary_groups (rootfd, &u, &gids);
      a->exit_code = -1;
      a->uid = u.uid;
      a->gid = u.gid;
      a->n_gids = (uint32_t)(gids.n_additional_gids < 64 ? gids.n_additional_gids : 64);
      memcpy (a->gids, gids.additional_gids, a->n_gids * sizeof (uint32_t));
      snprintf (a->home, sizeof (a->home), "%s", u.home);
      return;
    }
  a->exit_code = err->exit_code;
  snprintf (a->msg, sizeof (a->msg), "%s", err->msg);
}

static int
apply_user (struct exec_run *r, struct oci_spec *p, nook_error_t *err)
{
  struct user_answer a;
  int fds[2], status;
  ssize_t n;
  pid_t pid;

  if (pipe2 (fds, O_CLOEXEC) < 0)
    return nook_error (err, errno, "pipe");
  pid = fork ();
  if (pid < 0)
    {
      close (fds[0]);
      close (fds[1]);
      return nook_error (err, errno, "fork");
    }
  if (pid == 0)
    {
      memset (&a, 0, sizeof (a));
      resolve_in_container (r->c.state.pid, r->c.state.pid_start, r->o->user, &a);
      _exit (nook_write_all (fds[1], &a, sizeof (a)) < 0 ? 1 : 0);
    }
  close (fds[1]);
  do
    n = read (fds[0], &a, sizeof (a));
  while (n < 0 && errno == EINTR);
  close (fds[0]);
  nook_waitpid (pid, &status, 0);
  if (n != (ssize_t)sizeof (a))
    return nook_error (err, 0, "resolve the user `%s` in the container", r->o->user);
  if (a.exit_code >= 0)
    {
      a.msg[sizeof (a.msg) - 1] = '\0';
      /* 125 even for an unknown user (126 for run): Podman's exec maps
         only the runtime's not-found and permission errors.  */
      return nook_error (err, 0, "%s", a.msg);
    }
  a.home[sizeof (a.home) - 1] = '\0';
  p->uid = a.uid;
  p->gid = a.gid;
  free (p->additional_gids);
  p->additional_gids = xmalloc (sizeof (uint32_t) * (a.n_gids + 1));
  memcpy (p->additional_gids, a.gids, sizeof (uint32_t) * a.n_gids);
  p->n_additional_gids = a.n_gids;
  env_set_default (&p->env, "HOME", a.home);
  return 0;
}

/* Every capability the kernel knows, as "CAP_NAME".  */
static char **
all_caps (void)
{
  char **caps = xzalloc (sizeof (char *));
  for (cap_value_t v = 0; v <= CAP_LAST_CAP || cap_valid (v); v++)
    {
      char *name = cap_to_name (v);
      char *upper = name ? xstrdup (name) : NULL;
      if (name == NULL)
        break;
      cap_free (name);
      for (char *s = upper; *s; s++)
        *s = (char)(*s >= 'a' && *s <= 'z' ? *s - 'a' + 'A' : *s);
      strv_push (&caps, upper);
    }
  return caps;
}

/* As Podman: --privileged gives every capability; a user other than
   root gets none in effect, root the bounding set.  */
static void
apply_caps (const struct container_exec_opts *o, struct oci_spec *p)
{
  char **bounding;

  if (o->privileged)
    {
      strv_free (p->caps.bounding);
      p->caps.bounding = all_caps ();
    }
  if (p->caps.bounding == NULL)
    p->caps.bounding = strv_dup ((char *const *)container_default_caps);
  p->has_caps = true;
  bounding = p->uid == 0 ? p->caps.bounding : (char *[]){ NULL };
  strv_free (p->caps.effective);
  strv_free (p->caps.permitted);
  p->caps.effective = strv_dup (bounding);
  p->caps.permitted = strv_dup (bounding);
  if (p->caps.inheritable == NULL)
    p->caps.inheritable = xzalloc (sizeof (char *));
  if (p->caps.ambient == NULL)
    p->caps.ambient = xzalloc (sizeof (char *));
}

static int
build_process (struct exec_run *r, struct storage *st, char **json, size_t *len, nook_error_t *err)
{
  const struct container_exec_opts *o = r->o;
  _cleanup_ (oci_spec_free) struct oci_spec p;
  struct winsize ws;

  if (read_config_process (r, st, &p, err) < 0)
    return -1;
  strv_free (p.args);
  p.args = strv_dup (o->args);
  if (apply_env (o, &p, err) < 0)
    return -1;
  if (o->workdir)
    {
      if (o->workdir[0] != '/')
        return nook_error (err, 0, "workdir `%s` must be an absolute path", o->workdir);
      free (p.cwd);
      p.cwd = xstrdup (o->workdir);
    }
  if (o->user && apply_user (r, &p, err) < 0)
    return -1;
  apply_caps (o, &p);
  p.terminal = o->tty;
  p.has_console_size = false;
  if (o->tty
      && (ioctl (STDIN_FILENO, TIOCGWINSZ, &ws) == 0
          || ioctl (STDOUT_FILENO, TIOCGWINSZ, &ws) == 0))
    {
      p.has_console_size = true;
      p.console_height = ws.ws_row;
      p.console_width = ws.ws_col;
    }
  *json = oci_process_to_json (&p, len);
  return 0;
}

/* A memfd holding DATA, which the runtime opens as /proc/self/fd/N.  */
static int
memfd_with (const char *name, const void *data, size_t len, nook_error_t *err)
{
  _cleanup_close_ int fd = memfd_create (name, 0);
  if (fd < 0)
    return nook_error (err, errno, "memfd_create");
  if (len && nook_write_all (fd, data, len) < 0)
    return nook_error (err, errno, "write the process for the runtime");
  return steal_fd (&fd);
}

/* ---- 3. the runtime ---- */

static int
console_listen (struct exec_run *r, nook_error_t *err)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  char rnd[17];

  if (nook_random_hex (rnd, 8, err) < 0)
    return -1;
  r->console_path = xasprintf ("%s/exec-%.12s-%s.sock", r->paths->runroot, r->c.cfg.id, rnd);
  if (strlen (r->console_path) >= sizeof (addr.sun_path))
    return nook_error (err, 0, "console socket `%s`: path too long", r->console_path);
  strcpy (addr.sun_path, r->console_path);
  r->listen_fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (r->listen_fd < 0)
    return nook_error (err, errno, "socket");
  if (bind (r->listen_fd, (struct sockaddr *)&addr, sizeof (addr)) < 0
      || listen (r->listen_fd, 1) < 0)
    return nook_error (err, errno, "console socket `%s`", r->console_path);
  return 0;
}

/* Block the signals we pass on and SIGCHLD; read them from a signalfd.  */
static int
setup_signals (struct exec_run *r, nook_error_t *err)
{
  sigset_t set;

  sigemptyset (&set);
  sigaddset (&set, SIGCHLD);
  for (size_t i = 0; i < NOOK_ARRAY_SIZE (forwarded); i++)
    sigaddset (&set, forwarded[i]);
  if (sigprocmask (SIG_BLOCK, &set, &r->old_mask) < 0)
    return nook_error (err, errno, "sigprocmask");
  r->mask_set = true;
  r->sigfd = signalfd (-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (r->sigfd < 0)
    return nook_error (err, errno, "signalfd");
  return 0;
}

static int
spawn_runtime (struct exec_run *r, nook_error_t *err)
{
  const struct container_exec_opts *o = r->o;
  _cleanup_free_ char *path = config_helper (r->paths, "nook-runtime");
  _cleanup_free_ char *root = xasprintf ("%s/runtime", r->paths->runroot);
  char process[64], log[64];
  const char *argv[20];
  const int keep[] = { r->process_fd, r->log_fd, -1 };
  struct nook_spawn s = { .argv = argv, .keep_fds = keep, .new_session = true };
  size_t n = 0;

  snprintf (process, sizeof (process), "/proc/self/fd/%d", r->process_fd);
  snprintf (log, sizeof (log), "/proc/self/fd/%d", r->log_fd);
  argv[n++] = path;
  argv[n++] = "--root";
  argv[n++] = root;
  argv[n++] = "--log";
  argv[n++] = log;
  argv[n++] = "--log-format";
  argv[n++] = "json";
  if (nook_log_get_level () >= NOOK_LOG_DEBUG)
    argv[n++] = "--debug";
  argv[n++] = "exec";
  argv[n++] = "--process";
  argv[n++] = process;
  if (o->detach)
    argv[n++] = "--detach";
  if (o->tty)
    {
      argv[n++] = "--tty";
      argv[n++] = "--console-socket";
      argv[n++] = r->console_path;
    }
  argv[n++] = r->c.cfg.id;
  argv[n] = NULL;
  /* With a terminal the pty is the process's stdio; without, ours is.  */
  s.stdin_fd = !o->tty && o->interactive && !o->detach ? STDIN_FILENO : -1;
  s.stdout_fd = o->detach ? -1 : STDOUT_FILENO;
  s.stderr_fd = o->detach ? -1 : STDERR_FILENO;
  if (nook_spawn (&s, &r->runtime, err) < 0)
    return nook_error_prefix (err, "OCI runtime");
  return 0;
}

/* The runtime failed with MSG: the exit code Podman gives.  */
static int
runtime_error (const char *msg, nook_error_t *err)
{
  if (strstr (msg, "executable file") && strstr (msg, "not found"))
    {
      nook_error (err, 0,
                  "nook-runtime: %s: OCI runtime attempted to invoke a command that was "
                  "not found",
                  msg);
      return nook_error_exit (err, 127);
    }
  if (strstr (msg, "no such file or directory") || strstr (msg, "No such file or directory"))
    {
      nook_error (err, 0,
                  "nook-runtime: %s: OCI runtime attempted to invoke a command that was "
                  "not found",
                  msg);
      return nook_error_exit (err, 127);
    }
  if (strstr (msg, "ermission denied"))
    {
      nook_error (err, 0, "nook-runtime: %s: OCI permission denied", msg);
      return nook_error_exit (err, 126);
    }
  if (strstr (msg, "stopped container"))
    return nook_error (err, 0,
                       "can only create exec sessions on running containers: container "
                       "state improper");
  return nook_error (err, 0, "nook-runtime: %s", msg);
}

/* Whether the runtime's exec may run in this process instead of a
   spawned nook-runtime, which saves two execs (the runtime, and its
   re-exec from a sealed copy of itself) of the four an exec costs.  The
   seal is against CVE-2019-5736: a container process that reaches the
   binary through /proc/PID/exe of a process joining it, and writes it.
   A binary we cannot write, it cannot write either (its ids map to ours
   or to our subordinate ones, with no capability on the host), so the
   seal adds nothing for an installed nook; a nook the user can write
   spawns the sealed runtime.  */
static bool
can_exec_in_process (void)
{
  return access ("/proc/self/exe", W_OK) < 0;
}

/* Put FD (-1: /dev/null) on TARGET, keeping the old one in *SAVED.  */
static int
stdio_swap (int fd, int target, int *saved, nook_error_t *err)
{
  _cleanup_close_ int null = -1;

  if (fd == target)
    return 0;
  if (fd < 0)
    {
      fd = null = open ("/dev/null", O_RDWR | O_CLOEXEC);
      if (fd < 0)
        return nook_error (err, errno, "open /dev/null");
    }
  *saved = fcntl (target, F_DUPFD_CLOEXEC, 3);
  if (*saved < 0 || dup2 (fd, target) < 0)
    return nook_error (err, errno, "dup2");
  return 0;
}

static void
stdio_restore (int saved[3])
{
  for (int fd = 0; fd < 3; fd++)
    if (saved[fd] >= 0)
      {
        dup2 (saved[fd], fd);
        close (saved[fd]);
      }
}

/* runtime_exec in this process: the process becomes our child and, with
   a terminal, its pty master comes straight to us.  It inherits our
   stdio, so for the time of the call those are what it should get, and
   SIGPIPE is back to its default (an ignored signal stays ignored across
   execve).  */
static int
start_in_process (struct exec_run *r, nook_error_t *err)
{
  const struct container_exec_opts *o = r->o;
  _cleanup_free_ char *root = xasprintf ("%s/runtime", r->paths->runroot);
  char process[64];
  struct runtime_exec_opts eo = { .process_file = process, .console_fd = -1 };
  int saved[3] = { -1, -1, -1 }, ret = 0;
  bool quiet = o->tty || o->detach;
  void (*old_pipe) (int);

  snprintf (process, sizeof (process), "/proc/self/fd/%d", r->process_fd);
  if (stdio_swap (o->interactive && !quiet ? STDIN_FILENO : -1, STDIN_FILENO, &saved[0], err) < 0
      || stdio_swap (quiet ? -1 : STDOUT_FILENO, STDOUT_FILENO, &saved[1], err) < 0
      || stdio_swap (quiet ? -1 : STDERR_FILENO, STDERR_FILENO, &saved[2], err) < 0)
    ret = -1;
  old_pipe = signal (SIGPIPE, SIG_DFL);
  if (ret == 0)
    ret = runtime_exec (root, r->c.cfg.id, &eo, &r->runtime, &r->master, err);
  signal (SIGPIPE, old_pipe);
  stdio_restore (saved);
  if (ret < 0)
    {
      _cleanup_free_ char *msg = xstrdup ((*err)->msg);
      nook_error_free (err);
      return runtime_error (msg, err);
    }
  r->direct = true;
  return 0;
}

/* The last error the runtime logged, or NULL.  */
static char *
runtime_log_error (int log_fd)
{
  char path[64];

  snprintf (path, sizeof (path), "/proc/self/fd/%d", log_fd);
  return container_runtime_log_error (path);
}

/* The runtime ended with STATUS: the process's exit code, or an error.  */
static int
runtime_result (struct exec_run *r, int status, nook_error_t *err)
{
  _cleanup_free_ char *msg = r->direct ? NULL : runtime_log_error (r->log_fd);

  if (msg)
    return runtime_error (msg, err);
  if (r->o->detach && status != 0)
    return nook_error (err, 0, "nook-runtime: exec failed with status %d", nook_exit_code (status));
  return nook_exit_code (status);
}

/* Handle what came on the signalfd: pass signals on; 1 (and *STATUS)
   when the runtime has ended.  */
static int
handle_signals (struct exec_run *r, int *status)
{
  struct signalfd_siginfo si;
  bool chld = false;

  while (read (r->sigfd, &si, sizeof (si)) == sizeof (si))
    {
      if (si.ssi_signo == SIGCHLD)
        chld = true;
      else
        kill (r->runtime, (int)si.ssi_signo);
    }
  if (!chld)
    return 0;
  return nook_waitpid (r->runtime, status, WNOHANG) == r->runtime ? 1 : 0;
}

static int
wait_runtime (struct exec_run *r, int *status, nook_error_t *err)
{
  for (;;)
    {
      struct pollfd pfd = { .fd = r->sigfd, .events = POLLIN };
      if (handle_signals (r, status) > 0)
        return 0;
      if (poll (&pfd, 1, -1) < 0 && errno != EINTR)
        return nook_error (err, errno, "poll");
    }
}

/* The pty master, when the runtime sends it; an error when the runtime
   ends first.  */
static int
receive_master (struct exec_run *r, nook_error_t *err)
{
  _cleanup_close_ int conn = -1;
  int status;

  for (;;)
    {
      struct pollfd fds[2]
          = { { .fd = r->listen_fd, .events = POLLIN }, { .fd = r->sigfd, .events = POLLIN } };
      if (poll (fds, 2, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          return nook_error (err, errno, "poll");
        }
      if (fds[0].revents & POLLIN)
        break;
      if (handle_signals (r, &status) > 0)
        {
          r->runtime = -1;
          if (runtime_result (r, status, err) < 0)
            return -1;
          return nook_error (err, 0, "nook-runtime ended without sending the terminal");
        }
    }
  conn = accept4 (r->listen_fd, NULL, NULL, SOCK_CLOEXEC);
  if (conn < 0)
    return nook_error (err, errno, "accept on the console socket");
  unlink (r->console_path);
  return runtime_recv_fd (conn, &r->master, err);
}

/* ---- 4. the terminal ---- */

/* After a detach the process keeps its terminal: a holder in a session
   of its own keeps the master open and drains it (output nobody reads
   would block the process) until the process ends.  */
static int
hand_off_master (struct exec_run *r, nook_error_t *err)
{
  pid_t pid = fork ();

  if (pid < 0)
    return nook_error (err, errno, "fork");
  if (pid == 0)
    {
      char buf[4096];
      sigset_t none;
      int null, master;

      sigemptyset (&none);
      sigprocmask (SIG_SETMASK, &none, NULL);
      setsid ();
      if (fork () != 0)
        _exit (0);
      /* Nothing of ours but the master: not the caller's pipes (a shell
         waiting for their end), not the store.  */
      master = fcntl (r->master, F_DUPFD, 3);
      null = open ("/dev/null", O_RDWR);
      if (master < 0 || null < 0)
        _exit (1);
      for (int fd = 0; fd < 3; fd++)
        dup2 (null, fd);
      if (dup2 (master, 3) < 0)
        _exit (1);
      close_range (4, ~0U, 0);
      fcntl (3, F_SETFL, fcntl (3, F_GETFL) & ~O_NONBLOCK);
      while (read (3, buf, sizeof (buf)) > 0 || errno == EINTR)
        ;
      _exit (0);
    }
  nook_waitpid (pid, NULL, 0);
  return 0;
}

static int
run_terminal (struct exec_run *r, int *status, bool *detached, nook_error_t *err)
{
  const struct container_exec_opts *o = r->o;
  struct tty_detach_keys keys;
  bool in_tty = isatty (STDIN_FILENO);
  int size_from = in_tty ? STDIN_FILENO : isatty (STDOUT_FILENO) ? STDOUT_FILENO : -1;
  struct tty_proxy p = {
    .in = o->interactive ? STDIN_FILENO : -1,
    .out = STDOUT_FILENO,
    .remote = r->master,
    .winsize_from = size_from,
    .keys = &keys,
    .wake_fd = r->sigfd,
    .eof_to_pty = true,
  };

  *detached = false;
  if (tty_detach_keys_parse (o->detach_keys, &keys, err) < 0)
    return -1;
  for (;;)
    {
      enum tty_proxy_result res;
      if (tty_proxy_run (&p, &res, err) < 0)
        return -1;
      if (res == TTY_PROXY_DETACHED)
        {
          *detached = true;
          return 0;
        }
      if (res == TTY_PROXY_EOF)
        return wait_runtime (r, status, err);
      if (handle_signals (r, status) > 0)
        return 0;
    }
}

/* A 64-hex ID for `exec -d` to print, as Podman prints its exec session's:
   nook keeps no exec sessions, so it names nothing that can be looked up.  */
static int
print_session_id (nook_error_t *err)
{
  char id[65];
  if (nook_random_hex (id, 32, err) < 0)
    return -1;
  printf ("%s\n", id);
  return 0;
}

static int
exec_start (struct exec_run *r, struct storage *st, nook_error_t *err)
{
  _cleanup_free_ char *json = NULL;
  size_t len;

  if (build_process (r, st, &json, &len, err) < 0)
    return -1;
  r->process_fd = memfd_with ("nook-exec-process", json, len, err);
  if (r->process_fd < 0)
    return -1;
  r->log_fd = memfd_with ("nook-exec-log", NULL, 0, err);
  if (r->log_fd < 0)
    return -1;
  if (setup_signals (r, err) < 0)
    return -1;
  if (can_exec_in_process ())
    {
      nook_debug ("exec: the runtime's exec in this process");
      return start_in_process (r, err);
    }
  nook_debug ("exec: nook is writable: a sealed nook-runtime");
  if (r->o->tty && console_listen (r, err) < 0)
    return -1;
  return spawn_runtime (r, err);
}

int
container_exec (const struct nook_paths *paths, struct storage *st, const char *id,
                const struct container_exec_opts *o, nook_error_t *err)
{
  _cleanup_ (exec_run_release) struct exec_run r = {
    .o = o,
    .paths = paths,
    .process_fd = -1,
    .log_fd = -1,
    .listen_fd = -1,
    .master = -1,
    .runtime = -1,
    .sigfd = -1,
    .raw = TTY_RAW_INIT,
  };
  struct tty_detach_keys keys;
  bool detached = false;
  int status = 0;

  if (o->args == NULL || o->args[0] == NULL || o->args[0][0] == '\0')
    return nook_error (
        err, 0, "must provide a non-empty command to start an exec session: invalid argument");
  if (load_running (st, id, &r.c, err) < 0)
    return -1;
  /* Raw mode when what is typed goes to the process (without -i, keys
     stay ours: ctrl-c interrupts, and the signal is passed on), and
     before it starts: keys typed meanwhile (ctrl-q) would otherwise be
     the terminal's.  */
  if (o->tty && o->interactive && !o->detach && isatty (STDIN_FILENO)
      && tty_raw_enter (STDIN_FILENO, &r.raw, err) < 0)
    return -1;
  if (tty_detach_keys_parse (o->detach_keys, &keys, err) < 0 || exec_start (&r, st, err) < 0)
    return -1;
  if (o->tty && !r.direct && receive_master (&r, err) < 0)
    return -1;
  if (o->detach)
    {
      /* A spawned runtime --detach ends once the process runs; a direct
         one is ours already running, reparented when we exit.  */
      if (!r.direct
          && (wait_runtime (&r, &status, err) < 0 || runtime_result (&r, status, err) < 0))
        return -1;
      if (o->tty && hand_off_master (&r, err) < 0)
        return -1;
      return print_session_id (err) < 0 ? -1 : 0;
    }
  if (o->tty ? run_terminal (&r, &status, &detached, err) < 0 : wait_runtime (&r, &status, err) < 0)
    return -1;
  if (detached)
    return hand_off_master (&r, err) < 0 ? -1 : 0;
  return runtime_result (&r, status, err);
}
