/* The seccomp profile of a container.  nook ships Podman's default
   profile (contrib/seccomp.json, from containers-common) in the format of
   containers/common, which conditions rules on the container: turned into
   the OCI linux.seccomp for one container as containers/common does it
   (pkg/seccomp, setupSeccomp), so that --cap-add keeps the two in step.

   - architectures: "architectures" as given, or, from "archMap", the
     entry for the native architecture with its subArchitectures;
   - a rule is kept unless excludes.arches names the native architecture,
     one of excludes.caps is in the bounding set, or the kernel is at
     least excludes.minKernel; and only if includes.arches (when given)
     names the native architecture, every one of includes.caps is in the
     bounding set, and the kernel is at least includes.minKernel;
   - "name" is a rule's one name (not with "names"); "comment", and
     "errno" and "defaultErrno" (the errnos spelled out for readers), are
     informative.

   A plain OCI profile is read as well.  The file is the user's to
   replace, so it is read strictly: an unknown field or value is an error
   naming it, even in a rule for another architecture.  */
#include "container/internal.h"

#include <fcntl.h>
#include <string.h>
#include <sys/utsname.h>

#define PROFILE_MAX (4 << 20)

struct profile_env
{
  char *const *caps; /* the bounding set */
  const char *arch;  /* Go's name, as libseccomp-golang prints it: amd64 */
  unsigned long kernel[2];
};

/* includes or excludes of a rule.  */
struct rule_filter
{
  char **caps;
  char **arches;
  bool has_min_kernel;
  unsigned long min_kernel[2];
};

static const struct
{
  const char *go;
  const char *scmp;
} arch_names[] = {
  { "x86", "SCMP_ARCH_X86" },
  { "amd64", "SCMP_ARCH_X86_64" },
  { "x32", "SCMP_ARCH_X32" },
  { "arm", "SCMP_ARCH_ARM" },
  { "arm64", "SCMP_ARCH_AARCH64" },
  { "mips", "SCMP_ARCH_MIPS" },
  { "mips64", "SCMP_ARCH_MIPS64" },
  { "mips64n32", "SCMP_ARCH_MIPS64N32" },
  { "mipsel", "SCMP_ARCH_MIPSEL" },
  { "mipsel64", "SCMP_ARCH_MIPSEL64" },
  { "mipsel64n32", "SCMP_ARCH_MIPSEL64N32" },
  { "ppc", "SCMP_ARCH_PPC" },
  { "ppc64", "SCMP_ARCH_PPC64" },
  { "ppc64le", "SCMP_ARCH_PPC64LE" },
  { "s390", "SCMP_ARCH_S390" },
  { "s390x", "SCMP_ARCH_S390X" },
  { "parisc", "SCMP_ARCH_PARISC" },
  { "parisc64", "SCMP_ARCH_PARISC64" },
  { "riscv64", "SCMP_ARCH_RISCV64" },
  { "loong64", "SCMP_ARCH_LOONGARCH64" },
};

/* The architecture nook runs as: the one the container's syscalls are
   made for, as libseccomp's seccomp_arch_native () would say.  */
static const char *
native_arch (void)
{
#if defined(__x86_64__) && defined(__ILP32__)
  return "x32";
#elif defined(__x86_64__)
  return "amd64";
#elif defined(__i386__)
  return "x86";
#elif defined(__aarch64__)
  return "arm64";
#elif defined(__arm__)
  return "arm";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  return "ppc64le";
#elif defined(__powerpc64__)
  return "ppc64";
#elif defined(__powerpc__)
  return "ppc";
#elif defined(__s390x__)
  return "s390x";
#elif defined(__s390__)
  return "s390";
#elif defined(__riscv) && __riscv_xlen == 64
  return "riscv64";
#elif defined(__loongarch64)
  return "loong64";
#elif defined(__mips__) && defined(_ABI64) && _MIPS_SIM == _ABI64
  return __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? "mipsel64" : "mips64";
#elif defined(__mips__) && defined(_ABIN32) && _MIPS_SIM == _ABIN32
  return __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? "mipsel64n32" : "mips64n32";
#elif defined(__mips__)
  return __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? "mipsel" : "mips";
#else
  return "unknown";
#endif
}

static const char *
scmp_arch (const char *go)
{
  for (size_t i = 0; i < NOOK_ARRAY_SIZE (arch_names); i++)
    if (strcmp (go, arch_names[i].go) == 0)
      return arch_names[i].scmp;
  return NULL;
}

/* "MAJOR.MINOR"; with LOOSE anything may follow, as in uname's
   "6.1.0-13-amd64".  */
