/* linux.cgroupsPath and linux.resources, on cgroup v2 only (a delegated
   subtree is what a rootless user has).

   Parse, then act: the spec's limits become a list of (file, value)
   writes first; every controller they need must be listed in the parent
   cgroup's cgroup.controllers, else create fails naming the field and
   the controller (so a v1 or hybrid machine, or a subtree without
   delegation, says so instead of running the container unlimited).
   Then the cgroup is made, the controllers enabled in the parent's
   cgroup.subtree_control, the files written, and the init is cloned
   straight into it (clone3 CLONE_INTO_CGROUP): a cgroup namespace of its
   own is then rooted there.

   Where: cgroupsPath absolute is under the v2 mount, relative (or
   absent, ID then) under the runtime's own cgroup.  With neither a path
   nor limits nothing is done.  A path without limits that cannot be
   made (no write access: no delegation) is a warning: the spec asked
   for nothing a cgroup would enforce.  Device rules are a warning too:
   v2 needs an eBPF program for them, which this runtime does not load;
   the container's /dev holds only what the spec lists.  */
#include "runtime/runtime-internal.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>

struct cg_write
{
  char *file, *value, *field;
};

struct cg_plan
{
  struct cg_write *w;
  size_t n;
};

static void
plan_add (struct cg_plan *p, const char *field, char *file, char *value)
{
  p->w = xrealloc (p->w, sizeof (*p->w) * (p->n + 1));
  p->w[p->n++] = (struct cg_write){ .file = file, .value = value, .field = xstrdup (field) };
}

static void
plan_free (struct cg_plan *p)
{
  for (size_t i = 0; i < p->n; i++)
    {
      free (p->w[i].file);
      free (p->w[i].value);
      free (p->w[i].field);
    }
  free (p->w);
}

static char *
max_or (int64_t v)
{
  return v < 0 ? xstrdup ("max") : xasprintf ("%lld", (long long)v);
}

static int
unsupported (const char *field, nook_error_t *err)
{
  return nook_error (
      err, 0, "config.json: field `linux.resources.%s` is not supported on cgroup v2", field);
}

static int
plan_memory (const struct oci_resources *r, struct cg_plan *p, nook_error_t *err)
{
  const char *f = "linux.resources.memory";

  if (r->memory.limit.set)
    plan_add (p, f, xstrdup ("memory.max"), max_or (r->memory.limit.v));
  if (r->memory.reservation.set)
    plan_add (p, f, xstrdup ("memory.low"), max_or (r->memory.reservation.v));
  if (r->memory.swap.set)
    {
      /* OCI's swap is memory + swap; v2's swap.max is the swap alone.  */
      if (r->memory.swap.v >= 0 && !(r->memory.limit.set && r->memory.limit.v >= 0))
        return nook_error (err, 0,
                           "config.json: field `linux.resources.memory.swap` needs "
                           "`linux.resources.memory.limit`");
      plan_add (p, f, xstrdup ("memory.swap.max"),
                r->memory.swap.v < 0 ? xstrdup ("max")
                                     : max_or (r->memory.swap.v > r->memory.limit.v
                                                   ? r->memory.swap.v - r->memory.limit.v
                                                   : 0));
    }
  if (r->memory.kernel.set)
    return unsupported ("memory.kernel", err);
  if (r->memory.kernel_tcp.set)
    return unsupported ("memory.kernelTCP", err);
  if (r->memory.swappiness.set)
    return unsupported ("memory.swappiness", err);
  if (r->memory.disable_oom_killer.set && r->memory.disable_oom_killer.v)
    return unsupported ("memory.disableOOMKiller", err);
  return 0;
}

