/* create: the parent side.

   1. Read and check config.json; get the seccomp program (seccomp.c:
      cached under ROOT); make ROOT/ID with a copy of config.json (what
      exec and the poststop hooks read: the bundle may change), exec.fifo
      and start.fifo in it (state.c: runtime_start).
   2. clone() the init with the new namespaces the spec asks for (a pid
      namespace given by path is joined here first, so the init is born
      in it).
   3. Write the init's uid/gid maps when it has a new user namespace, then
      send GO on the sync socket.
   4. The init sets up the container (init.c) and answers READY, or ERROR
      with the message; on ERROR the state directory is removed.
   5. On READY write the pid file and state.json and exit: the init, now
      an orphan, belongs to the caller's subreaper and waits on exec.fifo
      until `start` writes to it.  */
#include "runtime/runtime-internal.h"

#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static const struct
{
  const char *type;
  int flag;
} ns_flags[] = {
  { "user", CLONE_NEWUSER },     { "mount", CLONE_NEWNS }, { "pid", CLONE_NEWPID },
  { "uts", CLONE_NEWUTS },       { "ipc", CLONE_NEWIPC },  { "network", CLONE_NEWNET },
  { "cgroup", CLONE_NEWCGROUP },
};

int
runtime_ns_flag (const char *type)
{
  for (size_t i = 0; i < NOOK_ARRAY_SIZE (ns_flags); i++)
    if (strcmp (type, ns_flags[i].type) == 0)
      return ns_flags[i].flag;
  return 0;
}

int
runtime_sync_send (int fd, int type, int errnum, const char *msg)
{
  struct runtime_sync m = { .type = type, .errnum = errnum };
  if (msg)
    snprintf (m.msg, sizeof (m.msg), "%s", msg);
  return send (fd, &m, sizeof (m), MSG_NOSIGNAL) == sizeof (m) ? 0 : -1;
}

int
runtime_sync_recv (int fd, struct runtime_sync *m)
{
  ssize_t n;
  do
    n = recv (fd, m, sizeof (*m), 0);
  while (n < 0 && errno == EINTR);
  if (n != sizeof (*m))
    return -1;
  m->msg[sizeof (m->msg) - 1] = '\0';
  return 0;
}

static int
check_id (const char *id, nook_error_t *err)
{
  size_t len = strlen (id);
  if (len == 0 || len > 1024 || strchr (id, '/') || strcmp (id, ".") == 0 || strcmp (id, "..") == 0)
    return nook_error (err, 0, "invalid container ID `%s`", id);
  return 0;
}

/* Fds 3..3+N-1 must be open: otherwise our own fds would take their
   numbers and cross into the container.  */
static int
check_preserved (int n, nook_error_t *err)
{
  for (int fd = 3; fd < 3 + n; fd++)
    if (fcntl (fd, F_GETFD) < 0)
      return nook_error (err, 0, "--preserve-fds: fd %d is not open", fd);
  return 0;
}

bool
runtime_apparmor_enabled (void)
{
  char c = 'N';
  _cleanup_close_ int fd = open ("/sys/module/apparmor/parameters/enabled", O_RDONLY | O_CLOEXEC);
  return fd >= 0 && read (fd, &c, 1) == 1 && (c == 'Y' || c == '1');
}

/* Labels: applied where the host has the LSM (AppArmor), ignored with
   a warning where it has not, an error where it has one this runtime
   cannot apply (SELinux).  exec applies the same rule, quietly for the
   labels create warned about already.  */
int
runtime_check_labels (struct oci_spec *spec, bool quiet, nook_error_t *err)
{
  void (*say) (const char *, ...) = quiet ? nook_debug : nook_warn;
  bool selinux = access ("/sys/fs/selinux/enforce", F_OK) == 0;
  struct
  {
    char **label;
    const char *field;
  } sel[] = { { &spec->selinux_label, "process.selinuxLabel" },
              { &spec->mount_label, "linux.mountLabel" } };

  if (spec->apparmor_profile && !runtime_apparmor_enabled ())
    {
      say ("config.json: `process.apparmorProfile` ignored: AppArmor is not enabled");
      free (steal_pointer (&spec->apparmor_profile));
    }
  for (size_t i = 0; i < NOOK_ARRAY_SIZE (sel); i++)
    {
      if (*sel[i].label == NULL)
        continue;
      if (selinux)
        return nook_error (err, 0, "config.json: field `%s` is not supported (SELinux labels)",
                           sel[i].field);
      say ("config.json: `%s` ignored: SELinux is not enabled", sel[i].field);
      free (steal_pointer (sel[i].label));
    }
  return 0;
}

