/* Seccomp: the linux.seccomp schema of pkg/oci (strict parser, generator),
   the containers/common profile turned into it (pkg/container), and the
   BPF program built from it with libseccomp, cached and loaded
   (pkg/runtime), in a forked child so the test process keeps its
   syscalls.  */
#include "unit.h"

#include "container/container.h"
#include "oci/oci.h"
#include "runtime/runtime-internal.h"

#include <dirent.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>

/* JSON written with ' for ", for legibility.  */
static char *
jq (const char *s)
{
  char *out = unit_fmt ("%s", s);
  for (char *p = out; *p; p++)
    if (*p == '\'')
      *p = '"';
  return out;
}

/* A config.json whose linux.seccomp is SECCOMP (' for ").  */
static char *
config (const char *seccomp)
{
  return jq (unit_fmt ("{'ociVersion': '1.0.2', 'process': {'user': {'uid': 0, 'gid': 0},"
                       " 'args': ['sh'], 'cwd': '/'}, 'root': {'path': 'rootfs'},"
                       " 'linux': {'namespaces': [{'type': 'mount'}], 'seccomp': %s}}",
                       seccomp));
}

static void
check_rejected (const char *seccomp, const char *needle, const char *file, int line)
{
  const char *text = config (seccomp);
  struct oci_spec s;
  nook_error_t err = NULL;

  if (oci_spec_parse (text, strlen (text), &s, &err) >= 0)
    {
      unit_fail_ (file, line, "accepted: %s", text);
      oci_spec_free (&s);
      return;
    }
  if (err == NULL)
    unit_fail_ (file, line, "failed without an error");
  else if (strstr (err->msg, needle) == NULL)
    unit_fail_ (file, line, "the message does not name `%s`: %s", needle, err->msg);
  else if (!str_has_prefix (err->msg, "config.json"))
    unit_fail_ (file, line, "the message does not start with config.json: %s", err->msg);
  nook_error_free (&err);
}
#define CHECK_REJECTED(seccomp, needle) check_rejected ((seccomp), (needle), __FILE__, __LINE__)

static const char full_profile[]
    = "{'defaultAction': 'SCMP_ACT_ERRNO', 'defaultErrnoRet': 38,"
      " 'architectures': ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],"
      " 'flags': ['SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW'],"
      " 'listenerPath': '', 'syscalls': ["
      "  {'names': ['read', 'write'], 'action': 'SCMP_ACT_ALLOW'},"
      "  {'names': ['mkdir'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': 1},"
      "  {'names': ['personality'], 'action': 'SCMP_ACT_ALLOW', 'args': ["
      "    {'index': 0, 'value': 18446744073709551615, 'op': 'SCMP_CMP_EQ'},"
      "    {'index': 1, 'value': 255, 'valueTwo': 8, 'op': 'SCMP_CMP_MASKED_EQ'}]},"
      "  {'names': ['ptrace'], 'action': 'SCMP_ACT_TRACE', 'errnoRet': 42},"
      "  {'names': ['kexec_load'], 'action': 'SCMP_ACT_KILL_PROCESS', 'args': []},"
      "  {'names': ['a', 'b'], 'action': 'SCMP_ACT_KILL'},"
      "  {'names': ['c'], 'action': 'SCMP_ACT_KILL_THREAD'},"
      "  {'names': ['d'], 'action': 'SCMP_ACT_TRAP'},"
      "  {'names': ['e'], 'action': 'SCMP_ACT_LOG', 'args': ["
      "    {'index': 5, 'value': 1, 'op': 'SCMP_CMP_NE'}, {'index': 4, 'value': 1, 'op': "
      "'SCMP_CMP_LT'},"
      "    {'index': 3, 'value': 1, 'op': 'SCMP_CMP_LE'}, {'index': 2, 'value': 1, 'op': "
      "'SCMP_CMP_GE'},"
      "    {'index': 1, 'value': 1, 'op': 'SCMP_CMP_GT'}]}]}";

TEST (parse_valid_profile)
{
  const char *text = config (full_profile);
  struct oci_spec s;
  nook_error_t err = NULL;
  const struct oci_seccomp *sc;

  if (!CHECK_OK (oci_spec_parse (text, strlen (text), &s, &err), &err))
    return;
  sc = s.seccomp;
  if (!CHECK (sc != NULL))
    return;
  CHECK_STR_EQ (sc->default_action, "SCMP_ACT_ERRNO");
  CHECK (sc->has_default_errno_ret);
  CHECK_INT_EQ (sc->default_errno_ret, 38);
  CHECK_INT_EQ (strv_len (sc->architectures), 3);
  CHECK_STR_EQ (sc->architectures[2], "SCMP_ARCH_X32");
  CHECK_INT_EQ (strv_len (sc->flags), 2);
  CHECK_INT_EQ (sc->n_syscalls, 9);
  CHECK_INT_EQ (strv_len (sc->syscalls[0].names), 2);
  CHECK (!sc->syscalls[0].has_errno_ret);
  CHECK (sc->syscalls[1].has_errno_ret);
  CHECK_INT_EQ (sc->syscalls[1].errno_ret, 1);
  CHECK_INT_EQ (sc->syscalls[2].n_args, 2);
  CHECK (sc->syscalls[2].args[0].value == UINT64_MAX);
  CHECK_INT_EQ (sc->syscalls[2].args[0].value_two, 0);
  CHECK_INT_EQ (sc->syscalls[2].args[1].index, 1);
  CHECK_INT_EQ (sc->syscalls[2].args[1].value, 255);
  CHECK_INT_EQ (sc->syscalls[2].args[1].value_two, 8);
  CHECK_STR_EQ (sc->syscalls[2].args[1].op, "SCMP_CMP_MASKED_EQ");
  CHECK_INT_EQ (sc->syscalls[3].errno_ret, 42);
  CHECK_INT_EQ (sc->syscalls[4].n_args, 0);
  CHECK_INT_EQ (sc->syscalls[8].n_args, 5);
  oci_spec_free (&s);
}

TEST (parse_without_seccomp)
{
  const char *text = jq ("{'ociVersion': '1.0.2', 'root': {'path': 'r'}, 'linux': {}}");
  struct oci_spec s;
  nook_error_t err = NULL;

  if (!CHECK_OK (oci_spec_parse (text, strlen (text), &s, &err), &err))
    return;
  CHECK (s.seccomp == NULL);
  oci_spec_free (&s);
}

TEST (parse_rejects_unknown_fields)
{
  CHECK_REJECTED ("{'defaultAction': 'SCMP_ACT_ALLOW', 'defaultErrno': 'EPERM'}",
                  "linux.seccomp.defaultErrno");
  CHECK_REJECTED ("{'defaultAction': 'SCMP_ACT_ALLOW', 'archMap': []}", "linux.seccomp.archMap");
  CHECK_REJECTED ("{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['read'],"
                  " 'action': 'SCMP_ACT_ERRNO'}, {'names': ['x'], 'action': 'SCMP_ACT_ERRNO',"
                  " 'includes': {}}]}",
                  "linux.seccomp.syscalls[1].includes");
  CHECK_REJECTED ("{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['read'],"
                  " 'action': 'SCMP_ACT_ERRNO', 'args': [{'index': 0, 'value': 1,"
                  " 'op': 'SCMP_CMP_EQ', 'mask': 3}]}]}",
                  "linux.seccomp.syscalls[0].args[0].mask");
  /* No seccomp agent.  */
  CHECK_REJECTED ("{'defaultAction': 'SCMP_ACT_ALLOW', 'listenerPath': '/run/agent.sock'}",
                  "linux.seccomp.listenerPath");
  CHECK_REJECTED ("{'defaultAction': 'SCMP_ACT_ALLOW', 'listenerMetadata': 'x'}",
                  "linux.seccomp.listenerMetadata");
}