static int
plan_cpu (const struct oci_resources *r, struct cg_plan *p, nook_error_t *err)
{
  const char *f = "linux.resources.cpu";

  if (r->cpu.shares.set && r->cpu.shares.v)
    {
      /* runc's and crun's conversion of [2, 262144] to [1, 10000].  */
      uint64_t s = r->cpu.shares.v < 2 ? 2 : r->cpu.shares.v > 262144 ? 262144 : r->cpu.shares.v;
      plan_add (p, f, xstrdup ("cpu.weight"),
                xasprintf ("%llu", (unsigned long long)(1 + ((s - 2) * 9999) / 262142)));
    }
  if (r->cpu.quota.set || r->cpu.period.set)
    {
      uint64_t period = r->cpu.period.set && r->cpu.period.v ? r->cpu.period.v : 100000;
      _cleanup_free_ char *q
          = r->cpu.quota.set && r->cpu.quota.v > 0 ? max_or (r->cpu.quota.v) : xstrdup ("max");
      plan_add (p, f, xstrdup ("cpu.max"), xasprintf ("%s %llu", q, (unsigned long long)period));
    }
  if (r->cpu.burst.set)
    plan_add (p, f, xstrdup ("cpu.max.burst"),
              xasprintf ("%llu", (unsigned long long)r->cpu.burst.v));
  if (r->cpu.idle.set)
    plan_add (p, f, xstrdup ("cpu.idle"), xasprintf ("%lld", (long long)r->cpu.idle.v));
  if (r->cpu.cpus && *r->cpu.cpus)
    plan_add (p, f, xstrdup ("cpuset.cpus"), xstrdup (r->cpu.cpus));
  if (r->cpu.mems && *r->cpu.mems)
    plan_add (p, f, xstrdup ("cpuset.mems"), xstrdup (r->cpu.mems));
  if (r->cpu.realtime_runtime.set)
    return unsupported ("cpu.realtimeRuntime", err);
  if (r->cpu.realtime_period.set)
    return unsupported ("cpu.realtimePeriod", err);
  return 0;
}

static void
plan_throttle (struct cg_plan *p, const char *key, const char *what,
               const struct oci_blkio_device *d, size_t n)
{
  _cleanup_free_ char *f = xasprintf ("linux.resources.blockIO.%s", key);
  for (size_t i = 0; i < n; i++)
    plan_add (p, f, xstrdup ("io.max"),
              xasprintf ("%lld:%lld %s=%llu", (long long)d[i].major, (long long)d[i].minor, what,
                         (unsigned long long)d[i].rate.v));
}

/* blkio weights [10, 1000] to io.weight [1, 10000].  */
static uint64_t
io_weight (uint64_t w)
{
  w = w < 10 ? 10 : w > 1000 ? 1000 : w;
  return 1 + (w - 10) * 9999 / 990;
}

static int
plan_io (const struct oci_resources *r, struct cg_plan *p, nook_error_t *err)
{
  const char *f = "linux.resources.blockIO";

  if (r->block_io.weight.set)
    plan_add (p, f, xstrdup ("io.weight"),
              xasprintf ("default %llu", (unsigned long long)io_weight (r->block_io.weight.v)));
  if (r->block_io.leaf_weight.set)
    return unsupported ("blockIO.leafWeight", err);
  for (size_t i = 0; i < r->block_io.n_weight_device; i++)
    {
      const struct oci_blkio_device *d = &r->block_io.weight_device[i];
      if (d->leaf_weight.set)
        return unsupported ("blockIO.weightDevice[].leafWeight", err);
      if (d->weight.set)
        plan_add (p, "linux.resources.blockIO.weightDevice", xstrdup ("io.weight"),
                  xasprintf ("%lld:%lld %llu", (long long)d->major, (long long)d->minor,
                             (unsigned long long)io_weight (d->weight.v)));
    }
  plan_throttle (p, "throttleReadBpsDevice", "rbps", r->block_io.throttle_read_bps,
                 r->block_io.n_throttle_read_bps);
  plan_throttle (p, "throttleWriteBpsDevice", "wbps", r->block_io.throttle_write_bps,
                 r->block_io.n_throttle_write_bps);
  plan_throttle (p, "throttleReadIOPSDevice", "riops", r->block_io.throttle_read_iops,
                 r->block_io.n_throttle_read_iops);
  plan_throttle (p, "throttleWriteIOPSDevice", "wiops", r->block_io.throttle_write_iops,
                 r->block_io.n_throttle_write_iops);
  return 0;
}

