/* top: the processes of a running container, as Podman's `top` shows
   them (psgo's descriptors and headers), read from /proc.

   A child joins the container's user namespace (which we own): /proc then
   shows ids as the container sees them, and the container's FUSE rootfs,
   which serves only that namespace, can be read for user and group
   names.  It finds the processes whose pid namespace is the init's,
   prints the table on stdout and reports an error through a pipe.  */
#include "container/exec.h"
#include "container/internal.h"

#include <ctype.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>

#define STATUS_MAX  (64 << 10)
#define CMDLINE_MAX (128 << 10)
#define ETC_MAX     (16 << 20)

struct top_proc
{
  pid_t hpid, pid, ppid, pgid; /* pid ... pgid as the container sees them */
  pid_t host_ppid, host_pgid;
  char state;
  char comm[64];
  char *args;
  uint32_t uid, euid, gid, egid; /* in the container's user namespace */
  int64_t nice;
  uint64_t utime, stime, start; /* clock ticks */
  uint64_t tty;
  uint64_t vsize, rss_pages;
};

struct top_ctx
{
  struct top_proc *procs;
  size_t n;
  char *passwd, *group; /* the container's, NULL when unreadable */
  int64_t now_boot_ns;
  long hz;
  long page_kb;
};

typedef char *(*top_field_fn) (const struct top_ctx *c, const struct top_proc *p);

/* ---- fields ---- */

/* A Go time.Duration as String() writes it: "1h2m3.5s", "12.5ms", "0s".  */
static char *
go_duration (int64_t ns)
{
  struct nook_buf b = { 0 };
  const char *units[] = { "ns", "µs", "ms" };
  uint64_t u = ns < 0 ? (uint64_t)-ns : (uint64_t)ns;

  if (ns < 0)
    nook_buf_putc (&b, '-');
  if (u == 0)
    return xstrdup ("0s");
  if (u < 1000000000ULL)
    {
      /* Below a second: the largest unit below it, with a fraction.  */
      int unit = u < 1000 ? 0 : u < 1000000 ? 1 : 2;
      uint64_t div = unit == 0 ? 1 : unit == 1 ? 1000 : 1000000;
      char frac[16];
      int len = snprintf (frac, sizeof (frac), "%0*llu", unit * 3, (unsigned long long)(u % div));
      while (len > 0 && frac[len - 1] == '0')
        frac[--len] = '\0';
      nook_buf_printf (&b, "%llu%s%s%s", (unsigned long long)(u / div), len ? "." : "", frac,
                       units[unit]);
      return nook_buf_steal (&b);
    }
  {
    uint64_t secs = u / 1000000000ULL, h = secs / 3600, m = secs / 60 % 60, s = secs % 60;
    char frac[16];
    int len = snprintf (frac, sizeof (frac), "%09llu", (unsigned long long)(u % 1000000000ULL));
    while (len > 0 && frac[len - 1] == '0')
      frac[--len] = '\0';
    if (h)
      nook_buf_printf (&b, "%lluh", (unsigned long long)h);
    if (h || m)
      nook_buf_printf (&b, "%llum", (unsigned long long)m);
    nook_buf_printf (&b, "%llu%s%ss", (unsigned long long)s, len ? "." : "", frac);
  }
  return nook_buf_steal (&b);
}

/* Field 0 of the line of TEXT (passwd or group) whose field 2 is ID.  */
static char *
name_of (const char *text, uint32_t id)
{
  for (const char *p = text; p && *p;)
    {
      const char *nl = strchr (p, '\n');
      const char *end = nl ? nl : p + strlen (p);
      const char *c1 = memchr (p, ':', (size_t)(end - p));
      const char *c2 = c1 ? memchr (c1 + 1, ':', (size_t)(end - c1 - 1)) : NULL;
      if (c2 && p[0] != '#')
        {
          char *idend;
          unsigned long v = strtoul (c2 + 1, &idend, 10);
          if (idend != c2 + 1 && (*idend == ':' || idend == end) && v == id)
            return xstrndup (p, (size_t)(c1 - p));
        }
      p = nl ? nl + 1 : NULL;
    }
  return NULL;
}

static char *
user_name (const struct top_ctx *c, uint32_t uid)
{
  char *n = c->passwd ? name_of (c->passwd, uid) : NULL;
  return n ? n : xasprintf ("%u", uid);
}

static char *
group_name (const struct top_ctx *c, uint32_t gid)
{
  char *n = c->group ? name_of (c->group, gid) : NULL;
  return n ? n : xasprintf ("%u", gid);
}

