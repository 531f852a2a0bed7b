/* Runtime state, in ROOT/ID:

     state.json    pid (and its start time), bundle, rootfs, annotations
     config.json   the bundle's as create read it: exec and the poststop
                   hooks use it, whatever became of the bundle since
     exec.fifo     while the container waits for `start`
     start.fifo    the init's answer to `start` (runtime_start)
     exec.pids/    PID-STARTTIME, one empty file for each process `exec`
                   started (runtime_container_pids)  */
#include "runtime/runtime-internal.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define STATE_MAX (1 << 20)

static int
compare_str (const void *a, const void *b)
{
  return strcmp (*(char *const *)a, *(char *const *)b);
}

static int
compare_pid (const void *a, const void *b)
{
  pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
  return (x > y) - (x < y);
}

int
runtime_check_id (const char *id, nook_error_t *err)
{
  size_t len = strlen (id);

  /* runc's rule, [A-Za-z0-9_+.-]+ but not "." or "..": an ID is a file
     name under --root, never a path out of it.  */
  if (len == 0 || len > 1024 || strcmp (id, ".") == 0 || strcmp (id, "..") == 0
      || strspn (id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+-.") != len)
    return nook_error (err, 0, "invalid container ID `%s`", id);
  return 0;
}

int
runtime_state_read (const char *root, const char *id, struct runtime_state *st, nook_error_t *err)
{
  _cleanup_free_ char *path = xasprintf ("%s/%s/state.json", root, id);
  _cleanup_free_ char *text = NULL;
  _cleanup_json_ nook_json *j = NULL;
  const char *bundle = NULL, *rootfs = NULL, *created = NULL;
  int64_t pid = 0, start = 0;
  nook_json *ann;
  size_t len;

  memset (st, 0, sizeof (*st));
  if (runtime_check_id (id, err) < 0)
    return -1;
  if (nook_read_file_at (AT_FDCWD, path, STATE_MAX, &text, &len, err) < 0)
    {
      if ((*err)->errnum == ENOENT)
        {
          nook_error_free (err);
          nook_error (err, 0, "container `%s` does not exist", id);
          return nook_error_set_errno (err, ENOENT);
        }
      return -1;
    }
  if (json_parse (text, len, &j, err) < 0 || json_get_int (j, "pid", "pid", true, &pid, err) < 0
      || json_get_int (j, "pidStartTime", "pidStartTime", false, &start, err) < 0
      || json_get_str (j, "bundle", "bundle", true, &bundle, err) < 0
      || json_get_str (j, "rootfs", "rootfs", false, &rootfs, err) < 0
      || json_get_str (j, "created", "created", false, &created, err) < 0)
    return nook_error_prefix (err, "state of `%s`", id);
  st->id = xstrdup (id);
  st->dir = xasprintf ("%s/%s", root, id);
  st->pid = (pid_t)pid;
  st->pid_start = (uint64_t)start;
  st->bundle = xstrdup (bundle);
  st->rootfs = xstrdup (rootfs ? rootfs : "");
  st->created = xstrdup (created ? created : "");
  ann = json_get (j, "annotations");
  st->annotations = xzalloc (sizeof (char *));
  for (size_t i = 0; i < json_len (ann); i++)
    if (json_str (json_at (ann, i)))
      strv_push (&st->annotations,
                 xasprintf ("%s=%s", json_key_at (ann, i), json_str (json_at (ann, i))));
  return 0;
}

void
runtime_state_free (struct runtime_state *st)
{
  free (st->id);
  free (st->dir);
  free (st->bundle);
  free (st->rootfs);
  free (st->created);
  strv_free (st->annotations);
  memset (st, 0, sizeof (*st));
}

const char *
runtime_status (const char *root, const struct runtime_state *st)
{
  _cleanup_free_ char *fifo = xasprintf ("%s/%s/exec.fifo", root, st->id);
  struct stat s;

  if (!nook_proc_alive (st->pid, st->pid_start))
    return "stopped";
  return stat (fifo, &s) == 0 ? "created" : "running";
}

char *
runtime_state_json (const char *root, const struct runtime_state *st)
{
  _cleanup_json_gen_ struct json_gen *g = json_gen_new_indent ("  ");
  const char *status = runtime_status (root, st);
  size_t len;

  /* runc's members, in runc's order.  */
  json_gen_object_open (g);
  json_gen_kv_string (g, "ociVersion", OCI_VERSION);
  json_gen_kv_string (g, "id", st->id);
  json_gen_kv_int (g, "pid", strcmp (status, "stopped") == 0 ? 0 : st->pid);
  json_gen_kv_string (g, "status", status);
  json_gen_kv_string (g, "bundle", st->bundle);
  json_gen_kv_string (g, "rootfs", st->rootfs);
  json_gen_kv_string (g, "created", st->created);
  if (st->annotations && st->annotations[0])
    {
      json_gen_key (g, "annotations");
      json_gen_object_open (g);
      for (size_t i = 0; st->annotations[i]; i++)
        {
          const char *eq = strchr (st->annotations[i], '=');
          _cleanup_free_ char *k = xstrndup (st->annotations[i], (size_t)(eq - st->annotations[i]));
          json_gen_kv_string (g, k, eq + 1);
        }
      json_gen_object_close (g);
    }
  json_gen_kv_string (g, "owner", "");
  json_gen_object_close (g);
  return xstrdup (json_gen_text (g, &len));
}

int
runtime_list_ids (const char *root, char ***out, nook_error_t *err)
{
  _cleanup_closedir_ DIR *d = opendir (root);
  struct dirent *e;

  *out = xzalloc (sizeof (char *));
  if (d == NULL)
    return errno == ENOENT ? 0 : nook_error (err, errno, "open `%s`", root);
  while ((e = readdir (d)) != NULL)
    if (e->d_name[0] != '.')
      strv_push (out, xstrdup (e->d_name));
  qsort (*out, strv_len (*out), sizeof (char *), compare_str);
  return 0;
}

/* The name of UID in /etc/passwd ("name:password:uid:..."), as runc's
   list finds it (Go's os/user reads the file, without NSS): we are
   linked statically and look up nothing through NSS.  */
static char *
passwd_name (uid_t uid)
{
  _cleanup_fclose_ FILE *f = fopen ("/etc/passwd", "re");
  char line[1024];

  while (f && fgets (line, sizeof (line), f))
    {
      char *pass = strchr (line, ':'), *field, *end;
      unsigned long v;
      if (pass == NULL || (field = strchr (pass + 1, ':')) == NULL || field[1] < '0'
          || field[1] > '9')
        continue;
      errno = 0;
      v = strtoul (field + 1, &end, 10);
      if (errno == 0 && *end == ':' && v == (unsigned long)uid)
        return xstrndup (line, (size_t)(pass - line));
    }
  return NULL;
}

static char *
owner_name (const char *root, const char *id)
{
  _cleanup_free_ char *dir = xasprintf ("%s/%s", root, id);
  struct stat s;
  char *name;

  if (stat (dir, &s) < 0)
    return xstrdup ("");
  name = passwd_name (s.st_uid);
  return name ? name : xasprintf ("#%u", (unsigned)s.st_uid);
}

int
runtime_list (const char *root, struct runtime_list_entry **out, size_t *n, nook_error_t *err)
{
  _cleanup_strv_ char **ids = NULL;

  *out = NULL;
  *n = 0;
  if (runtime_list_ids (root, &ids, err) < 0)
    return -1;
  *out = xzalloc (sizeof (**out) * (strv_len (ids) + 1));
  for (size_t i = 0; ids[i]; i++)
    {
      struct runtime_list_entry *e = &(*out)[*n];
      nook_error_t e2 = NULL;
      /* A create half way through, or a directory that is not ours.  */
      if (runtime_state_read (root, ids[i], &e->st, &e2) < 0)
        {
          nook_error_free (&e2);
          continue;
        }
      e->status = runtime_status (root, &e->st);
      e->owner = owner_name (root, ids[i]);
      (*n)++;
    }
  return 0;
}

void
runtime_list_free (struct runtime_list_entry *l, size_t n)
{
  for (size_t i = 0; i < n; i++)
    {
      runtime_state_free (&l[i].st);
      free (l[i].owner);
    }
  free (l);
}

int
runtime_write_pid_file (const char *path, pid_t pid, nook_error_t *err)
{
  char buf[32];
  int n = snprintf (buf, sizeof (buf), "%d", (int)pid);
  return nook_write_file_volatile (AT_FDCWD, path, buf, (size_t)n, 0644, err);
}

int
runtime_load_config (const struct runtime_state *st, struct oci_spec *spec, nook_error_t *err)
{
  _cleanup_free_ char *saved = xasprintf ("%s/config.json", st->dir);
  _cleanup_free_ char *bundle = xasprintf ("%s/config.json", st->bundle);
  _cleanup_free_ char *text = NULL;
  const char *path = access (saved, F_OK) == 0 ? saved : bundle;
  size_t len;

  if (nook_read_file_at (AT_FDCWD, path, OCI_CONFIG_MAX, &text, &len, err) < 0
      || oci_spec_parse (text, len, spec, err) < 0)
    return -1;
  return 0;
}

/* ---- start ---- */

/* The init's answer on start.fifo: nothing before EOF when the process
   was exec'd (the init's end is close-on-exec), or the error of a
   startContainer hook or of the execve.  */
static int
read_answer (int fd, const char *id, nook_error_t *err)
{
  struct runtime_sync m;
  size_t got = 0;
  ssize_t n;

  while (got < sizeof (m))
    {
      n = read (fd, (char *)&m + got, sizeof (m) - got);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return nook_error (err, errno, "start container `%s`: read its answer", id);
      if (n == 0)
        break;
      got += (size_t)n;
    }
  if (got == 0)
    return 0;
  if (got != sizeof (m) || m.type != RUNTIME_SYNC_ERROR)
    return nook_error (err, 0, "start container `%s`: a garbled answer from its init", id);
  m.msg[sizeof (m.msg) - 1] = '\0';
  nook_error (err, 0, "start container `%s`: %s", id, m.msg);
  return nook_error_set_errno (err, m.errnum);
}

/* A start that failed leaves the container stopped: its init exits after
   answering; killed if it has not after 2 s.  */
static void
await_stopped (const struct runtime_state *st)
{
  for (int i = 0; i < 200 && nook_proc_alive (st->pid, st->pid_start); i++)
    nook_sleep_ms (10);
  if (nook_proc_alive (st->pid, st->pid_start))
    kill (st->pid, SIGKILL);
}

/* 1. Open start.fifo for reading (the init holds it read-write, so the
      open does not block, and what the init writes is kept for us).
   2. Write a byte to exec.fifo: the init, blocked reading it, runs the
      startContainer hooks and execs the process.
   3. Read start.fifo until EOF: nothing means the execve happened; a
      message is why it did not.  Only then the poststart hooks.
   A container created before start.fifo existed has no answer to wait
   for.  */
int
runtime_start (const char *root, const char *id, nook_error_t *err)
{
  _cleanup_free_ char *fifo = xasprintf ("%s/%s/exec.fifo", root, id);
  _cleanup_free_ char *reply_path = xasprintf ("%s/%s/start.fifo", root, id);
  struct runtime_state st;
  _cleanup_close_ int fd = -1, reply = -1;
  const char *status;
  int ret = 0;

  if (runtime_state_read (root, id, &st, err) < 0)
    return -1;
  status = runtime_status (root, &st);
  if (strcmp (status, "running") == 0)
    ret = nook_error (err, 0, "cannot start an already running container");
  else if (strcmp (status, "stopped") == 0)
    ret = nook_error (err, 0, "cannot start a container that has stopped");
  if (ret == 0)
    {
      reply = open (reply_path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
      /* O_NONBLOCK: with no reader left, fail instead of hanging.  */
      fd = open (fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
      if (fd < 0)
        ret = nook_error (err, errno, "open `%s`", fifo);
      else if (write (fd, "0", 1) != 1)
        ret = nook_error (err, errno, "start container `%s`", id);
    }
  if (ret == 0)
    {
      unlink (fifo);
      if (reply >= 0)
        {
          unlink (reply_path);
          if (fcntl (reply, F_SETFL, 0) < 0)
            ret = nook_error (err, errno, "start container `%s`", id);
          else
            ret = read_answer (reply, id, err);
          if (ret < 0)
            await_stopped (&st);
        }
    }
  if (ret == 0)
    runtime_hooks_after (&st, OCI_HOOK_POSTSTART);
  runtime_state_free (&st);
  return ret;
}

int
runtime_parse_signal (const char *s, int *sig, nook_error_t *err)
{
  int64_t n;
  const char *name = s;

  /* 0 checks that the process exists, as kill(1) and runc.  */
  if (str_to_int64 (s, &n))
    {
      if (n < 0 || n >= NSIG)
        return nook_error (err, 0, "invalid signal `%s`", s);
      *sig = (int)n;
      return 0;
    }
  if (strncasecmp (name, "SIG", 3) == 0)
    name += 3;
  for (int i = 1; i < NSIG; i++)
    {
      const char *abbrev = sigabbrev_np (i);
      if (abbrev && strcasecmp (abbrev, name) == 0)
        {
          *sig = i;
          return 0;
        }
    }
  if (strncasecmp (name, "RTMIN+", 6) == 0 && str_to_int64 (name + 6, &n) && n >= 0
      && SIGRTMIN + n <= SIGRTMAX)
    {
      *sig = (int)(SIGRTMIN + n);
      return 0;
    }
  if (strncasecmp (name, "RTMAX-", 6) == 0 && str_to_int64 (name + 6, &n) && n >= 0
      && SIGRTMAX - n >= SIGRTMIN)
    {
      *sig = (int)(SIGRTMAX - n);
      return 0;
    }
  return nook_error (err, 0, "unknown signal `%s`", s);
}

/* ---- the processes of a container ----

   A process is the container's when it is

   - in the pid namespace the container made (not one given by path:
     that is another container's, a pod's; never ours);
   - in the mount namespace the container made, when it is not ours:
     with no pid namespace of its own this finds what `exec` started
     (cloned from the exec runtime, not the init) and what those left
     behind (a daemon whose parent exited);
   - its init, a process `exec` started (exec.pids), or a descendant of
     one of the container's processes.

   Only a config.json saved by create tells which namespaces the
   container made; for a container created before it was saved, a pid
   namespace not ours counts, mount namespaces do not.  A container with
   neither rule (it shares our namespaces) has its init, exec's processes
   and their descendants: never one of ours or the host's.  */

struct proc_entry
{
  pid_t pid, ppid;
  uint64_t start;
  bool in;
};

struct members
{
  struct stat pid_ns, mnt_ns;
  bool by_pid_ns, by_mnt_ns;
  const struct runtime_state *st;
};

static bool
ns_of (pid_t pid, const char *type, struct stat *s)
{
  char path[64];

  if (pid > 0)
    snprintf (path, sizeof (path), "/proc/%d/ns/%s", (int)pid, type);
  else
    snprintf (path, sizeof (path), "/proc/self/ns/%s", type);
  return stat (path, s) == 0;
}

static bool
same_stat (const struct stat *a, const struct stat *b)
{
  return a->st_ino == b->st_ino && a->st_dev == b->st_dev;
}

/* Whether the init's namespace TYPE (SPEC_TYPE in config.json) is one
   the container made, in *NS: not ours, and not given by path in SPEC
   (NULL: not known).  */
static bool
made_ns (pid_t init, const char *type, const char *spec_type, const struct oci_spec *spec,
         struct stat *ns)
{
  const struct oci_namespace *n = spec ? oci_spec_namespace (spec, spec_type) : NULL;
  struct stat self;

  if (spec && (n == NULL || n->path))
    return false;
  if (!ns_of (init, type, ns) || !ns_of (0, type, &self))
    return false;
  return !same_stat (ns, &self);
}

static void
members_init (const struct runtime_state *st, struct members *m)
{
  _cleanup_free_ char *path = xasprintf ("%s/config.json", st->dir);
  _cleanup_free_ char *text = NULL;
  struct oci_spec spec;
  nook_error_t err = NULL;
  bool saved;
  size_t len;

  memset (m, 0, sizeof (*m));
  m->st = st;
  saved = nook_read_file_at (AT_FDCWD, path, OCI_CONFIG_MAX, &text, &len, &err) == 0
          && oci_spec_parse (text, len, &spec, &err) == 0;
  if (!saved)
    nook_debug ("processes of `%s`: no saved config.json (%s)", st->id, err->msg);
  nook_error_free (&err);
  m->by_pid_ns = made_ns (st->pid, "pid", "pid", saved ? &spec : NULL, &m->pid_ns);
  m->by_mnt_ns = saved && made_ns (st->pid, "mnt", "mount", &spec, &m->mnt_ns);
  if (saved)
    oci_spec_free (&spec);
  nook_debug ("processes of `%s`: by pid namespace %d, by mount namespace %d", st->id, m->by_pid_ns,
              m->by_mnt_ns);
}

int
runtime_track_exec (const char *root, const char *id, pid_t pid, nook_error_t *err)
{
  _cleanup_free_ char *dir = xasprintf ("%s/%s/exec.pids", root, id);
  _cleanup_free_ char *path = NULL;
  _cleanup_close_ int fd = -1;
  uint64_t start;

  if (nook_proc_start_time (pid, &start) < 0)
    return 0; /* gone already: nothing to find */
  if (mkdir (dir, 0700) < 0 && errno != EEXIST)
    return nook_error (err, errno, "create `%s`", dir);
  /* The start time in the name: a stale entry removed by a scan is never
     a new process's that got the same pid.  */
  path = xasprintf ("%s/%d-%llu", dir, (int)pid, (unsigned long long)start);
  fd = open (path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return nook_error (err, errno, "create `%s`", path);
  return 0;
}

/* The processes `exec` started that still run, the init first; the
   entries of those gone are removed.  */
static struct proc_entry *
exec_roots (const struct runtime_state *st, size_t *n)
{
  _cleanup_free_ char *path = xasprintf ("%s/exec.pids", st->dir);
  _cleanup_closedir_ DIR *d = opendir (path);
  struct proc_entry *roots = xzalloc (sizeof (*roots));
  struct dirent *e;

  roots[0] = (struct proc_entry){ .pid = st->pid, .start = st->pid_start };
  *n = 1;
  while (d && (e = readdir (d)) != NULL)
    {
      unsigned long long pid, start;
      char extra;

      if (sscanf (e->d_name, "%llu-%llu%c", &pid, &start, &extra) != 2)
        continue;
      if (!nook_proc_alive ((pid_t)pid, start))
        {
          unlinkat (dirfd (d), e->d_name, 0);
          continue;
        }
      roots = xrealloc (roots, sizeof (*roots) * (*n + 1));
      roots[(*n)++] = (struct proc_entry){ .pid = (pid_t)pid, .start = start };
    }
  return roots;
}

static bool
is_member (const struct members *m, const struct proc_entry *e, const struct proc_entry *roots,
           size_t n_roots)
{
  struct stat s;

  for (size_t i = 0; i < n_roots; i++)
    if (roots[i].pid == e->pid && (roots[i].start == 0 || roots[i].start == e->start))
      return true;
  return (m->by_pid_ns && ns_of (e->pid, "pid", &s) && same_stat (&s, &m->pid_ns))
         || (m->by_mnt_ns && ns_of (e->pid, "mnt", &s) && same_stat (&s, &m->mnt_ns));
}

static int
compare_entry (const void *a, const void *b)
{
  return compare_pid (&((const struct proc_entry *)a)->pid, &((const struct proc_entry *)b)->pid);
}

/* Every process we can see, sorted by pid, IN set for the container's
   own by a rule, then for their descendants.  */
static int
members_scan (const struct members *m, struct proc_entry **out, size_t *n, nook_error_t *err)
{
  _cleanup_closedir_ DIR *d = opendir ("/proc");
  size_t n_roots, cap = 0;
  _cleanup_free_ struct proc_entry *roots = exec_roots (m->st, &n_roots);
  struct dirent *e;

  *out = NULL;
  *n = 0;
  if (d == NULL)
    return nook_error (err, errno, "open /proc");
  while ((e = readdir (d)) != NULL)
    {
      struct proc_entry p = { 0 };
      int64_t pid;

      if (!str_to_int64 (e->d_name, &pid) || pid <= 0
          || nook_proc_stat ((pid_t)pid, NULL, &p.ppid, &p.start) < 0)
        continue;
      p.pid = (pid_t)pid;
      p.in = is_member (m, &p, roots, n_roots);
      if (*n == cap)
        *out = xrealloc (*out, sizeof (**out) * (cap = cap ? cap * 2 : 256));
      (*out)[(*n)++] = p;
    }
  qsort (*out, *n, sizeof (**out), compare_entry);
  /* Descendants: until a pass adds nothing.  */
  for (bool added = true; added;)
    {
      added = false;
      for (size_t i = 0; i < *n; i++)
        {
          struct proc_entry key = { .pid = (*out)[i].ppid };
          const struct proc_entry *parent
              = (*out)[i].in ? NULL : bsearch (&key, *out, *n, sizeof (key), compare_entry);
          if (parent && parent->in)
            added = (*out)[i].in = true;
        }
    }
  return 0;
}

int
runtime_container_pids (const char *root, const struct runtime_state *st, pid_t **pids, size_t *n,
                        nook_error_t *err)
{
  _cleanup_free_ struct proc_entry *procs = NULL;
  struct members m;
  size_t np;

  *pids = xzalloc (sizeof (pid_t));
  *n = 0;
  if (strcmp (runtime_status (root, st), "stopped") == 0)
    return 0;
  members_init (st, &m);
  if (members_scan (&m, &procs, &np, err) < 0)
    return -1;
  *pids = xrealloc (*pids, sizeof (pid_t) * (np + 1));
  for (size_t i = 0; i < np; i++)
    if (procs[i].in)
      (*pids)[(*n)++] = procs[i].pid;
  return 0;
}

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

/* SIG to the process E, and to no other that got its pid since the
   scan: the pidfd pins the process whose start time is then checked.  */
static void
signal_one (const struct proc_entry *e, int sig)
{
  _cleanup_close_ int pidfd = (int)syscall (SYS_pidfd_open, e->pid, 0);
  uint64_t now;

  if (nook_proc_start_time (e->pid, &now) < 0 || now != e->start)
    return;
  if (pidfd >= 0)
    syscall (SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
  else if (errno == ENOSYS)
    kill (e->pid, sig);
}

static bool
entry_in (const struct proc_entry *list, size_t n, const struct proc_entry *e)
{
  for (size_t i = 0; i < n; i++)
    if (list[i].pid == e->pid && list[i].start == e->start)
      return true;
  return false;
}

/* SIG to every process of the container, once each; scanned again until
   a pass finds none it has not signalled (those forked while we looked),
   at most 100 passes.  The rules are decided once, while the init runs:
   the init may be among the first to go.  */
static int
signal_all (const struct runtime_state *st, int sig, nook_error_t *err)
{
  _cleanup_free_ struct proc_entry *done = NULL;
  size_t n_done = 0;
  struct members m;

  members_init (st, &m);
  for (int pass = 0; pass < 100; pass++)
    {
      _cleanup_free_ struct proc_entry *procs = NULL;
      bool fresh = false;
      size_t np;

      if (members_scan (&m, &procs, &np, err) < 0)
        return -1;
      for (size_t i = 0; i < np; i++)
        if (procs[i].in && !entry_in (done, n_done, &procs[i]))
          {
            signal_one (&procs[i], sig);
            done = xrealloc (done, sizeof (*done) * (n_done + 1));
            done[n_done++] = procs[i];
            fresh = true;
          }
      if (!fresh)
        break;
    }
  return 0;
}

int
runtime_kill (const char *root, const char *id, int sig, bool all, nook_error_t *err)
{
  struct runtime_state st;
  int ret = 0;

  if (runtime_state_read (root, id, &st, err) < 0)
    return -1;
  if (strcmp (runtime_status (root, &st), "stopped") == 0)
    ret = nook_error (err, 0, "container `%s` is not running", id);
  else if (all)
    ret = signal_all (&st, sig, err);
  else if (kill (st.pid, sig) < 0)
    ret = nook_error (err, errno, "kill container `%s`", id);
  runtime_state_free (&st);
  return ret;
}

int
runtime_delete (const char *root, const char *id, bool force, nook_error_t *err)
{
  _cleanup_free_ char *dir = xasprintf ("%s/%s", root, id);
  struct runtime_state st;
  const char *status;
  nook_error_t e2 = NULL;

  if (runtime_check_id (id, err) < 0)
    return -1;
  if (runtime_state_read (root, id, &st, err) < 0)
    {
      /* --force: a create that died half way leaves a directory with no
         state, and a container that is not there is no error (runc).  */
      if ((*err)->errnum != ENOENT || !force)
        return -1;
      nook_error_free (err);
      return nook_rm_tree_at (AT_FDCWD, dir, err);
    }
  status = runtime_status (root, &st);
  if (strcmp (status, "stopped") != 0)
    {
      if (!force && strcmp (status, "created") != 0)
        {
          runtime_state_free (&st);
          return nook_error (err, 0, "cannot delete container `%s` that is not stopped: %s", id,
                             status);
        }
      if (signal_all (&st, SIGKILL, &e2) < 0)
        nook_error_free (&e2);
      kill (st.pid, SIGKILL);
      /* Only the parent can reap it; wait until it is gone or a zombie.  */
      for (int i = 0; i < 2000 && nook_proc_alive (st.pid, st.pid_start); i++)
        usleep (1000);
    }
  runtime_after_delete (root, &st);
  runtime_state_free (&st);
  return nook_rm_tree_at (AT_FDCWD, dir, err);
}
