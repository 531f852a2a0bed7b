/* config.json: parse (strict) and generate.  */
#include "oci/oci.h"

#include <string.h>

/* Fields of the OCI schema this runtime does not implement are errors
   that name them, so nobody believes they took effect.  */
static int
check_fields (const nook_json *obj, const char *field, const char *const *known, nook_error_t *err)
{
  if (json_check_keys (obj, field, known, err) < 0)
    return nook_error_prefix (err, "config.json");
  return 0;
}

static int
get_u32 (const nook_json *obj, const char *key, const char *field, bool required, uint32_t *out,
         nook_error_t *err)
{
  int64_t v = -1;
  if (json_get_int (obj, key, field, required, &v, err) < 0)
    return -1;
  if (v == -1 && !required && json_get (obj, key) == NULL)
    return 0;
  if (v < 0 || v > UINT32_MAX)
    return nook_error (err, 0, "field `%s` out of range", field);
  *out = (uint32_t)v;
  return 0;
}

static int
parse_user (struct oci_spec *s, const nook_json *user, nook_error_t *err)
{
  static const char *const known[] = { "uid", "gid", "umask", "additionalGids", NULL };
  nook_json *gids = NULL;

  if (check_fields (user, "process.user", known, err) < 0
      || get_u32 (user, "uid", "process.user.uid", true, &s->uid, err) < 0
      || get_u32 (user, "gid", "process.user.gid", true, &s->gid, err) < 0
      || json_get_int (user, "umask", "process.user.umask", false, &s->umask, err) < 0
      || json_get_array (user, "additionalGids", "process.user.additionalGids", false, &gids, err)
             < 0)
    return -1;
  s->additional_gids = xzalloc (sizeof (uint32_t) * (json_len (gids) + 1));
  for (size_t i = 0; i < json_len (gids); i++)
    {
      int64_t g;
      if (!json_int (json_at (gids, i), &g) || g < 0 || g > UINT32_MAX)
        return nook_error (err, 0, "field `process.user.additionalGids[%zu]` is not a gid", i);
      s->additional_gids[s->n_additional_gids++] = (uint32_t)g;
    }
  return 0;
}

static int
parse_caps (struct oci_spec *s, const nook_json *caps, nook_error_t *err)
{
  static const char *const known[]
      = { "bounding", "effective", "inheritable", "permitted", "ambient", NULL };
  s->has_caps = true;
  return check_fields (caps, "process.capabilities", known, err) < 0
                 || json_get_strv (caps, "bounding", "process.capabilities.bounding", false,
                                   &s->caps.bounding, err)
                        < 0
                 || json_get_strv (caps, "effective", "process.capabilities.effective", false,
                                   &s->caps.effective, err)
                        < 0
                 || json_get_strv (caps, "inheritable", "process.capabilities.inheritable", false,
                                   &s->caps.inheritable, err)
                        < 0
                 || json_get_strv (caps, "permitted", "process.capabilities.permitted", false,
                                   &s->caps.permitted, err)
                        < 0
                 || json_get_strv (caps, "ambient", "process.capabilities.ambient", false,
                                   &s->caps.ambient, err)
                        < 0
             ? -1
             : 0;
}

static int
parse_rlimits (struct oci_spec *s, const nook_json *arr, nook_error_t *err)
{
  static const char *const known[] = { "type", "soft", "hard", NULL };
  s->rlimits = xzalloc (sizeof (*s->rlimits) * (json_len (arr) + 1));
  for (size_t i = 0; i < json_len (arr); i++)
    {
      nook_json *r = json_at (arr, i);
      const char *type = NULL;
      uint64_t soft = 0, hard = 0;
      if (!json_is_object (r) || check_fields (r, "process.rlimits[]", known, err) < 0
          || json_get_str (r, "type", "process.rlimits[].type", true, &type, err) < 0
          || json_get_uint (r, "soft", "process.rlimits[].soft", true, &soft, err) < 0
          || json_get_uint (r, "hard", "process.rlimits[].hard", true, &hard, err) < 0)
        return *err ? -1 : nook_error (err, 0, "field `process.rlimits[%zu]` is not an object", i);
      s->rlimits[s->n_rlimits].type = xstrdup (type);
      s->rlimits[s->n_rlimits].soft = soft;
      s->rlimits[s->n_rlimits].hard = hard;
      s->n_rlimits++;
    }
  return 0;
}

