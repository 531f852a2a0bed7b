/* A container's security settings applied to its OCI spec, as Podman's
   spec generator does (pkg/specgen/generate: security_linux.go,
   config_linux.go, oci.go).  */
#include "container/internal.h"

#include <fnmatch.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

static int
cmp_str (const void *a, const void *b)
{
  return strcmp (*(char *const *)a, *(char *const *)b);
}

static void
sort_strv (char **v)
{
  qsort (v, strv_len (v), sizeof (char *), cmp_str);
}

/* The bounding set, as containers/common's MergeCapabilities.  */
static char **
bounding_set (const struct container_security *s, char *const *all)
{
  char **caps = xzalloc (sizeof (char *));
  char *const *base = (char *const *)container_default_caps;

  if (s->privileged)
    return strv_dup (all);
  if (strv_contains (s->cap_drop, "ALL"))
    {
      for (size_t i = 0; s->cap_add && s->cap_add[i]; i++)
        strv_push (&caps, xstrdup (s->cap_add[i]));
      sort_strv (caps);
      return caps;
    }
  if (strv_contains (s->cap_add, "ALL"))
    base = all;
  for (size_t i = 0; base[i]; i++)
    if (!strv_contains (s->cap_drop, base[i]))
      strv_push (&caps, xstrdup (base[i]));
  for (size_t i = 0; s->cap_add && s->cap_add[i]; i++)
    if (strcmp (s->cap_add[i], "ALL") != 0 && !strv_contains (caps, s->cap_add[i]))
      strv_push (&caps, xstrdup (s->cap_add[i]));
  sort_strv (caps);
  return caps;
}

/* Root gets the bounding set; another user only what --cap-add names,
   in all five sets, so that it keeps them across execve (Podman 4).  */
static void
apply_caps (const struct container_security *s, bool root, struct oci_spec *spec)
{
  _cleanup_strv_ char **all = container_caps_all ();
  char **bounding = bounding_set (s, all);
  char **added = xzalloc (sizeof (char *));
  char *const *want = strv_contains (s->cap_add, "ALL") ? all : s->cap_add;

  for (size_t i = 0; !root && want && want[i]; i++)
    if (strv_contains (bounding, want[i]))
      strv_push (&added, xstrdup (want[i]));
  sort_strv (added);
  strv_free (spec->caps.bounding);
  strv_free (spec->caps.effective);
  strv_free (spec->caps.permitted);
  strv_free (spec->caps.inheritable);
  strv_free (spec->caps.ambient);
  spec->has_caps = true;
  spec->caps.bounding = bounding;
  spec->caps.effective = strv_dup (root ? bounding : added);
  spec->caps.permitted = strv_dup (root ? bounding : added);
  spec->caps.inheritable = strv_dup (root ? (char *[]){ NULL } : added);
  spec->caps.ambient = root ? xzalloc (sizeof (char *)) : added;
  if (root)
    strv_free (added);
}

/* "nofile=SOFT:HARD" (checked at create), -1 as unlimited.  */
static void
apply_ulimits (const struct container_security *s, struct oci_spec *spec)
{
  if (strv_contains (s->ulimits, "host"))
    {
      for (size_t i = 0; i < spec->n_rlimits; i++)
        free (spec->rlimits[i].type);
      free (spec->rlimits);
      spec->rlimits = NULL;
      spec->n_rlimits = 0;
      return;
    }
  for (size_t i = 0; s->ulimits && s->ulimits[i]; i++)
    {
      _cleanup_free_ char *type = xstrdup (s->ulimits[i]);
      char *eq = strchr (type, '='), *colon;
      long long soft, hard;
      size_t k = 0;

      if (eq == NULL || (colon = strchr (eq, ':')) == NULL)
        continue;
      *eq = '\0';
      soft = strtoll (eq + 1, NULL, 10);
      hard = strtoll (colon + 1, NULL, 10);
      for (char *p = type; *p; p++)
        *p = (char)(*p - 'a' + 'A');
      {
        _cleanup_free_ char *name = xasprintf ("RLIMIT_%s", type);
        while (k < spec->n_rlimits && strcmp (spec->rlimits[k].type, name) != 0)
          k++;
        if (k == spec->n_rlimits)
          {
            spec->rlimits = xrealloc (spec->rlimits, sizeof (*spec->rlimits) * (k + 1));
            spec->rlimits[k].type = steal_pointer (&name);
            spec->n_rlimits++;
          }
      }
      spec->rlimits[k].soft = soft < 0 ? UINT64_MAX : (uint64_t)soft;
      spec->rlimits[k].hard = hard < 0 ? UINT64_MAX : (uint64_t)hard;
    }
}

