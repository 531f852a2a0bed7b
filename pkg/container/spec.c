/* The OCI spec for a container, as Podman writes it for a rootless one.
   The user is resolved in the container's own /etc/passwd and /etc/group,
   read from the mounted rootfs with every path confined to it.  */
#include "container/internal.h"

#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#define ETC_FILE_MAX (16 << 20)

const char *const container_default_caps[]
    = { "CAP_CHOWN",   "CAP_DAC_OVERRIDE",     "CAP_FOWNER",     "CAP_FSETID",
        "CAP_KILL",    "CAP_NET_BIND_SERVICE", "CAP_SETFCAP",    "CAP_SETGID",
        "CAP_SETPCAP", "CAP_SETUID",           "CAP_SYS_CHROOT", NULL };
static const char *const masked[]
    = { "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
        "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/fs/selinux",
        "/sys/dev/block",
        /* Podman masks it from 4.8 on (RAPL power readings, CVE-2020-8694).  */
        "/sys/devices/virtual/powercap", NULL };
static const char *const readonly[]
    = { "/proc/asound", "/proc/bus",           "/proc/fs", "/proc/irq",
        "/proc/sys",    "/proc/sysrq-trigger", NULL };

/* Read a file of the container, or *OUT = NULL when there is none.  */
static int
read_etc (int rootfd, const char *path, char **out, nook_error_t *err)
{
  _cleanup_close_ int fd = -1;
  struct stat st;
  char fdpath[64];

  *out = NULL;
  fd = nook_open_in_root (rootfd, path, O_RDONLY | O_NONBLOCK, NOOK_INROOT_NONE, err);
  if (fd < 0)
    {
      if ((*err)->errnum != ENOENT && (*err)->errnum != ENOTDIR)
        return -1;
      nook_error_free (err);
      return 0;
    }
  /* A fifo or device here would hang or flood us.  */
  if (fstat (fd, &st) < 0 || !S_ISREG (st.st_mode))
    return 0;
  snprintf (fdpath, sizeof (fdpath), "/proc/self/fd/%d", fd);
  return nook_read_file_at (AT_FDCWD, fdpath, ETC_FILE_MAX, out, NULL, err);
}

/* Field N (0-based) of a colon-separated line, copied.  */
static char *
field (const char *line, int n)
{
  const char *p = line, *end;
  for (int i = 0; i < n && p; i++)
    {
      p = strchr (p, ':');
      if (p)
        p++;
    }
  if (p == NULL)
    return NULL;
  end = strchr (p, ':');
  return end ? xstrndup (p, (size_t)(end - p)) : xstrdup (p);
}

/* The line of TEXT whose field KEY_FIELD (0: name, 2: id) equals KEY.  */
static char *
find_line (const char *text, int key_field, const char *key)
{
  for (const char *p = text; p && *p;)
    {
      const char *nl = strchr (p, '\n');
      _cleanup_free_ char *line = nl ? xstrndup (p, (size_t)(nl - p)) : xstrdup (p);
      _cleanup_free_ char *k = field (line, key_field);
      if (line[0] != '#' && k && strcmp (k, key) == 0)
        return steal_pointer (&line);
      p = nl ? nl + 1 : NULL;
    }
  return NULL;
}

static bool
parse_id (const char *s, uint32_t *out)
{
  int64_t v;
  if (!str_to_int64 (s, &v) || v < 0 || v > UINT32_MAX - 1)
    return false;
  *out = (uint32_t)v;
  return true;
}

static int
resolve_group (const char *group_text, const char *group, uint32_t *gid, nook_error_t *err)
{
  _cleanup_free_ char *line = NULL, *g = NULL;

  if (parse_id (group, gid))
    return 0;
  line = group_text ? find_line (group_text, 0, group) : NULL;
  if (line == NULL || (g = field (line, 2)) == NULL || !parse_id (g, gid))
    {
      nook_error (err, 0, "unable to find group %s: no matching entries in group file", group);
      return nook_error_exit (err, 126);
    }
  return 0;
}

