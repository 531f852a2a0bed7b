/* config.json's `linux`: namespaces, id mappings, paths, devices,
   sysctl, personality; seccomp and resources have files of their own.  */
#include "oci/internal.h"

#include <string.h>
#include <sys/personality.h>

#ifndef FDPIC_FUNCPTRS
#define FDPIC_FUNCPTRS 0x0080000
#endif

static int
parse_idmaps (const nook_json *arr, const char *field, struct oci_idmap **out, size_t *n,
              nook_error_t *err)
{
  static const char *const known[] = { "containerID", "hostID", "size", NULL };
  *out = xzalloc (sizeof (**out) * (json_len (arr) + 1));
  for (size_t i = 0; i < json_len (arr); i++)
    {
      nook_json *m = json_at (arr, i);
      struct oci_idmap *o = &(*out)[i];
      if (!json_is_object (m) || oci_check_keys (m, field, known, err) < 0
          || oci_get_u32 (m, "containerID", field, true, &o->container_id, err) < 0
          || oci_get_u32 (m, "hostID", field, true, &o->host_id, err) < 0
          || oci_get_u32 (m, "size", field, true, &o->size, err) < 0)
        return *err ? -1 : nook_error (err, 0, "field `%s` is not an object", field);
      (*n)++;
    }
  return 0;
}

static int
parse_namespaces (struct oci_spec *s, const nook_json *arr, nook_error_t *err)
{
  static const char *const known[] = { "type", "path", NULL };
  static const char *const types[]
      = { "pid", "network", "mount", "ipc", "uts", "user", "cgroup", NULL };
  s->namespaces = xzalloc (sizeof (*s->namespaces) * (json_len (arr) + 1));
  for (size_t i = 0; i < json_len (arr); i++)
    {
      nook_json *n = json_at (arr, i);
      const char *type = NULL, *path = NULL;
      if (!json_is_object (n) || oci_check_keys (n, "linux.namespaces[]", known, err) < 0
          || json_get_str (n, "type", "linux.namespaces[].type", true, &type, err) < 0
          || json_get_str (n, "path", "linux.namespaces[].path", false, &path, err) < 0)
        return *err ? -1 : nook_error (err, 0, "field `linux.namespaces[%zu]` is invalid", i);
      if (!strv_contains ((char *const *)types, type))
        return nook_error (err, 0, "field `linux.namespaces[].type`: unknown namespace type `%s`",
                           type);
      if (oci_spec_namespace (s, type))
        return nook_error (err, 0, "field `linux.namespaces`: namespace `%s` listed twice", type);
      s->namespaces[s->n_namespaces].type = xstrdup (type);
      s->namespaces[s->n_namespaces].path = path && *path ? xstrdup (path) : NULL;
      s->n_namespaces++;
    }
  return 0;
}

static int
parse_device (struct oci_device *d, const nook_json *j, const char *field, nook_error_t *err)
{
  static const char *const known[]
      = { "path", "type", "major", "minor", "fileMode", "uid", "gid", NULL };
  _cleanup_free_ char *fp = oci_subfield (field, "path"), *ft = oci_subfield (field, "type"),
                      *fmaj = oci_subfield (field, "major"), *fmin = oci_subfield (field, "minor"),
                      *fm = oci_subfield (field, "fileMode"), *fu = oci_subfield (field, "uid"),
                      *fg = oci_subfield (field, "gid");
  struct oci_int major = { 0 }, minor = { 0 };

  if (!json_is_object (j))
    return nook_error (err, 0, "field `%s` is not an object", field);
  if (oci_check_keys (j, field, known, err) < 0
      || oci_get_dup (j, "path", fp, true, &d->path, err) < 0
      || oci_get_dup (j, "type", ft, true, &d->type, err) < 0
      || oci_get_opt_int (j, "major", fmaj, 0, UINT32_MAX, &major, err) < 0
      || oci_get_opt_int (j, "minor", fmin, 0, UINT32_MAX, &minor, err) < 0
      || oci_get_opt_uint (j, "fileMode", fm, 07777, &d->file_mode, err) < 0
      || oci_get_opt_uint (j, "uid", fu, UINT32_MAX, &d->uid, err) < 0
      || oci_get_opt_uint (j, "gid", fg, UINT32_MAX, &d->gid, err) < 0)
    return -1;
  if (d->path[0] != '/')
    return nook_error (err, 0, "field `%s`: `%s` is not an absolute path", fp, d->path);
  if (strcmp (d->type, "c") && strcmp (d->type, "b") && strcmp (d->type, "u")
      && strcmp (d->type, "p"))
    return nook_error (err, 0, "field `%s`: `%s` is not c, b, u or p", ft, d->type);
  /* A fifo has no numbers; every other node needs both.  */
  if (strcmp (d->type, "p") != 0 && (!major.set || !minor.set))
    return nook_error (err, 0, "missing field `%s`", major.set ? fmin : fmaj);
  d->major = major.v;
  d->minor = minor.v;
  return 0;
}