static int
parse_process (struct oci_spec *s, const nook_json *p, nook_error_t *err)
{
  static const char *const known[]
      = { "terminal",        "user", "args", "env", "cwd", "capabilities", "rlimits",
          "noNewPrivileges", NULL };
  nook_json *user = NULL, *caps = NULL, *rlimits = NULL;
  const char *cwd = NULL;

  s->has_process = true;
  if (check_fields (p, "process", known, err) < 0
      || json_get_bool (p, "terminal", "process.terminal", false, &s->terminal, err) < 0
      || json_get_object (p, "user", "process.user", true, &user, err) < 0
      || parse_user (s, user, err) < 0
      || json_get_strv (p, "args", "process.args", true, &s->args, err) < 0
      || json_get_strv (p, "env", "process.env", false, &s->env, err) < 0
      || json_get_str (p, "cwd", "process.cwd", true, &cwd, err) < 0
      || json_get_object (p, "capabilities", "process.capabilities", false, &caps, err) < 0
      || (caps && parse_caps (s, caps, err) < 0)
      || json_get_array (p, "rlimits", "process.rlimits", false, &rlimits, err) < 0
      || parse_rlimits (s, rlimits, err) < 0
      || json_get_bool (p, "noNewPrivileges", "process.noNewPrivileges", false,
                        &s->no_new_privileges, err)
             < 0)
    return -1;
  if (s->args[0] == NULL)
    return nook_error (err, 0, "config.json: field `process.args` must not be empty");
  if (cwd[0] != '/')
    return nook_error (err, 0, "config.json: field `process.cwd` must be an absolute path");
  if (s->terminal)
    return nook_error (err, 0, "config.json: field `process.terminal` is not supported");
  s->cwd = xstrdup (cwd);
  return 0;
}

static int
parse_mounts (struct oci_spec *s, const nook_json *arr, nook_error_t *err)
{
  static const char *const known[] = { "destination", "type", "source", "options", NULL };
  s->mounts = xzalloc (sizeof (*s->mounts) * (json_len (arr) + 1));
  for (size_t i = 0; i < json_len (arr); i++)
    {
      nook_json *m = json_at (arr, i);
      struct oci_mount *o = &s->mounts[i];
      const char *dest = NULL, *type = NULL, *source = NULL;

      if (!json_is_object (m))
        return nook_error (err, 0, "config.json: field `mounts[%zu]` is not an object", i);
      if (check_fields (m, "mounts[]", known, err) < 0
          || json_get_str (m, "destination", "mounts[].destination", true, &dest, err) < 0
          || json_get_str (m, "type", "mounts[].type", false, &type, err) < 0
          || json_get_str (m, "source", "mounts[].source", false, &source, err) < 0
          || json_get_strv (m, "options", "mounts[].options", false, &o->options, err) < 0)
        return -1;
      s->n_mounts++;
      if (dest[0] != '/')
        return nook_error (err, 0, "config.json: mount destination `%s` is not absolute", dest);
      o->destination = xstrdup (dest);
      o->type = xstrdup (type ? type : "bind");
      o->source = xstrdup (source ? source : "");
    }
  return 0;
}

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
      if (!json_is_object (m) || check_fields (m, field, known, err) < 0
          || get_u32 (m, "containerID", field, true, &o->container_id, err) < 0
          || get_u32 (m, "hostID", field, true, &o->host_id, err) < 0
          || get_u32 (m, "size", field, true, &o->size, err) < 0)
        return *err ? -1 : nook_error (err, 0, "config.json: field `%s` is not an object", field);
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
      if (!json_is_object (n) || check_fields (n, "linux.namespaces[]", known, err) < 0
          || json_get_str (n, "type", "linux.namespaces[].type", true, &type, err) < 0
          || json_get_str (n, "path", "linux.namespaces[].path", false, &path, err) < 0)
        return *err ? -1 : nook_error (err, 0, "config.json: linux.namespaces[%zu] is invalid", i);
      if (!strv_contains ((char *const *)types, type))
        return nook_error (err, 0, "config.json: unknown namespace type `%s`", type);
      if (oci_spec_namespace (s, type))
        return nook_error (err, 0, "config.json: namespace `%s` listed twice", type);
      s->namespaces[s->n_namespaces].type = xstrdup (type);
      s->namespaces[s->n_namespaces].path = path && *path ? xstrdup (path) : NULL;
      s->n_namespaces++;
    }
  return 0;
}

