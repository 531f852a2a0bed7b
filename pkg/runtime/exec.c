/* exec: a new process in a created or running container.

   The process is the container's own (config.json, as saved at create)
   changed by the options, or a whole `process` object from a file
   (--process).  It gets the container's namespaces, seccomp filter,
   capabilities, rlimits and user, as the container's process did, and
   its labels by create's rule (an AppArmor profile where AppArmor is
   on, dropped where not).

   1. P (the runtime) reads the state, builds the process, gets the
      seccomp program (cached under ROOT) and a pidfd of the container's
      init, then forks C1.
   2. C1 joins the init's namespaces that differ from its own, all at
      once with setns(pidfd) (the kernel puts the user namespace first),
      or one /proc/PID/ns file at a time, user first, on older kernels.
      It clones C2 with CLONE_PARENT, so C2 is P's child (P can wait for
      it) and is born in the container's pid namespace; it sends C2's pid
      to P and exits.
   3. C2 sets up the terminal, the cwd (checked to be inside the
      container's root: CVE-2024-21626), the seccomp filter, ids,
      capabilities, and finds the executable; every fd but 0, 1, 2 and
      the preserved ones is close-on-exec by then.  It answers READY and
      execs; a failed execve answers ERROR after READY.
   4. P sees the pid and READY (in either order: C1 and C2 race) then
      EOF (the sync socket is close-on-exec): the process runs, and is
      recorded in the state directory for kill --all, ps and delete.  On
      any error, P kills and reaps what it started.

   C1 and C2 are not dumpable until the execve: a process of the
   container cannot ptrace or open /proc/PID of C2 while it still holds
   the runtime's memory and fds.  */
#include "runtime/runtime-internal.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

enum
{
  EXEC_SYNC_PID = 100, /* errnum: C2's pid */
};

/* The namespace types exec joins, the user one first.  */
static const struct
{
  const char *file;
  int flag;
} ns_types[] = {
  { "user", CLONE_NEWUSER },     { "mnt", CLONE_NEWNS },  { "pid", CLONE_NEWPID },
  { "uts", CLONE_NEWUTS },       { "ipc", CLONE_NEWIPC }, { "net", CLONE_NEWNET },
  { "cgroup", CLONE_NEWCGROUP },
};

struct exec_ctx
{
  struct oci_spec spec;      /* config.json */
  struct oci_spec proc_spec; /* --process: the process alone */
  struct oci_spec *proc;     /* the process: &spec or &proc_spec */
  struct runtime_seccomp filter;
  bool has_filter;
  pid_t init;
  uint64_t init_start;
  int pidfd;
  int console_fd;  /* the console socket, or -1 */
  int own_console; /* our socket pair's end for it, or -1 */
  int preserve_fds;
  int sync;
};

static void
exec_ctx_free (struct exec_ctx *c)
{
  oci_spec_free (&c->spec);
  oci_spec_free (&c->proc_spec);
  runtime_seccomp_release (&c->filter);
  if (c->pidfd >= 0)
    close (c->pidfd);
  if (c->own_console >= 0)
    close (c->own_console);
}

/* ---- 1. the process ---- */

static int
read_json_file (const char *path, size_t max, nook_json **out, nook_error_t *err)
{
  _cleanup_free_ char *text = NULL;
  size_t len;

  if (nook_read_file_at (AT_FDCWD, path, max, &text, &len, err) < 0
      || json_parse (text, len, out, err) < 0)
    return nook_error_prefix (err, "%s", path);
  return 0;
}

/* config.json as create saved it (the bundle may have changed since).  */
static int
load_config (const struct runtime_state *st, struct oci_spec *spec, nook_error_t *err)
{
  if (runtime_load_config (st, spec, err) < 0)
    return -1;
  if (!spec->has_process)
    return nook_error (err, 0, "config.json: field `process` is missing");
  /* What create did with the labels, quietly: it warned already.  */
  return runtime_check_labels (spec, true, err);
}

static int
parse_id (const char *s, const char *what, uint32_t *out, nook_error_t *err)
{
  int64_t n;
  if (!str_to_int64 (s, &n) || n < 0 || n > (int64_t)UINT32_MAX - 1)
    return nook_error (err, 0, "invalid %s `%s`", what, s);
  *out = (uint32_t)n;
  return 0;
}

