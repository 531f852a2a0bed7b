/* Runtime state: ROOT/ID/state.json plus ROOT/ID/exec.fifo while the
   container waits for `start`.  */
#include "runtime/runtime.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define STATE_MAX (1 << 20)

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
  _cleanup_json_gen_ struct json_gen *g = json_gen_new (true);
  const char *status = runtime_status (root, st);
  size_t len;

  json_gen_object_open (g);
  json_gen_kv_string (g, "ociVersion", OCI_VERSION);
  json_gen_kv_string (g, "id", st->id);
  json_gen_kv_string (g, "status", status);
  json_gen_kv_int (g, "pid", strcmp (status, "stopped") == 0 ? 0 : st->pid);
  json_gen_kv_string (g, "bundle", st->bundle);
  json_gen_kv_string (g, "rootfs", st->rootfs);
  json_gen_kv_string (g, "created", st->created);
  json_gen_key (g, "annotations");
  json_gen_object_open (g);
  for (size_t i = 0; st->annotations && st->annotations[i]; i++)
    {
      const char *eq = strchr (st->annotations[i], '=');
      _cleanup_free_ char *k = xstrndup (st->annotations[i], (size_t)(eq - st->annotations[i]));
      json_gen_kv_string (g, k, eq + 1);
    }
  json_gen_object_close (g);
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
  return 0;
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
  if (strcmp (status, "created") != 0)
    return nook_error (err, 0, "cannot start a container that has %s",
                       strcmp (status, "running") == 0 ? "already started" : "stopped");
  /* The container's init holds the fifo open for reading; a byte lets it
     exec.  O_NONBLOCK: with no reader left, fail instead of hanging.  */
  fd = open (fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return nook_error (err, errno, "open `%s`", fifo);
  if (write (fd, "0", 1) != 1)
    return nook_error (err, errno, "start container `%s`", id);
  unlink (fifo);
  return 0;
}

int
runtime_parse_signal (const char *s, int *sig, nook_error_t *err)
{
  int64_t n;
  const char *name = s;

  if (str_to_int64 (s, &n))
    {
      if (n <= 0 || n >= NSIG)
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
  if (strncasecmp (name, "RTMIN+", 6) == 0 && str_to_int64 (name + 6, &n)
      && SIGRTMIN + n <= SIGRTMAX)
    {
      *sig = (int)(SIGRTMIN + n);
      return 0;
    }
  return nook_error (err, 0, "invalid signal `%s`", s);
}

/* Signal every process in the pid namespace of INIT.  */
static int
kill_all (pid_t init, int sig, nook_error_t *err)
{
  _cleanup_free_ char *path = xasprintf ("/proc/%d/ns/pid", (int)init);
  _cleanup_closedir_ DIR *d = NULL;
  struct stat ns, self, s;
  struct dirent *e;

  if (stat (path, &ns) < 0 || stat ("/proc/self/ns/pid", &self) < 0)
    return nook_error (err, errno, "stat `%s`", path);
  if (ns.st_ino == self.st_ino && ns.st_dev == self.st_dev)
    return nook_error (err, 0, "kill --all: the container has no pid namespace of its own");
  d = opendir ("/proc");
  if (d == NULL)
    return nook_error (err, errno, "open /proc");
  while ((e = readdir (d)) != NULL)
    {
      _cleanup_free_ char *p = NULL;
      int64_t pid;
      if (!str_to_int64 (e->d_name, &pid))
        continue;
      p = xasprintf ("/proc/%s/ns/pid", e->d_name);
      if (stat (p, &s) == 0 && s.st_ino == ns.st_ino && s.st_dev == ns.st_dev)
        kill ((pid_t)pid, sig);
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
    ret = kill_all (st.pid, sig, err);
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

  if (runtime_state_read (root, id, &st, err) < 0)
    {
      /* A create that died half way leaves a directory with no state.  */
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
          return nook_error (err, 0, "cannot delete container `%s` that is not stopped", id);
        }
      kill (st.pid, SIGKILL);
      /* Only the parent can reap it; wait until it is gone or a zombie.  */
      for (int i = 0; i < 1000 && nook_proc_alive (st.pid, st.pid_start); i++)
        usleep (1000);
    }
  runtime_state_free (&st);
  return nook_rm_tree_at (AT_FDCWD, dir, err);
}