static void
remove_mount (struct oci_spec *spec, const char *dest)
{
  for (size_t i = 0; i < spec->n_mounts; i++)
    if (strcmp (spec->mounts[i].destination, dest) == 0)
      {
        struct oci_mount *m = &spec->mounts[i];
        free (m->destination);
        free (m->type);
        free (m->source);
        strv_free (m->options);
        memmove (m, m + 1, sizeof (*m) * (spec->n_mounts - i - 1));
        spec->n_mounts--;
        i--;
      }
}

/* A mount replacing any other on DEST.  */
static void
put_mount (struct oci_spec *spec, const char *dest, const char *type, const char *source,
           const char *options)
{
  _cleanup_strv_ char **opts = xzalloc (sizeof (char *));
  _cleanup_free_ char *copy = xstrdup (options);
  char *save = NULL;

  for (char *o = strtok_r (copy, ",", &save); o; o = strtok_r (NULL, ",", &save))
    strv_push (&opts, xstrdup (o));
  remove_mount (spec, dest);
  oci_spec_add_mount (spec, dest, type, source, (const char *const *)opts);
}

static bool
has_tmpfs (const struct container_security *s, const char *dest)
{
  size_t len = strlen (dest);
  for (size_t i = 0; s->tmpfs && s->tmpfs[i]; i++)
    if (strncmp (s->tmpfs[i], dest, len) == 0 && s->tmpfs[i][len] == ':')
      return true;
  return false;
}

static void
apply_mounts (const struct container_security *s, struct oci_spec *spec)
{
  static const char *const ro_tmpfs[] = { "/tmp", "/run", "/var/tmp" };

  spec->root_readonly = s->read_only;
  if (s->read_only && s->read_only_tmpfs)
    for (size_t i = 0; i < NOOK_ARRAY_SIZE (ro_tmpfs); i++)
      if (!has_tmpfs (s, ro_tmpfs[i]))
        put_mount (spec, ro_tmpfs[i], "tmpfs", "tmpfs", "rw,rprivate,nosuid,nodev,tmpcopyup");
  for (size_t i = 0; s->tmpfs && s->tmpfs[i]; i++)
    {
      _cleanup_free_ char *dest = xstrdup (s->tmpfs[i]);
      char *colon = strchr (dest, ':');
      if (colon == NULL)
        continue;
      *colon = '\0';
      put_mount (spec, dest, "tmpfs", "tmpfs", colon + 1);
    }
  /* /sys as the host's: writable, in a network namespace of our own.  */
  if (s->privileged)
    put_mount (spec, "/sys", "sysfs", "sysfs", "rprivate,nosuid,noexec,nodev,rw");
}

/* One "src:dst:perm": a bind mount in a user namespace, where mknod is
   not allowed; a node of the same numbers as real root.  */
static int
apply_device (const char *entry, bool rootless, struct oci_spec *spec, nook_error_t *err)
{
  _cleanup_free_ char *src = xstrdup (entry);
  char *dst = strchr (src, ':'), *perm;
  struct stat st;

  if (dst == NULL || (perm = strchr (dst + 1, ':')) == NULL)
    return nook_error (err, 0, "invalid device `%s` in the record", entry);
  *dst++ = '\0';
  *perm++ = '\0';
  if (rootless)
    {
      _cleanup_free_ char *opts
          = xasprintf ("slave,nosuid,noexec,%s,rbind", strchr (perm, 'w') ? "rw" : "ro");
      put_mount (spec, dst, "bind", src, opts);
      return 0;
    }
  if (stat (src, &st) < 0)
    return nook_error (err, errno, "stat %s", src);
  if (!S_ISCHR (st.st_mode) && !S_ISBLK (st.st_mode))
    return nook_error (err, 0, "%s is not a valid device: not a device node", src);
  spec->devices = xrealloc (spec->devices, sizeof (*spec->devices) * (spec->n_devices + 1));
  spec->devices[spec->n_devices] = (struct oci_device){
    .path = xstrdup (dst),
    .type = xstrdup (S_ISCHR (st.st_mode) ? "c" : "b"),
    .major = major (st.st_rdev),
    .minor = minor (st.st_rdev),
    .file_mode = { true, st.st_mode & 07777 },
    .uid = { true, 0 },
    .gid = { true, 0 },
  };
  spec->n_devices++;
  return 0;
}