/* linux.sysctl: only keys a namespace of the container's own holds, so
   none reaches the host (the list is runc's).  */
/* Is PATH our own namespace of kind NS ("network")?  As runc: a sysctl
   may go to a namespace joined by path, but never to ours (the host's,
   as far as the container's caller is concerned).  */
static bool
same_namespace (const char *path, const char *ns)
{
  _cleanup_free_ char *self
      = xasprintf ("/proc/self/ns/%s", strcmp (ns, "network") == 0 ? "net" : ns);
  struct stat a, b;

  if (stat (path, &a) < 0 || stat (self, &b) < 0)
    return true; /* cannot tell: refused */
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static int
check_sysctl (const struct oci_spec *spec, nook_error_t *err)
{
  static const char *const ipc[]
      = { "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni",          "kernel.sem", "kernel.shmall",
          "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced", NULL };
  for (size_t i = 0; spec->sysctl && spec->sysctl[i]; i++)
    {
      const char *kv = spec->sysctl[i];
      _cleanup_free_ char *key = xstrndup (kv, strcspn (kv, "="));
      const char *ns = NULL;
      const struct oci_namespace *n;

      if (strv_contains ((char *const *)ipc, key) || str_has_prefix (key, "fs.mqueue."))
        ns = "ipc";
      else if (str_has_prefix (key, "net."))
        ns = "network";
      else if (strcmp (key, "kernel.hostname") == 0 || strcmp (key, "kernel.domainname") == 0)
        ns = "uts";
      if (ns == NULL || strstr (key, "..") || strchr (key, '/'))
        return nook_error (err, 0,
                           "config.json: field `linux.sysctl`: `%s` is not in a namespace the "
                           "container can have: it would change the host",
                           key);
      n = oci_spec_namespace (spec, ns);
      if (n == NULL || (n->path && same_namespace (n->path, ns)))
        return nook_error (err, 0,
                           "config.json: field `linux.sysctl`: `%s` needs a %s namespace other "
                           "than the runtime's own",
                           key, ns);
    }
  return 0;
}

/* SPEC from BUNDLE's config.json, checked; *TEXT (*LEN bytes) is the
   file as read, for the copy in the state directory.  */
static int
load_spec (const char *bundle, struct oci_spec *spec, char **rootfs, char **text, size_t *len,
           nook_error_t *err)
{
  _cleanup_free_ char *path = xasprintf ("%s/config.json", bundle);
  _cleanup_free_ char *root = NULL;
  char real[PATH_MAX];
  struct stat st;

  if (nook_read_file_at (AT_FDCWD, path, OCI_CONFIG_MAX, text, len, err) < 0
      || oci_spec_parse (*text, *len, spec, err) < 0)
    return -1;
  if (runtime_check_labels (spec, false, err) < 0 || check_sysctl (spec, err) < 0)
    return -1;
  if (!spec->has_process)
    return nook_error (err, 0, "config.json: field `process` is required to create a container");
  root = spec->root_path[0] == '/' ? xstrdup (spec->root_path)
                                   : xasprintf ("%s/%s", bundle, spec->root_path);
  if (realpath (root, real) == NULL || stat (real, &st) < 0)
    return nook_error (err, errno, "rootfs `%s`", root);
  if (!S_ISDIR (st.st_mode))
    return nook_error (err, ENOTDIR, "rootfs `%s`", root);
  if (oci_spec_namespace (spec, "mount") == NULL)
    return nook_error (err, 0, "config.json: a mount namespace is required");
  *rootfs = xstrdup (real);
  return 0;
}

static int
clone_flags (const struct oci_spec *spec, nook_error_t *err)
{
  int flags = 0;
  for (size_t i = 0; i < spec->n_namespaces; i++)
    {
      const struct oci_namespace *ns = &spec->namespaces[i];
      if (ns->path == NULL)
        flags |= runtime_ns_flag (ns->type);
      else if (strcmp (ns->type, "pid") == 0)
        {
          _cleanup_close_ int fd = open (ns->path, O_RDONLY | O_CLOEXEC);
          if (fd < 0 || setns (fd, CLONE_NEWPID) < 0)
            return nook_error (err, errno, "join pid namespace `%s`", ns->path);
        }
    }
  return flags;
}

static int
deny_setgroups (pid_t pid)
{
  _cleanup_free_ char *path = xasprintf ("/proc/%d/setgroups", (int)pid);
  _cleanup_close_ int fd = open (path, O_WRONLY | O_CLOEXEC);
  return fd < 0 ? -1 : nook_write_all (fd, "deny", 4);
}

static int
write_map_file (const char *path, const struct nook_buf *b)
{
  _cleanup_close_ int fd = open (path, O_WRONLY | O_CLOEXEC);
  return fd < 0 ? -1 : nook_write_all (fd, b->data ? b->data : "", b->len);
}

static int
write_idmap (pid_t pid, const char *file, const struct oci_idmap *m, size_t n, nook_error_t *err)
{
  _cleanup_free_ char *path = xasprintf ("/proc/%d/%s", (int)pid, file);
  struct nook_buf b = { 0 };
  int ret = 0;

  for (size_t i = 0; i < n; i++)
    nook_buf_printf (&b, "%u %u %u\n", m[i].container_id, m[i].host_id, m[i].size);
  /* Without CAP_SETGID (rootless, mapping our own gid) the kernel takes
     a gid map only once setgroups is denied.  */
  if (write_map_file (path, &b) < 0
      && !(errno == EPERM && strcmp (file, "gid_map") == 0 && deny_setgroups (pid) == 0
           && write_map_file (path, &b) == 0))
    ret = nook_error (err, errno, "write `%s`", path);
  nook_buf_free (&b);
  return ret;
}

static int
write_state (const char *dir, const char *id, pid_t pid, const char *bundle, const char *rootfs,
             const struct oci_spec *spec, nook_error_t *err)
{
  _cleanup_json_gen_ struct json_gen *g = json_gen_new (true);
  _cleanup_free_ char *created = nook_time_format (nook_now_ns ());
  _cleanup_free_ char *path = NULL;
  uint64_t start = 0;

  nook_proc_start_time (pid, &start);
  json_gen_object_open (g);
  json_gen_kv_string (g, "ociVersion", OCI_VERSION);
  json_gen_kv_string (g, "id", id);
  json_gen_kv_int (g, "pid", pid);
  json_gen_kv_int (g, "pidStartTime", (int64_t)start);
  json_gen_kv_string (g, "bundle", bundle);
  json_gen_kv_string (g, "rootfs", rootfs);
  json_gen_kv_string (g, "created", created);
  json_gen_key (g, "annotations");
  json_gen_object_open (g);
  for (size_t i = 0; spec->annotations && spec->annotations[i]; i++)
    {
      const char *eq = strchr (spec->annotations[i], '=');
      _cleanup_free_ char *k = xstrndup (spec->annotations[i], (size_t)(eq - spec->annotations[i]));
      json_gen_kv_string (g, k, eq + 1);
    }
  json_gen_object_close (g);
  json_gen_object_close (g);
  path = xasprintf ("%s/state.json", dir);
  return json_gen_write_file (g, AT_FDCWD, path, false, err);
}

static int
write_pid_file (const char *path, pid_t pid, nook_error_t *err)
{
  char buf[32];
  int n = snprintf (buf, sizeof (buf), "%d", (int)pid);
  return nook_write_file_volatile (AT_FDCWD, path, buf, (size_t)n, 0644, err);
}

/* A fifo in DIR, held open read-write: opening it never blocks, and it
   lives as long as one end is open.  */
static int
make_fifo (const char *dir, const char *name, int *fd, nook_error_t *err)
{
  _cleanup_free_ char *path = xasprintf ("%s/%s", dir, name);

  if (mkfifo (path, 0600) < 0 || (*fd = open (path, O_RDWR | O_CLOEXEC)) < 0)
    return nook_error (err, errno, "create `%s`", path);
  return 0;
}

/* The state directory's files before the clone: config.json as read
   (written whole: a reader sees all of it or none), exec.fifo, which the
   init reads until `start` writes a byte, and start.fifo, on which the
   init answers (state.c: runtime_start).  */
static int
fill_dir (const char *dir, const char *text, size_t len, int *fifo_fd, int *reply_fd,
          nook_error_t *err)
{
  _cleanup_free_ char *config = xasprintf ("%s/config.json", dir);

  if (nook_write_file_volatile (AT_FDCWD, config, text, len, 0600, err) < 0)
    return -1;
  return make_fifo (dir, "exec.fifo", fifo_fd, err) < 0
                 || make_fifo (dir, "start.fifo", reply_fd, err) < 0
             ? -1
             : 0;
}

/* 4.: the init's answers until READY, running prestart and createRuntime
   when it asks (after its mounts, before pivot_root).  */
static int
wait_ready (struct runtime_init_args *a, pid_t pid, int sync, nook_error_t *err)
{
  struct runtime_sync m;

  for (;;)
    {
      if (runtime_sync_recv (sync, &m) < 0)
        return nook_error (err, 0, "the container init died during setup");
      if (m.type == RUNTIME_SYNC_ERROR)
        {
          nook_error (err, 0, "%s", m.msg);
          return nook_error_set_errno (err, m.errnum);
        }
      if (m.type == RUNTIME_SYNC_READY)
        return 0;
      if (m.type == RUNTIME_SYNC_HOOKS)
        {
          _cleanup_free_ char *state
              = runtime_hook_state (a->spec, a->id, "creating", pid, a->bundle);
          if (runtime_hooks_run (a->spec, OCI_HOOK_PRESTART, state, err) < 0
              || runtime_hooks_run (a->spec, OCI_HOOK_CREATE_RUNTIME, state, err) < 0)
            return -1;
          if (runtime_sync_send (sync, RUNTIME_SYNC_GO, (int)pid, NULL) < 0)
            return nook_error (err, errno, "resume the container init");
          continue;
        }
      return nook_error (err, 0, "unexpected message %d from the container init", m.type);
    }
}

/* Steps 3 to 5, once the init exists.  */
static int
parent_side (struct runtime_init_args *a, pid_t pid, int sync, const char *dir,
             const struct runtime_cgroup *cg, const struct runtime_create_opts *o,
             nook_error_t *err)
{
  if (oci_spec_namespace (a->spec, "user") && !oci_spec_namespace (a->spec, "user")->path
      && (write_idmap (pid, "uid_map", a->spec->uid_mappings, a->spec->n_uid_mappings, err) < 0
          || write_idmap (pid, "gid_map", a->spec->gid_mappings, a->spec->n_gid_mappings, err) < 0))
    return -1;
  /* GO carries the init's pid as we see it: the state its hooks read.  */
  if (runtime_sync_send (sync, RUNTIME_SYNC_GO, (int)pid, NULL) < 0)
    return nook_error (err, errno, "start the container init");
  if (wait_ready (a, pid, sync, err) < 0)
    return -1;
  nook_debug ("runtime: init is ready");
  if (o->pid_file && write_pid_file (o->pid_file, pid, err) < 0)
    return -1;
  if (runtime_cgroup_record (dir, cg, err) < 0)
    return -1;
  return write_state (dir, a->id, pid, a->bundle, a->rootfs, a->spec, err);
}

/* clone(), or clone3() into the container's cgroup when it has one: born
   there, its cgroup namespace is rooted there.  */
static pid_t
clone_init (int flags, const struct runtime_cgroup *cg)
{
  struct
  {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
        set_tid_size, cgroup;
  } args = { .exit_signal = SIGCHLD };

  if (cg->fd < 0)
    return (pid_t)syscall (SYS_clone, (unsigned long)flags | SIGCHLD, NULL, NULL, NULL, NULL);
  args.flags = (uint64_t)(unsigned)flags | 0x200000000ULL; /* CLONE_INTO_CGROUP */
  args.cgroup = (uint64_t)cg->fd;
  return (pid_t)syscall (SYS_clone3, &args, sizeof (args));
}

/* With a new user namespace the init could not join a namespace that
   our user namespace owns (it has no capability there): join those given
   by path here, before the clone, as runc does.  Not mount (ours would
   change) nor pid (joined already).  *JOINED: their CLONE_NEW* flags.  */
static int
join_before_userns (const struct oci_spec *spec, int *joined, nook_error_t *err)
{
  const struct oci_namespace *user = oci_spec_namespace (spec, "user");

  *joined = 0;
  if (user == NULL || user->path)
    return 0;
  for (size_t i = 0; i < spec->n_namespaces; i++)
    {
      const struct oci_namespace *ns = &spec->namespaces[i];
      _cleanup_close_ int fd = -1;

      if (ns->path == NULL || strcmp (ns->type, "user") == 0 || strcmp (ns->type, "pid") == 0
          || strcmp (ns->type, "mount") == 0)
        continue;
      fd = open (ns->path, O_RDONLY | O_CLOEXEC);
      if (fd < 0 || setns (fd, runtime_ns_flag (ns->type)) < 0)
        return nook_error (err, errno, "join %s namespace `%s`", ns->type, ns->path);
      *joined |= runtime_ns_flag (ns->type);
    }
  return 0;
}

int
runtime_create (const char *root, const char *id, const struct runtime_create_opts *o,
                nook_error_t *err)
{
  struct oci_spec spec;
  _cleanup_ (runtime_seccomp_release) struct runtime_seccomp filter = { 0 };
  struct runtime_cgroup cg = { .fd = -1 };
  struct runtime_init_args a = { .spec = &spec,
                                 .preserve_fds = o->preserve_fds,
                                 .no_pivot = o->no_pivot,
                                 .id = id,
                                 .console_fd = o->console_fd };
  _cleanup_free_ char *rootfs = NULL, *dir = NULL, *text = NULL;
  _cleanup_free_ char *bundle = realpath (o->bundle ? o->bundle : ".", NULL);
  /* Ours closed when we return: `run` goes on to start, which must see
     only the init's end of start.fifo.  */
  _cleanup_close_ int fifo_fd = -1, reply_fd = -1;
  int sv[2], flags, ret;
  size_t len;
  pid_t pid;

  if (check_id (id, err) < 0 || check_preserved (o->preserve_fds, err) < 0)
    return -1;
  if (bundle == NULL)
    return nook_error (err, errno, "bundle `%s`", o->bundle ? o->bundle : ".");
  nook_debug ("runtime: create %s (%s)", id,
              runtime_exe_sealed () ? "from a sealed copy"
                                    : "not from a sealed copy: nobody here can write the binary");
  if (load_spec (bundle, &spec, &rootfs, &text, &len, err) < 0)
    return -1;
  a.rootfs = rootfs;
  a.bundle = bundle;
  dir = xasprintf ("%s/%s", root, id);
  if (nook_mkdir_p (AT_FDCWD, root, 0700, err) < 0)
    goto out_spec;
  /* The seccomp program, cached under ROOT, where the init cannot see
     it; the init gets it with its copy of our memory.  */
  if (spec.seccomp && runtime_seccomp_prepare (root, spec.seccomp, &filter, err) < 0)
    goto out_spec;
  a.seccomp = spec.seccomp ? &filter : NULL;
  if (mkdir (dir, 0700) < 0)
    {
      if (errno == EEXIST)
        nook_error (err, 0, "container `%s` already exists", id);
      else
        nook_error (err, errno, "create `%s`", dir);
      oci_spec_free (&spec);
      return -1;
    }
  if (fill_dir (dir, text, len, &fifo_fd, &reply_fd, err) < 0
      || (spec.seccomp && runtime_seccomp_remember (dir, &filter, err) < 0))
    goto out_dir;
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    {
      nook_error (err, errno, "socketpair");
      goto out_dir;
    }
  flags = clone_flags (&spec, err);
  if (flags < 0 || runtime_cgroup_prepare (&spec, id, &cg, err) < 0)
    goto out_sync;
  a.fifo_fd = fifo_fd;
  a.reply_fd = reply_fd;
  a.sync_fd = sv[1];
  if (join_before_userns (&spec, &a.joined_early, err) < 0)
    goto out_sync;
  pid = clone_init (flags, &cg);
  if (pid < 0)
    {
      nook_error (err, errno, "clone the container init");
      goto out_sync;
    }
  if (pid == 0)
    {
      close (sv[0]);
      runtime_init (&a);
    }
  close (sv[1]);
  sv[1] = -1;
  nook_debug ("runtime: cloned %d", (int)pid);
  ret = parent_side (&a, pid, sv[0], dir, &cg, o, err);
  close (sv[0]);
  if (ret == 0)
    {
      runtime_cgroup_release (&cg, false);
      oci_spec_free (&spec);
      return 0;
    }
  kill (pid, SIGKILL);
  nook_waitpid (pid, NULL, 0);
  goto out_dir;

out_sync:
  close (sv[0]);
  if (sv[1] >= 0)
    close (sv[1]);
out_dir:
  runtime_cgroup_release (&cg, true);
  {
    nook_error_t e2 = NULL;
    if (nook_rm_tree_at (AT_FDCWD, dir, &e2) < 0)
      nook_error_free (&e2);
  }
out_spec:
  oci_spec_free (&spec);
  return -1;
}