static int
apply_user (struct oci_spec *p, const struct runtime_exec_opts *o, nook_error_t *err)
{
  if (o->user)
    {
      const char *colon = strchr (o->user, ':');
      _cleanup_free_ char *uid
          = colon ? xstrndup (o->user, (size_t)(colon - o->user)) : xstrdup (o->user);
      if (parse_id (uid, "--user uid", &p->uid, err) < 0
          || (colon && parse_id (colon + 1, "--user gid", &p->gid, err) < 0))
        return -1;
    }
  for (size_t i = 0; o->additional_gids && o->additional_gids[i]; i++)
    {
      uint32_t gid = 0;
      if (parse_id (o->additional_gids[i], "--additional-gids gid", &gid, err) < 0)
        return -1;
      p->additional_gids
          = xrealloc (p->additional_gids, sizeof (uint32_t) * (p->n_additional_gids + 1));
      p->additional_gids[p->n_additional_gids++] = gid;
    }
  return 0;
}

/* --env KEY=VALUE replaces KEY when the process has it.  */
static void
apply_env (struct oci_spec *p, char *const *env)
{
  for (size_t i = 0; env && env[i]; i++)
    {
      const char *eq = strchr (env[i], '=');
      size_t klen = eq ? (size_t)(eq - env[i]) : strlen (env[i]);
      bool replaced = false;

      if (p->env == NULL)
        p->env = xzalloc (sizeof (char *));
      for (size_t k = 0; p->env[k] && !replaced; k++)
        if (strncmp (p->env[k], env[i], klen) == 0 && p->env[k][klen] == '=')
          {
            free (p->env[k]);
            p->env[k] = xstrdup (env[i]);
            replaced = true;
          }
      if (!replaced)
        strv_push (&p->env, xstrdup (env[i]));
    }
}

/* --cap: into the bounding, effective and permitted sets, as runc.  */
static void
apply_caps (struct oci_spec *p, char *const *caps)
{
  char ***sets[] = { &p->caps.bounding, &p->caps.effective, &p->caps.permitted };

  if (caps == NULL || caps[0] == NULL)
    return;
  p->has_caps = true;
  for (size_t s = 0; s < NOOK_ARRAY_SIZE (sets); s++)
    for (size_t i = 0; caps[i]; i++)
      {
        _cleanup_free_ char *name
            = str_has_prefix (caps[i], "CAP_") ? xstrdup (caps[i]) : xasprintf ("CAP_%s", caps[i]);
        if (*sets[s] == NULL)
          *sets[s] = xzalloc (sizeof (char *));
        if (!strv_contains (*sets[s], name))
          strv_push (sets[s], steal_pointer (&name));
      }
}

/* The container's process changed by the options, as runc's exec.  */
static int
process_from_options (struct oci_spec *p, const struct runtime_exec_opts *o, nook_error_t *err)
{
  if (o->args == NULL || o->args[0] == NULL)
    return nook_error (err, 0, "exec: no command given (and no --process)");
  strv_free (p->args);
  p->args = strv_dup (o->args);
  if (o->cwd)
    {
      free (p->cwd);
      p->cwd = xstrdup (o->cwd);
    }
  apply_env (p, o->env);
  apply_caps (p, o->caps);
  p->terminal = o->tty;
  p->has_console_size = false;
  if (o->no_new_privs)
    p->no_new_privileges = true;
  if (o->apparmor)
    {
      free (p->apparmor_profile);
      p->apparmor_profile = xstrdup (o->apparmor);
    }
  if (o->process_label)
    {
      free (p->selinux_label);
      p->selinux_label = xstrdup (o->process_label);
    }
  return apply_user (p, o, err);
}

static int
process_from_file (struct exec_ctx *c, const char *path, nook_error_t *err)
{
  _cleanup_json_ nook_json *j = NULL;

  if (read_json_file (path, OCI_CONFIG_MAX, &j, err) < 0)
    return -1;
  if (oci_process_parse (j, &c->proc_spec, err) < 0)
    return nook_error_prefix (err, "%s", path);
  c->proc = &c->proc_spec;
  return 0;
}

/* What the options cannot change and the runtime does not apply.  */
static int
check_process (const struct oci_spec *p, int console_fd, nook_error_t *err)
{
  if (p->cwd == NULL || p->cwd[0] != '/')
    return nook_error (err, 0, "exec: the cwd `%s` is not an absolute path", p->cwd ? p->cwd : "");
  if (p->terminal && console_fd < 0)
    return nook_error (err, 0, "exec: a terminal with --detach needs --console-socket");
  if (!p->terminal && console_fd >= 0)
    return nook_error (err, 0, "exec: --console-socket needs a terminal (--tty)");
  return 0;
}

