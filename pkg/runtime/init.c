/* The container's init, between clone() and exec: join namespaces, set up
   the root filesystem, hostname and process, then wait for `start`.  Every
   failure goes back to the parent as a message before exiting, so it
   reaches the user.  */
#include "runtime/runtime-internal.h"

#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* Namespaces given by path, the user one first: it decides what the
   others may be joined with.  pid was joined by the parent, and so were
   those in JOINED (with a new user namespace).  */
static int
join_namespaces (const struct oci_spec *spec, int joined, nook_error_t *err)
{
  for (int pass = 0; pass < 2; pass++)
    for (size_t i = 0; i < spec->n_namespaces; i++)
      {
        const struct oci_namespace *ns = &spec->namespaces[i];
        bool user = strcmp (ns->type, "user") == 0;
        _cleanup_close_ int fd = -1;

        if (ns->path == NULL || strcmp (ns->type, "pid") == 0 || user != (pass == 0)
            || (runtime_ns_flag (ns->type) & joined))
          continue;
        fd = open (ns->path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || setns (fd, runtime_ns_flag (ns->type)) < 0)
          return nook_error (err, errno, "join %s namespace `%s`", ns->type, ns->path);
      }
  return 0;
}

static int
set_names (const struct oci_spec *spec, nook_error_t *err)
{
  const struct oci_namespace *uts = oci_spec_namespace (spec, "uts");
  bool own = uts && uts->path == NULL;

  if ((spec->hostname || spec->domainname) && !own)
    return nook_error (err, 0, "setting the hostname needs a new uts namespace");
  if (spec->hostname && sethostname (spec->hostname, strlen (spec->hostname)) < 0)
    return nook_error (err, errno, "sethostname `%s`", spec->hostname);
  if (spec->domainname && setdomainname (spec->domainname, strlen (spec->domainname)) < 0)
    return nook_error (err, errno, "setdomainname `%s`", spec->domainname);
  return 0;
}