static int64_t
elapsed_ns (const struct top_ctx *c, const struct top_proc *p)
{
  int64_t start = (int64_t)(p->start * 1000000000ULL / (uint64_t)c->hz);
  return c->now_boot_ns > start ? c->now_boot_ns - start : 0;
}

static char *
f_user (const struct top_ctx *c, const struct top_proc *p)
{
  return user_name (c, p->euid);
}
static char *
f_ruser (const struct top_ctx *c, const struct top_proc *p)
{
  return user_name (c, p->uid);
}
static char *
f_group (const struct top_ctx *c, const struct top_proc *p)
{
  return group_name (c, p->egid);
}
static char *
f_rgroup (const struct top_ctx *c, const struct top_proc *p)
{
  return group_name (c, p->gid);
}
static char *
f_pid (const struct top_ctx *c, const struct top_proc *p)
{
  return xasprintf ("%d", (int)p->pid);
}
static char *
f_ppid (const struct top_ctx *c, const struct top_proc *p)
{
  return xasprintf ("%d", (int)p->ppid);
}
static char *
f_pgid (const struct top_ctx *c, const struct top_proc *p)
{
  return xasprintf ("%d", (int)p->pgid);
}
static char *
f_hpid (const struct top_ctx *c, const struct top_proc *p)
{
  return xasprintf ("%d", (int)p->hpid);
}
static char *
f_pcpu (const struct top_ctx *c, const struct top_proc *p)
{
  double el = (double)elapsed_ns (c, p) / 1e9;
  double cpu = (double)(p->utime + p->stime) / (double)c->hz;
  return xasprintf ("%.3f", el > 0 ? cpu / el * 100.0 : 0.0);
}
static char *
f_etime (const struct top_ctx *c, const struct top_proc *p)
{
  return go_duration (elapsed_ns (c, p));
}
static char *
f_time (const struct top_ctx *c, const struct top_proc *p)
{
  return go_duration ((int64_t)((p->utime + p->stime) * 1000000000ULL / (uint64_t)c->hz));
}
static char *
f_tty (const struct top_ctx *c, const struct top_proc *p)
{
  unsigned maj = major ((dev_t)p->tty), min = minor ((dev_t)p->tty);
  if (p->tty == 0)
    return xstrdup ("?");
  if (maj >= 136 && maj <= 143)
    return xasprintf ("pts/%u", (maj - 136) * 256 + min);
  if (maj == 4)
    return min < 64 ? xasprintf ("tty%u", min) : xasprintf ("ttyS%u", min - 64);
  return xstrdup ("?");
}
static char *
f_args (const struct top_ctx *c, const struct top_proc *p)
{
  return p->args && p->args[0] ? xstrdup (p->args) : xasprintf ("[%s]", p->comm);
}
static char *
f_comm (const struct top_ctx *c, const struct top_proc *p)
{
  return xstrdup (p->comm);
}
static char *
f_nice (const struct top_ctx *c, const struct top_proc *p)
{
  return xasprintf ("%lld", (long long)p->nice);
}
static char *
f_vsz (const struct top_ctx *c, const struct top_proc *p)
{
  return xasprintf ("%llu", (unsigned long long)(p->vsize / 1024));
}
static char *
f_rss (const struct top_ctx *c, const struct top_proc *p)
{
  return xasprintf ("%llu", (unsigned long long)(p->rss_pages * (uint64_t)c->page_kb));
}
static char *
f_state (const struct top_ctx *c, const struct top_proc *p)
{
  return xasprintf ("%c", p->state);
}

/* psgo's descriptors: name, AIX format code, header.  */
static const struct
{
  const char *name, *aix, *header;
  top_field_fn fn;
} descriptors[] = {
  { "args", "%a", "COMMAND", f_args },    { "comm", "%c", "COMMAND", f_comm },
  { "etime", "%t", "ELAPSED", f_etime },  { "group", "%G", "GROUP", f_group },
  { "hpid", NULL, "HPID", f_hpid },       { "nice", "%n", "NI", f_nice },
  { "pcpu", "%C", "%CPU", f_pcpu },       { "pgid", "%r", "PGID", f_pgid },
  { "pid", "%p", "PID", f_pid },          { "ppid", "%P", "PPID", f_ppid },
  { "rgroup", "%g", "RGROUP", f_rgroup }, { "rss", NULL, "RSS", f_rss },
  { "ruser", "%u", "RUSER", f_ruser },    { "state", NULL, "STATE", f_state },
  { "time", "%x", "TIME", f_time },       { "tty", "%y", "TTY", f_tty },
  { "user", "%U", "USER", f_user },       { "vsz", "%z", "VSZ", f_vsz },
};