static int
prepare (const char *root, const char *id, const struct runtime_exec_opts *o, struct exec_ctx *c,
         nook_error_t *err)
{
  struct runtime_state st;
  const char *status;

  if (runtime_state_read (root, id, &st, err) < 0)
    return -1;
  status = runtime_status (root, &st);
  c->init = st.pid;
  c->init_start = st.pid_start;
  if (strcmp (status, "stopped") == 0)
    {
      runtime_state_free (&st);
      return nook_error (err, 0, "cannot exec in a stopped container");
    }
  if (load_config (&st, &c->spec, err) < 0)
    {
      runtime_state_free (&st);
      return -1;
    }
  runtime_state_free (&st);
  c->proc = &c->spec;
  if (o->process_file ? process_from_file (c, o->process_file, err)
                      : process_from_options (&c->spec, o, err))
    return -1;
  /* Labels of --apparmor, --process-label or --process: the same rule,
     said aloud.  */
  if (runtime_check_labels (c->proc, false, err) < 0)
    return -1;
  if (c->spec.seccomp)
    {
      _cleanup_free_ char *dir = xasprintf ("%s/%s", root, id);
      /* create's filter, when it is there: making the key of a profile
         is about half of what preparing an exec costs.  */
      if (!runtime_seccomp_reuse (root, dir, c->spec.seccomp, &c->filter)
          && runtime_seccomp_prepare (root, c->spec.seccomp, &c->filter, err) < 0)
        return -1;
      c->has_filter = true;
    }
  return 0;
}

/* A pidfd of the init, and proof it is still the process that was
   created (the pid could have been reused since).  */
static int
open_init (struct exec_ctx *c, nook_error_t *err)
{
  c->pidfd = (int)syscall (SYS_pidfd_open, c->init, 0);
  if (c->pidfd < 0 && errno != ENOSYS)
    return nook_error (err, errno, "pidfd_open of the container's process %d", (int)c->init);
  if (!nook_proc_alive (c->init, c->init_start))
    return nook_error (err, 0, "cannot exec in a stopped container");
  return 0;
}

/* ---- 2. C1: the namespaces ---- */

