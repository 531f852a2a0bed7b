/* Rootless user namespace: unshare in this process, mapped from children.

   1. The parent forks two children that wait on a pipe.
   2. The parent unshares CLONE_NEWUSER|CLONE_NEWNS and writes to the pipe.
   3. The children, still in the host namespace, exec newuidmap and
      newgidmap (setuid helpers that check /etc/subuid and /etc/subgid) on
      the parent's pid, both at once; their stderr comes back on a pipe.
   4. The parent waits for both, then is root in its namespace.

   Unsharing here instead of in a child keeps the caller's process (no
   re-exec), which is what makes nook's start-up cheap.

   userns_map_start and userns_map_finish do step 3 from another process
   (nook, for the monitor it started): no mapper forked before the
   unshare, and the mapping overlaps what both processes do meanwhile.  */
#include "userns/userns.h"

#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>

void
userns_build_map (uint32_t own, const struct userns_range *sub, size_t nsub, struct userns_map *out)
{
  uint64_t next = 1;

  memset (out, 0, sizeof (*out));
  out->r[0] = (struct userns_range){ 0, own, 1 };
  out->n = 1;
  for (size_t i = 0; i < nsub && out->n < USERNS_MAX_RANGES; i++)
    {
      uint64_t count = sub[i].count;
      if (count == 0)
        continue;
      if (next + count > UINT32_MAX)
        count = UINT32_MAX - next;
      if (count == 0)
        break;
      out->r[out->n++] = (struct userns_range){ (uint32_t)next, sub[i].outside, (uint32_t)count };
      next += count;
    }
}

void
userns_map_add (struct userns_map *m, uint32_t inside, uint32_t outside, uint32_t count)
{
  if (count > 0 && m->n < USERNS_MAX_RANGES)
    m->r[m->n++] = (struct userns_range){ inside, outside, count };
}

int
userns_parse_map (const char *text, struct userns_map *out, nook_error_t *err)
{
  const char *p = text;

  memset (out, 0, sizeof (*out));
  while (*p)
    {
      unsigned long a, b, c;
      int used = 0;
      while (*p == '\n' || *p == ' ')
        p++;
      if (*p == '\0')
        break;
      if (sscanf (p, "%lu %lu %lu%n", &a, &b, &c, &used) != 3 || a > UINT32_MAX || b > UINT32_MAX
          || c > UINT32_MAX
          || (p[used] != '\0' && p[used + strspn (p + used, " ")] != '\n'
              && p[used + strspn (p + used, " ")] != '\0'))
        return nook_error (err, 0, "invalid id map line `%.40s`", p);
      if (out->n == USERNS_MAX_RANGES)
        return nook_error (err, 0, "id map has more than %d lines", USERNS_MAX_RANGES);
      out->r[out->n++] = (struct userns_range){ (uint32_t)a, (uint32_t)b, (uint32_t)c };
      p += used;
    }
  return 0;
}

static void
format_map (struct nook_buf *b, const struct userns_map *m)
{
  for (size_t i = 0; i < m->n; i++)
    nook_buf_printf (b, "%s%u-%u-%u", i ? "," : "", m->r[i].inside, m->r[i].outside, m->r[i].count);
}

char *
userns_ids_format (const struct userns_ids *ids)
{
  struct nook_buf b = { 0 };

  nook_buf_printf (&b, "%u:%u:%d:%s:", (unsigned)ids->uid, (unsigned)ids->gid, ids->single,
                   ids->user);
  format_map (&b, &ids->uids);
  nook_buf_putc (&b, ':');
  format_map (&b, &ids->gids);
  return nook_buf_steal (&b);
}

/* A decimal that fits 32 bits at *P.  */
static bool
read_u32 (const char **p, uint32_t *out)
{
  unsigned long long v;
  char *end;

  if (**p < '0' || **p > '9')
    return false;
  errno = 0;
  v = strtoull (*p, &end, 10);
  if (errno || v > UINT32_MAX)
    return false;
  *out = (uint32_t)v;
  *p = end;
  return true;
}

static bool
expect (const char **p, char c)
{
  if (**p != c)
    return false;
  (*p)++;
  return true;
}

/* "I-O-C,I-O-C...".  */
static bool
parse_map (const char **p, struct userns_map *m)
{
  memset (m, 0, sizeof (*m));
  do
    {
      struct userns_range r;
      if (m->n == USERNS_MAX_RANGES || !read_u32 (p, &r.inside) || !expect (p, '-')
          || !read_u32 (p, &r.outside) || !expect (p, '-') || !read_u32 (p, &r.count)
          || r.count == 0)
        return false;
      m->r[m->n++] = r;
    }
  while (expect (p, ','));
  return true;
}