int
container_resolve_user (int rootfd, const char *spec, struct resolved_user *u, nook_error_t *err)
{
  _cleanup_free_ char *passwd = NULL, *group = NULL, *line = NULL;
  _cleanup_free_ char *user = xstrdup (spec);
  char *colon = strchr (user, ':');
  bool numeric;

  memset (u, 0, sizeof (*u));
  if (colon)
    *colon = '\0';
  if (read_etc (rootfd, "/etc/passwd", &passwd, err) < 0
      || read_etc (rootfd, "/etc/group", &group, err) < 0)
    return -1;
  numeric = user[0] == '\0' || parse_id (user, &u->uid);
  if (user[0] == '\0')
    u->uid = 0;
  if (passwd)
    {
      char key[16];
      snprintf (key, sizeof (key), "%u", u->uid);
      line = numeric ? find_line (passwd, 2, key) : find_line (passwd, 0, user);
    }
  if (line == NULL && !numeric)
    {
      nook_error (err, 0, "unable to find user %s: no matching entries in passwd file", user);
      return nook_error_exit (err, 126);
    }
  if (line)
    {
      _cleanup_free_ char *uid = field (line, 2), *gid = field (line, 3);
      if (!uid || !gid || !parse_id (uid, &u->uid) || !parse_id (gid, &u->gid))
        return nook_error (err, 0, "invalid /etc/passwd entry for user %s", user);
      u->home = field (line, 5);
      u->name = field (line, 0);
    }
  if (colon && resolve_group (group, colon + 1, &u->gid, err) < 0)
    return -1;
  if (u->home == NULL || u->home[0] == '\0')
    {
      free (u->home);
      u->home = xstrdup (u->uid == 0 ? "/root" : "/");
    }
  return 0;
}

/* The groups /etc/group lists USER in, as login would set them.  */
void
container_supplementary_groups (int rootfd, const struct resolved_user *u, struct oci_spec *spec)
{
  nook_error_t err = NULL;
  _cleanup_free_ char *group = NULL;

  spec->additional_gids = xzalloc (sizeof (uint32_t) * 65);
  if (u->uid != 0)
    spec->additional_gids[spec->n_additional_gids++] = u->gid;
  if (u->name == NULL || read_etc (rootfd, "/etc/group", &group, &err) < 0 || group == NULL)
    {
      nook_error_free (&err);
      return;
    }
  for (const char *p = group; *p && spec->n_additional_gids < 64;)
    {
      const char *nl = strchr (p, '\n');
      _cleanup_free_ char *line = nl ? xstrndup (p, (size_t)(nl - p)) : xstrdup (p);
      _cleanup_free_ char *members = field (line, 3), *gid = field (line, 2);
      uint32_t g;
      if (members && gid && parse_id (gid, &g) && g != u->gid)
        for (char *save = NULL, *m = strtok_r (members, ",", &save); m;
             m = strtok_r (NULL, ",", &save))
          if (strcmp (m, u->name) == 0)
            spec->additional_gids[spec->n_additional_gids++] = g;
      p = nl ? nl + 1 : p + strlen (p);
    }
}