static const char *const default_descriptors[]
    = { "user", "pid", "ppid", "pcpu", "etime", "tty", "time", "args", NULL };

void
container_top_descriptors (FILE *out)
{
  for (size_t i = 0; i < NOOK_ARRAY_SIZE (descriptors); i++)
    fprintf (out, "%s\n", descriptors[i].name);
}

/* The descriptors of ARGS: each argument may hold several, separated by
   commas or blanks.  Indexes into descriptors[] go to *OUT.  */
static int
parse_descriptors (char *const *args, size_t **out, size_t *n, nook_error_t *err)
{
  _cleanup_free_ size_t *idx = NULL;
  size_t count = 0;

  for (size_t a = 0; args && args[a]; a++)
    {
      _cleanup_free_ char *copy = xstrdup (args[a]);
      for (char *save = NULL, *d = strtok_r (copy, ", \t", &save); d;
           d = strtok_r (NULL, ", \t", &save))
        {
          size_t i;
          for (i = 0; i < NOOK_ARRAY_SIZE (descriptors); i++)
            if (strcmp (d, descriptors[i].name) == 0
                || (descriptors[i].aix && strcmp (d, descriptors[i].aix) == 0))
              break;
          if (i == NOOK_ARRAY_SIZE (descriptors))
            return nook_error (err, 0,
                               "'%s': unknown descriptor (see `nook top --list-descriptors`)", d);
          idx = xrealloc (idx, sizeof (size_t) * (count + 1));
          idx[count++] = i;
        }
    }
  *out = steal_pointer (&idx);
  *n = count;
  return 0;
}

/* ---- reading /proc ---- */

static int
read_proc_file (pid_t pid, const char *name, size_t max, char **out, size_t *len)
{
  char path[64];
  nook_error_t err = NULL;
  snprintf (path, sizeof (path), "/proc/%d/%s", (int)pid, name);
  if (nook_read_file_at (AT_FDCWD, path, max, out, len, &err) < 0)
    {
      nook_error_free (&err);
      return -1;
    }
  return 0;
}

static int
parse_stat (pid_t pid, struct top_proc *p)
{
  _cleanup_free_ char *text = NULL;
  char *open, *close;
  unsigned long long f[22];
  long long nice;
  char state;

  if (read_proc_file (pid, "stat", 4096, &text, NULL) < 0)
    return -1;
  open = strchr (text, '(');
  close = strrchr (text, ')');
  if (open == NULL || close == NULL || close < open)
    return -1;
  snprintf (p->comm, sizeof (p->comm), "%.*s", (int)(close - open - 1), open + 1);
  /* state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt
     cmajflt utime stime cutime cstime priority nice threads itreal
     starttime vsize rss */
  if (sscanf (close + 2,
              "%c %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %lld "
              "%llu %llu %llu %llu %llu",
              &state, &f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6], &f[7], &f[8], &f[9], &f[10],
              &f[11], &f[12], &f[13], &f[14], &nice, &f[16], &f[17], &f[18], &f[19], &f[20])
      != 22)
    return -1;
  p->state = state;
  p->host_ppid = (pid_t)f[0];
  p->host_pgid = (pid_t)f[1];
  p->tty = f[3];
  p->utime = f[10];
  p->stime = f[11];
  p->nice = nice;
  p->start = f[18];
  p->vsize = f[19];
  p->rss_pages = f[20];
  return 0;
}

/* Uid, Gid and the innermost NSpid from /proc/PID/status.  */
static int
parse_status (pid_t pid, struct top_proc *p)
{
  _cleanup_free_ char *text = NULL;
  bool have_ns = false;

  if (read_proc_file (pid, "status", STATUS_MAX, &text, NULL) < 0)
    return -1;
  for (char *save = NULL, *l = strtok_r (text, "\n", &save); l; l = strtok_r (NULL, "\n", &save))
    {
      unsigned a, b;
      if (sscanf (l, "Uid: %u %u", &a, &b) == 2)
        p->uid = a, p->euid = b;
      else if (sscanf (l, "Gid: %u %u", &a, &b) == 2)
        p->gid = a, p->egid = b;
      else if (str_has_prefix (l, "NSpid:"))
        {
          char *last = strrchr (l, '\t');
          last = last ? last + 1 : l + 6;
          p->pid = (pid_t)strtol (last, NULL, 10);
          have_ns = true;
        }
    }
  if (!have_ns)
    p->pid = pid;
  return 0;
}