/* ---- linux.seccomp ---- */

static const char *const seccomp_actions[]
    = { "SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
        "SCMP_ACT_TRAP",  "SCMP_ACT_ERRNO",        "SCMP_ACT_TRACE",
        "SCMP_ACT_ALLOW", "SCMP_ACT_LOG",          NULL };
static const char *const seccomp_ops[]
    = { "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",        "SCMP_CMP_EQ",
        "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ", NULL };
static const char *const seccomp_arches[]
    = { "SCMP_ARCH_X86",     "SCMP_ARCH_X86_64",   "SCMP_ARCH_X32",         "SCMP_ARCH_ARM",
        "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS",     "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32",
        "SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
        "SCMP_ARCH_PPC64",   "SCMP_ARCH_PPC64LE",  "SCMP_ARCH_S390",        "SCMP_ARCH_S390X",
        "SCMP_ARCH_PARISC",  "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",     "SCMP_ARCH_LOONGARCH64",
        "SCMP_ARCH_M68K",    "SCMP_ARCH_SH",       "SCMP_ARCH_SHEB",        NULL };
static const char *const seccomp_flags[]
    = { "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
        "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", NULL };

/* The kernel keeps 16 bits of data with SECCOMP_RET_ERRNO and _TRACE.  */
#define SECCOMP_ERRNO_MAX 0xffff

/* FIELD.KEY, for messages; KEY alone when FIELD is "" (the top).  */
static char *
subfield (const char *field, const char *key)
{
  return xasprintf ("%s%s%s", field, *field ? "." : "", key);
}

/* FIELD.ACTION_KEY, with the errno at FIELD.ERRNO_KEY when HAS_ERRNO.  */
static int
check_seccomp_action (const char *action, bool has_errno, uint32_t errno_ret, const char *field,
                      const char *action_key, const char *errno_key, nook_error_t *err)
{
  _cleanup_free_ char *fa = subfield (field, action_key), *fe = subfield (field, errno_key);

  if (strcmp (action, "SCMP_ACT_NOTIFY") == 0)
    return nook_error (err, 0, "seccomp action `%s` in `%s` is not supported", action, fa);
  if (!strv_contains ((char *const *)seccomp_actions, action))
    return nook_error (err, 0, "unknown seccomp action `%s` in `%s`", action, fa);
  if (!has_errno)
    return 0;
  /* The runtime spec: an errno given to an action that returns none is
     an error, not ignored.  */
  if (strcmp (action, "SCMP_ACT_ERRNO") != 0 && strcmp (action, "SCMP_ACT_TRACE") != 0)
    return nook_error (err, 0,
                       "field `%s` is only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not %s", fe,
                       action);
  if (errno_ret > SECCOMP_ERRNO_MAX)
    return nook_error (err, 0, "field `%s` out of range (%u, at most %u)", fe, errno_ret,
                       SECCOMP_ERRNO_MAX);
  return 0;
}

static int
check_seccomp_syscall (const struct oci_seccomp_syscall *sys, const char *field, nook_error_t *err)
{
  if (sys->names == NULL || sys->names[0] == NULL)
    return nook_error (err, 0, "field `%s.names` must not be empty", field);
  for (size_t i = 0; sys->names[i]; i++)
    if (sys->names[i][0] == '\0')
      return nook_error (err, 0, "field `%s.names[%zu]` is an empty syscall name", field, i);
  if (check_seccomp_action (sys->action, sys->has_errno_ret, sys->errno_ret, field, "action",
                            "errnoRet", err)
      < 0)
    return -1;
  for (size_t i = 0; i < sys->n_args; i++)
    {
      if (sys->args[i].index > 5)
        return nook_error (err, 0, "field `%s.args[%zu].index` out of range (%u, at most 5)", field,
                           i, sys->args[i].index);
      if (!strv_contains ((char *const *)seccomp_ops, sys->args[i].op))
        return nook_error (err, 0, "unknown seccomp operator `%s` in `%s.args[%zu].op`",
                           sys->args[i].op, field, i);
    }
  return 0;
}