static bool
same_ns (pid_t pid, const char *type)
{
  char path[64], self[64];
  struct stat a, b;

  snprintf (path, sizeof (path), "/proc/%d/ns/%s", (int)pid, type);
  snprintf (self, sizeof (self), "/proc/self/ns/%s", type);
  if (stat (path, &a) < 0 || stat (self, &b) < 0)
    return errno == ENOENT; /* a kernel without that namespace type */
  return a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

/* Without setns(pidfd) (Linux < 5.8): every file opened before the
   first join (after joining the mount namespace /proc is another), the
   pid checked again after, then joined user first.  */
static int
join_by_files (struct exec_ctx *c, int flags, nook_error_t *err)
{
  int fds[NOOK_ARRAY_SIZE (ns_types)];
  int ret = 0;

  for (size_t i = 0; i < NOOK_ARRAY_SIZE (ns_types); i++)
    {
      char path[64];
      fds[i] = -1;
      if (!(flags & ns_types[i].flag))
        continue;
      snprintf (path, sizeof (path), "/proc/%d/ns/%s", (int)c->init, ns_types[i].file);
      fds[i] = open (path, O_RDONLY | O_CLOEXEC);
      if (fds[i] < 0 && ret == 0)
        ret = nook_error (err, errno, "open `%s`", path);
    }
  if (ret == 0 && !nook_proc_alive (c->init, c->init_start))
    ret = nook_error (err, 0, "cannot exec in a stopped container");
  for (size_t i = 0; i < NOOK_ARRAY_SIZE (ns_types); i++)
    {
      if (fds[i] >= 0 && ret == 0 && setns (fds[i], ns_types[i].flag) < 0)
        ret = nook_error (err, errno, "join the container's %s namespace", ns_types[i].file);
      if (fds[i] >= 0)
        close (fds[i]);
    }
  return ret;
}

static int
join_namespaces (struct exec_ctx *c, bool *joined_user, nook_error_t *err)
{
  int flags = 0;

  for (size_t i = 0; i < NOOK_ARRAY_SIZE (ns_types); i++)
    if (!same_ns (c->init, ns_types[i].file))
      flags |= ns_types[i].flag;
  *joined_user = flags & CLONE_NEWUSER;
  nook_debug ("exec: joining namespaces 0x%x of %d", flags, (int)c->init);
  if (flags == 0)
    return 0;
  if (c->pidfd >= 0 && setns (c->pidfd, flags) == 0)
    return 0;
  if (c->pidfd >= 0 && errno != EINVAL)
    return nook_error (err, errno, "join the namespaces of the container's process");
  return join_by_files (c, flags, err);
}

static void __attribute__ ((noreturn)) exec_child (struct exec_ctx *c, bool joined_user);

static void __attribute__ ((noreturn)) exec_join (struct exec_ctx *c)
{
  nook_error_t err = NULL;
  bool joined_user = false;
  pid_t pid;

  if (prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
    nook_error (&err, errno, "prctl PR_SET_DUMPABLE");
  else if (join_namespaces (c, &joined_user, &err) == 0)
    {
      pid = (pid_t)syscall (SYS_clone, (unsigned long)(CLONE_PARENT | SIGCHLD), NULL, NULL, NULL,
                            NULL);
      if (pid == 0)
        exec_child (c, joined_user);
      if (pid > 0)
        _exit (runtime_sync_send (c->sync, EXEC_SYNC_PID, (int)pid, NULL) < 0 ? 1 : 0);
      nook_error (&err, errno, "clone the process in the container");
    }
  runtime_sync_send (c->sync, RUNTIME_SYNC_ERROR, err->errnum, err->msg);
  _exit (1);
}

/* ---- 3. C2: in the container ---- */

/* The cwd must be under the container's root: a cwd reached through a
   leaked fd (/proc/self/fd/N) is outside it, and getcwd then fails
   (or, from an old kernel, gives "(unreachable)/...").  */
static int
enter_cwd (const char *cwd, nook_error_t *err)
{
  char buf[4096];

  if (chdir (cwd) < 0)
    return nook_error (err, errno, "chdir to cwd (\"%s\") set in config.json failed", cwd);
  if (getcwd (buf, sizeof (buf)) == NULL ? errno == ENOENT : buf[0] != '/')
    return nook_error (err, 0,
                       "the cwd (\"%s\") is outside of the container's root: possible container "
                       "breakout, refused",
                       cwd);
  return 0;
}

/* Only 0, 1, 2 and the preserved fds cross the exec; the pidfd goes
   now, before anything in the container is looked up.  */
static int
seal_fds (struct exec_ctx *c, nook_error_t *err)
{
  if (c->pidfd >= 0)
    close (steal_fd (&c->pidfd));
  for (int fd = 3; fd < 3 + c->preserve_fds; fd++)
    if (nook_set_cloexec (fd, false) < 0)
      return nook_error (err, errno, "preserve fd %d", fd);
  if (syscall (SYS_close_range, 3 + c->preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
    return nook_error (err, errno, "close_range");
  return 0;
}

static int
child_setup (struct exec_ctx *c, bool joined_user, char **path, nook_error_t *err)
{
  struct oci_spec *p = c->proc;
  bool nnp = p->no_new_privileges;
  sigset_t none;

  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
  if (seal_fds (c, err) < 0)
    return -1;
  /* Root of the user namespace, as the init was, where 0 is mapped.  */
  if (joined_user && setresgid (0, 0, 0) == 0)
    (void)!setresuid (0, 0, 0);
  if (runtime_console_setup (p, c->console_fd, err) < 0)
    return -1;
  c->console_fd = -1;
  if (enter_cwd (p->cwd, err) < 0)
    return -1;
  if (c->has_filter && !nnp && runtime_seccomp_load (&c->filter, err) < 0)
    return -1;
  if (runtime_setup_process (p, err) < 0 || runtime_apply_apparmor (p, err) < 0
      || runtime_find_executable (p, path, err) < 0)
    return -1;
  if (c->has_filter && nnp && runtime_seccomp_load (&c->filter, err) < 0)
    return -1;
  return 0;
}

static void __attribute__ ((noreturn)) exec_child (struct exec_ctx *c, bool joined_user)
{
  nook_error_t err = NULL;
  _cleanup_free_ char *path = NULL;
  int e;

  if (child_setup (c, joined_user, &path, &err) < 0)
    {
      runtime_sync_send (c->sync, RUNTIME_SYNC_ERROR, err->errnum, err->msg);
      _exit (1);
    }
  if (runtime_sync_send (c->sync, RUNTIME_SYNC_READY, 0, NULL) < 0)
    _exit (1);
  execve (path, c->proc->args, c->proc->env ? c->proc->env : (char *[]){ NULL });
  e = errno;
  {
    _cleanup_free_ char *msg = xasprintf ("exec `%s`: %s", path, strerror (e));
    runtime_sync_send (c->sync, RUNTIME_SYNC_ERROR, e, msg);
  }
  _exit (e == ENOENT ? 127 : 126);
}

/* ---- 4. P: wait for the answers ---- */

/* One message; 0 at EOF (every copy of the other end closed).  */
static int
recv_msg (int fd, struct runtime_sync *m)
{
  ssize_t n;
  do
    n = recv (fd, m, sizeof (*m), 0);
  while (n < 0 && errno == EINTR);
  if (n == 0)
    return 0;
  if (n != sizeof (*m))
    return -1;
  m->msg[sizeof (m->msg) - 1] = '\0';
  return 1;
}

static int
sync_error (const struct runtime_sync *m, nook_error_t *err)
{
  nook_error (err, 0, "%s", m->msg);
  return nook_error_set_errno (err, m->errnum);
}

/* C1 sends C2's pid and exits; C2 answers READY and execs (EOF once
   both are gone).  The two race: the messages come in either order.  */
static int
wait_started (int sync, pid_t c1, pid_t *c2, nook_error_t *err)
{
  struct runtime_sync m;
  bool ready = false, failed = false;
  int r;

  *c2 = -1;
  while (!failed && (r = recv_msg (sync, &m)) > 0)
    {
      if (m.type == EXEC_SYNC_PID)
        *c2 = (pid_t)m.errnum;
      else if (m.type == RUNTIME_SYNC_READY)
        ready = true;
      else if (m.type == RUNTIME_SYNC_ERROR)
        failed = sync_error (&m, err) < 0;
      else
        failed = nook_error (err, 0, "exec: unexpected message %d", m.type) < 0;
    }
  nook_waitpid (c1, NULL, 0);
  if (failed)
    return -1;
  if (r < 0)
    return nook_error (err, errno, "exec: read from the process being set up");
  if (*c2 <= 0)
    return nook_error (err, 0, "exec: the runtime's child died joining the container");
  if (!ready)
    return nook_error (err, 0, "exec: the process died while being set up");
  return 0;
}

static int
check_preserved (int n, nook_error_t *err)
{
  for (int fd = 3; fd < 3 + n; fd++)
    if (fcntl (fd, F_GETFD) < 0)
      return nook_error (err, 0, "--preserve-fds: fd %d is not open", fd);
  return 0;
}

/* A terminal with no --console-socket while we stay: the master comes
   to us over a socket pair, for runtime_attach.  */
static int
console_for_us (struct exec_ctx *c, const struct runtime_exec_opts *o, int *ours, nook_error_t *err)
{
  int theirs;

  if (o->detach || o->console_fd >= 0 || !c->proc->terminal)
    return 0;
  if (runtime_console_pair (ours, &theirs, err) < 0)
    return -1;
  c->console_fd = c->own_console = theirs;
  return 0;
}

/* The process runs: a failure to record it is only a warning.  */
static void
track (const char *root, const char *id, pid_t pid)
{
  nook_error_t err = NULL;

  if (runtime_track_exec (root, id, pid, &err) < 0)
    {
      nook_warn ("exec: kill --all and ps may miss process %d: %s", (int)pid, err->msg);
      nook_error_free (&err);
    }
}

int
runtime_exec (const char *root, const char *id, const struct runtime_exec_opts *o, pid_t *pid,
              int *master, nook_error_t *err)
{
  _cleanup_ (exec_ctx_free) struct exec_ctx c = { .pidfd = -1, .own_console = -1 };
  _cleanup_close_ int ours = -1;
  int sv[2], ret;
  pid_t c1, c2;

  *master = -1;
  c.console_fd = o->console_fd;
  c.preserve_fds = o->preserve_fds;
  if (check_preserved (o->preserve_fds, err) < 0 || prepare (root, id, o, &c, err) < 0
      || console_for_us (&c, o, &ours, err) < 0 || check_process (c.proc, c.console_fd, err) < 0
      || open_init (&c, err) < 0)
    return -1;
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return nook_error (err, errno, "socketpair");
  c.sync = sv[1];
  c1 = (pid_t)syscall (SYS_clone, (unsigned long)SIGCHLD, NULL, NULL, NULL, NULL);
  if (c1 == 0)
    {
      close (sv[0]);
      exec_join (&c);
    }
  close (sv[1]);
  if (c1 < 0)
    {
      close (sv[0]);
      return nook_error (err, errno, "fork");
    }
  ret = wait_started (sv[0], c1, &c2, err);
  close (sv[0]);
  if (ret == 0 && ours >= 0)
    ret = runtime_recv_fd (ours, master, err);
  if (ret < 0)
    {
      if (c2 > 0)
        {
          kill (c2, SIGKILL);
          nook_waitpid (c2, NULL, 0);
        }
      return -1;
    }
  nook_debug ("exec: process %d started in %s", (int)c2, id);
  track (root, id, c2);
  *pid = c2;
  return 0;
}