static int
parse_devices (struct oci_spec *s, const nook_json *l, nook_error_t *err)
{
  nook_json *arr = NULL;

  if (json_get_array (l, "devices", "linux.devices", false, &arr, err) < 0)
    return -1;
  s->devices = xzalloc (sizeof (*s->devices) * (json_len (arr) + 1));
  for (size_t i = 0; i < json_len (arr); i++)
    {
      _cleanup_free_ char *f = xasprintf ("linux.devices[%zu]", i);
      s->n_devices++;
      if (parse_device (&s->devices[i], json_at (arr, i), f, err) < 0)
        return -1;
    }
  return 0;
}

static const struct
{
  const char *name;
  unsigned long value;
} personality_table[] = {
  { "LINUX", PER_LINUX },
  { "LINUX32", PER_LINUX32 },
  { "ADDR_NO_RANDOMIZE", ADDR_NO_RANDOMIZE },
  { "ADDR_COMPAT_LAYOUT", ADDR_COMPAT_LAYOUT },
  { "ADDR_LIMIT_32BIT", ADDR_LIMIT_32BIT },
  { "ADDR_LIMIT_3GB", ADDR_LIMIT_3GB },
  { "FDPIC_FUNCPTRS", FDPIC_FUNCPTRS },
  { "MMAP_PAGE_ZERO", MMAP_PAGE_ZERO },
  { "READ_IMPLIES_EXEC", READ_IMPLIES_EXEC },
  { "SHORT_INODE", SHORT_INODE },
  { "STICKY_TIMEOUTS", STICKY_TIMEOUTS },
  { "UNAME26", UNAME26 },
  { "WHOLE_SECONDS", WHOLE_SECONDS },
};

static bool
personality_value (const char *name, bool domain, unsigned long *v)
{
  /* The first two are the domains, the rest the flags.  */
  for (size_t i = domain ? 0 : 2; i < (domain ? 2 : NOOK_ARRAY_SIZE (personality_table)); i++)
    if (strcmp (name, personality_table[i].name) == 0)
      {
        *v |= personality_table[i].value;
        return true;
      }
  return false;
}

int
oci_personality (const struct oci_spec *s, unsigned long *out, nook_error_t *err)
{
  *out = 0;
  if (!personality_value (s->personality_domain, true, out))
    return nook_error (err, 0, "field `linux.personality.domain`: unknown domain `%s`",
                       s->personality_domain);
  for (size_t i = 0; s->personality_flags && s->personality_flags[i]; i++)
    if (!personality_value (s->personality_flags[i], false, out))
      return nook_error (err, 0, "field `linux.personality.flags[%zu]`: unknown flag `%s`", i,
                         s->personality_flags[i]);
  return 0;
}