static bool
parse_kernel (const char *s, bool loose, unsigned long v[2])
{
  char *end;

  if (!(s[0] >= '0' && s[0] <= '9'))
    return false;
  v[0] = strtoul (s, &end, 10);
  if (end[0] != '.' || !(end[1] >= '0' && end[1] <= '9'))
    return false;
  v[1] = strtoul (end + 1, &end, 10);
  return loose || *end == '\0';
}

static bool
kernel_at_least (const unsigned long have[2], const unsigned long want[2])
{
  return have[0] > want[0] || (have[0] == want[0] && have[1] >= want[1]);
}

static void
filter_free (struct rule_filter *f)
{
  strv_free (f->caps);
  strv_free (f->arches);
}

static int
parse_filter (const nook_json *rule, const char *key, const char *field, struct rule_filter *f,
              nook_error_t *err)
{
  static const char *const known[] = { "caps", "arches", "minKernel", NULL };
  _cleanup_free_ char *fk = xasprintf ("%s.%s", field, key);
  _cleanup_free_ char *fc = xasprintf ("%s.caps", fk), *fa = xasprintf ("%s.arches", fk);
  _cleanup_free_ char *fm = xasprintf ("%s.minKernel", fk);
  nook_json *obj = NULL;
  const char *min = NULL;

  if (json_get_object (rule, key, fk, false, &obj, err) < 0)
    return -1;
  if (obj == NULL)
    return 0;
  if (json_check_keys (obj, fk, known, err) < 0
      || json_get_strv (obj, "caps", fc, false, &f->caps, err) < 0
      || json_get_strv (obj, "arches", fa, false, &f->arches, err) < 0
      || json_get_str (obj, "minKernel", fm, false, &min, err) < 0)
    return -1;
  if (min && *min)
    {
      if (!parse_kernel (min, false, f->min_kernel))
        return nook_error (err, 0, "field `%s`: `%s` is not a kernel version (MAJOR.MINOR)", fm,
                           min);
      f->has_min_kernel = true;
    }
  return 0;
}

static bool
rule_applies (const struct rule_filter *inc, const struct rule_filter *exc,
              const struct profile_env *env)
{
  if (strv_contains (exc->arches, env->arch))
    return false;
  for (size_t i = 0; exc->caps && exc->caps[i]; i++)
    if (strv_contains (env->caps, exc->caps[i]))
      return false;
  if (exc->has_min_kernel && kernel_at_least (env->kernel, exc->min_kernel))
    return false;
  if (inc->arches && inc->arches[0] && !strv_contains (inc->arches, env->arch))
    return false;
  for (size_t i = 0; inc->caps && inc->caps[i]; i++)
    if (!strv_contains (env->caps, inc->caps[i]))
      return false;
  if (inc->has_min_kernel && !kernel_at_least (env->kernel, inc->min_kernel))
    return false;
  return true;
}

/* An errno member: *HAS is false when it is absent.  */
static int
get_errno_ret (const nook_json *obj, const char *key, const char *field, bool *has, uint32_t *out,
               nook_error_t *err)
{
  uint64_t v = UINT64_MAX;

  if (json_get_uint (obj, key, field, false, &v, err) < 0)
    return -1;
  *has = json_get (obj, key) != NULL && !json_is_null (json_get (obj, key));
  if (*has && v > UINT32_MAX)
    return nook_error (err, 0, "field `%s` out of range", field);
  *out = *has ? (uint32_t)v : 0;
  return 0;
}

static int
parse_args (struct oci_seccomp_syscall *o, const nook_json *args, const char *field,
            nook_error_t *err)
{
  static const char *const known[] = { "index", "value", "valueTwo", "op", NULL };

  o->args = xzalloc (sizeof (*o->args) * (json_len (args) + 1));
  for (size_t i = 0; i < json_len (args); i++)
    {
      nook_json *a = json_at (args, i);
      struct oci_seccomp_arg *arg = &o->args[i];
      _cleanup_free_ char *f = xasprintf ("%s[%zu]", field, i);
      _cleanup_free_ char *fi = xasprintf ("%s.index", f), *fv = xasprintf ("%s.value", f);
      _cleanup_free_ char *f2 = xasprintf ("%s.valueTwo", f), *fo = xasprintf ("%s.op", f);
      const char *op = NULL;
      uint64_t index = 0;

      if (!json_is_object (a))
        return nook_error (err, 0, "field `%s` is not an object", f);
      if (json_check_keys (a, f, known, err) < 0
          || json_get_uint (a, "index", fi, true, &index, err) < 0
          || json_get_uint (a, "value", fv, true, &arg->value, err) < 0
          || json_get_uint (a, "valueTwo", f2, false, &arg->value_two, err) < 0
          || json_get_str (a, "op", fo, true, &op, err) < 0)
        return -1;
      if (index > 5)
        return nook_error (err, 0, "field `%s` out of range (%llu, at most 5)", fi,
                           (unsigned long long)index);
      arg->index = (uint32_t)index;
      arg->op = xstrdup (op);
      o->n_args++;
    }
  return 0;
}

