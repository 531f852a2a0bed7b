/* linux.seccomp: the schema, checked value by value, and its generation.
   pkg/container reads seccomp profile files with oci_seccomp_check too.  */
#include "oci/internal.h"

#include <string.h>

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

/* FIELD.ACTION_KEY, with the errno at FIELD.ERRNO_KEY when HAS_ERRNO.  */
static int
check_seccomp_action (const char *action, bool has_errno, uint32_t errno_ret, const char *field,
                      const char *action_key, const char *errno_key, nook_error_t *err)
{
  _cleanup_free_ char *fa = oci_subfield (field, action_key), *fe = oci_subfield (field, errno_key);

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
  _cleanup_free_ char *fa = oci_subfield (field, "architectures"),
                      *ff = oci_subfield (field, "flags");

  if (sc->default_action == NULL)
    {
      _cleanup_free_ char *f = oci_subfield (field, "defaultAction");
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
  _cleanup_free_ char *f_index = oci_subfield (field, "index"),
                      *f_value = oci_subfield (field, "value");
  _cleanup_free_ char *f_two = oci_subfield (field, "valueTwo"), *f_op = oci_subfield (field, "op");
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
  _cleanup_free_ char *f_names = oci_subfield (field, "names"),
                      *f_action = oci_subfield (field, "action");
  _cleanup_free_ char *f_errno = oci_subfield (field, "errnoRet"),
                      *f_args = oci_subfield (field, "args");
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

int
oci_parse_seccomp (struct oci_spec *s, const nook_json *j, nook_error_t *err)
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
      _cleanup_free_ char *f = oci_subfield ("linux.seccomp", unsupported[i]);
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

void
oci_gen_seccomp (struct json_gen *g, const struct oci_seccomp *sc)
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