TEST (parse_rejects_unknown_values)
{
  CHECK_REJECTED ("{'defaultAction': 'SCMP_ACT_BOGUS'}", "SCMP_ACT_BOGUS");
  CHECK_REJECTED ("{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['read'],"
                  " 'action': 'SCMP_ACT_ERRNO'}, {'names': ['x'], 'action': 'SCMP_ACT_BOGUS'}]}",
                  "unknown seccomp action `SCMP_ACT_BOGUS` in `linux.seccomp.syscalls[1].action`");
  CHECK_REJECTED ("{'defaultAction': 'SCMP_ACT_NOTIFY'}",
                  "seccomp action `SCMP_ACT_NOTIFY` in `linux.seccomp.defaultAction` is not "
                  "supported");
  CHECK_REJECTED ("{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['x'],"
                  " 'action': 'SCMP_ACT_NOTIFY'}]}",
                  "SCMP_ACT_NOTIFY");
  CHECK_REJECTED (
      "{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['x'],"
      " 'action': 'SCMP_ACT_ERRNO', 'args': [{'index': 0, 'value': 1,"
      " 'op': 'SCMP_CMP_BOGUS'}]}]}",
      "unknown seccomp operator `SCMP_CMP_BOGUS` in `linux.seccomp.syscalls[0].args[0].op`");
  CHECK_REJECTED ("{'defaultAction': 'SCMP_ACT_ALLOW', 'architectures': ['SCMP_ARCH_VAX']}",
                  "SCMP_ARCH_VAX");
  CHECK_REJECTED ("{'defaultAction': 'SCMP_ACT_ALLOW', 'flags': ['SECCOMP_FILTER_FLAG_BOGUS']}",
                  "SECCOMP_FILTER_FLAG_BOGUS");
  /* The runtime spec: errnoRet with an action that returns none.  */
  CHECK_REJECTED ("{'defaultAction': 'SCMP_ACT_ALLOW', 'defaultErrnoRet': 1}",
                  "linux.seccomp.defaultErrnoRet");
  CHECK_REJECTED ("{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['x'],"
                  " 'action': 'SCMP_ACT_KILL', 'errnoRet': 1}]}",
                  "linux.seccomp.syscalls[0].errnoRet");
  CHECK_REJECTED ("{'defaultAction': 'SCMP_ACT_ERRNO', 'defaultErrnoRet': 65536}",
                  "linux.seccomp.defaultErrnoRet");
  CHECK_REJECTED ("{'defaultAction': 'SCMP_ACT_ERRNO', 'defaultErrnoRet': -1}",
                  "linux.seccomp.defaultErrnoRet");
  CHECK_REJECTED ("{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['x'],"
                  " 'action': 'SCMP_ACT_ERRNO', 'args': [{'index': 6, 'value': 1,"
                  " 'op': 'SCMP_CMP_EQ'}]}]}",
                  "linux.seccomp.syscalls[0].args[0].index");
  CHECK_REJECTED ("{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['x'],"
                  " 'action': 'SCMP_ACT_ERRNO', 'args': [{'index': 0, 'value': -1,"
                  " 'op': 'SCMP_CMP_EQ'}]}]}",
                  "linux.seccomp.syscalls[0].args[0].value");
  CHECK_REJECTED ("{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['x'],"
                  " 'action': 'SCMP_ACT_ERRNO', 'args': [{'index': 0, 'value': 1}]}]}",
                  "linux.seccomp.syscalls[0].args[0].op");
  CHECK_REJECTED ("{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': [],"
                  " 'action': 'SCMP_ACT_ERRNO'}]}",
                  "linux.seccomp.syscalls[0].names");
  CHECK_REJECTED ("{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': [''],"
                  " 'action': 'SCMP_ACT_ERRNO'}]}",
                  "linux.seccomp.syscalls[0].names[0]");
  CHECK_REJECTED ("{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'action': 'SCMP_ACT_ERRNO'}]}",
                  "linux.seccomp.syscalls[0].names");
  CHECK_REJECTED ("{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['x']}]}",
                  "linux.seccomp.syscalls[0].action");
  CHECK_REJECTED ("{'syscalls': []}", "linux.seccomp.defaultAction");
  CHECK_REJECTED ("{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': {}}", "linux.seccomp.syscalls");
  CHECK_REJECTED ("[]", "linux.seccomp");
}

static bool
seccomp_equal (const struct oci_seccomp *a, const struct oci_seccomp *b)
{
  if (strcmp (a->default_action, b->default_action) != 0
      || a->has_default_errno_ret != b->has_default_errno_ret
      || a->default_errno_ret != b->default_errno_ret
      || strv_len (a->architectures) != strv_len (b->architectures)
      || strv_len (a->flags) != strv_len (b->flags) || a->n_syscalls != b->n_syscalls)
    return false;
  for (size_t i = 0; i < strv_len (a->architectures); i++)
    if (strcmp (a->architectures[i], b->architectures[i]) != 0)
      return false;
  for (size_t i = 0; i < strv_len (a->flags); i++)
    if (strcmp (a->flags[i], b->flags[i]) != 0)
      return false;
  for (size_t i = 0; i < a->n_syscalls; i++)
    {
      const struct oci_seccomp_syscall *x = &a->syscalls[i], *y = &b->syscalls[i];
      if (strcmp (x->action, y->action) != 0 || x->has_errno_ret != y->has_errno_ret
          || x->errno_ret != y->errno_ret || x->n_args != y->n_args
          || strv_len (x->names) != strv_len (y->names))
        return false;
      for (size_t k = 0; k < strv_len (x->names); k++)
        if (strcmp (x->names[k], y->names[k]) != 0)
          return false;
      for (size_t k = 0; k < x->n_args; k++)
        if (x->args[k].index != y->args[k].index || x->args[k].value != y->args[k].value
            || x->args[k].value_two != y->args[k].value_two
            || strcmp (x->args[k].op, y->args[k].op) != 0)
          return false;
    }
  return true;
}

/* Generate SPEC, parse it back, compare the seccomp part.  */
static bool
round_trip (const struct oci_spec *spec)
{
  _cleanup_free_ char *out = NULL;
  struct oci_spec back;
  nook_error_t err = NULL;
  size_t len;
  bool same;

  out = oci_spec_to_json (spec, &len);
  if (!CHECK_OK (oci_spec_parse (out, len, &back, &err), &err))
    return false;
  same = (spec->seccomp == NULL) == (back.seccomp == NULL)
         && (spec->seccomp == NULL || seccomp_equal (spec->seccomp, back.seccomp));
  if (!same)
    unit_note ("generated: %s", out);
  oci_spec_free (&back);
  return same;
}

TEST (generate_round_trip)
{
  const char *text = config (full_profile);
  _cleanup_free_ char *out = NULL;
  struct oci_spec s;
  nook_error_t err = NULL;
  size_t len;

  if (!CHECK_OK (oci_spec_parse (text, strlen (text), &s, &err), &err))
    return;
  CHECK (round_trip (&s));
  out = oci_spec_to_json (&s, &len);
  CHECK_STR_HAS (out, "18446744073709551615");
  CHECK (strstr (out, "listenerPath") == NULL);
  oci_spec_free (&s);
  /* And without one: no "seccomp" at all.  */
  text = jq ("{'ociVersion': '1.0.2', 'root': {'path': 'r'}}");
  if (!CHECK_OK (oci_spec_parse (text, strlen (text), &s, &err), &err))
    return;
  free (out);
  out = oci_spec_to_json (&s, &len);
  CHECK (strstr (out, "seccomp") == NULL);
  oci_spec_free (&s);
}

/* ---- the containers/common profile ---- */

static const char common_profile[]
    = "{'defaultAction': 'SCMP_ACT_ERRNO', 'defaultErrnoRet': 38, 'defaultErrno': 'ENOSYS',"
      " 'archMap': [{'architecture': 'SCMP_ARCH_X86_64',"
      "   'subArchitectures': ['SCMP_ARCH_X86', 'SCMP_ARCH_X32']},"
      "  {'architecture': 'SCMP_ARCH_AARCH64', 'subArchitectures': ['SCMP_ARCH_ARM']}],"
      " 'syscalls': ["
      "  {'names': ['read', 'write'], 'action': 'SCMP_ACT_ALLOW', 'args': [], 'comment': '',"
      "   'includes': {}, 'excludes': {}},"
      "  {'name': 'arch_prctl', 'action': 'SCMP_ACT_ALLOW', 'includes': {'arches': ['amd64', "
      "'x32']}},"
      "  {'names': ['bpf'], 'action': 'SCMP_ACT_ALLOW', 'includes': {'caps': ['CAP_SYS_ADMIN']}},"
      "  {'names': ['bpf'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': 1, 'errno': 'EPERM',"
      "   'excludes': {'caps': ['CAP_SYS_ADMIN']}},"
      "  {'names': ['both'], 'action': 'SCMP_ACT_ALLOW',"
      "   'includes': {'caps': ['CAP_SYS_ADMIN', 'CAP_SYS_PTRACE']}},"
      "  {'names': ['notarm'], 'action': 'SCMP_ACT_ALLOW', 'excludes': {'arches': ['arm64']}},"
      "  {'names': ['new'], 'action': 'SCMP_ACT_ALLOW', 'includes': {'minKernel': '5.8'}},"
      "  {'names': ['old'], 'action': 'SCMP_ACT_ALLOW', 'excludes': {'minKernel': '5.8'}},"
      "  {'names': ['socket'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': 22,"
      "   'args': [{'index': 0, 'value': 16, 'valueTwo': 0, 'op': 'SCMP_CMP_EQ'},"
      "    {'index': 2, 'value': 9, 'valueTwo': 0, 'op': 'SCMP_CMP_EQ'}],"
      "   'excludes': {'caps': ['CAP_AUDIT_WRITE']}},"
      "  {'names': ['socket'], 'action': 'SCMP_ACT_ALLOW', 'args': null,"
      "   'includes': {'caps': ['CAP_AUDIT_WRITE']}}]}";

/* Convert PROFILE (' for ") for bounding set CAPS ("A,B"), ARCH and KERNEL;
   the names of the kept rules, one "name:action[:errno]" per rule,
   joined with spaces, in *OUT.  */
static int
convert (const char *profile, const char *caps, const char *arch, const char *kernel,
         struct oci_spec *spec, nook_error_t *err)
{
  const char *path = unit_path ("profile.json");
  const char *json = jq (profile);

  memset (spec, 0, sizeof (*spec));
  spec->root_path = xstrdup ("rootfs");
  spec->has_caps = true;
  for (char *save = NULL, *c = strtok_r (unit_fmt ("%s", caps), ",", &save); c;
       c = strtok_r (NULL, ",", &save))
    strv_push (&spec->caps.bounding, xstrdup (c));
  unit_write_file (path, json, strlen (json), 0644);
  return container_seccomp_profile (spec, path, arch, kernel, err);
}

static char *
rules_summary (const struct oci_seccomp *sc)
{
  struct nook_buf b = { 0 };
  char *out;

  for (size_t i = 0; i < sc->n_syscalls; i++)
    {
      const struct oci_seccomp_syscall *r = &sc->syscalls[i];
      nook_buf_printf (&b, "%s%s:%s", i ? " " : "", r->names[0], r->action + 9);
      if (r->has_errno_ret)
        nook_buf_printf (&b, ":%u", r->errno_ret);
    }
  out = unit_fmt ("%s", b.data ? b.data : "");
  nook_buf_free (&b);
  return out;
}