int
oci_seccomp_check (const struct oci_seccomp *sc, const char *field, nook_error_t *err)
{
  _cleanup_free_ char *fa = subfield (field, "architectures"), *ff = subfield (field, "flags");

  if (sc->default_action == NULL)
    {
      _cleanup_free_ char *f = subfield (field, "defaultAction");
      return nook_error (err, 0, "missing field `%s`", f);
    }
  if (check_seccomp_action (sc->default_action, sc->has_default_errno_ret, sc->default_errno_ret,
                            field, "defaultAction", "defaultErrnoRet", err)
      < 0)
    return -1;
  for (size_t i = 0; sc->architectures && sc->architectures[i]; i++)
    if (!strv_contains ((char *const *)seccomp_arches, sc->architectures[i]))
      return nook_error (err, 0, "unknown seccomp architecture `%s` in `%s`", sc->architectures[i],
                         fa);
  for (size_t i = 0; sc->flags && sc->flags[i]; i++)
    if (!strv_contains ((char *const *)seccomp_flags, sc->flags[i]))
      return nook_error (err, 0, "unknown seccomp flag `%s` in `%s`", sc->flags[i], ff);
  for (size_t i = 0; i < sc->n_syscalls; i++)
    {
      _cleanup_free_ char *f = xasprintf ("%s%ssyscalls[%zu]", field, *field ? "." : "", i);
      if (check_seccomp_syscall (&sc->syscalls[i], f, err) < 0)
        return -1;
    }
  return 0;
}

/* An errno member: *HAS is false when it is absent.  */
static int
get_errno_ret (const nook_json *obj, const char *key, const char *field, bool *has, uint32_t *out,
               nook_error_t *err)
{
  uint64_t v = 0;

  *has = false;
  if (json_get_uint (obj, key, field, false, &v, err) < 0)
    return -1;
  if (json_get (obj, key) == NULL || json_is_null (json_get (obj, key)))
    return 0;
  if (v > UINT32_MAX)
    return nook_error (err, 0, "field `%s` out of range", field);
  *has = true;
  *out = (uint32_t)v;
  return 0;
}

static int
parse_seccomp_arg (struct oci_seccomp_arg *o, const nook_json *a, const char *field,
                   nook_error_t *err)
{
  static const char *const known[] = { "index", "value", "valueTwo", "op", NULL };
  _cleanup_free_ char *f_index = subfield (field, "index"), *f_value = subfield (field, "value");
  _cleanup_free_ char *f_two = subfield (field, "valueTwo"), *f_op = subfield (field, "op");
  const char *op = NULL;
  uint64_t index = 0;

  if (!json_is_object (a))
    return nook_error (err, 0, "field `%s` is not an object", field);
  if (json_check_keys (a, field, known, err) < 0
      || json_get_uint (a, "index", f_index, true, &index, err) < 0
      || json_get_uint (a, "value", f_value, true, &o->value, err) < 0
      || json_get_uint (a, "valueTwo", f_two, false, &o->value_two, err) < 0
      || json_get_str (a, "op", f_op, true, &op, err) < 0)
    return -1;
  if (index > 5)
    return nook_error (err, 0, "field `%s` out of range (%llu, at most 5)", f_index,
                       (unsigned long long)index);
  o->index = (uint32_t)index;
  o->op = xstrdup (op);
  return 0;
}

static int
parse_seccomp_syscall (struct oci_seccomp_syscall *o, const nook_json *r, const char *field,
                       nook_error_t *err)
{
  static const char *const known[] = { "names", "action", "errnoRet", "args", NULL };
  _cleanup_free_ char *f_names = subfield (field, "names"), *f_action = subfield (field, "action");
  _cleanup_free_ char *f_errno = subfield (field, "errnoRet"), *f_args = subfield (field, "args");
  nook_json *args = NULL;
  const char *action = NULL;

  if (!json_is_object (r))
    return nook_error (err, 0, "field `%s` is not an object", field);
  if (json_check_keys (r, field, known, err) < 0
      || json_get_strv (r, "names", f_names, true, &o->names, err) < 0
      || json_get_str (r, "action", f_action, true, &action, err) < 0
      || get_errno_ret (r, "errnoRet", f_errno, &o->has_errno_ret, &o->errno_ret, err) < 0
      || json_get_array (r, "args", f_args, false, &args, err) < 0)
    return -1;
  o->action = xstrdup (action);
  o->args = xzalloc (sizeof (*o->args) * (json_len (args) + 1));
  for (size_t i = 0; i < json_len (args); i++)
    {
      _cleanup_free_ char *f = xasprintf ("%s[%zu]", f_args, i);
      if (parse_seccomp_arg (&o->args[i], json_at (args, i), f, err) < 0)
        return -1;
      o->n_args++;
    }
  return 0;
}

