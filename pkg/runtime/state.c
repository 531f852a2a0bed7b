/* Runtime state: ROOT/ID/state.json plus ROOT/ID/exec.fifo while the
   container waits for `start`.  */
#include "runtime/runtime-internal.h"

#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
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

static char *
owner_name (const char *root, const char *id)
{
  _cleanup_free_ char *dir = xasprintf ("%s/%s", root, id);
  struct passwd pw, *res = NULL;
  char buf[4096];
  struct stat s;

  if (stat (dir, &s) < 0)
    return xstrdup ("");
  if (getpwuid_r (s.st_uid, &pw, buf, sizeof (buf), &res) == 0 && res)
    return xstrdup (pw.pw_name);
  return xasprintf ("#%u", (unsigned)s.st_uid);
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
runtime_start (const char *root, const char *id, nook_error_t *err)
{
  _cleanup_free_ char *fifo = xasprintf ("%s/%s/exec.fifo", root, id);
  struct runtime_state st;
  _cleanup_close_ int fd = -1;
  const char *status;

  if (runtime_state_read (root, id, &st, err) < 0)
    return -1;
  status = runtime_status (root, &st);
  runtime_state_free (&st);
  if (strcmp (status, "running") == 0)
    return nook_error (err, 0, "cannot start an already running container");
  if (strcmp (status, "stopped") == 0)
    return nook_error (err, 0, "cannot start a container that has stopped");
  /* The container's init holds the fifo open for reading; a byte lets it
     exec.  O_NONBLOCK: with no reader left, fail instead of hanging.  */
  fd = open (fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return nook_error (err, errno, "open `%s`", fifo);
  if (write (fd, "0", 1) != 1)
    return nook_error (err, errno, "start container `%s`", id);
  unlink (fifo);
  runtime_after_start (root, id);
  return 0;
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

/* ---- the processes of a container ---- */

struct proc_entry
{
  pid_t pid, ppid;
  bool in_ns;
};

static pid_t
parent_of (const char *pid)
{
  _cleanup_free_ char *path = xasprintf ("/proc/%s/stat", pid);
  _cleanup_free_ char *text = NULL;
  nook_error_t err = NULL;
  const char *p;
  int64_t ppid;
  char *end;

  if (nook_read_file_at (AT_FDCWD, path, 4096, &text, NULL, &err) < 0)
    {
      nook_error_free (&err);
      return 0;
    }
  /* "PID (COMM) STATE PPID ...": COMM may hold anything, even ")".  */
  p = strrchr (text, ')');
  if (p == NULL || strlen (p) < 4)
    return 0;
  ppid = strtoll (p + 4, &end, 10);
  return end == p + 4 ? 0 : (pid_t)ppid;
}

static bool
same_file (const char *a, const struct stat *b)
{
  struct stat s;
  return stat (a, &s) == 0 && s.st_ino == b->st_ino && s.st_dev == b->st_dev;
}

/* Every process we can see: its parent, and whether it is in the pid
   namespace NS (NULL: none asked).  */
static int
scan_proc (const struct stat *ns, struct proc_entry **out, size_t *n, nook_error_t *err)
{
  _cleanup_closedir_ DIR *d = opendir ("/proc");
  struct dirent *e;
  size_t cap = 0;

  *out = NULL;
  *n = 0;
  if (d == NULL)
    return nook_error (err, errno, "open /proc");
  while ((e = readdir (d)) != NULL)
    {
      _cleanup_free_ char *nspath = NULL;
      int64_t pid;
      if (!str_to_int64 (e->d_name, &pid) || pid <= 0)
        continue;
      if (*n == cap)
        *out = xrealloc (*out, sizeof (**out) * (cap = cap ? cap * 2 : 256));
      nspath = xasprintf ("/proc/%s/ns/pid", e->d_name);
      (*out)[*n] = (struct proc_entry){ .pid = (pid_t)pid,
                                        .ppid = parent_of (e->d_name),
                                        .in_ns = ns && same_file (nspath, ns) };
      (*n)++;
    }
  return 0;
}

/* The init's pid namespace in *NS, when it is not ours.  */
static bool
own_pid_ns (pid_t init, struct stat *ns)
{
  char path[64];
  struct stat self;

  snprintf (path, sizeof (path), "/proc/%d/ns/pid", (int)init);
  if (stat (path, ns) < 0 || stat ("/proc/self/ns/pid", &self) < 0)
    return false;
  return !(ns->st_ino == self.st_ino && ns->st_dev == self.st_dev);
}

int
runtime_container_pids (const char *root, const struct runtime_state *st, pid_t **pids, size_t *n,
                        nook_error_t *err)
{
  _cleanup_free_ struct proc_entry *procs = NULL;
  struct stat ns;
  bool has_ns;
  size_t np;

  *pids = xzalloc (sizeof (pid_t));
  *n = 0;
  if (strcmp (runtime_status (root, st), "stopped") == 0)
    return 0;
  has_ns = own_pid_ns (st->pid, &ns);
  if (scan_proc (has_ns ? &ns : NULL, &procs, &np, err) < 0)
    return -1;
  *pids = xrealloc (*pids, sizeof (pid_t) * (np + 1));
  (*pids)[(*n)++] = st->pid;
  /* In its namespace, or a descendant of one already in the list: the
     list grows until a pass adds nothing.  */
  for (bool added = true; added;)
    {
      added = false;
      for (size_t i = 0; i < np; i++)
        {
          bool in = procs[i].in_ns, known = false;
          for (size_t k = 0; k < *n && !known; k++)
            {
              known = (*pids)[k] == procs[i].pid;
              in = in || (*pids)[k] == procs[i].ppid;
            }
          if (in && !known)
            {
              (*pids)[(*n)++] = procs[i].pid;
              added = true;
            }
        }
    }
  qsort (*pids, *n, sizeof (pid_t), compare_pid);
  return 0;
}

static int
signal_all (const char *root, const struct runtime_state *st, int sig, nook_error_t *err)
{
  _cleanup_free_ pid_t *pids = NULL;
  size_t n;

  if (runtime_container_pids (root, st, &pids, &n, err) < 0)
    return -1;
  for (size_t i = 0; i < n; i++)
    kill (pids[i], sig);
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
    ret = signal_all (root, &st, sig, err);
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
      if (signal_all (root, &st, SIGKILL, &e2) < 0)
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