int
userns_ids_parse (const char *text, struct userns_ids *ids, nook_error_t *err)
{
  const char *p = text;
  size_t user_len;
  uint32_t uid, gid, single;

  memset (ids, 0, sizeof (*ids));
  if (read_u32 (&p, &uid) && expect (&p, ':') && read_u32 (&p, &gid) && expect (&p, ':')
      && read_u32 (&p, &single) && single <= 1 && expect (&p, ':')
      && (user_len = strcspn (p, ":")) > 0)
    {
      ids->uid = uid;
      ids->gid = gid;
      ids->single = single;
      ids->user = xstrndup (p, user_len);
      p += user_len;
      if (expect (&p, ':') && parse_map (&p, &ids->uids) && expect (&p, ':')
          && parse_map (&p, &ids->gids) && *p == '\0')
        return 0;
      userns_ids_free (ids);
    }
  return nook_error (err, EINVAL, "invalid user namespace ids `%.80s`", text);
}

bool
userns_to_host (const struct userns_map *map, uint32_t inside, uint32_t *outside)
{
  for (size_t i = 0; i < map->n; i++)
    {
      const struct userns_range *r = &map->r[i];
      if (inside >= r->inside && (uint64_t)inside < (uint64_t)r->inside + r->count)
        {
          *outside = r->outside + (inside - r->inside);
          return true;
        }
    }
  return false;
}

uint64_t
userns_map_size (const struct userns_map *map)
{
  uint64_t n = 0;
  for (size_t i = 0; i < map->n; i++)
    n += map->r[i].count;
  return n;
}

void
userns_ids_free (struct userns_ids *ids)
{
  free (ids->user);
  ids->user = NULL;
}

static char **
map_argv (const char *tool, pid_t pid, const struct userns_map *map)
{
  char **argv = NULL;
  strv_push (&argv, xstrdup (tool));
  strv_push (&argv, xasprintf ("%d", (int)pid));
  for (size_t i = 0; i < map->n; i++)
    {
      strv_push (&argv, xasprintf ("%u", map->r[i].inside));
      strv_push (&argv, xasprintf ("%u", map->r[i].outside));
      strv_push (&argv, xasprintf ("%u", map->r[i].count));
    }
  return argv;
}

static int
write_proc_file (const char *path, const char *text, nook_error_t *err)
{
  _cleanup_close_ int fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || nook_write_all (fd, text, strlen (text)) < 0)
    return nook_error (err, errno, "write `%s`", path);
  return 0;
}

/* The user alone, written by us: the owner of PID's namespace may map
   its own ids into it (setgroups denied first, as the kernel asks).  */
static int
map_pid_single (pid_t pid, const struct userns_ids *ids, nook_error_t *err)
{
  char path[64], line[64];

  snprintf (path, sizeof (path), "/proc/%d/setgroups", (int)pid);
  if (write_proc_file (path, "deny", err) < 0)
    return -1;
  snprintf (path, sizeof (path), "/proc/%d/uid_map", (int)pid);
  snprintf (line, sizeof (line), "0 %d 1\n", (int)ids->uid);
  if (write_proc_file (path, line, err) < 0)
    return -1;
  snprintf (path, sizeof (path), "/proc/%d/gid_map", (int)pid);
  snprintf (line, sizeof (line), "0 %d 1\n", (int)ids->gid);
  return write_proc_file (path, line, err);
}

/* A mapper: forked before the unshare, it waits for GO and then execs
   TOOL (newuidmap or newgidmap) on TARGET, its stderr going to ERRFD.
   It closes its copy of GO's write end GO_W first: a parent that dies
   before it writes must leave it end of file, not a wait forever.  */
static pid_t
fork_mapper (const char *tool, pid_t target, const struct userns_map *map, int go, int go_w,
             int errfd)
{
  _cleanup_strv_ char **argv = map_argv (tool, target, map);
  pid_t pid = fork ();
  char c;

  if (pid != 0)
    return pid;
  close (go_w);
  if (read (go, &c, 1) != 1)
    _exit (1); /* the parent could not unshare: nothing to map */
  dup2 (errfd, STDERR_FILENO);
  execvp (tool, argv);
  dprintf (errfd, "exec %s: %s (install the Debian package uidmap)\n", tool, strerror (errno));
  _exit (127);
}

static void
read_all (int fd, char *buf, size_t size)
{
  size_t n = 0;
  ssize_t r;

  while (n < size - 1 && (r = read (fd, buf + n, size - 1 - n)) != 0)
    {
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        break;
      n += (size_t)r;
    }
  while (n > 0 && buf[n - 1] == '\n')
    n--;
  buf[n] = '\0';
}

/* Their stderr to its end from ERRFD, then their exit: an error with
   what they said, or why.  */
static int
wait_mappers (const struct userns_ids *ids, pid_t pu, pid_t pg, int errfd, nook_error_t *err)
{
  char msg[1024];
  int su = 0, sg = 0;

  read_all (errfd, msg, sizeof (msg));
  if (nook_waitpid (pu, &su, 0) < 0 || nook_waitpid (pg, &sg, 0) < 0 || su != 0 || sg != 0)
    return nook_error (err, 0, "map ids for user `%s`: %s", ids->user,
                       msg[0]    ? msg
                       : su != 0 ? "newuidmap failed"
                                 : "newgidmap failed");
  return 0;
}