static int
parse_seccomp (struct oci_spec *s, const nook_json *j, nook_error_t *err)
{
  static const char *const known[]
      = { "defaultAction", "defaultErrnoRet",  "architectures", "flags",
          "listenerPath",  "listenerMetadata", "syscalls",      NULL };
  static const char *const unsupported[] = { "listenerPath", "listenerMetadata" };
  struct oci_seccomp *sc = s->seccomp = xzalloc (sizeof (*sc));
  const char *action = NULL;
  nook_json *syscalls = NULL;

  if (json_check_keys (j, "linux.seccomp", known, err) < 0)
    return -1;
  /* No seccomp agent: a filter that would hand syscalls to one cannot be
     honoured.  "" is what generators write for none.  */
  for (size_t i = 0; i < NOOK_ARRAY_SIZE (unsupported); i++)
    {
      _cleanup_free_ char *f = subfield ("linux.seccomp", unsupported[i]);
      const char *v = NULL;
      if (json_get_str (j, unsupported[i], f, false, &v, err) < 0)
        return -1;
      if (v && *v)
        return nook_error (err, 0, "field `%s` is not supported", f);
    }
  if (json_get_str (j, "defaultAction", "linux.seccomp.defaultAction", true, &action, err) < 0
      || get_errno_ret (j, "defaultErrnoRet", "linux.seccomp.defaultErrnoRet",
                        &sc->has_default_errno_ret, &sc->default_errno_ret, err)
             < 0
      || json_get_strv (j, "architectures", "linux.seccomp.architectures", false,
                        &sc->architectures, err)
             < 0
      || json_get_strv (j, "flags", "linux.seccomp.flags", false, &sc->flags, err) < 0
      || json_get_array (j, "syscalls", "linux.seccomp.syscalls", false, &syscalls, err) < 0)
    return -1;
  sc->default_action = xstrdup (action);
  sc->syscalls = xzalloc (sizeof (*sc->syscalls) * (json_len (syscalls) + 1));
  for (size_t i = 0; i < json_len (syscalls); i++)
    {
      _cleanup_free_ char *f = xasprintf ("linux.seccomp.syscalls[%zu]", i);
      sc->n_syscalls++; /* freed whole even if half parsed */
      if (parse_seccomp_syscall (&sc->syscalls[i], json_at (syscalls, i), f, err) < 0)
        return -1;
    }
  return oci_seccomp_check (sc, "linux.seccomp", err);
}

void
oci_seccomp_free (struct oci_seccomp *sc)
{
  if (sc == NULL)
    return;
  free (sc->default_action);
  strv_free (sc->architectures);
  strv_free (sc->flags);
  for (size_t i = 0; i < sc->n_syscalls; i++)
    {
      strv_free (sc->syscalls[i].names);
      free (sc->syscalls[i].action);
      for (size_t k = 0; k < sc->syscalls[i].n_args; k++)
        free (sc->syscalls[i].args[k].op);
      free (sc->syscalls[i].args);
    }
  free (sc->syscalls);
  free (sc);
}

