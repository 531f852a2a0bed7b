/* Seccomp: the spec's linux.seccomp translated into a libseccomp filter
   and loaded with one seccomp_load, in the container's init.

   When (init.c): with noNewPrivileges, last, right before the init
   answers READY, so only send, close, read (exec.fifo) and execve follow
   it.  Without, a filter can only be loaded with CAP_SYS_ADMIN, so it is
   loaded before the capabilities are dropped and the user switched; as
   with runc, the profile must then allow what the init still does:
   prlimit64, prctl, setgroups, setresgid, setresuid, capget, capset,
   newfstatat or statx, faccessat, fcntl, close_range, sendto, close,
   read and execve.  The default profile (contrib/seccomp.json) does.

   As runc and crun: a syscall name unknown to libseccomp is skipped;
   errnoRet defaults to EPERM (not to defaultErrnoRet, which is the
   default action's); conditions on different arguments are ANDed in one
   rule, several on the same argument become one rule each (ORed), as
   libseccomp cannot AND those.  */
#include "runtime/runtime-internal.h"

#include <seccomp.h>
#include <string.h>

static const struct
{
  const char *name;
  enum scmp_compare op;
} op_table[] = {
  { "SCMP_CMP_NE", SCMP_CMP_NE },
  { "SCMP_CMP_LT", SCMP_CMP_LT },
  { "SCMP_CMP_LE", SCMP_CMP_LE },
  { "SCMP_CMP_EQ", SCMP_CMP_EQ },
  { "SCMP_CMP_GE", SCMP_CMP_GE },
  { "SCMP_CMP_GT", SCMP_CMP_GT },
  { "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
};

static const struct
{
  const char *name;
  uint32_t action;
} action_table[] = {
  { "SCMP_ACT_KILL", SCMP_ACT_KILL },
  { "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS },
  { "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD },
  { "SCMP_ACT_TRAP", SCMP_ACT_TRAP },
  { "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW },
  { "SCMP_ACT_LOG", SCMP_ACT_LOG },
};

static int
action_value (const char *name, bool has_errno, uint32_t errno_ret, uint32_t *out,
              nook_error_t *err)
{
  uint32_t e = has_errno ? errno_ret : EPERM;

  if (strcmp (name, "SCMP_ACT_ERRNO") == 0)
    *out = SCMP_ACT_ERRNO (e);
  else if (strcmp (name, "SCMP_ACT_TRACE") == 0)
    *out = SCMP_ACT_TRACE (e);
  else
    {
      for (size_t i = 0; i < NOOK_ARRAY_SIZE (action_table); i++)
        if (strcmp (name, action_table[i].name) == 0)
          {
            *out = action_table[i].action;
            return 0;
          }
      return nook_error (err, 0, "seccomp action `%s` is not supported", name);
    }
  return 0;
}

static int
add_arches (scmp_filter_ctx ctx, char *const *arches, nook_error_t *err)
{
  for (size_t i = 0; arches && arches[i]; i++)
    {
      char name[32];
      uint32_t token;
      size_t k;
      int rc;

      if (!str_has_prefix (arches[i], "SCMP_ARCH_") || strlen (arches[i]) >= 10 + sizeof (name))
        return nook_error (err, 0, "unknown seccomp architecture `%s`", arches[i]);
      /* libseccomp's names are the lower-case suffixes: x86_64, aarch64.  */
      for (k = 0; arches[i][10 + k]; k++)
        name[k] = (char)(arches[i][10 + k] >= 'A' && arches[i][10 + k] <= 'Z'
                             ? arches[i][10 + k] - 'A' + 'a'
                             : arches[i][10 + k]);
      name[k] = '\0';
      token = seccomp_arch_resolve_name (name);
      if (token == 0)
        {
          nook_debug ("seccomp: architecture %s is unknown to libseccomp %d.%d.%d: skipped",
                      arches[i], SCMP_VER_MAJOR, SCMP_VER_MINOR, SCMP_VER_MICRO);
          continue;
        }
      rc = seccomp_arch_add (ctx, token);
      if (rc < 0 && rc != -EEXIST)
        return nook_error (err, -rc, "seccomp: add architecture %s", arches[i]);
    }
  return 0;
}

static int
add_rule (scmp_filter_ctx ctx, const struct oci_seccomp_syscall *sys, uint32_t default_action,
          nook_error_t *err)
{
  _cleanup_free_ struct scmp_arg_cmp *cmp = xzalloc (sizeof (*cmp) * (sys->n_args + 1));
  unsigned seen = 0;
  bool same_arg = false;
  uint32_t action;

  if (action_value (sys->action, sys->has_errno_ret, sys->errno_ret, &action, err) < 0)
    return -1;
  /* libseccomp refuses (EACCES) a rule that does what the default does.  */
  if (action == default_action)
    return 0;
  for (size_t k = 0; k < sys->n_args; k++)
    {
      const struct oci_seccomp_arg *a = &sys->args[k];
      size_t o;

      for (o = 0; o < NOOK_ARRAY_SIZE (op_table); o++)
        if (strcmp (a->op, op_table[o].name) == 0)
          break;
      if (o == NOOK_ARRAY_SIZE (op_table))
        return nook_error (err, 0, "unknown seccomp operator `%s`", a->op);
      if (a->index > 5)
        return nook_error (err, 0, "seccomp argument index %u out of range", a->index);
      same_arg |= (seen & (1U << a->index)) != 0;
      seen |= 1U << a->index;
      /* MASKED_EQ: (arg & value) == valueTwo.  */
      cmp[k] = (struct scmp_arg_cmp){
        .arg = a->index, .op = op_table[o].op, .datum_a = a->value, .datum_b = a->value_two
      };
    }
  for (size_t i = 0; sys->names && sys->names[i]; i++)
    {
      int nr = seccomp_syscall_resolve_name (sys->names[i]);
      int rc = 0;

      if (nr == __NR_SCMP_ERROR)
        {
          nook_debug ("seccomp: syscall %s is unknown to libseccomp: skipped", sys->names[i]);
          continue;
        }
      if (!same_arg)
        rc = seccomp_rule_add_array (ctx, action, nr, (unsigned)sys->n_args, cmp);
      else
        for (size_t k = 0; k < sys->n_args && rc == 0; k++)
          rc = seccomp_rule_add_array (ctx, action, nr, 1, &cmp[k]);
      if (rc < 0)
        return nook_error (err, -rc, "seccomp: add the rule for %s", sys->names[i]);
    }
  return 0;
}

static int
set_flags (scmp_filter_ctx ctx, char *const *flags, nook_error_t *err)
{
  for (size_t i = 0; flags && flags[i]; i++)
    {
      enum scmp_filter_attr attr;
      int rc;

      if (strcmp (flags[i], "SECCOMP_FILTER_FLAG_TSYNC") == 0)
        attr = SCMP_FLTATR_CTL_TSYNC;
      else if (strcmp (flags[i], "SECCOMP_FILTER_FLAG_LOG") == 0)
        attr = SCMP_FLTATR_CTL_LOG;
      else if (strcmp (flags[i], "SECCOMP_FILTER_FLAG_SPEC_ALLOW") == 0)
        attr = SCMP_FLTATR_CTL_SSB;
#if SCMP_VER_MAJOR > 2 || (SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR >= 6)
      else if (strcmp (flags[i], "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV") == 0)
        attr = SCMP_FLTATR_CTL_WAITKILL;
#else
      else if (strcmp (flags[i], "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV") == 0)
        return nook_error (err, 0, "seccomp flag `%s` needs libseccomp 2.6 (built with %d.%d.%d)",
                           flags[i], SCMP_VER_MAJOR, SCMP_VER_MINOR, SCMP_VER_MICRO);
#endif
      else
        return nook_error (err, 0, "unknown seccomp flag `%s`", flags[i]);
      rc = seccomp_attr_set (ctx, attr, 1);
      if (rc < 0)
        return nook_error (err, -rc, "seccomp flag `%s`", flags[i]);
    }
  return 0;
}

static void
release_filter (scmp_filter_ctx *ctx)
{
  if (*ctx)
    seccomp_release (*ctx);
}

int
runtime_seccomp_load (const struct oci_seccomp *sc, nook_error_t *err)
{
  _cleanup_ (release_filter) scmp_filter_ctx ctx = NULL;
  uint32_t def;
  int rc;

  if (action_value (sc->default_action, sc->has_default_errno_ret, sc->default_errno_ret, &def, err)
      < 0)
    return -1;
  ctx = seccomp_init (def);
  if (ctx == NULL)
    return nook_error (err, 0, "seccomp: cannot make a filter with default action %s",
                       sc->default_action);
  /* no_new_privs is the spec's to set (process.c), not libseccomp's; and
     the kernel's own errno, not ECANCELED, if the load fails.  */
  if ((rc = seccomp_attr_set (ctx, SCMP_FLTATR_CTL_NNP, 0)) < 0
      || (rc = seccomp_attr_set (ctx, SCMP_FLTATR_API_SYSRAWRC, 1)) < 0)
    return nook_error (err, -rc, "seccomp: set the filter attributes");
  if (add_arches (ctx, sc->architectures, err) < 0)
    return -1;
  for (size_t i = 0; i < sc->n_syscalls; i++)
    if (add_rule (ctx, &sc->syscalls[i], def, err) < 0)
      return -1;
  if (set_flags (ctx, sc->flags, err) < 0)
    return -1;
  rc = seccomp_load (ctx);
  if (rc < 0)
    return nook_error (err, -rc, "load the seccomp filter%s",
                       rc == -EACCES ? " (without noNewPrivileges it needs CAP_SYS_ADMIN)" : "");
  return 0;
}