static int
map_self_from_children (const struct userns_ids *ids, nook_error_t *err)
{
  int go[2], res[2];
  _cleanup_close_ int go_w = -1, res_r = -1;
  pid_t self = getpid (), pu, pg;

  if (pipe2 (go, O_CLOEXEC) < 0 || pipe2 (res, O_CLOEXEC) < 0)
    return nook_error (err, errno, "pipe");
  go_w = go[1];
  res_r = res[0];
  pu = fork_mapper ("newuidmap", self, &ids->uids, go[0], go_w, res[1]);
  pg = pu < 0 ? -1 : fork_mapper ("newgidmap", self, &ids->gids, go[0], go_w, res[1]);
  close (go[0]);
  close (res[1]);
  if (pu < 0 || pg < 0)
    {
      close (steal_fd (&go_w));
      if (pu > 0)
        nook_waitpid (pu, NULL, 0);
      return nook_error (err, errno, "fork");
    }
  if (userns_unshare (err) < 0)
    {
      close (steal_fd (&go_w));
      nook_waitpid (pu, NULL, 0);
      nook_waitpid (pg, NULL, 0);
      return -1;
    }
  if (write (go_w, "12", 2) != 2)
    return nook_error (err, errno, "signal the id mappers");
  return wait_mappers (ids, pu, pg, res_r, err);
}

int
userns_enter (const struct userns_ids *ids, nook_error_t *err)
{
  if (nook_is_real_root ())
    {
      if (unshare (CLONE_NEWNS) < 0)
        return nook_error (err, errno, "unshare the mount namespace");
    }
  else if (ids->single)
    {
      if (unshare (CLONE_NEWUSER | CLONE_NEWNS) < 0)
        return nook_error (err, errno, "create a user namespace");
      if (map_pid_single (getpid (), ids, err) < 0)
        return -1;
    }
  else if (map_self_from_children (ids, err) < 0)
    return -1;
  return userns_become_root (err);
}

int
userns_unshare (nook_error_t *err)
{
  if (unshare (CLONE_NEWUSER | CLONE_NEWNS) < 0)
    return nook_error (err, errno,
                       "create a user namespace (are unprivileged user namespaces "
                       "enabled? see /proc/sys/user/max_user_namespaces)");
  return 0;
}

int
userns_become_root (nook_error_t *err)
{
  if (setresgid (0, 0, 0) < 0 || setresuid (0, 0, 0) < 0)
    return nook_error (err, errno, "become root in the user namespace");
  if (mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    return nook_error (err, errno, "make mounts private");
  return 0;
}

static int
spawn_mapper (const char *tool, pid_t target, const struct userns_map *map, int errfd, pid_t *pid,
              nook_error_t *err)
{
  _cleanup_strv_ char **argv = map_argv (tool, target, map);
  struct nook_spawn s
      = { .argv = (const char *const *)argv, .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = errfd };

  if (nook_spawn (&s, pid, err) == 0)
    return 0;
  if ((*err)->errnum == ENOENT)
    {
      _cleanup_free_ char *msg = xstrdup ((*err)->msg);
      nook_error_free (err);
      nook_error (err, 0, "%s (install the Debian package uidmap)", msg);
    }
  return -1;
}

int
userns_map_start (pid_t pid, const struct userns_ids *ids, struct userns_mappers *m,
                  nook_error_t *err)
{
  _cleanup_close_ int errw = -1;
  int p[2];

  *m = (struct userns_mappers){ 0, 0, -1 };
  if (ids->single)
    return map_pid_single (pid, ids, err);
  if (pipe2 (p, O_CLOEXEC) < 0)
    return nook_error (err, errno, "pipe");
  m->errfd = p[0];
  errw = p[1];
  if (spawn_mapper ("newuidmap", pid, &ids->uids, errw, &m->uid_pid, err) < 0
      || spawn_mapper ("newgidmap", pid, &ids->gids, errw, &m->gid_pid, err) < 0)
    {
      userns_map_abandon (m);
      return -1;
    }
  return 0;
}

int
userns_map_finish (struct userns_mappers *m, const struct userns_ids *ids, nook_error_t *err)
{
  int r = 0;

  if (m->uid_pid > 0)
    r = wait_mappers (ids, m->uid_pid, m->gid_pid, m->errfd, err);
  nook_closep (&m->errfd);
  *m = (struct userns_mappers){ 0, 0, -1 };
  return r;
}

void
userns_map_abandon (struct userns_mappers *m)
{
  if (m->uid_pid > 0)
    nook_waitpid (m->uid_pid, NULL, 0);
  if (m->gid_pid > 0)
    nook_waitpid (m->gid_pid, NULL, 0);
  nook_closep (&m->errfd);
  *m = (struct userns_mappers){ 0, 0, -1 };
}

bool
userns_is_inside (void)
{
  return geteuid () == 0 && !nook_userns_is_initial ();
}