static int
parse_personality (struct oci_spec *s, const nook_json *l, nook_error_t *err)
{
  static const char *const known[] = { "domain", "flags", NULL };
  nook_json *p = NULL;
  unsigned long v;

  if (json_get_object (l, "personality", "linux.personality", false, &p, err) < 0)
    return -1;
  if (p == NULL)
    return 0;
  s->has_personality = true;
  return oci_check_keys (p, "linux.personality", known, err) < 0
                 || oci_get_dup (p, "domain", "linux.personality.domain", true,
                                 &s->personality_domain, err)
                        < 0
                 || json_get_strv (p, "flags", "linux.personality.flags", false,
                                   &s->personality_flags, err)
                        < 0
                 || oci_personality (s, &v, err) < 0
             ? -1
             : 0;
}

static int
check_propagation (const char *prop, nook_error_t *err)
{
  static const char *const known[] = { "private", "rprivate",   "shared",      "rshared", "slave",
                                       "rslave",  "unbindable", "runbindable", NULL };
  if (prop && !strv_contains ((char *const *)known, prop))
    return nook_error (err, 0, "field `linux.rootfsPropagation`: unknown propagation `%s`", prop);
  return 0;
}

/* The members that are only copied.  */
static int
parse_strings (struct oci_spec *s, const nook_json *l, nook_error_t *err)
{
  return json_get_strv (l, "maskedPaths", "linux.maskedPaths", false, &s->masked_paths, err) < 0
                 || json_get_strv (l, "readonlyPaths", "linux.readonlyPaths", false,
                                   &s->readonly_paths, err)
                        < 0
                 || oci_get_dup (l, "rootfsPropagation", "linux.rootfsPropagation", false,
                                 &s->rootfs_propagation, err)
                        < 0
                 || check_propagation (s->rootfs_propagation, err) < 0
                 || oci_get_map (l, "sysctl", "linux.sysctl", &s->sysctl, err) < 0
                 || oci_get_dup (l, "cgroupsPath", "linux.cgroupsPath", false, &s->cgroups_path,
                                 err)
                        < 0
                 || oci_get_dup (l, "mountLabel", "linux.mountLabel", false, &s->mount_label, err)
                        < 0
             ? -1
             : 0;
}

int
oci_parse_linux (struct oci_spec *s, const nook_json *l, nook_error_t *err)
{
  static const char *const known[]
      = { "namespaces",        "uidMappings", "gidMappings", "maskedPaths", "readonlyPaths",
          "rootfsPropagation", "seccomp",     "devices",     "sysctl",      "personality",
          "resources",         "cgroupsPath", "mountLabel",  NULL };
  nook_json *ns = NULL, *um = NULL, *gm = NULL, *sc = NULL, *res = NULL;

  if (oci_check_keys (l, "linux", known, err) < 0
      || json_get_array (l, "namespaces", "linux.namespaces", false, &ns, err) < 0
      || parse_namespaces (s, ns, err) < 0
      || json_get_array (l, "uidMappings", "linux.uidMappings", false, &um, err) < 0
      || parse_idmaps (um, "linux.uidMappings[]", &s->uid_mappings, &s->n_uid_mappings, err) < 0
      || json_get_array (l, "gidMappings", "linux.gidMappings", false, &gm, err) < 0
      || parse_idmaps (gm, "linux.gidMappings[]", &s->gid_mappings, &s->n_gid_mappings, err) < 0
      || parse_strings (s, l, err) < 0 || parse_devices (s, l, err) < 0
      || parse_personality (s, l, err) < 0
      || json_get_object (l, "resources", "linux.resources", false, &res, err) < 0
      || (res && oci_parse_resources (&s->resources, res, err) < 0)
      || json_get_object (l, "seccomp", "linux.seccomp", false, &sc, err) < 0
      || (sc && oci_parse_seccomp (s, sc, err) < 0))
    return -1;
  s->has_resources = res != NULL;
  return 0;
}

/* ---- generation ---- */