TEST (common_profile_conditions)
{
  struct oci_spec s;
  nook_error_t err = NULL;

  /* The default capabilities, amd64, a recent kernel.  */
  if (!CHECK_OK (
          convert (common_profile, "CAP_CHOWN,CAP_KILL", "amd64", "6.1.0-13-amd64", &s, &err),
          &err))
    return;
  if (!CHECK (s.seccomp != NULL))
    return;
  CHECK_STR_EQ (s.seccomp->default_action, "SCMP_ACT_ERRNO");
  CHECK_INT_EQ (s.seccomp->default_errno_ret, 38);
  CHECK_INT_EQ (strv_len (s.seccomp->architectures), 3);
  CHECK_STR_EQ (s.seccomp->architectures[0], "SCMP_ARCH_X86_64");
  CHECK_STR_EQ (s.seccomp->architectures[1], "SCMP_ARCH_X86");
  CHECK_STR_EQ (s.seccomp->architectures[2], "SCMP_ARCH_X32");
  CHECK_STR_EQ (rules_summary (s.seccomp),
                "read:ALLOW arch_prctl:ALLOW bpf:ERRNO:1 notarm:ALLOW new:ALLOW socket:ERRNO:22");
  CHECK_INT_EQ (s.seccomp->syscalls[5].n_args, 2);
  CHECK (round_trip (&s));
  oci_spec_free (&s);

  /* Given CAP_SYS_ADMIN and CAP_AUDIT_WRITE, on arm64, an old kernel.  */
  if (!CHECK_OK (
          convert (common_profile, "CAP_SYS_ADMIN,CAP_AUDIT_WRITE", "arm64", "5.4", &s, &err),
          &err))
    return;
  CHECK_INT_EQ (strv_len (s.seccomp->architectures), 2);
  CHECK_STR_EQ (s.seccomp->architectures[0], "SCMP_ARCH_AARCH64");
  CHECK_STR_EQ (s.seccomp->architectures[1], "SCMP_ARCH_ARM");
  CHECK_STR_EQ (rules_summary (s.seccomp), "read:ALLOW bpf:ALLOW old:ALLOW socket:ALLOW");
  CHECK_INT_EQ (s.seccomp->syscalls[3].n_args, 0);
  oci_spec_free (&s);

  /* Every included cap is needed; an architecture out of the map gets no
     architectures (libseccomp's native one).  */
  if (!CHECK_OK (
          convert (common_profile, "CAP_SYS_ADMIN,CAP_SYS_PTRACE", "riscv64", "5.8", &s, &err),
          &err))
    return;
  CHECK (s.seccomp->architectures == NULL);
  CHECK_STR_EQ (rules_summary (s.seccomp),
                "read:ALLOW bpf:ALLOW both:ALLOW notarm:ALLOW new:ALLOW socket:ERRNO:22");
  oci_spec_free (&s);

  /* No capabilities at all (has_caps false).  */
  {
    const char *path = unit_path ("p.json"), *json = jq (common_profile);
    memset (&s, 0, sizeof (s));
    unit_write_file (path, json, strlen (json), 0644);
    if (CHECK_OK (container_seccomp_profile (&s, path, "x86", "4.19", &err), &err))
      CHECK_STR_EQ (rules_summary (s.seccomp), "read:ALLOW bpf:ERRNO:1 notarm:ALLOW old:ALLOW "
                                               "socket:ERRNO:22");
    oci_spec_free (&s);
  }
}

TEST (common_profile_plain_oci_and_empty)
{
  struct oci_spec s;
  nook_error_t err = NULL;

  if (CHECK_OK (convert ("{'defaultAction': 'SCMP_ACT_ALLOW', 'architectures': ['SCMP_ARCH_X86'],"
                         " 'flags': ['SECCOMP_FILTER_FLAG_LOG'], 'syscalls': [{'names': ['mkdir'],"
                         " 'action': 'SCMP_ACT_ERRNO'}]}",
                         "", "amd64", "6.1", &s, &err),
                &err))
    {
      CHECK_STR_EQ (s.seccomp->architectures[0], "SCMP_ARCH_X86");
      CHECK_STR_EQ (s.seccomp->flags[0], "SECCOMP_FILTER_FLAG_LOG");
      CHECK_STR_EQ (rules_summary (s.seccomp), "mkdir:ERRNO");
    }
  oci_spec_free (&s);
  if (CHECK_OK (convert ("{}", "", "amd64", "6.1", &s, &err), &err))
    CHECK (s.seccomp == NULL);
  oci_spec_free (&s);
}

static void
check_profile_rejected (const char *profile, const char *needle, const char *file, int line)
{
  struct oci_spec s;
  nook_error_t err = NULL;

  if (convert (profile, "CAP_CHOWN", "amd64", "6.1", &s, &err) >= 0)
    unit_fail_ (file, line, "accepted: %s", profile);
  else if (err == NULL)
    unit_fail_ (file, line, "failed without an error");
  else if (strstr (err->msg, needle) == NULL)
    unit_fail_ (file, line, "the message does not name `%s`: %s", needle, err->msg);
  else if (strstr (err->msg, "profile.json") == NULL)
    unit_fail_ (file, line, "the message does not name the file: %s", err->msg);
  else if (s.seccomp != NULL)
    unit_fail_ (file, line, "a half-read profile was kept");
  nook_error_free (&err);
  oci_spec_free (&s);
}
#define CHECK_PROFILE_REJECTED(p, needle) check_profile_rejected ((p), (needle), __FILE__, __LINE__)

TEST (common_profile_strict)
{
  struct oci_spec s;
  nook_error_t err = NULL;

  CHECK_PROFILE_REJECTED ("{'defaultAction': 'SCMP_ACT_ALLOW', 'bogus': 1}", "field `bogus`");
  CHECK_PROFILE_REJECTED ("{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['a'],"
                          " 'action': 'SCMP_ACT_ERRNO', 'includes': {'kernel': '5.8'}}]}",
                          "syscalls[0].includes.kernel");
  CHECK_PROFILE_REJECTED ("{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['a'],"
                          " 'action': 'SCMP_ACT_ERRNO', 'excludes': {'minKernel': '5'}}]}",
                          "syscalls[0].excludes.minKernel");
  CHECK_PROFILE_REJECTED ("{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['a'],"
                          " 'action': 'SCMP_ACT_ERRNO', 'args': [{'index': 0, 'value': 1,"
                          " 'op': 'SCMP_CMP_EQ', 'x': 1}]}]}",
                          "syscalls[0].args[0].x");
  /* Checked even in a rule that another architecture would keep.  */
  CHECK_PROFILE_REJECTED ("{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['a'],"
                          " 'action': 'SCMP_ACT_ERRNO'}, {'names': ['b'], 'action': 'SCMP_ACT_BAD',"
                          " 'includes': {'arches': ['s390x']}}]}",
                          "unknown seccomp action `SCMP_ACT_BAD` in `syscalls[1].action`");
  CHECK_PROFILE_REJECTED ("{'defaultAction': 'SCMP_ACT_NOTIFY'}", "SCMP_ACT_NOTIFY");
  CHECK_PROFILE_REJECTED ("{'defaultAction': 'SCMP_ACT_ALLOW', 'listenerPath': '/x'}",
                          "listenerPath");
  CHECK_PROFILE_REJECTED ("{'defaultAction': 'SCMP_ACT_ALLOW', 'archMap': [{'architecture':"
                          " 'SCMP_ARCH_Z80', 'subArchitectures': []}]}",
                          "SCMP_ARCH_Z80");
  CHECK_PROFILE_REJECTED ("{'defaultAction': 'SCMP_ACT_ALLOW', 'architectures': ['SCMP_ARCH_X86'],"
                          " 'archMap': [{'architecture': 'SCMP_ARCH_X86_64'}]}",
                          "archMap");
  CHECK_PROFILE_REJECTED ("{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'name': 'a',"
                          " 'names': ['b'], 'action': 'SCMP_ACT_ERRNO'}]}",
                          "syscalls[0].name");
  CHECK_PROFILE_REJECTED ("{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{"
                          " 'action': 'SCMP_ACT_ERRNO'}]}",
                          "syscalls[0].names");
  CHECK_PROFILE_REJECTED ("{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['a'],"
                          " 'action': 'SCMP_ACT_ERRNO', 'errnoRet': 'EPERM'}]}",
                          "syscalls[0].errnoRet");
  CHECK_PROFILE_REJECTED ("{'defaultAction': 'SCMP_ACT_ALLOW',", "profile.json");
  CHECK_PROFILE_REJECTED ("[]", "not a JSON object");
  /* A missing file is an error, not a container without a filter.  */
  memset (&s, 0, sizeof (s));
  CHECK_FAIL_ERRNO (container_seccomp_profile (&s, unit_path ("none.json"), NULL, NULL, &err), &err,
                    ENOENT, "none.json");
  CHECK (s.seccomp == NULL);
}

/* contrib/seccomp.json, next to the tests in the source tree.  */
static const char *
shipped_profile (void)
{
  char exe[4096];
  ssize_t n = readlink ("/proc/self/exe", exe, sizeof (exe) - 1);
  const char *cands[2] = { NULL, "contrib/seccomp.json" };

  if (n > 0)
    {
      exe[n] = '\0';
      /* BUILD/tests/unit/test-seccomp, BUILD in the source tree.  */
      for (int up = 0; up < 4; up++)
        {
          char *slash = strrchr (exe, '/');
          if (slash)
            *slash = '\0';
        }
      cands[0] = unit_fmt ("%s/contrib/seccomp.json", exe);
    }
  for (size_t i = 0; i < 2; i++)
    if (cands[i] && access (cands[i], R_OK) == 0)
      return cands[i];
  return NULL;
}