static void
default_mounts (struct oci_spec *spec, const struct userns_ids *ids)
{
  static const char *const proc_o[] = { "nosuid", "noexec", "nodev", NULL };
  static const char *const dev_o[] = { "nosuid", "strictatime", "mode=755", "size=65536k", NULL };
  static const char *const pts_o[]
      = { "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5", NULL };
  static const char *const mq_o[] = { "nosuid", "noexec", "nodev", NULL };
  static const char *const sys_o[] = { "nosuid", "noexec", "nodev", "ro", NULL };
  static const char *const shm_o[]
      = { "nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL };
  uint32_t host;

  oci_spec_add_mount (spec, "/proc", "proc", "proc", proc_o);
  oci_spec_add_mount (spec, "/dev", "tmpfs", "tmpfs", dev_o);
  oci_spec_add_mount (spec, "/dev/pts", "devpts", "devpts", pts_o);
  /* gid=5 (tty) only when the namespace maps it.  */
  if (ids == NULL || !userns_to_host (&ids->gids, 5, &host))
    {
      free (spec->mounts[spec->n_mounts - 1].options[5]);
      spec->mounts[spec->n_mounts - 1].options[5] = NULL;
    }
  oci_spec_add_mount (spec, "/dev/mqueue", "mqueue", "mqueue", mq_o);
  oci_spec_add_mount (spec, "/sys", "sysfs", "sysfs", sys_o);
  oci_spec_add_mount (spec, "/dev/shm", "tmpfs", "shm", shm_o);
}

static void
set_env (struct oci_spec *spec, const char *key, const char *value, bool keep)
{
  size_t klen = strlen (key);
  for (size_t i = 0; spec->env[i]; i++)
    if (strncmp (spec->env[i], key, klen) == 0 && spec->env[i][klen] == '=')
      {
        if (keep)
          return;
        free (spec->env[i]);
        spec->env[i] = xasprintf ("%s=%s", key, value);
        return;
      }
  strv_push (&spec->env, xasprintf ("%s=%s", key, value));
}

static void
process_rlimits (struct oci_spec *spec)
{
  static const struct
  {
    const char *name;
    int res;
  } keep[] = { { "RLIMIT_NOFILE", RLIMIT_NOFILE }, { "RLIMIT_NPROC", RLIMIT_NPROC } };
  spec->rlimits = xzalloc (sizeof (*spec->rlimits) * NOOK_ARRAY_SIZE (keep));
  for (size_t i = 0; i < NOOK_ARRAY_SIZE (keep); i++)
    {
      struct rlimit rl;
      if (getrlimit (keep[i].res, &rl) < 0)
        continue;
      /* Raised to what we may: Podman's rootless default.  */
      spec->rlimits[spec->n_rlimits].type = xstrdup (keep[i].name);
      spec->rlimits[spec->n_rlimits].soft = rl.rlim_max;
      spec->rlimits[spec->n_rlimits].hard = rl.rlim_max;
      spec->n_rlimits++;
    }
}

/* The user must exist in the namespace.  With the user alone mapped
   (no subordinate ids) only root does, and setgroups is denied.  */
static int
check_mapped (const struct userns_ids *ids, const struct resolved_user *u, struct oci_spec *spec,
              nook_error_t *err)
{
  uint32_t host;

  if (ids == NULL)
    return 0;
  if (!userns_to_host (&ids->uids, u->uid, &host) || !userns_to_host (&ids->gids, u->gid, &host))
    {
      nook_error (err, 0, "cannot run as uid %u, gid %u: not mapped in the user namespace%s",
                  u->uid, u->gid,
                  ids->single ? " (with no subordinate ids in /etc/subuid and /etc/subgid, only "
                                "root is)"
                              : ": add subordinate ids in /etc/subuid and /etc/subgid");
      return nook_error_exit (err, 126);
    }
  if (ids->single)
    spec->n_additional_gids = 0;
  return 0;
}

/* --group-add: ids as they are, names from the container's /etc/group.  */
static int
group_add (int rootfd, char *const *groups, struct oci_spec *spec, nook_error_t *err)
{
  _cleanup_free_ char *text = NULL;
  size_t n = strv_len (groups);

  if (n == 0)
    return 0;
  if (read_etc (rootfd, "/etc/group", &text, err) < 0)
    return -1;
  spec->additional_gids
      = xrealloc (spec->additional_gids, sizeof (uint32_t) * (spec->n_additional_gids + n));
  for (size_t i = 0; i < n; i++)
    if (resolve_group (text, groups[i], &spec->additional_gids[spec->n_additional_gids++], err) < 0)
      return -1;
  return 0;
}

int
container_spec (const struct container *c, int rootfd, const char *merged,
                const struct userns_ids *ids, const char *seccomp_profile, struct oci_spec *spec,
                nook_error_t *err)
{
  const struct container_config *cfg = &c->cfg;
  struct resolved_user u;
  static const char *const ns[] = { "pid", "network", "ipc", "uts", "mount" };

  memset (spec, 0, sizeof (*spec));
  spec->umask = -1;
  if (container_resolve_user (rootfd, cfg->user, &u, err) < 0)
    return -1;
  spec->oci_version = xstrdup (OCI_VERSION);
  spec->has_process = true;
  spec->uid = u.uid;
  spec->gid = u.gid;
  container_supplementary_groups (rootfd, &u, spec);
  if (check_mapped (ids, &u, spec, err) < 0)
    {
      free (u.home);
      free (u.name);
      oci_spec_free (spec);
      return -1;
    }
  spec->args = strv_dup (cfg->entrypoint);
  for (size_t i = 0; cfg->cmd && cfg->cmd[i]; i++)
    strv_push (&spec->args, xstrdup (cfg->cmd[i]));
  spec->env = strv_dup (cfg->env);
  set_env (spec, "HOSTNAME", cfg->hostname, false);
  set_env (spec, "HOME", u.home, true);
  spec->cwd = xstrdup (cfg->workdir);
  process_rlimits (spec);
  spec->root_path = xstrdup (merged);
  spec->hostname = xstrdup (cfg->hostname);
  default_mounts (spec, ids);
  for (size_t i = 0; i < NOOK_ARRAY_SIZE (ns); i++)
    oci_spec_add_namespace (spec, ns[i], NULL);
  container_userns_apply (&cfg->userns, spec);
  spec->masked_paths = strv_dup ((char *const *)masked);
  spec->readonly_paths = strv_dup ((char *const *)readonly);
  /* The flags, then the profile, whose rules follow the capabilities.  */
  if (container_security_apply (&cfg->sec, u.uid == 0, ids != NULL, spec, err) < 0
      || group_add (rootfd, cfg->sec.group_add, spec, err) < 0
      || container_security_seccomp (&cfg->sec, seccomp_profile, spec, err) < 0)
    {
      free (u.home);
      free (u.name);
      oci_spec_free (spec);
      return -1;
    }
  free (u.home);
  free (u.name);
  return 0;
}