/* Rule R (at FIELD) into O; *KEEP says whether it applies to ENV.  */
static int
parse_rule (const nook_json *r, const char *field, const struct profile_env *env,
            struct oci_seccomp_syscall *o, bool *keep, nook_error_t *err)
{
  static const char *const known[] = { "name",     "names",    "action",   "args",  "comment",
                                       "includes", "excludes", "errnoRet", "errno", NULL };
  _cleanup_free_ char *fn = xasprintf ("%s.name", field), *fns = xasprintf ("%s.names", field);
  _cleanup_free_ char *fa = xasprintf ("%s.action", field), *fg = xasprintf ("%s.args", field);
  _cleanup_free_ char *fc = xasprintf ("%s.comment", field);
  _cleanup_free_ char *fe = xasprintf ("%s.errnoRet", field), *fs = xasprintf ("%s.errno", field);
  struct rule_filter inc = { 0 }, exc = { 0 };
  const char *name = NULL, *action = NULL, *text = NULL;
  nook_json *args = NULL;
  int ret = -1;

  if (!json_is_object (r))
    return nook_error (err, 0, "field `%s` is not an object", field);
  if (json_check_keys (r, field, known, err) < 0
      || json_get_str (r, "name", fn, false, &name, err) < 0
      || json_get_strv (r, "names", fns, false, &o->names, err) < 0
      || json_get_str (r, "action", fa, true, &action, err) < 0
      || get_errno_ret (r, "errnoRet", fe, &o->has_errno_ret, &o->errno_ret, err) < 0
      || json_get_str (r, "errno", fs, false, &text, err) < 0
      || json_get_str (r, "comment", fc, false, &text, err) < 0
      || json_get_array (r, "args", fg, false, &args, err) < 0)
    return -1;
  o->action = xstrdup (action);
  if (name && *name)
    {
      if (o->names && o->names[0])
        return nook_error (err, 0, "fields `%s` and `%s` are both given: use one", fn, fns);
      strv_push (&o->names, xstrdup (name));
    }
  if (parse_args (o, args, fg, err) < 0)
    return -1;
  if (parse_filter (r, "includes", field, &inc, err) == 0
      && parse_filter (r, "excludes", field, &exc, err) == 0)
    {
      *keep = rule_applies (&inc, &exc, env);
      ret = 0;
    }
  filter_free (&inc);
  filter_free (&exc);
  return ret;
}

/* archMap: the native architecture's entry, every name kept in *ALL so
   that they are checked too.  */
static int
parse_arch_map (const nook_json *map, const struct profile_env *env, char ***all, char ***chosen,
                nook_error_t *err)
{
  static const char *const known[] = { "architecture", "subArchitectures", NULL };
  const char *native = scmp_arch (env->arch);

  for (size_t i = 0; i < json_len (map); i++)
    {
      nook_json *m = json_at (map, i);
      _cleanup_free_ char *f = xasprintf ("archMap[%zu]", i);
      _cleanup_free_ char *fa = xasprintf ("%s.architecture", f);
      _cleanup_free_ char *fs = xasprintf ("%s.subArchitectures", f);
      _cleanup_strv_ char **subs = NULL;
      const char *arch = NULL;

      if (!json_is_object (m))
        return nook_error (err, 0, "field `%s` is not an object", f);
      if (json_check_keys (m, f, known, err) < 0
          || json_get_str (m, "architecture", fa, true, &arch, err) < 0
          || json_get_strv (m, "subArchitectures", fs, false, &subs, err) < 0)
        return -1;
      strv_push (all, xstrdup (arch));
      for (size_t k = 0; subs && subs[k]; k++)
        strv_push (all, xstrdup (subs[k]));
      /* The first entry for it, as containers/common.  */
      if (*chosen == NULL && native && strcmp (arch, native) == 0)
        {
          strv_push (chosen, xstrdup (arch));
          for (size_t k = 0; subs && subs[k]; k++)
            strv_push (chosen, xstrdup (subs[k]));
        }
    }
  return 0;
}

static int
parse_syscalls (const nook_json *rules, const struct profile_env *env, struct oci_seccomp *sc,
                bool **keep, nook_error_t *err)
{
  sc->syscalls = xzalloc (sizeof (*sc->syscalls) * (json_len (rules) + 1));
  *keep = xzalloc (sizeof (bool) * (json_len (rules) + 1));
  for (size_t i = 0; i < json_len (rules); i++)
    {
      _cleanup_free_ char *f = xasprintf ("syscalls[%zu]", i);
      sc->n_syscalls++; /* freed whole even if half read */
      if (parse_rule (json_at (rules, i), f, env, &sc->syscalls[i], &(*keep)[i], err) < 0)
        return -1;
    }
  return 0;
}