static const struct oci_seccomp_syscall *
rule_for (const struct oci_seccomp *sc, const char *name, const char *action)
{
  for (size_t i = 0; i < sc->n_syscalls; i++)
    if (strv_contains (sc->syscalls[i].names, name)
        && (action == NULL || strcmp (sc->syscalls[i].action, action) == 0))
      return &sc->syscalls[i];
  return NULL;
}

static int
load_shipped (const char *caps, const char *arch, struct oci_spec *s, nook_error_t *err)
{
  memset (s, 0, sizeof (*s));
  s->root_path = xstrdup ("rootfs");
  s->has_caps = true;
  for (char *save = NULL, *c = strtok_r (unit_fmt ("%s", caps), ",", &save); c;
       c = strtok_r (NULL, ",", &save))
    strv_push (&s->caps.bounding, xstrdup (c));
  return container_seccomp_profile (s, shipped_profile (), arch, NULL, err);
}

#define DEFAULT_CAPS                                                                               \
  "CAP_CHOWN,CAP_DAC_OVERRIDE,CAP_FOWNER,CAP_FSETID,CAP_KILL,CAP_NET_BIND_SERVICE,CAP_SETFCAP,"    \
  "CAP_SETGID,CAP_SETPCAP,CAP_SETUID,CAP_SYS_CHROOT"

TEST (shipped_profile_converts)
{
  struct oci_spec s;
  nook_error_t err = NULL;
  const struct oci_seccomp_syscall *r;

  if (shipped_profile () == NULL)
    {
      unit_fail_ (__FILE__, __LINE__, "contrib/seccomp.json not found from the test binary or cwd");
      return;
    }
  if (!CHECK_OK (load_shipped (DEFAULT_CAPS, "amd64", &s, &err), &err))
    return;
  CHECK_STR_EQ (s.seccomp->default_action, "SCMP_ACT_ERRNO");
  CHECK_INT_EQ (s.seccomp->default_errno_ret, ENOSYS);
  CHECK_INT_EQ (strv_len (s.seccomp->architectures), 3);
  CHECK (rule_for (s.seccomp, "arch_prctl", "SCMP_ACT_ALLOW") != NULL);
  CHECK (rule_for (s.seccomp, "chroot", "SCMP_ACT_ALLOW") != NULL); /* CAP_SYS_CHROOT */
  CHECK (rule_for (s.seccomp, "bpf", "SCMP_ACT_ALLOW") == NULL);
  r = rule_for (s.seccomp, "bpf", "SCMP_ACT_ERRNO");
  CHECK (r && r->has_errno_ret && r->errno_ret == EPERM);
  CHECK (rule_for (s.seccomp, "s390_runtime_instr", NULL) == NULL);
  /* What the init does once the filter is on, without noNewPrivileges.  */
  {
    static const char *const needed[]
        = { "prlimit64",   "prctl",      "setgroups", "setresgid", "setresuid",  "capget",
            "capset",      "newfstatat", "statx",     "faccessat", "faccessat2", "fcntl",
            "close_range", "sendto",     "close",     "read",      "execve",     "exit_group" };
    for (size_t i = 0; i < NOOK_ARRAY_SIZE (needed); i++)
      if (!rule_for (s.seccomp, needed[i], "SCMP_ACT_ALLOW"))
        unit_fail_ (__FILE__, __LINE__, "the profile does not allow %s", needed[i]);
  }
  CHECK (round_trip (&s));
  oci_spec_free (&s);

  if (!CHECK_OK (load_shipped (DEFAULT_CAPS ",CAP_SYS_ADMIN", "arm64", &s, &err), &err))
    return;
  CHECK (rule_for (s.seccomp, "bpf", "SCMP_ACT_ALLOW") != NULL);
  CHECK (rule_for (s.seccomp, "bpf", "SCMP_ACT_ERRNO") == NULL);
  CHECK (rule_for (s.seccomp, "arch_prctl", NULL) == NULL);
  CHECK_STR_EQ (s.seccomp->architectures[0], "SCMP_ARCH_AARCH64");
  oci_spec_free (&s);
}

/* ---- the filter, loaded in a forked child ---- */

/* Run FN in a child, with no_new_privs, after loading P; its exit code
   (0: every check passed; 1: a check failed, and FN returned its line;
   2: the load failed).  What failed is noted.  */
static int
run_filtered (const struct runtime_seccomp *p, int (*fn) (void))
{
  int pipefd[2], status, line;
  pid_t pid;

  if (pipe2 (pipefd, O_CLOEXEC) < 0)
    return -1;
  pid = fork ();
  if (pid == 0)
    {
      nook_error_t err = NULL;
      close (pipefd[0]);
      prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
      if (runtime_seccomp_load (p, &err) < 0)
        {
          dprintf (pipefd[1], "load: %s", err->msg);
          _exit (2);
        }
      line = fn ();
      if (line)
        dprintf (pipefd[1], "%s:%d: the check failed (errno %d)", __FILE__, line, errno);
      _exit (line ? 1 : 0);
    }
  close (pipefd[1]);
  {
    char msg[512] = "";
    ssize_t n = read (pipefd[0], msg, sizeof (msg) - 1);
    if (n > 0)
      unit_note ("in the child: %.*s", (int)n, msg);
  }
  close (pipefd[0]);
  if (pid < 0 || waitpid (pid, &status, 0) < 0)
    return -1;
  return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
}

static bool
same_program (const struct runtime_seccomp *a, const struct runtime_seccomp *b)
{
  return a->n_insns == b->n_insns && a->flags == b->flags
         && memcmp (a->insns, b->insns, a->n_insns * sizeof (*a->insns)) == 0;
}

/* The test's runtime root, holding the cache.  */
static const char *
cache_root (void)
{
  return unit_path ("runtime");
}

/* Run FN under SC's filter twice: built by libseccomp (and cached), then
   read from the cache; both must pass.  The exit code of the first run
   that does not.  */
static int
in_filtered_child (const struct oci_seccomp *sc, int (*fn) (void))
{
  for (int pass = 0; pass < 2; pass++)
    {
      _cleanup_ (runtime_seccomp_release) struct runtime_seccomp p = { 0 };
      nook_error_t err = NULL;
      int rc;

      if (!CHECK_OK (runtime_seccomp_prepare (cache_root (), sc, &p, &err), &err))
        return 2;
      if (p.from_cache != (pass == 1))
        {
          unit_note ("pass %d: from the cache: %d", pass, p.from_cache);
          return 3;
        }
      rc = run_filtered (&p, fn);
      if (rc != 0)
        {
          unit_note ("failed %s", pass ? "from the cache" : "as built");
          return rc;
        }
    }
  return 0;
}

#define EXPECT(cond)                                                                               \
  do                                                                                               \
    if (!(cond))                                                                                   \
      return __LINE__;                                                                             \
  while (0)

#define RULE_FD 100 /* the fd the fcntl rule names */

static int
child_small (void)
{
  int fd;

  errno = 0;
  EXPECT (mkdir (unit_path ("a"), 0755) < 0 && errno == EPERM);
  EXPECT (mkdirat (AT_FDCWD, unit_path ("b"), 0755) < 0 && errno == EPERM);
  /* MASKED_EQ: (flags & O_CREAT) == O_CREAT.  */
  EXPECT (open (unit_path ("c"), O_WRONLY | O_CREAT | O_CLOEXEC, 0644) < 0 && errno == EROFS);
  fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  EXPECT (fd >= 0 && fd != RULE_FD && dup2 (fd, RULE_FD) == RULE_FD);
  /* Two conditions on one argument: either one (ORed, as runc).  */
  EXPECT (lseek (fd, 0, SEEK_END) < 0 && errno == EDOM);
  EXPECT (lseek (fd, 0, SEEK_DATA) < 0 && errno == EDOM);
  EXPECT (lseek (fd, 0, SEEK_SET) == 0);
  /* Conditions on two arguments: both (ANDed).  */
  EXPECT (fcntl (RULE_FD, F_GETFD) == -1 && errno == EXDEV);
  EXPECT (fcntl (RULE_FD, F_GETFL) >= 0);
  EXPECT (fcntl (fd, F_GETFD) >= 0);
  EXPECT (syscall (SYS_getpid) == getpid ());
  return 0;
}

static int
child_mkdir_only (void)
{
  errno = 0;
  EXPECT (mkdir (unit_path ("a"), 0755) < 0 && errno == EPERM);
  EXPECT (open (unit_path ("c"), O_WRONLY | O_CREAT | O_CLOEXEC, 0644) >= 0);
  return 0;
}

/* Under a filter that allows little (what a sanitizer's runtime needs
   too).  */
static int
child_errno_defaults (void)
{
  errno = 0;
  /* A rule without errnoRet: EPERM, not defaultErrnoRet (runtime spec,
     runc, crun).  */
  EXPECT (mkdir (unit_path ("a"), 0755) < 0 && errno == EPERM);
  /* The default action: defaultErrnoRet.  */
  EXPECT (rmdir (unit_path ("a")) < 0 && errno == EBADFD);
  EXPECT (syscall (SYS_getpid) > 0);
  return 0;
}

static struct oci_seccomp *
parse_seccomp (const char *json, struct oci_spec *s)
{
  const char *text = config (json);
  nook_error_t err = NULL;

  if (!CHECK_OK (oci_spec_parse (text, strlen (text), s, &err), &err))
    return NULL;
  return s->seccomp;
}