static int
plan_rest (const struct oci_resources *r, struct cg_plan *p, nook_error_t *err)
{
  if (r->pids.limit.set)
    plan_add (p, "linux.resources.pids.limit", xstrdup ("pids.max"),
              r->pids.limit.v > 0 ? max_or (r->pids.limit.v) : xstrdup ("max"));
  for (size_t i = 0; i < r->n_hugepage_limits; i++)
    plan_add (p, "linux.resources.hugepageLimits",
              xasprintf ("hugetlb.%s.max", r->hugepage_limits[i].page_size),
              xasprintf ("%llu", (unsigned long long)r->hugepage_limits[i].limit));
  for (size_t i = 0; i < r->n_rdma; i++)
    plan_add (p, "linux.resources.rdma", xstrdup ("rdma.max"),
              xasprintf ("%s hca_handle=%llu hca_object=%llu", r->rdma[i].device,
                         (unsigned long long)r->rdma[i].hca_handles.v,
                         (unsigned long long)r->rdma[i].hca_objects.v));
  if (r->network.class_id.set)
    return unsupported ("network.classID", err);
  if (r->network.n_priorities)
    return unsupported ("network.priorities", err);
  for (size_t i = 0; r->unified && r->unified[i]; i++)
    {
      const char *eq = strchr (r->unified[i], '=');
      _cleanup_free_ char *key = xstrndup (r->unified[i], (size_t)(eq - r->unified[i]));
      if (strchr (key, '/') || key[0] == '.' || strchr (key, '.') == NULL
          || str_has_prefix (key, "cgroup."))
        return nook_error (err, 0, "config.json: field `linux.resources.unified`: invalid key `%s`",
                           key);
      plan_add (p, "linux.resources.unified", steal_pointer (&key), xstrdup (eq + 1));
    }
  return 0;
}

/* The v2 hierarchy's mount: /sys/fs/cgroup, or /sys/fs/cgroup/unified
   on a hybrid machine; NULL when there is none.  */