static int
parse_linux (struct oci_spec *s, const nook_json *l, nook_error_t *err)
{
  static const char *const known[]
      = { "namespaces",    "uidMappings",       "gidMappings", "maskedPaths",
          "readonlyPaths", "rootfsPropagation", "seccomp",     NULL };
  nook_json *ns = NULL, *um = NULL, *gm = NULL, *sc = NULL;
  const char *prop = NULL;

  if (check_fields (l, "linux", known, err) < 0
      || json_get_array (l, "namespaces", "linux.namespaces", false, &ns, err) < 0
      || parse_namespaces (s, ns, err) < 0
      || json_get_array (l, "uidMappings", "linux.uidMappings", false, &um, err) < 0
      || parse_idmaps (um, "linux.uidMappings[]", &s->uid_mappings, &s->n_uid_mappings, err) < 0
      || json_get_array (l, "gidMappings", "linux.gidMappings", false, &gm, err) < 0
      || parse_idmaps (gm, "linux.gidMappings[]", &s->gid_mappings, &s->n_gid_mappings, err) < 0
      || json_get_strv (l, "maskedPaths", "linux.maskedPaths", false, &s->masked_paths, err) < 0
      || json_get_strv (l, "readonlyPaths", "linux.readonlyPaths", false, &s->readonly_paths, err)
             < 0
      || json_get_str (l, "rootfsPropagation", "linux.rootfsPropagation", false, &prop, err) < 0
      || json_get_object (l, "seccomp", "linux.seccomp", false, &sc, err) < 0
      || (sc && parse_seccomp (s, sc, err) < 0))
    return -1;
  s->rootfs_propagation = prop ? xstrdup (prop) : NULL;
  return 0;
}

static int
parse_annotations (struct oci_spec *s, const nook_json *a, nook_error_t *err)
{
  for (size_t i = 0; i < json_len (a); i++)
    {
      const char *v = json_str (json_at (a, i));
      if (v == NULL)
        return nook_error (err, 0, "config.json: annotation `%s` is not a string",
                           json_key_at (a, i));
      strv_push (&s->annotations, xasprintf ("%s=%s", json_key_at (a, i), v));
    }
  return 0;
}

int
oci_spec_parse (const char *text, size_t len, struct oci_spec *s, nook_error_t *err)
{
  static const char *const known[]
      = { "ociVersion", "process", "root",        "hostname", "domainname",
          "mounts",     "linux",   "annotations", NULL };
  _cleanup_json_ nook_json *j = NULL;
  nook_json *process = NULL, *root = NULL, *mounts = NULL, *linux_ = NULL, *ann = NULL;
  const char *version = NULL, *path = NULL, *hostname = NULL, *domainname = NULL;
  static const char *const root_known[] = { "path", "readonly", NULL };

  memset (s, 0, sizeof (*s));
  s->umask = -1;
  if (json_parse (text, len, &j, err) < 0)
    return nook_error_prefix (err, "config.json");
  if (!json_is_object (j))
    return nook_error (err, 0, "config.json is not a JSON object");
  if (check_fields (j, "", known, err) < 0
      || json_get_str (j, "ociVersion", "ociVersion", true, &version, err) < 0
      || json_get_object (j, "process", "process", false, &process, err) < 0
      || (process && parse_process (s, process, err) < 0)
      || json_get_object (j, "root", "root", true, &root, err) < 0
      || check_fields (root, "root", root_known, err) < 0
      || json_get_str (root, "path", "root.path", true, &path, err) < 0
      || json_get_bool (root, "readonly", "root.readonly", false, &s->root_readonly, err) < 0
      || json_get_str (j, "hostname", "hostname", false, &hostname, err) < 0
      || json_get_str (j, "domainname", "domainname", false, &domainname, err) < 0
      || json_get_array (j, "mounts", "mounts", false, &mounts, err) < 0
      || parse_mounts (s, mounts, err) < 0
      || json_get_object (j, "linux", "linux", false, &linux_, err) < 0
      || (linux_ && parse_linux (s, linux_, err) < 0)
      || json_get_object (j, "annotations", "annotations", false, &ann, err) < 0
      || parse_annotations (s, ann, err) < 0)
    {
      oci_spec_free (s);
      if (!str_has_prefix ((*err)->msg, "config.json"))
        nook_error_prefix (err, "config.json");
      return -1;
    }
  s->oci_version = xstrdup (version);
  s->root_path = xstrdup (path);
  s->hostname = hostname ? xstrdup (hostname) : NULL;
  s->domainname = domainname ? xstrdup (domainname) : NULL;
  return 0;
}

static void
free_caps (struct oci_caps *c)
{
  strv_free (c->bounding);
  strv_free (c->effective);
  strv_free (c->inheritable);
  strv_free (c->permitted);
  strv_free (c->ambient);
}