TEST (filter_small_profile)
{
  struct oci_spec s;
  struct oci_seccomp *sc = parse_seccomp (
      unit_fmt (
          "{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': ["
          " {'names': ['mkdir', 'no_such_syscall_at_all', 'mkdirat'], 'action': 'SCMP_ACT_ERRNO'},"
          " {'names': ['open'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': %d,"
          "  'args': [{'index': 1, 'value': %d, 'valueTwo': %d, 'op': 'SCMP_CMP_MASKED_EQ'}]},"
          " {'names': ['openat'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': %d,"
          "  'args': [{'index': 2, 'value': %d, 'valueTwo': %d, 'op': 'SCMP_CMP_MASKED_EQ'}]},"
          " {'names': ['lseek'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': %d, 'args': ["
          "  {'index': 2, 'value': %d, 'op': 'SCMP_CMP_EQ'},"
          "  {'index': 2, 'value': %d, 'op': 'SCMP_CMP_EQ'}]},"
          " {'names': ['fcntl'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': %d, 'args': ["
          "  {'index': 0, 'value': %d, 'op': 'SCMP_CMP_EQ'},"
          "  {'index': 1, 'value': %d, 'op': 'SCMP_CMP_EQ'}]},"
          " {'names': ['getpid'], 'action': 'SCMP_ACT_ALLOW'}]}",
          EROFS, O_CREAT, O_CREAT, EROFS, O_CREAT, O_CREAT, EDOM, SEEK_END, SEEK_DATA, EXDEV,
          RULE_FD, F_GETFD),
      &s);

  if (sc == NULL)
    return;
  CHECK_INT_EQ (in_filtered_child (sc, child_small), 0);
  oci_spec_free (&s);
  /* The test process itself is not filtered.  */
  CHECK (mkdir (unit_path ("free"), 0755) == 0);
}

static int
child_shipped (void)
{
  errno = 0;
  /* The default action: ENOSYS for what the profile does not know.  */
  EXPECT (syscall (1023) == -1 && errno == ENOSYS);
  /* Without CAP_SYS_ADMIN in the bounding set: EPERM.  */
  EXPECT (syscall (SYS_bpf, 0, NULL, 0) == -1 && errno == EPERM);
  EXPECT (mkdir (unit_path ("ok"), 0755) == 0 && rmdir (unit_path ("ok")) == 0);
  EXPECT (syscall (SYS_getpid) == getpid ());
  /* The audit socket is refused without CAP_AUDIT_WRITE.  */
  EXPECT (socket (16 /* AF_NETLINK */, SOCK_RAW, 9 /* NETLINK_AUDIT */) == -1 && errno == EINVAL);
  return 0;
}

static double
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

TEST (filter_shipped_profile)
{
  struct oci_spec s;
  nook_error_t err = NULL;
  double t0, t1, t2;

  if (shipped_profile () == NULL)
    {
      unit_fail_ (__FILE__, __LINE__, "contrib/seccomp.json not found");
      return;
    }
  t0 = now_ms ();
  if (!CHECK_OK (load_shipped (DEFAULT_CAPS, NULL, &s, &err), &err))
    return;
  t1 = now_ms ();
  CHECK_INT_EQ (in_filtered_child (s.seccomp, child_shipped), 0);
  t2 = now_ms ();
  unit_note ("default profile: read and converted in %.2f ms, built, cached, loaded from both"
             " (two forks) in %.2f ms",
             t1 - t0, t2 - t1);
  /* Once more in a new cache: building, then the key and the read alone
     (libcrypto is loaded by now).  */
  {
    _cleanup_ (runtime_seccomp_release) struct runtime_seccomp built = { 0 }, read = { 0 };
    const char *root = unit_path ("timing");

    t0 = now_ms ();
    CHECK_OK (runtime_seccomp_prepare (root, s.seccomp, &built, &err), &err);
    t1 = now_ms ();
    CHECK_OK (runtime_seccomp_prepare (root, s.seccomp, &read, &err), &err);
    t2 = now_ms ();
    CHECK (read.from_cache && same_program (&built, &read));
    unit_note ("default profile: %zu instructions built in %.2f ms, from the cache in %.2f ms",
               built.n_insns, t1 - t0, t2 - t1);
  }
  oci_spec_free (&s);
}

/* exec takes the filter create cached for the container, by the key
   create left in its state directory; anything amiss there (no key, a
   key that is not one, a filter gone from the cache or not whole) is
   "not reused", never a wrong filter.  */
TEST (filter_reused_by_key)
{
  struct oci_spec s;
  _cleanup_ (runtime_seccomp_release) struct runtime_seccomp built = { 0 }, got = { 0 };
  nook_error_t err = NULL;
  const char *root = unit_path ("reuse"), *dir = unit_path ("reuse/ctr");
  _cleanup_free_ char *cached = NULL, *keyfile = NULL, *other = NULL;
  char bad[64];

  if (!CHECK_OK (load_shipped (DEFAULT_CAPS, NULL, &s, &err), &err))
    return;
  CHECK (mkdir (root, 0700) == 0 && mkdir (dir, 0700) == 0);
  if (!CHECK_OK (runtime_seccomp_prepare (root, s.seccomp, &built, &err), &err))
    goto out;
  CHECK_INT_EQ (strlen (built.key), 64);
  CHECK (!runtime_seccomp_reuse (root, dir, s.seccomp, &got) && got.insns == NULL);
  CHECK_OK (runtime_seccomp_remember (dir, &built, &err), &err);
  if (CHECK (runtime_seccomp_reuse (root, dir, s.seccomp, &got)))
    {
      CHECK (got.from_cache && same_program (&built, &got) && got.flags == built.flags);
      CHECK_STR_EQ (got.key, built.key);
      runtime_seccomp_release (&got);
    }
  /* A filter that is not the key's: its digest does not match.  */
  cached = xasprintf ("%s/.seccomp/%s.bpf", root, built.key);
  keyfile = xasprintf ("%s/seccomp.key", dir);
  memset (bad, 'a', sizeof (bad));
  other = xasprintf ("%s/.seccomp/%.64s.bpf", root, bad);
  CHECK (link (cached, other) == 0);
  unit_write_file (keyfile, bad, sizeof (bad), 0600);
  CHECK (!runtime_seccomp_reuse (root, dir, s.seccomp, &got) && got.insns == NULL);
  unit_write_file (keyfile, "xyz", 3, 0600);
  CHECK (!runtime_seccomp_reuse (root, dir, s.seccomp, &got) && got.insns == NULL);
  /* The right key, the cached filter cut short, then gone.  */
  unit_write_file (keyfile, built.key, 64, 0600);
  CHECK (truncate (cached, 200) == 0);
  CHECK (!runtime_seccomp_reuse (root, dir, s.seccomp, &got) && got.insns == NULL);
  CHECK (unlink (cached) == 0);
  CHECK (!runtime_seccomp_reuse (root, dir, s.seccomp, &got) && got.insns == NULL);
out:
  oci_spec_free (&s);
}

TEST (filter_errno_defaults)
{
  struct oci_spec s;
  struct oci_seccomp *sc = parse_seccomp (
      unit_fmt ("{'defaultAction': 'SCMP_ACT_ERRNO', 'defaultErrnoRet': %d, 'syscalls': ["
                " {'names': ['mkdir', 'mkdirat'], 'action': 'SCMP_ACT_ERRNO'},"
                " {'names': ['exit_group', 'exit', 'brk', 'mmap', 'munmap', 'mprotect', 'madvise',"
                "  'write', 'rt_sigreturn', 'rt_sigaction', 'rt_sigprocmask', 'sigaltstack',"
                "  'getpid', 'gettid', 'fstat', 'newfstatat', 'readlink', 'openat', 'read',"
                "  'close', 'prctl', 'sched_yield'], 'action': 'SCMP_ACT_ALLOW'}]}",
                EBADFD),
      &s);

  if (sc == NULL)
    return;
  CHECK_INT_EQ (in_filtered_child (sc, child_errno_defaults), 0);
  oci_spec_free (&s);
}

TEST (filter_flags)
{
  struct oci_spec s;
  struct oci_seccomp *sc = parse_seccomp (
      "{'defaultAction': 'SCMP_ACT_ALLOW', 'flags': ['SECCOMP_FILTER_FLAG_LOG',"
      " 'SECCOMP_FILTER_FLAG_SPEC_ALLOW', 'SECCOMP_FILTER_FLAG_TSYNC'],"
      " 'architectures': ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_AARCH64',"
      " 'SCMP_ARCH_LOONGARCH64', 'SCMP_ARCH_SHEB'],"
      " 'syscalls': [{'names': ['mkdir', 'mkdirat'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': 1}]}",
      &s);

  if (sc == NULL)
    return;
  CHECK_INT_EQ (in_filtered_child (sc, child_mkdir_only), 0);
  {
    _cleanup_ (runtime_seccomp_release) struct runtime_seccomp p = { 0 };
    nook_error_t err = NULL;
    if (CHECK_OK (runtime_seccomp_prepare (NULL, sc, &p, &err), &err))
      CHECK_INT_EQ (p.flags, SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW
                                 | SECCOMP_FILTER_FLAG_TSYNC);
  }
  oci_spec_free (&s);
}

/* The comparisons filter_small_profile does not run (NE, LT, LE, GE,
   GT), each on a syscall of its own whose argument can be anything
   harmlessly, against OP_VALUE: the rule's errno on one side, the
   syscall's own result on the other.  Above 32 bits too: on a 64-bit
   ABI libseccomp compares both halves of an argument, and the kernel
   truncates these pid and policy arguments to an int (so 2^32 + n is
   n to the syscall, and harmless).  */