/* Drop the rules that do not apply: the kept ones move to the front.  */
static void
keep_rules (struct oci_seccomp *sc, const bool *keep)
{
  size_t n = 0;

  for (size_t i = 0; i < sc->n_syscalls; i++)
    {
      struct oci_seccomp_syscall *r = &sc->syscalls[i];
      if (keep[i])
        {
          sc->syscalls[n++] = *r;
          continue;
        }
      strv_free (r->names);
      free (r->action);
      for (size_t k = 0; k < r->n_args; k++)
        free (r->args[k].op);
      free (r->args);
    }
  sc->n_syscalls = n;
}

static int
parse_profile (const nook_json *j, const struct profile_env *env, struct oci_seccomp *sc,
               nook_error_t *err)
{
  static const char *const known[]
      = { "defaultAction", "defaultErrnoRet", "defaultErrno", "architectures",    "archMap",
          "syscalls",      "flags",           "listenerPath", "listenerMetadata", NULL };
  static const char *const unsupported[] = { "listenerPath", "listenerMetadata" };
  _cleanup_strv_ char **chosen = NULL;
  _cleanup_free_ bool *keep = NULL;
  nook_json *map = NULL, *rules = NULL;
  const char *action = NULL, *text = NULL;

  if (json_check_keys (j, "", known, err) < 0)
    return -1;
  for (size_t i = 0; i < NOOK_ARRAY_SIZE (unsupported); i++)
    {
      const char *v = NULL;
      if (json_get_str (j, unsupported[i], unsupported[i], false, &v, err) < 0)
        return -1;
      if (v && *v)
        return nook_error (err, 0, "field `%s` is not supported", unsupported[i]);
    }
  if (json_get_str (j, "defaultAction", "defaultAction", true, &action, err) < 0
      || get_errno_ret (j, "defaultErrnoRet", "defaultErrnoRet", &sc->has_default_errno_ret,
                        &sc->default_errno_ret, err)
             < 0
      || json_get_str (j, "defaultErrno", "defaultErrno", false, &text, err) < 0
      || json_get_strv (j, "architectures", "architectures", false, &sc->architectures, err) < 0
      || json_get_array (j, "archMap", "archMap", false, &map, err) < 0
      || json_get_strv (j, "flags", "flags", false, &sc->flags, err) < 0
      || json_get_array (j, "syscalls", "syscalls", false, &rules, err) < 0)
    return -1;
  sc->default_action = xstrdup (action);
  if (strv_len (sc->architectures) > 0 && json_len (map) > 0)
    return nook_error (err, 0, "fields `architectures` and `archMap` are both given: use one");
  if (parse_arch_map (map, env, &sc->architectures, &chosen, err) < 0
      || parse_syscalls (rules, env, sc, &keep, err) < 0 || oci_seccomp_check (sc, "", err) < 0)
    return -1;
  if (json_len (map) > 0)
    {
      strv_free (sc->architectures);
      sc->architectures = steal_pointer (&chosen);
    }
  keep_rules (sc, keep);
  return 0;
}

int
container_seccomp_profile (struct oci_spec *spec, const char *path, const char *arch,
                           const char *kernel, nook_error_t *err)
{
  struct profile_env env = { .caps = spec->has_caps ? spec->caps.bounding : NULL,
                             .arch = arch ? arch : native_arch () };
  _cleanup_json_ nook_json *j = NULL;
  _cleanup_free_ char *text = NULL;
  struct oci_seccomp *sc;
  struct utsname u;
  size_t len;

  if (kernel == NULL && uname (&u) == 0)
    kernel = u.release;
  if (kernel == NULL || !parse_kernel (kernel, true, env.kernel))
    return nook_error (err, 0, "cannot tell the kernel version (`%s`)", kernel ? kernel : "");
  if (nook_read_file_at (AT_FDCWD, path, PROFILE_MAX, &text, &len, err) < 0)
    return nook_error_prefix (err, "seccomp profile");
  if (json_parse (text, len, &j, err) < 0)
    return nook_error_prefix (err, "seccomp profile `%s`", path);
  if (!json_is_object (j))
    return nook_error (err, 0, "seccomp profile `%s` is not a JSON object", path);
  oci_seccomp_free (spec->seccomp);
  spec->seccomp = NULL;
  /* {}: no filter, as containers/common.  */
  if (json_len (j) == 0)
    return 0;
  sc = xzalloc (sizeof (*sc));
  if (parse_profile (j, &env, sc, err) < 0)
    {
      oci_seccomp_free (sc);
      return nook_error_prefix (err, "seccomp profile `%s`", path);
    }
  spec->seccomp = sc;
  return 0;
}