static bool
is_default_device (const char *entry)
{
  static const char *const devs[]
      = { "/dev/null:", "/dev/zero:",    "/dev/full:", "/dev/random:", "/dev/urandom:", "/dev/tty:",
          "/dev/ptmx:", "/dev/console:", NULL };
  for (size_t i = 0; devs[i]; i++)
    if (str_has_prefix (entry, devs[i]))
      return true;
  return false;
}

static int
apply_devices (const struct container_security *s, bool rootless, struct oci_spec *spec,
               nook_error_t *err)
{
  _cleanup_strv_ char **host = xzalloc (sizeof (char *));

  if (s->privileged)
    container_devices_under ("/dev", "/dev", "rwm", &host);
  /* The runtime makes /dev/null and its kind in every container.  */
  for (size_t i = 0; host[i]; i++)
    if (!is_default_device (host[i]) && apply_device (host[i], rootless, spec, err) < 0)
      return -1;
  for (size_t i = 0; s->devices && s->devices[i]; i++)
    if (apply_device (s->devices[i], rootless, spec, err) < 0)
      return -1;
  return 0;
}

/* Drop from *PATHS those --security-opt unmask names (globs, as Go's
   filepath.Match).  */
static void
unmask_paths (char *const *unmask, char ***paths)
{
  size_t n = 0;

  for (size_t i = 0; *paths && (*paths)[i]; i++)
    {
      bool drop = false;
      for (size_t k = 0; unmask && unmask[k] && !drop; k++)
        drop = fnmatch (unmask[k], (*paths)[i], FNM_PATHNAME) == 0;
      if (drop)
        free ((*paths)[i]);
      else
        (*paths)[n++] = (*paths)[i];
    }
  if (*paths)
    (*paths)[n] = NULL;
}

static void
apply_paths (const struct container_security *s, struct oci_spec *spec)
{
  if (s->privileged || strv_contains (s->unmask, "ALL"))
    {
      strv_free (spec->masked_paths);
      strv_free (spec->readonly_paths);
      spec->masked_paths = NULL;
      spec->readonly_paths = NULL;
    }
  unmask_paths (s->unmask, &spec->masked_paths);
  unmask_paths (s->unmask, &spec->readonly_paths);
  for (size_t i = 0; s->mask && s->mask[i]; i++)
    strv_push (&spec->masked_paths, xstrdup (s->mask[i]));
}

int
container_security_apply (const struct container_security *s, bool root, bool rootless,
                          struct oci_spec *spec, nook_error_t *err)
{
  apply_caps (s, root, spec);
  spec->no_new_privileges = s->no_new_privileges;
  spec->umask = s->umask ? strtol (s->umask, NULL, 8) : 022;
  apply_ulimits (s, spec);
  for (size_t i = 0; s->sysctls && s->sysctls[i]; i++)
    strv_push (&spec->sysctl, xstrdup (s->sysctls[i]));
  apply_mounts (s, spec);
  apply_paths (s, spec);
  return apply_devices (s, rootless, spec, err);
}

int
container_security_seccomp (const struct container_security *s, const char *default_profile,
                            struct oci_spec *spec, nook_error_t *err)
{
  const char *profile = default_profile;

  if (s->seccomp && strcmp (s->seccomp, "unconfined") != 0)
    profile = s->seccomp;
  else if (s->seccomp || s->privileged)
    profile = NULL;
  if (profile == NULL)
    {
      oci_seccomp_free (spec->seccomp);
      spec->seccomp = NULL;
      return 0;
    }
  return container_seccomp_profile (spec, profile, NULL, NULL, err);
}