#define OP_VALUE 10
#define OP_HIGH  0x100000000L /* 2^32: its low half is 0 */

/* NR (A0, A1) failed with ERRNUM, the errno of its rule.  */
static bool
refused (long nr, long a0, long a1, int errnum)
{
  errno = 0;
  return syscall (nr, a0, a1) == -1 && errno == errnum;
}

static int
child_operators (void)
{
  /* NE: getpgid (pid).  */
  EXPECT (refused (SYS_getpgid, OP_VALUE - 1, 0, ENOTUNIQ));
  EXPECT (!refused (SYS_getpgid, OP_VALUE, 0, ENOTUNIQ));
  EXPECT (refused (SYS_getpgid, OP_VALUE + 1, 0, ENOTUNIQ));
  EXPECT (refused (SYS_getpgid, OP_HIGH + OP_VALUE, 0, ENOTUNIQ));
  /* LT: getsid (pid).  */
  EXPECT (refused (SYS_getsid, 0, 0, EBADSLT));
  EXPECT (refused (SYS_getsid, OP_VALUE - 1, 0, EBADSLT));
  EXPECT (!refused (SYS_getsid, OP_VALUE, 0, EBADSLT));
  EXPECT (!refused (SYS_getsid, OP_VALUE + 1, 0, EBADSLT));
  EXPECT (!refused (SYS_getsid, OP_HIGH, 0, EBADSLT));
  /* LE: sched_get_priority_max (policy).  */
  EXPECT (refused (SYS_sched_get_priority_max, OP_VALUE - 1, 0, ENOANO));
  EXPECT (refused (SYS_sched_get_priority_max, OP_VALUE, 0, ENOANO));
  EXPECT (!refused (SYS_sched_get_priority_max, OP_VALUE + 1, 0, ENOANO));
  EXPECT (!refused (SYS_sched_get_priority_max, OP_HIGH, 0, ENOANO));
  /* GE: sched_get_priority_min (policy).  */
  EXPECT (!refused (SYS_sched_get_priority_min, 0, 0, EBADRQC));
  EXPECT (!refused (SYS_sched_get_priority_min, OP_VALUE - 1, 0, EBADRQC));
  EXPECT (refused (SYS_sched_get_priority_min, OP_VALUE, 0, EBADRQC));
  EXPECT (refused (SYS_sched_get_priority_min, OP_VALUE + 1, 0, EBADRQC));
  EXPECT (refused (SYS_sched_get_priority_min, OP_HIGH, 0, EBADRQC));
  /* GT: getpriority (which, who), on its second argument.  */
  EXPECT (!refused (SYS_getpriority, PRIO_PROCESS, OP_VALUE - 1, EDOTDOT));
  EXPECT (!refused (SYS_getpriority, PRIO_PROCESS, OP_VALUE, EDOTDOT));
  EXPECT (refused (SYS_getpriority, PRIO_PROCESS, OP_VALUE + 1, EDOTDOT));
  EXPECT (refused (SYS_getpriority, PRIO_PROCESS, OP_HIGH, EDOTDOT));
  /* The first argument is not what GT looks at.  */
  EXPECT (!refused (SYS_getpriority, OP_VALUE + 1, 0, EDOTDOT));
  return 0;
}

TEST (filter_argument_operators)
{
  struct oci_spec s;
  struct oci_seccomp *sc = parse_seccomp (
      unit_fmt ("{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': ["
                " {'names': ['getpgid'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': %d,"
                "  'args': [{'index': 0, 'value': %d, 'op': 'SCMP_CMP_NE'}]},"
                " {'names': ['getsid'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': %d,"
                "  'args': [{'index': 0, 'value': %d, 'op': 'SCMP_CMP_LT'}]},"
                " {'names': ['sched_get_priority_max'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': %d,"
                "  'args': [{'index': 0, 'value': %d, 'op': 'SCMP_CMP_LE'}]},"
                " {'names': ['sched_get_priority_min'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': %d,"
                "  'args': [{'index': 0, 'value': %d, 'op': 'SCMP_CMP_GE'}]},"
                " {'names': ['getpriority'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': %d,"
                "  'args': [{'index': 1, 'value': %d, 'op': 'SCMP_CMP_GT'}]}]}",
                ENOTUNIQ, OP_VALUE, EBADSLT, OP_VALUE, ENOANO, OP_VALUE, EBADRQC, OP_VALUE, EDOTDOT,
                OP_VALUE),
      &s);

  if (sc == NULL)
    return;
  CHECK_INT_EQ (in_filtered_child (sc, child_operators), 0);
  oci_spec_free (&s);
}

#if defined(__x86_64__)
#define X32_SYSCALL_BIT 0x40000000L

/* A conditional jump on AUDIT_ARCH: libseccomp's test of
   seccomp_data.arch for each architecture of the filter.  */
static bool
checks_arch (const struct runtime_seccomp *p, uint32_t arch)
{
  for (size_t i = 0; i < p->n_insns; i++)
    if (p->insns[i].code == (BPF_JMP | BPF_JEQ | BPF_K) && p->insns[i].k == arch)
      return true;
  return false;
}

/* getpid refused on the native and the x32 ABI.  Seccomp runs before
   the syscall table: the rule answers even on a kernel built without
   x32 (which would say ENOSYS).  */
static int
child_x32 (void)
{
  EXPECT (refused (SYS_getpid, 0, 0, EXDEV));
  EXPECT (refused (X32_SYSCALL_BIT | SYS_getpid, 0, 0, EXDEV));
  return 0;
}

/* The x32 call without x32 in the profile: never reaches the syscall
   (libseccomp's bad-architecture action kills).  */
static int
child_x32_not_listed (void)
{
  struct rlimit no_core = { 0, 0 };

  setrlimit (RLIMIT_CORE, &no_core);
  syscall (X32_SYSCALL_BIT | SYS_getpid);
  return __LINE__;
}

/* The profile's architectures are in the program: x86 (int 0x80, which
   this test cannot count on running) seen in the BPF, x32 by calling
   it.  */
TEST (filter_architectures)
{
  static const char rule[] = " 'syscalls': [{'names': ['getpid'], 'action': 'SCMP_ACT_ERRNO',"
                             " 'errnoRet': %d}]}";
  struct oci_spec with, without;
  struct oci_seccomp *sc_with = parse_seccomp (
      unit_fmt ("{'defaultAction': 'SCMP_ACT_ALLOW', 'architectures': ['SCMP_ARCH_X86_64',"
                " 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],%s",
                unit_fmt (rule, EXDEV)),
      &with);
  struct oci_seccomp *sc_without;

  if (sc_with == NULL)
    return;
  sc_without = parse_seccomp (
      unit_fmt ("{'defaultAction': 'SCMP_ACT_ALLOW', 'architectures': ['SCMP_ARCH_X86_64'],%s",
                unit_fmt (rule, EXDEV)),
      &without);
  if (sc_without == NULL)
    {
      oci_spec_free (&with);
      return;
    }
  {
    _cleanup_ (runtime_seccomp_release) struct runtime_seccomp p = { 0 }, q = { 0 };
    nook_error_t err = NULL;

    if (CHECK_OK (runtime_seccomp_prepare (NULL, sc_with, &p, &err), &err)
        && CHECK_OK (runtime_seccomp_prepare (NULL, sc_without, &q, &err), &err))
      {
        CHECK (checks_arch (&p, AUDIT_ARCH_X86_64));
        CHECK (checks_arch (&p, AUDIT_ARCH_I386));
        CHECK (checks_arch (&q, AUDIT_ARCH_X86_64));
        CHECK (!checks_arch (&q, AUDIT_ARCH_I386));
        CHECK_INT_EQ (run_filtered (&q, child_x32_not_listed), 128 + SIGSYS);
      }
  }
  CHECK_INT_EQ (in_filtered_child (sc_with, child_x32), 0);
  oci_spec_free (&with);
  oci_spec_free (&without);
}
#endif

/* Prepare SC without a cache: what fails, fails here, before a child
   exists.  */
static int
prepare (const struct oci_seccomp *sc, nook_error_t *err)
{
  _cleanup_ (runtime_seccomp_release) struct runtime_seccomp p = { 0 };
  return runtime_seccomp_prepare (NULL, sc, &p, err);
}