static char *
read_args (pid_t pid)
{
  char *text = NULL;
  size_t len = 0;

  if (read_proc_file (pid, "cmdline", CMDLINE_MAX, &text, &len) < 0)
    return NULL;
  while (len > 0 && text[len - 1] == '\0')
    len--;
  for (size_t i = 0; i < len; i++)
    if (text[i] == '\0')
      text[i] = ' ';
  text[len] = '\0';
  return text;
}

static bool
in_pidns (pid_t pid, const struct stat *ns)
{
  char path[64];
  struct stat st;
  snprintf (path, sizeof (path), "/proc/%d/ns/pid", (int)pid);
  return stat (path, &st) == 0 && st.st_ino == ns->st_ino && st.st_dev == ns->st_dev;
}

static pid_t
container_pid_of (const struct top_ctx *c, pid_t host)
{
  for (size_t i = 0; i < c->n; i++)
    if (c->procs[i].hpid == host)
      return c->procs[i].pid;
  return 0;
}

static int
cmp_proc (const void *a, const void *b)
{
  const struct top_proc *x = a, *y = b;
  return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static int
collect (struct top_ctx *c, pid_t init, nook_error_t *err)
{
  _cleanup_closedir_ DIR *d = opendir ("/proc");
  char path[64];
  struct stat ns;
  struct dirent *e;

  snprintf (path, sizeof (path), "/proc/%d/ns/pid", (int)init);
  if (stat (path, &ns) < 0)
    return nook_error (err, errno, "the pid namespace of the container");
  if (d == NULL)
    return nook_error (err, errno, "open /proc");
  while ((e = readdir (d)) != NULL)
    {
      struct top_proc p = { 0 };
      if (!isdigit ((unsigned char)e->d_name[0]))
        continue;
      p.hpid = (pid_t)strtol (e->d_name, NULL, 10);
      if (!in_pidns (p.hpid, &ns) || parse_stat (p.hpid, &p) < 0 || parse_status (p.hpid, &p) < 0)
        continue;
      p.args = read_args (p.hpid);
      c->procs = xrealloc (c->procs, sizeof (*c->procs) * (c->n + 1));
      c->procs[c->n++] = p;
    }
  for (size_t i = 0; i < c->n; i++)
    {
      c->procs[i].ppid = container_pid_of (c, c->procs[i].host_ppid);
      c->procs[i].pgid = container_pid_of (c, c->procs[i].host_pgid);
    }
  qsort (c->procs, c->n, sizeof (*c->procs), cmp_proc);
  return 0;
}

static void
read_etc (int rootfd, const char *path, char **out)
{
  nook_error_t err = NULL;
  _cleanup_close_ int fd
      = nook_open_in_root (rootfd, path, O_RDONLY | O_NONBLOCK, NOOK_INROOT_NONE, &err);
  struct stat st;
  char fdpath[64];

  *out = NULL;
  if (fd < 0 || fstat (fd, &st) < 0 || !S_ISREG (st.st_mode))
    {
      nook_error_free (&err);
      return;
    }
  snprintf (fdpath, sizeof (fdpath), "/proc/self/fd/%d", fd);
  if (nook_read_file_at (AT_FDCWD, fdpath, ETC_MAX, out, NULL, &err) < 0)
    nook_error_free (&err);
}

/* ---- the table ---- */

/* Columns as Podman's tabwriter lays them out: at least 12 wide, the
   widest cell plus 2, the last not padded.  */
static void
print_table (char ***cells, size_t rows, size_t cols, FILE *out)
{
  size_t *width = xzalloc (sizeof (size_t) * cols);

  for (size_t r = 0; r < rows; r++)
    for (size_t k = 0; k < cols; k++)
      if (strlen (cells[r][k]) + 2 > width[k])
        width[k] = strlen (cells[r][k]) + 2;
  for (size_t r = 0; r < rows; r++)
    {
      for (size_t k = 0; k < cols; k++)
        {
          if (k + 1 == cols)
            fprintf (out, "%s\n", cells[r][k]);
          else
            fprintf (out, "%-*s", (int)(width[k] < 12 ? 12 : width[k]), cells[r][k]);
        }
    }
  free (width);
}

static void
top_print (const struct top_ctx *c, const size_t *idx, size_t nidx, FILE *out)
{
  char ***cells = xzalloc (sizeof (char **) * (c->n + 1));

  cells[0] = xzalloc (sizeof (char *) * nidx);
  for (size_t k = 0; k < nidx; k++)
    cells[0][k] = xstrdup (descriptors[idx[k]].header);
  for (size_t r = 0; r < c->n; r++)
    {
      cells[r + 1] = xzalloc (sizeof (char *) * nidx);
      for (size_t k = 0; k < nidx; k++)
        cells[r + 1][k] = descriptors[idx[k]].fn (c, &c->procs[r]);
    }
  print_table (cells, c->n + 1, nidx, out);
  for (size_t r = 0; r <= c->n; r++)
    {
      for (size_t k = 0; k < nidx; k++)
        free (cells[r][k]);
      free (cells[r]);
    }
  free (cells);
}

static void
top_ctx_free (struct top_ctx *c)
{
  for (size_t i = 0; i < c->n; i++)
    free (c->procs[i].args);
  free (c->procs);
  free (c->passwd);
  free (c->group);
}

/* In the child: join, read, print.  */
static int
top_in_userns (pid_t init, uint64_t init_start, const size_t *idx, size_t nidx, FILE *out,
               nook_error_t *err)
{
  _cleanup_ (top_ctx_free) struct top_ctx c = { 0 };
  _cleanup_close_ int nsfd = -1, rootfd = -1;
  char path[64];
  struct timespec ts;

  snprintf (path, sizeof (path), "/proc/%d/ns/user", (int)init);
  nsfd = open (path, O_RDONLY | O_CLOEXEC);
  if (nsfd < 0 || !nook_proc_alive (init, init_start))
    return nook_error (err, 0, "top can only be used on running containers");
  if (setns (nsfd, CLONE_NEWUSER) < 0)
    return nook_error (err, errno, "join the user namespace of the container");
  snprintf (path, sizeof (path), "/proc/%d/root", (int)init);
  rootfd = open (path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd >= 0)
    {
      read_etc (rootfd, "/etc/passwd", &c.passwd);
      read_etc (rootfd, "/etc/group", &c.group);
    }
  c.hz = sysconf (_SC_CLK_TCK);
  c.page_kb = sysconf (_SC_PAGESIZE) / 1024;
  clock_gettime (CLOCK_BOOTTIME, &ts);
  c.now_boot_ns = (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
  if (collect (&c, init, err) < 0)
    return -1;
  top_print (&c, idx, nidx, out);
  if (fflush (out) != 0)
    return nook_error (err, errno, "write to stdout");
  return 0;
}

int
container_top (struct storage *st, const char *id, char *const *args, FILE *out, nook_error_t *err)
{
  _cleanup_ (container_free) struct container c = { 0 };
  _cleanup_free_ size_t *idx = NULL;
  char msg[2048];
  size_t nidx = 0;
  int fds[2], status;
  ssize_t n;
  pid_t pid;

  if (parse_descriptors (args && args[0] ? args : (char *const *)default_descriptors, &idx, &nidx,
                         err)
      < 0)
    return -1;
  if (container_load (st, id, &c, err) < 0)
    return -1;
  if (c.state.status != CONTAINER_RUNNING || c.state.pid <= 0)
    return nook_error (err, 0, "top can only be used on running containers");
  fflush (out);
  if (pipe2 (fds, O_CLOEXEC) < 0)
    return nook_error (err, errno, "pipe");
  pid = fork ();
  if (pid == 0)
    {
      nook_error_t e = NULL;
      close (fds[0]);
      if (top_in_userns (c.state.pid, c.state.pid_start, idx, nidx, out, &e) < 0)
        {
          (void)!write (fds[1], e->msg, strlen (e->msg));
          _exit (1);
        }
      _exit (0);
    }
  close (fds[1]);
  if (pid < 0)
    {
      close (fds[0]);
      return nook_error (err, errno, "fork");
    }
  do
    n = read (fds[0], msg, sizeof (msg) - 1);
  while (n < 0 && errno == EINTR);
  close (fds[0]);
  nook_waitpid (pid, &status, 0);
  if (n > 0)
    {
      msg[n] = '\0';
      return nook_error (err, 0, "%s", msg);
    }
  if (status != 0)
    return nook_error (err, 0, "top: the reader failed (status %d)", nook_exit_code (status));
  return 0;
}