static const char *
v2_mount (void)
{
  static const char *const where[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" };
  struct statfs s;
  for (size_t i = 0; i < NOOK_ARRAY_SIZE (where); i++)
    if (statfs (where[i], &s) == 0 && s.f_type == CGROUP2_SUPER_MAGIC)
      return where[i];
  return NULL;
}

/* Our own v2 cgroup ("/user.slice/..."), from /proc/self/cgroup.  */
static int
own_cgroup (char **out, nook_error_t *err)
{
  _cleanup_free_ char *text = NULL;
  size_t len;
  char *line, *save = NULL;

  if (nook_read_file_at (AT_FDCWD, "/proc/self/cgroup", 1 << 16, &text, &len, err) < 0)
    return -1;
  for (line = strtok_r (text, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    if (str_has_prefix (line, "0::"))
      {
        *out = xstrdup (line + 3);
        return 0;
      }
  return nook_error (err, 0, "no cgroup v2 entry in /proc/self/cgroup");
}

static int
target_path (const struct oci_spec *spec, const char *id, const char *mnt, char **out,
             nook_error_t *err)
{
  const char *cp = spec->cgroups_path;
  _cleanup_free_ char *own = NULL;

  if (cp && *cp != '/' && strchr (cp, ':'))
    return nook_error (err, 0,
                       "config.json: field `linux.cgroupsPath`: systemd cgroup paths "
                       "(`slice:prefix:name`) are not supported: `%s`",
                       cp);
  if (cp
      && (strstr (cp, "/../") || str_has_prefix (cp, "../") || str_has_suffix (cp, "/..")
          || strcmp (cp, "..") == 0))
    return nook_error (err, 0, "config.json: field `linux.cgroupsPath`: `..` in `%s`", cp);
  if (cp && *cp == '/')
    {
      *out = xasprintf ("%s%s", mnt, cp);
      return 0;
    }
  if (own_cgroup (&own, err) < 0)
    return -1;
  *out = xasprintf ("%s%s/%s", mnt, strcmp (own, "/") == 0 ? "" : own, cp ? cp : id);
  return 0;
}

/* Every controller the writes need is in PARENT's cgroup.controllers.  */
static int
check_controllers (const struct cg_plan *p, const char *parent, char ***ctrls, nook_error_t *err)
{
  _cleanup_free_ char *path = xasprintf ("%s/cgroup.controllers", parent);
  _cleanup_free_ char *text = NULL;
  size_t len;
  nook_error_t e2 = NULL;

  if (nook_read_file_at (AT_FDCWD, path, 4096, &text, &len, &e2) < 0)
    nook_error_free (&e2);
  for (size_t i = 0; i < p->n; i++)
    {
      _cleanup_free_ char *c = xstrndup (p->w[i].file, strcspn (p->w[i].file, "."));
      _cleanup_free_ char *spaced = xasprintf (" %s ", c);
      _cleanup_free_ char *have = xasprintf (" %s ", text ? text : "");
      for (char *s = have; *s; s++)
        if (*s == '\n')
          *s = ' ';
      if (strstr (have, spaced) == NULL)
        return nook_error (err, 0,
                           "config.json: field `%s` needs the cgroup v2 `%s` controller, which is "
                           "not available in `%s` (a cgroup v1 or hybrid machine, or a subtree "
                           "without delegation of it)",
                           p->w[i].field, c, parent);
      if (*ctrls == NULL || !strv_contains (*ctrls, c))
        strv_push (ctrls, xstrdup (c));
    }
  return 0;
}

static int
write_to (const char *dir, const char *file, const char *value, nook_error_t *err)
{
  _cleanup_free_ char *path = xasprintf ("%s/%s", dir, file);
  _cleanup_close_ int fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write (fd, value, strlen (value)) < 0)
    return nook_error (err, errno, "write `%s` to `%s`", value, path);
  return 0;
}

/* mkdir TARGET and the missing directories above it, below MNT.  */
static int
make_cgroup (const char *mnt, const char *target, nook_error_t *err)
{
  _cleanup_free_ char *p = xstrdup (target);
  for (char *s = p + strlen (mnt) + 1; (s = strchr (s, '/')) != NULL; s++)
    {
      *s = '\0';
      if (mkdir (p, 0755) < 0 && errno != EEXIST)
        return nook_error (err, errno, "create cgroup `%s`", p);
      *s = '/';
    }
  if (mkdir (p, 0755) < 0 && errno != EEXIST)
    return nook_error (err, errno, "create cgroup `%s`", p);
  return 0;
}

static int
plan_resources (const struct oci_spec *spec, struct cg_plan *p, nook_error_t *err)
{
  const struct oci_resources *r = &spec->resources;

  if (!spec->has_resources)
    return 0;
  if (r->n_devices)
    nook_warn ("config.json: `linux.resources.devices` rules are not enforced by a cgroup "
               "(cgroup v2 needs an eBPF device program); the container's /dev has only the "
               "devices the spec lists");
  return plan_memory (r, p, err) < 0 || plan_cpu (r, p, err) < 0 || plan_io (r, p, err) < 0
                 || plan_rest (r, p, err) < 0
             ? -1
             : 0;
}

/* The deepest cgroup above TARGET that exists already (MNT at worst):
   where the controllers must be offered, and enabled down from.  */
static char *
existing_ancestor (const char *mnt, const char *target)
{
  char *p = xstrdup (target);
  char *slash;

  while ((slash = strrchr (p, '/')) != NULL && (size_t)(slash - p) > strlen (mnt))
    {
      *slash = '\0';
      if (access (p, F_OK) == 0)
        return p;
    }
  free (p);
  return xstrdup (mnt);
}

/* Enable CTRLS in the subtree_control of FROM and of every cgroup
   between it and TARGET, then write the limits.  */
static int
apply (const char *from, const char *target, const struct cg_plan *p, char **ctrls,
       nook_error_t *err)
{
  _cleanup_free_ char *dir = xstrdup (target);

  for (char *s = dir + strlen (from); s && ctrls && ctrls[0]; s = strchr (s + 1, '/'))
    {
      char c = *s;
      *s = '\0';
      for (size_t i = 0; ctrls[i]; i++)
        {
          _cleanup_free_ char *plus = xasprintf ("+%s", ctrls[i]);
          if (write_to (dir, "cgroup.subtree_control", plus, err) < 0)
            {
              *s = c;
              return nook_error_prefix (err, "enable the `%s` controller", ctrls[i]);
            }
        }
      *s = c;
    }
  for (size_t i = 0; i < p->n; i++)
    if (write_to (target, p->w[i].file, p->w[i].value, err) < 0)
      return nook_error_prefix (err, "config.json: field `%s`", p->w[i].field);
  return 0;
}

int
runtime_cgroup_prepare (const struct oci_spec *spec, const char *id, struct runtime_cgroup *cg,
                        nook_error_t *err)
{
  struct cg_plan p = { 0 };
  const char *mnt;
  _cleanup_free_ char *target = NULL, *parent = NULL;
  char **ctrls = NULL;
  int ret = -1;

  cg->path = NULL;
  cg->fd = -1;
  if (plan_resources (spec, &p, err) < 0)
    goto out;
  ret = 0;
  if (spec->cgroups_path == NULL && p.n == 0)
    goto out;
  mnt = v2_mount ();
  if (mnt == NULL)
    {
      if (p.n)
        ret = nook_error (err, 0,
                          "config.json: field `%s` needs cgroup v2, which is not mounted "
                          "(cgroup v1 is not supported)",
                          p.w[0].field);
      else
        nook_warn ("config.json: `linux.cgroupsPath` ignored: no cgroup v2 hierarchy");
      goto out;
    }
  ret = -1;
  if (target_path (spec, id, mnt, &target, err) < 0)
    goto out;
  parent = existing_ancestor (mnt, target);
  if (check_controllers (&p, parent, &ctrls, err) < 0)
    goto out;
  if (make_cgroup (mnt, target, err) < 0)
    {
      if (p.n || ((*err)->errnum != EACCES && (*err)->errnum != EPERM && (*err)->errnum != EROFS))
        goto out;
      nook_warn ("config.json: `linux.cgroupsPath` ignored: %s (no delegated cgroup here)",
                 (*err)->msg);
      nook_error_free (err);
      ret = 0;
      goto out;
    }
  cg->path = xstrdup (target);
  if (apply (parent, target, &p, ctrls, err) < 0)
    goto out;
  cg->fd = open (target, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cg->fd < 0)
    {
      nook_error (err, errno, "open cgroup `%s`", target);
      goto out;
    }
  nook_debug ("runtime: cgroup %s", target);
  ret = 0;
out:
  if (ret < 0 && cg->path)
    runtime_cgroup_release (cg, true);
  strv_free (ctrls);
  plan_free (&p);
  return ret;
}

void
runtime_cgroup_release (struct runtime_cgroup *cg, bool remove)
{
  if (cg->fd >= 0)
    close (cg->fd);
  cg->fd = -1;
  if (remove && cg->path)
    rmdir (cg->path);
  free (cg->path);
  cg->path = NULL;
}

int
runtime_cgroup_record (const char *dir, const struct runtime_cgroup *cg, nook_error_t *err)
{
  _cleanup_free_ char *path = xasprintf ("%s/cgroup", dir);

  if (cg->path == NULL)
    return 0;
  return nook_write_file_atomic (AT_FDCWD, path, cg->path, strlen (cg->path), 0600, err);
}

/* `delete`: the cgroup create made, once its processes are gone (they
   may take a moment to leave it after SIGKILL).  */
static void
cgroup_remove (const char *dir)
{
  _cleanup_free_ char *path = xasprintf ("%s/cgroup", dir), *cg = NULL;
  nook_error_t err = NULL;
  size_t len;

  if (nook_read_file_at (AT_FDCWD, path, 4096, &cg, &len, &err) < 0)
    {
      nook_error_free (&err);
      return;
    }
  for (int i = 0; i < 200 && rmdir (cg) < 0 && errno == EBUSY; i++)
    usleep (5000);
}

void
runtime_after_delete (const char *root, const struct runtime_state *st)
{
  _cleanup_free_ char *dir = xasprintf ("%s/%s", root, st->id);

  cgroup_remove (dir);
  runtime_hooks_after (st, OCI_HOOK_POSTSTOP);
}