void
oci_spec_free (struct oci_spec *s)
{
  free (s->oci_version);
  free (s->additional_gids);
  strv_free (s->args);
  strv_free (s->env);
  free (s->cwd);
  free_caps (&s->caps);
  for (size_t i = 0; i < s->n_rlimits; i++)
    free (s->rlimits[i].type);
  free (s->rlimits);
  free (s->root_path);
  free (s->hostname);
  free (s->domainname);
  for (size_t i = 0; i < s->n_mounts; i++)
    {
      free (s->mounts[i].destination);
      free (s->mounts[i].type);
      free (s->mounts[i].source);
      strv_free (s->mounts[i].options);
    }
  free (s->mounts);
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
  oci_seccomp_free (s->seccomp);
  strv_free (s->annotations);
  memset (s, 0, sizeof (*s));
}

void
oci_spec_add_mount (struct oci_spec *s, const char *dest, const char *type, const char *source,
                    const char *const *options)
{
  struct oci_mount *m;
  s->mounts = xrealloc (s->mounts, sizeof (*s->mounts) * (s->n_mounts + 1));
  m = &s->mounts[s->n_mounts++];
  m->destination = xstrdup (dest);
  m->type = xstrdup (type);
  m->source = xstrdup (source);
  m->options = strv_dup ((char *const *)options);
}

void
oci_spec_add_namespace (struct oci_spec *s, const char *type, const char *path)
{
  s->namespaces = xrealloc (s->namespaces, sizeof (*s->namespaces) * (s->n_namespaces + 1));
  s->namespaces[s->n_namespaces].type = xstrdup (type);
  s->namespaces[s->n_namespaces].path = path ? xstrdup (path) : NULL;
  s->n_namespaces++;
}