/* Nothing but 0, 1, 2 and the preserved fds crosses the exec.  */
static int
seal_fds (int preserve, nook_error_t *err)
{
  for (int fd = 3; fd < 3 + preserve; fd++)
    if (nook_set_cloexec (fd, false) < 0)
      return nook_error (err, errno, "preserve fd %d", fd);
  if (syscall (SYS_close_range, 3 + preserve, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
    return nook_error (err, errno, "close_range");
  return 0;
}

/* process.cwd, and nowhere else: a cwd of "/proc/self/fd/N" through an
   fd of ours to a host directory would put the process outside the root
   (CVE-2024-21626).  getcwd() says "(unreachable)" or fails then.  */
static int
enter_cwd (const char *cwd, nook_error_t *err)
{
  char buf[4096];

  if (chdir (cwd) < 0)
    return nook_error (err, errno, "chdir to cwd (\"%s\") set in config.json failed", cwd);
  if (getcwd (buf, sizeof (buf)) == NULL || buf[0] != '/')
    return nook_error (err, 0, "process.cwd `%s` is outside the container's root", cwd);
  return 0;
}

/* process.oomScoreAdj, through the host's /proc: the container's is not
   mounted yet.  Lowering it takes CAP_SYS_RESOURCE.  */
static int
set_oom_score_adj (const struct oci_spec *spec, nook_error_t *err)
{
  char buf[16];
  int n;
  _cleanup_close_ int fd = -1;

  if (!spec->oom_score_adj.set)
    return 0;
  n = snprintf (buf, sizeof (buf), "%d", (int)spec->oom_score_adj.v);
  fd = open ("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write (fd, buf, (size_t)n) != n)
    return nook_error (err, errno, "config.json: field `process.oomScoreAdj`: set %s", buf);
  return 0;
}

/* process.apparmorProfile, for the execve (create.c cleared it when
   AppArmor is not enabled); exec's process too.  */
int
runtime_apply_apparmor (const struct oci_spec *spec, nook_error_t *err)
{
  _cleanup_free_ char *v = NULL;
  _cleanup_close_ int fd = -1;

  if (spec->apparmor_profile == NULL)
    return 0;
  v = xasprintf ("exec %s", spec->apparmor_profile);
  fd = open ("/proc/self/attr/apparmor/exec", O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    fd = open ("/proc/self/attr/exec", O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write (fd, v, strlen (v)) < 0)
    return nook_error (err, errno, "config.json: field `process.apparmorProfile`: `%s`",
                       spec->apparmor_profile);
  return 0;
}

/* The container's own hooks (hooks.c), its state built here: the
   runtime sent the one thing we cannot know, our pid outside.  */
static int
run_hooks (struct runtime_init_args *a, enum oci_hook_kind kind, const char *status, pid_t pid,
           nook_error_t *err)
{
  _cleanup_free_ char *state = NULL;

  if (!runtime_hooks_any (a->spec, kind))
    return 0;
  state = runtime_hook_state (a->spec, a->id, status, pid, a->bundle);
  return runtime_hooks_run (a->spec, kind, state, err);
}

/* After the mounts: the runtime runs prestart and createRuntime while
   we wait (2. in create.c), then createContainer here.  */
static int
mid_hooks (struct runtime_init_args *a, pid_t pid, nook_error_t *err)
{
  struct runtime_sync m;

  if (runtime_hooks_any (a->spec, OCI_HOOK_PRESTART)
      || runtime_hooks_any (a->spec, OCI_HOOK_CREATE_RUNTIME))
    {
      if (runtime_sync_send (a->sync_fd, RUNTIME_SYNC_HOOKS, 0, NULL) < 0
          || runtime_sync_recv (a->sync_fd, &m) < 0 || m.type != RUNTIME_SYNC_GO)
        _exit (1); /* the runtime failed them: it says why */
    }
  return run_hooks (a, OCI_HOOK_CREATE_CONTAINER, "creating", pid, err);
}

static int
setup (struct runtime_init_args *a, pid_t pid, char **path, nook_error_t *err)
{
  struct oci_spec *spec = a->spec;
  const struct oci_namespace *user = oci_spec_namespace (spec, "user");
  unsigned long persona;

  if (join_namespaces (spec, a->joined_early, err) < 0)
    return -1;
  if (user && (setresgid (0, 0, 0) < 0 || setresuid (0, 0, 0) < 0))
    return nook_error (err, errno, "become root in the container's user namespace");
  if (set_oom_score_adj (spec, err) < 0)
    return -1;
  nook_debug ("init: setting up the rootfs");
  if (runtime_rootfs_mount (spec, a->rootfs, err) < 0 || mid_hooks (a, pid, err) < 0
      || runtime_rootfs_enter (spec, a->rootfs, a->no_pivot, err) < 0 || set_names (spec, err) < 0)
    return -1;
  nook_debug ("init: rootfs done");
  /* The pty comes from the container's /dev/pts; socket closed here.  */
  if (runtime_console_setup (spec, a->console_fd, err) < 0)
    return -1;
  a->console_fd = -1;
  if (enter_cwd (spec->cwd, err) < 0)
    return -1;
  if (spec->has_personality
      && (oci_personality (spec, &persona, err) < 0 || personality (persona) < 0))
    return *err ? -1 : nook_error (err, errno, "config.json: field `linux.personality`");
  /* Without no_new_privs loading a filter takes CAP_SYS_ADMIN: now,
     before the capabilities go (seccomp.c says what the profile must
     then allow).  The program was made by the parent: no libseccomp
     here.  */
  if (a->seccomp && !spec->no_new_privileges && runtime_seccomp_load (a->seccomp, err) < 0)
    return -1;
  if (runtime_setup_process (spec, err) < 0 || runtime_apply_apparmor (spec, err) < 0)
    return -1;
  nook_debug ("init: process set up");
  /* After the switch of user: the permission check is the user's.  */
  if (runtime_find_executable (spec, path, err) < 0)
    return -1;
  nook_debug ("init: found %s", *path);
  if (seal_fds (a->preserve_fds, err) < 0)
    return -1;
  /* With no_new_privs, last: only the answer to the parent, the read of
     exec.fifo, startContainer hooks and execve come after it.  */
  if (a->seccomp && spec->no_new_privileges && runtime_seccomp_load (a->seccomp, err) < 0)
    return -1;
  return 0;
}

/* After `start`: the error goes to `start`, which waits on start.fifo
   for it (or for EOF: our end is close-on-exec).  One write of less
   than PIPE_BUF: `start` reads it whole.  On the container's stderr only
   when nobody can read it there.  */
static void __attribute__ ((noreturn))
start_failed (struct runtime_init_args *a, int errnum, const char *msg, int code)
{
  struct runtime_sync m = { .type = RUNTIME_SYNC_ERROR, .errnum = errnum };

  snprintf (m.msg, sizeof (m.msg), "%s", msg);
  if (a->reply_fd < 0 || write (a->reply_fd, &m, sizeof (m)) != (ssize_t)sizeof (m))
    dprintf (STDERR_FILENO, "nook-runtime: %s\n", msg);
  _exit (code);
}

void
runtime_init (struct runtime_init_args *a)
{
  nook_error_t err = NULL;
  struct runtime_sync m;
  _cleanup_free_ char *path = NULL;
  pid_t pid;
  char c;
  ssize_t n;

  if (runtime_sync_recv (a->sync_fd, &m) < 0 || m.type != RUNTIME_SYNC_GO)
    _exit (1);
  pid = (pid_t)m.errnum;
  if (setup (a, pid, &path, &err) < 0)
    {
      runtime_sync_send (a->sync_fd, RUNTIME_SYNC_ERROR, err->errnum, err->msg);
      _exit (1);
    }
  if (runtime_sync_send (a->sync_fd, RUNTIME_SYNC_READY, 0, NULL) < 0)
    _exit (1);
  close (a->sync_fd);

  do
    n = read (a->fifo_fd, &c, 1);
  while (n < 0 && errno == EINTR);
  if (n != 1)
    _exit (1);
  close (a->fifo_fd);
  if (run_hooks (a, OCI_HOOK_START_CONTAINER, "created", pid, &err) < 0)
    start_failed (a, err->errnum, err->msg, 1);
  execve (path, a->spec->args, a->spec->env ? a->spec->env : (char *[]){ NULL });
  {
    int e = errno;
    _cleanup_free_ char *msg = xasprintf ("exec `%s`: %s", path, strerror (e));
    start_failed (a, e, msg, e == ENOENT ? 127 : 126);
  }
}