static void
gen_idmaps (struct json_gen *g, const char *key, const struct oci_idmap *m, size_t n)
{
  if (n == 0)
    return;
  json_gen_key (g, key);
  json_gen_array_open (g);
  for (size_t i = 0; i < n; i++)
    {
      json_gen_object_open (g);
      json_gen_kv_int (g, "containerID", m[i].container_id);
      json_gen_kv_int (g, "hostID", m[i].host_id);
      json_gen_kv_int (g, "size", m[i].size);
      json_gen_object_close (g);
    }
  json_gen_array_close (g);
}

static void
gen_devices (struct json_gen *g, const struct oci_spec *s)
{
  json_gen_key (g, "devices");
  json_gen_array_open (g);
  for (size_t i = 0; i < s->n_devices; i++)
    {
      const struct oci_device *d = &s->devices[i];
      json_gen_object_open (g);
      json_gen_kv_string (g, "path", d->path);
      json_gen_kv_string (g, "type", d->type);
      if (strcmp (d->type, "p") != 0)
        {
          json_gen_kv_int (g, "major", d->major);
          json_gen_kv_int (g, "minor", d->minor);
        }
      oci_gen_opt_uint (g, "fileMode", d->file_mode);
      oci_gen_opt_uint (g, "uid", d->uid);
      oci_gen_opt_uint (g, "gid", d->gid);
      json_gen_object_close (g);
    }
  json_gen_array_close (g);
}

static void
gen_personality (struct json_gen *g, const struct oci_spec *s)
{
  json_gen_key (g, "personality");
  json_gen_object_open (g);
  json_gen_kv_string (g, "domain", s->personality_domain);
  if (s->personality_flags)
    json_gen_kv_strv (g, "flags", s->personality_flags);
  json_gen_object_close (g);
}

void
oci_gen_linux (struct json_gen *g, const struct oci_spec *s)
{
  json_gen_key (g, "linux");
  json_gen_object_open (g);
  json_gen_key (g, "namespaces");
  json_gen_array_open (g);
  for (size_t i = 0; i < s->n_namespaces; i++)
    {
      json_gen_object_open (g);
      json_gen_kv_string (g, "type", s->namespaces[i].type);
      if (s->namespaces[i].path)
        json_gen_kv_string (g, "path", s->namespaces[i].path);
      json_gen_object_close (g);
    }
  json_gen_array_close (g);
  gen_idmaps (g, "uidMappings", s->uid_mappings, s->n_uid_mappings);
  gen_idmaps (g, "gidMappings", s->gid_mappings, s->n_gid_mappings);
  if (s->masked_paths)
    json_gen_kv_strv (g, "maskedPaths", s->masked_paths);
  if (s->readonly_paths)
    json_gen_kv_strv (g, "readonlyPaths", s->readonly_paths);
  oci_gen_opt_str (g, "rootfsPropagation", s->rootfs_propagation);
  if (s->n_devices)
    gen_devices (g, s);
  oci_gen_map (g, "sysctl", s->sysctl);
  if (s->has_personality)
    gen_personality (g, s);
  if (s->has_resources)
    oci_gen_resources (g, &s->resources);
  oci_gen_opt_str (g, "cgroupsPath", s->cgroups_path);
  oci_gen_opt_str (g, "mountLabel", s->mount_label);
  if (s->seccomp)
    oci_gen_seccomp (g, s->seccomp);
  json_gen_object_close (g);
}

void
oci_free_linux (struct oci_spec *s)
{
  for (size_t i = 0; i < s->n_namespaces; i++)
    {
      free (s->namespaces[i].type);
      free (s->namespaces[i].path);
    }
  free (s->namespaces);
  free (s->uid_mappings);
  free (s->gid_mappings);
  strv_free (s->masked_paths);
  strv_free (s->readonly_paths);
  free (s->rootfs_propagation);
  for (size_t i = 0; i < s->n_devices; i++)
    {
      free (s->devices[i].path);
      free (s->devices[i].type);
    }
  free (s->devices);
  strv_free (s->sysctl);
  free (s->personality_domain);
  strv_free (s->personality_flags);
  oci_free_resources (&s->resources);
  free (s->cgroups_path);
  free (s->mount_label);
  oci_seccomp_free (s->seccomp);
}