TEST (filter_errors)
{
  struct oci_seccomp_syscall rule = { 0 };
  struct oci_seccomp_arg arg = { .index = 0, .value = 1 };
  struct oci_seccomp sc = { 0 };
  char *names[] = { (char *)"mkdir", NULL };
  _cleanup_ (runtime_seccomp_release) struct runtime_seccomp p = { 0 };
  nook_error_t err = NULL;

  /* The parser refuses these; the translation does too.  These fail
     before anything is loaded.  */
  sc.default_action = (char *)"SCMP_ACT_BOGUS";
  CHECK_FAIL (prepare (&sc, &err), &err, "SCMP_ACT_BOGUS");
  sc.default_action = (char *)"SCMP_ACT_NOTIFY";
  CHECK_FAIL (prepare (&sc, &err), &err, "SCMP_ACT_NOTIFY");
  sc.default_action = (char *)"SCMP_ACT_ALLOW";
  sc.syscalls = &rule;
  sc.n_syscalls = 1;
  rule.names = names;
  rule.action = (char *)"SCMP_ACT_KILL_EVERYTHING";
  CHECK_FAIL (prepare (&sc, &err), &err, "SCMP_ACT_KILL_EVERYTHING");
  rule.action = (char *)"SCMP_ACT_ERRNO";
  rule.args = &arg;
  rule.n_args = 1;
  arg.op = (char *)"SCMP_CMP_ABOUT";
  CHECK_FAIL (prepare (&sc, &err), &err, "SCMP_CMP_ABOUT");
  arg.op = (char *)"SCMP_CMP_EQ";
  sc.architectures = (char *[]){ (char *)"X86_64", NULL };
  CHECK_FAIL (prepare (&sc, &err), &err, "X86_64");
  /* With a cache: the same failure, and nothing cached.  */
  CHECK_FAIL (runtime_seccomp_prepare (cache_root (), &sc, &p, &err), &err, "X86_64");
  CHECK (!unit_exists (unit_path ("runtime/.seccomp")));
  sc.architectures = NULL;
  sc.flags = (char *[]){ (char *)"SECCOMP_FILTER_FLAG_NEW_LISTENER", NULL };
  CHECK_FAIL (prepare (&sc, &err), &err, "SECCOMP_FILTER_FLAG_NEW_LISTENER");
  sc.flags = (char *[]){ (char *)"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", NULL };
  CHECK_FAIL (prepare (&sc, &err), &err, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV");
  /* Still free to make directories.  */
  CHECK (mkdir (unit_path ("free"), 0755) == 0);
}

/* A kernel without SECCOMP_FILTER_FLAG_LOG, as a filter that makes
   seccomp() say EINVAL to that flag, as such a kernel does: the flag is
   refused by name, before a filter would be loaded without it.  */
TEST (filter_flag_the_kernel_lacks)
{
  struct oci_seccomp sc = { .default_action = (char *)"SCMP_ACT_ALLOW" };
  int status;
  pid_t pid;

  sc.flags = (char *[]){ (char *)"SECCOMP_FILTER_FLAG_SPEC_ALLOW",
                         (char *)"SECCOMP_FILTER_FLAG_LOG", NULL };
  pid = fork ();
  if (pid == 0)
    {
      scmp_filter_ctx ctx = seccomp_init (SCMP_ACT_ALLOW);
      nook_error_t err = NULL;

      prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
      if (ctx == NULL
          || seccomp_rule_add (ctx, SCMP_ACT_ERRNO (EINVAL), SCMP_SYS (seccomp), 1,
                               SCMP_A1 (SCMP_CMP_EQ, SECCOMP_FILTER_FLAG_LOG))
                 < 0
          || seccomp_load (ctx) < 0)
        _exit (3);
      if (prepare (&sc, &err) == 0)
        _exit (1);
      if (strstr (err->msg, "seccomp flag `SECCOMP_FILTER_FLAG_LOG` is not supported by the kernel")
          == NULL)
        {
          printf ("# %s\n", err->msg);
          _exit (2);
        }
      _exit (0);
    }
  CHECK (pid > 0 && waitpid (pid, &status, 0) == pid);
  CHECK (WIFEXITED (status) && WEXITSTATUS (status) == 0);
}

/* ---- the cache ---- */

static const char *
key_of (const struct oci_seccomp *sc)
{
  nook_error_t err = NULL;
  char hex[65];

  if (!CHECK_OK (runtime_seccomp_key (sc, hex, &err), &err))
    return "";
  CHECK (nook_is_hex (hex, 64));
  return unit_fmt ("%s", hex);
}

TEST (cache_key)
{
  struct oci_spec s, t;
  struct oci_seccomp *sc = parse_seccomp (full_profile, &s);
  const char *keys[32];
  size_t n = 0;

  if (sc == NULL)
    return;
  keys[n++] = key_of (sc);
  /* The same profile written another way: the same key.  */
  {
    const char *text = config (
        "{ 'syscalls': [{'action': 'SCMP_ACT_ALLOW', 'names': ['read', 'write']},"
        "  {'names': ['mkdir'], 'errnoRet': 1, 'action': 'SCMP_ACT_ERRNO'},"
        "  {'names': ['personality'], 'action': 'SCMP_ACT_ALLOW', 'args': ["
        "    {'op': 'SCMP_CMP_EQ', 'index': 0, 'value': 18446744073709551615},"
        "    {'index': 1, 'value': 255, 'valueTwo': 8, 'op': 'SCMP_CMP_MASKED_EQ'}]},"
        "  {'names': ['ptrace'], 'action': 'SCMP_ACT_TRACE', 'errnoRet': 42},"
        "  {'names': ['kexec_load'], 'action': 'SCMP_ACT_KILL_PROCESS'},"
        "  {'names': ['a', 'b'], 'action': 'SCMP_ACT_KILL'},"
        "  {'names': ['c'], 'action': 'SCMP_ACT_KILL_THREAD'},"
        "  {'names': ['d'], 'action': 'SCMP_ACT_TRAP'},"
        "  {'names': ['e'], 'action': 'SCMP_ACT_LOG', 'args': ["
        "    {'index': 5, 'value': 1, 'op': 'SCMP_CMP_NE'}, {'index': 4, 'value': 1, 'op': "
        "'SCMP_CMP_LT'},"
        "    {'index': 3, 'value': 1, 'op': 'SCMP_CMP_LE'}, {'index': 2, 'value': 1, 'op': "
        "'SCMP_CMP_GE'},"
        "    {'index': 1, 'value': 1, 'op': 'SCMP_CMP_GT'}]}],"
        " 'flags': ['SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW'],"
        " 'defaultErrnoRet': 38, 'defaultAction': 'SCMP_ACT_ERRNO',"
        " 'architectures': ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']}");
    nook_error_t err = NULL;
    if (CHECK_OK (oci_spec_parse (text, strlen (text), &t, &err), &err))
      {
        CHECK_STR_EQ (key_of (t.seccomp), keys[0]);
        oci_spec_free (&t);
      }
  }
  /* Anything changed, a new key: each change below is undone after.  */
#define CHANGED(field, value)                                                                      \
  do                                                                                               \
    {                                                                                              \
      __typeof__ (field) saved_ = (field);                                                         \
      (field) = (value);                                                                           \
      keys[n++] = key_of (sc);                                                                     \
      (field) = saved_;                                                                            \
    }                                                                                              \
  while (0)
  CHANGED (sc->default_action, (char *)"SCMP_ACT_KILL");
  CHANGED (sc->default_errno_ret, 1);
  CHANGED (sc->architectures[2], NULL);
  CHANGED (sc->architectures[0], (char *)"SCMP_ARCH_AARCH64");
  CHANGED (sc->flags[1], NULL);
  CHANGED (sc->flags[0], (char *)"SECCOMP_FILTER_FLAG_TSYNC");
  CHANGED (sc->n_syscalls, sc->n_syscalls - 1);
  CHANGED (sc->syscalls[0].names[1], NULL);
  CHANGED (sc->syscalls[0].names[1], (char *)"open");
  CHANGED (sc->syscalls[0].action, (char *)"SCMP_ACT_LOG");
  CHANGED (sc->syscalls[1].errno_ret, 2);
  CHANGED (sc->syscalls[1].has_errno_ret, false);
  CHANGED (sc->syscalls[2].n_args, 1);
  CHANGED (sc->syscalls[2].args[0].value, 0);
  CHANGED (sc->syscalls[2].args[0].index, 2);
  CHANGED (sc->syscalls[2].args[1].value_two, 9);
  CHANGED (sc->syscalls[2].args[1].op, (char *)"SCMP_CMP_EQ");
#undef CHANGED
  CHECK_STR_EQ (key_of (sc), keys[0]);
  for (size_t i = 0; i < n; i++)
    for (size_t k = i + 1; k < n; k++)
      if (strcmp (keys[i], keys[k]) == 0)
        unit_fail_ (__FILE__, __LINE__, "changes %zu and %zu have the same key", i, k);
  oci_spec_free (&s);
}

static const char small_profile[]
    = "{'defaultAction': 'SCMP_ACT_ALLOW', 'flags': ['SECCOMP_FILTER_FLAG_LOG'],"
      " 'syscalls': [{'names': ['mkdir', 'mkdirat'], 'action': 'SCMP_ACT_ERRNO'},"
      " {'names': ['open', 'openat'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': 30}]}";

/* The cache file of SC (which must be there).  */
static const char *
cache_file (const struct oci_seccomp *sc)
{
  return unit_fmt ("%s/.seccomp/%s.bpf", cache_root (), key_of (sc));
}

/* Prepare SC with the cache; FROM_CACHE is whether it must hit.  */
static bool
check_prepare (const struct oci_seccomp *sc, bool from_cache, struct runtime_seccomp *p,
               const char *file, int line)
{
  nook_error_t err = NULL;

  if (runtime_seccomp_prepare (cache_root (), sc, p, &err) < 0)
    {
      unit_fail_ (file, line, "prepare: %s", err->msg);
      nook_error_free (&err);
      return false;
    }
  if (p->from_cache != from_cache)
    {
      unit_fail_ (file, line, "%s the cache, expected %s", p->from_cache ? "from" : "not from",
                  from_cache ? "from it" : "not from it");
      return false;
    }
  return true;
}
#define CHECK_PREPARE(sc, from_cache, p) check_prepare ((sc), (from_cache), (p), __FILE__, __LINE__)

/* The names in DIR, space-separated, sorted.  */
static const char *
dir_names (const char *dir)
{
  _cleanup_strv_ char **names = NULL;
  _cleanup_free_ char *joined = NULL;
  struct dirent **list;
  int n = scandir (dir, &list, NULL, alphasort);

  for (int i = 0; i < n; i++)
    {
      if (list[i]->d_name[0] != '.' || strncmp (list[i]->d_name, ".tmp", 4) == 0)
        strv_push (&names, xstrdup (list[i]->d_name));
      free (list[i]);
    }
  if (n >= 0)
    free (list);
  joined = names ? strv_join (names, " ") : xstrdup ("");
  return unit_fmt ("%s", joined);
}

TEST (cache_round_trip)
{
  _cleanup_ (runtime_seccomp_release) struct runtime_seccomp built = { 0 }, read = { 0 };
  struct oci_spec s;
  struct oci_seccomp *sc = parse_seccomp (small_profile, &s);
  struct stat st;

  if (sc == NULL)
    return;
  if (!CHECK_PREPARE (sc, false, &built))
    return;
  CHECK (built.n_insns > 0);
  CHECK_INT_EQ (built.flags, SECCOMP_FILTER_FLAG_LOG);
  /* One file, named by the key, 0600 in a 0700 directory; the header
     (80 bytes) and the instructions.  */
  CHECK_STR_EQ (dir_names (unit_path ("runtime/.seccomp")), unit_fmt ("%s.bpf", key_of (sc)));
  CHECK (stat (unit_path ("runtime/.seccomp"), &st) == 0 && (st.st_mode & 07777) == 0700);
  CHECK (stat (cache_file (sc), &st) == 0 && (st.st_mode & 07777) == 0600);
  CHECK_INT_EQ (st.st_size, 80 + built.n_insns * sizeof (struct sock_filter));
  if (CHECK_PREPARE (sc, true, &read))
    CHECK (same_program (&built, &read));
  CHECK_STR_EQ (dir_names (unit_path ("runtime/.seccomp")), unit_fmt ("%s.bpf", key_of (sc)));
  oci_spec_free (&s);
}

/* Damage the cache file of SC with HOW; the next prepare must build
   again, make the same program and rewrite the file whole.  */
static void
check_damage (const struct oci_seccomp *sc, const struct runtime_seccomp *good,
              void (*how) (const char *path, const char *other), const char *other,
              const char *what)
{
  _cleanup_ (runtime_seccomp_release) struct runtime_seccomp p = { 0 }, again = { 0 };
  const char *path = cache_file (sc);

  unit_note ("damage: %s", what);
  how (path, other);
  if (CHECK_PREPARE (sc, false, &p))
    CHECK (same_program (good, &p));
  if (CHECK_PREPARE (sc, true, &again))
    CHECK (same_program (good, &again));
}

static void
truncate_insn (const char *path, const char *other)
{
  struct stat st;
  if (stat (path, &st) < 0 || truncate (path, st.st_size - 8) < 0)
    abort ();
}

static void
truncate_odd (const char *path, const char *other)
{
  struct stat st;
  if (stat (path, &st) < 0 || truncate (path, st.st_size - 3) < 0)
    abort ();
}

static void
truncate_header (const char *path, const char *other)
{
  if (truncate (path, 80) < 0)
    abort ();
}

static void
make_empty (const char *path, const char *other)
{
  unit_write_file (path, "", 0, 0600);
}

static void
append_insn (const char *path, const char *other)
{
  int fd = open (path, O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0 || write (fd, "\x06\0\0\0\0\0\xff\x7f", 8) != 8)
    abort ();
  close (fd);
}

static void
flip_at (const char *path, off_t where)
{
  int fd = open (path, O_RDWR | O_CLOEXEC);
  unsigned char c;
  if (fd < 0 || pread (fd, &c, 1, where) != 1)
    abort ();
  c ^= 0x01;
  if (pwrite (fd, &c, 1, where) != 1)
    abort ();
  close (fd);
}

static void
flip_magic (const char *path, const char *other)
{
  flip_at (path, 0);
}

static void
flip_format (const char *path, const char *other)
{
  flip_at (path, 8);
}

static void
flip_count (const char *path, const char *other)
{
  flip_at (path, 12);
}

static void
flip_digest (const char *path, const char *other)
{
  flip_at (path, 16);
}

static void
flip_last_insn (const char *path, const char *other)
{
  struct stat st;
  if (stat (path, &st) < 0)
    abort ();
  flip_at (path, st.st_size - 4); /* the k of the last RET */
}

/* A whole, valid cache file, of another profile.  */
static void
copy_other (const char *path, const char *other)
{
  _cleanup_free_ char *data = NULL;
  size_t len;
  nook_error_t err = NULL;
  if (nook_read_file_at (AT_FDCWD, other, 1 << 20, &data, &len, &err) < 0)
    abort ();
  unit_write_file (path, data, len, 0600);
}

static void
symlink_other (const char *path, const char *other)
{
  if (unlink (path) < 0 || symlink (other, path) < 0)
    abort ();
}

TEST (cache_rejects_damaged_files)
{
  _cleanup_ (runtime_seccomp_release) struct runtime_seccomp good = { 0 }, other = { 0 };
  struct oci_spec s, t;
  struct oci_seccomp *sc = parse_seccomp (small_profile, &s);
  struct oci_seccomp *sc2 = parse_seccomp (full_profile, &t);
  const char *other_file;

  if (sc == NULL || sc2 == NULL)
    return;
  if (!CHECK_PREPARE (sc, false, &good) || !CHECK_PREPARE (sc2, false, &other))
    return;
  other_file = cache_file (sc2);
  check_damage (sc, &good, truncate_insn, NULL, "one instruction short");
  check_damage (sc, &good, truncate_odd, NULL, "cut inside an instruction");
  check_damage (sc, &good, truncate_header, NULL, "the header alone");
  check_damage (sc, &good, make_empty, NULL, "empty");
  check_damage (sc, &good, append_insn, NULL, "an instruction more");
  check_damage (sc, &good, flip_magic, NULL, "magic");
  check_damage (sc, &good, flip_format, NULL, "format");
  check_damage (sc, &good, flip_count, NULL, "count");
  check_damage (sc, &good, flip_digest, NULL, "digest");
  check_damage (sc, &good, flip_last_insn, NULL, "a bit of the program");
  check_damage (sc, &good, copy_other, other_file, "another profile's file");
  check_damage (sc, &good, symlink_other, other_file, "a symlink");
  /* The other profile's file was left alone, and no temp file is left.  */
  {
    _cleanup_ (runtime_seccomp_release) struct runtime_seccomp p = { 0 };
    if (CHECK_PREPARE (sc2, true, &p))
      CHECK (same_program (&other, &p));
  }
  {
    const char *a = unit_fmt ("%s.bpf", key_of (sc)), *b = unit_fmt ("%s.bpf", key_of (sc2));
    CHECK_STR_EQ (dir_names (unit_path ("runtime/.seccomp")),
                  unit_fmt ("%s %s", strcmp (a, b) < 0 ? a : b, strcmp (a, b) < 0 ? b : a));
  }
  oci_spec_free (&s);
  oci_spec_free (&t);
}

/* A cache that cannot be written costs the build, never the container.  */
TEST (cache_unwritable)
{
  struct oci_spec s;
  struct oci_seccomp *sc = parse_seccomp (small_profile, &s);

  if (sc == NULL)
    return;
  /* A directory where the file would go: read, refused, not replaced.  */
  CHECK (mkdir (cache_root (), 0700) == 0 && mkdir (unit_path ("runtime/.seccomp"), 0700) == 0);
  CHECK (mkdir (cache_file (sc), 0700) == 0);
  for (int i = 0; i < 2; i++)
    {
      _cleanup_ (runtime_seccomp_release) struct runtime_seccomp p = { 0 };
      CHECK_PREPARE (sc, false, &p);
    }
  /* A file where the directory would go.  */
  {
    nook_error_t err = NULL;
    CHECK_OK (nook_rm_tree_at (AT_FDCWD, unit_path ("runtime/.seccomp"), &err), &err);
  }
  unit_write_file (unit_path ("runtime/.seccomp"), "x", 1, 0600);
  for (int i = 0; i < 2; i++)
    {
      _cleanup_ (runtime_seccomp_release) struct runtime_seccomp p = { 0 };
      CHECK_PREPARE (sc, false, &p);
    }
  oci_spec_free (&s);
}

/* Containers starting at once: each builds and renames its own whole
   file into place; every one gets the program, the file is whole.  */
TEST (cache_concurrent_creates)
{
  _cleanup_ (runtime_seccomp_release) struct runtime_seccomp good = { 0 }, p = { 0 };
  struct oci_spec s;
  struct oci_seccomp *sc = parse_seccomp (full_profile, &s);
  pid_t pids[6];
  int status;

  if (sc == NULL)
    return;
  {
    nook_error_t err = NULL;
    if (!CHECK_OK (runtime_seccomp_prepare (NULL, sc, &good, &err), &err))
      return;
  }
  for (size_t i = 0; i < NOOK_ARRAY_SIZE (pids); i++)
    {
      pids[i] = fork ();
      if (pids[i] == 0)
        {
          struct runtime_seccomp mine = { 0 };
          nook_error_t err = NULL;
          if (runtime_seccomp_prepare (cache_root (), sc, &mine, &err) < 0)
            _exit (1);
          _exit (same_program (&good, &mine) ? 0 : 2);
        }
    }
  for (size_t i = 0; i < NOOK_ARRAY_SIZE (pids); i++)
    CHECK (pids[i] > 0 && waitpid (pids[i], &status, 0) == pids[i] && WIFEXITED (status)
           && WEXITSTATUS (status) == 0);
  CHECK_STR_EQ (dir_names (unit_path ("runtime/.seccomp")), unit_fmt ("%s.bpf", key_of (sc)));
  if (CHECK_PREPARE (sc, true, &p))
    CHECK (same_program (&good, &p));
  oci_spec_free (&s);
}

UNIT_MAIN ()