const struct oci_namespace *
oci_spec_namespace (const struct oci_spec *s, const char *type)
{
  for (size_t i = 0; i < s->n_namespaces; i++)
    if (strcmp (s->namespaces[i].type, type) == 0)
      return &s->namespaces[i];
  return NULL;
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
gen_process (struct json_gen *g, const struct oci_spec *s)
{
  json_gen_key (g, "process");
  json_gen_object_open (g);
  json_gen_kv_bool (g, "terminal", s->terminal);
  json_gen_key (g, "user");
  json_gen_object_open (g);
  json_gen_kv_int (g, "uid", s->uid);
  json_gen_kv_int (g, "gid", s->gid);
  if (s->umask >= 0)
    json_gen_kv_int (g, "umask", s->umask);
  if (s->n_additional_gids)
    {
      json_gen_key (g, "additionalGids");
      json_gen_array_open (g);
      for (size_t i = 0; i < s->n_additional_gids; i++)
        json_gen_int (g, s->additional_gids[i]);
      json_gen_array_close (g);
    }
  json_gen_object_close (g);
  json_gen_kv_strv (g, "args", s->args);
  json_gen_kv_strv (g, "env", s->env);
  json_gen_kv_string (g, "cwd", s->cwd);
  if (s->has_caps)
    {
      json_gen_key (g, "capabilities");
      json_gen_object_open (g);
      json_gen_kv_strv (g, "bounding", s->caps.bounding);
      json_gen_kv_strv (g, "effective", s->caps.effective);
      json_gen_kv_strv (g, "inheritable", s->caps.inheritable);
      json_gen_kv_strv (g, "permitted", s->caps.permitted);
      json_gen_kv_strv (g, "ambient", s->caps.ambient);
      json_gen_object_close (g);
    }
  if (s->n_rlimits)
    {
      json_gen_key (g, "rlimits");
      json_gen_array_open (g);
      for (size_t i = 0; i < s->n_rlimits; i++)
        {
          json_gen_object_open (g);
          json_gen_kv_string (g, "type", s->rlimits[i].type);
          json_gen_key (g, "soft");
          json_gen_uint (g, s->rlimits[i].soft);
          json_gen_key (g, "hard");
          json_gen_uint (g, s->rlimits[i].hard);
          json_gen_object_close (g);
        }
      json_gen_array_close (g);
    }
  json_gen_kv_bool (g, "noNewPrivileges", s->no_new_privileges);
  json_gen_object_close (g);
}

static void
gen_mounts (struct json_gen *g, const struct oci_spec *s)
{
  json_gen_key (g, "mounts");
  json_gen_array_open (g);
  for (size_t i = 0; i < s->n_mounts; i++)
    {
      json_gen_object_open (g);
      json_gen_kv_string (g, "destination", s->mounts[i].destination);
      json_gen_kv_string (g, "type", s->mounts[i].type);
      json_gen_kv_string (g, "source", s->mounts[i].source);
      if (s->mounts[i].options)
        json_gen_kv_strv (g, "options", s->mounts[i].options);
      json_gen_object_close (g);
    }
  json_gen_array_close (g);
}

static void
gen_seccomp (struct json_gen *g, const struct oci_seccomp *sc)
{
  json_gen_key (g, "seccomp");
  json_gen_object_open (g);
  json_gen_kv_string (g, "defaultAction", sc->default_action);
  if (sc->has_default_errno_ret)
    json_gen_kv_int (g, "defaultErrnoRet", sc->default_errno_ret);
  if (sc->architectures)
    json_gen_kv_strv (g, "architectures", sc->architectures);
  if (sc->flags)
    json_gen_kv_strv (g, "flags", sc->flags);
  json_gen_key (g, "syscalls");
  json_gen_array_open (g);
  for (size_t i = 0; i < sc->n_syscalls; i++)
    {
      const struct oci_seccomp_syscall *sys = &sc->syscalls[i];
      json_gen_object_open (g);
      json_gen_kv_strv (g, "names", sys->names);
      json_gen_kv_string (g, "action", sys->action);
      if (sys->has_errno_ret)
        json_gen_kv_int (g, "errnoRet", sys->errno_ret);
      if (sys->n_args)
        {
          json_gen_key (g, "args");
          json_gen_array_open (g);
          for (size_t k = 0; k < sys->n_args; k++)
            {
              json_gen_object_open (g);
              json_gen_kv_int (g, "index", sys->args[k].index);
              json_gen_key (g, "value");
              json_gen_uint (g, sys->args[k].value);
              if (sys->args[k].value_two)
                {
                  json_gen_key (g, "valueTwo");
                  json_gen_uint (g, sys->args[k].value_two);
                }
              json_gen_kv_string (g, "op", sys->args[k].op);
              json_gen_object_close (g);
            }
          json_gen_array_close (g);
        }
      json_gen_object_close (g);
    }
  json_gen_array_close (g);
  json_gen_object_close (g);
}

static void
gen_linux (struct json_gen *g, const struct oci_spec *s)
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
  if (s->rootfs_propagation)
    json_gen_kv_string (g, "rootfsPropagation", s->rootfs_propagation);
  if (s->seccomp)
    gen_seccomp (g, s->seccomp);
  json_gen_object_close (g);
}

char *
oci_spec_to_json (const struct oci_spec *s, size_t *len)
{
  _cleanup_json_gen_ struct json_gen *g = json_gen_new (true);
  const char *text;

  json_gen_object_open (g);
  json_gen_kv_string (g, "ociVersion", s->oci_version ? s->oci_version : OCI_VERSION);
  if (s->has_process)
    gen_process (g, s);
  json_gen_key (g, "root");
  json_gen_object_open (g);
  json_gen_kv_string (g, "path", s->root_path);
  json_gen_kv_bool (g, "readonly", s->root_readonly);
  json_gen_object_close (g);
  if (s->hostname)
    json_gen_kv_string (g, "hostname", s->hostname);
  if (s->domainname)
    json_gen_kv_string (g, "domainname", s->domainname);
  gen_mounts (g, s);
  gen_linux (g, s);
  if (s->annotations)
    {
      json_gen_key (g, "annotations");
      json_gen_object_open (g);
      for (size_t i = 0; s->annotations[i]; i++)
        {
          const char *eq = strchr (s->annotations[i], '=');
          _cleanup_free_ char *k
              = eq ? xstrndup (s->annotations[i], (size_t)(eq - s->annotations[i]))
                   : xstrdup (s->annotations[i]);
          json_gen_kv_string (g, k, eq ? eq + 1 : "");
        }
      json_gen_object_close (g);
    }
  json_gen_object_close (g);
  text = json_gen_text (g, len);
  return xstrndup (text, *len);
}
