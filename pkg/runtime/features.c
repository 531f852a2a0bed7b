/* `features`: what this runtime implements, as the JSON document of the
   OCI runtime spec's features.md (runc 1.1+ prints the same).  Only what
   nook-runtime really does is listed: a config.json asking for anything
   else is refused by create with an error naming the field.  The lists
   follow pkg/oci (what the parser accepts) and pkg/runtime (what is
   applied); keep them in step.  */
#include "runtime/runtime-internal.h"

#include <ctype.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/syscall.h>

#define OCI_VERSION_MIN "1.0.0"

/* mounts.c: the flags it maps (an unknown option is passed to the file
   system as data), the propagation types, bind, rbind and tmpcopyup.  */
static const char *const mount_options[] = {
  "async",         "atime",   "bind",        "dev",        "diratime", "dirsync", "exec",
  "mand",          "noatime", "nodev",       "nodiratime", "noexec",   "nomand",  "norelatime",
  "nostrictatime", "nosuid",  "private",     "rbind",      "relatime", "ro",      "rprivate",
  "rshared",       "rslave",  "runbindable", "rw",         "shared",   "slave",   "strictatime",
  "suid",          "sync",    "tmpcopyup",   "unbindable", NULL,
};

/* create.c's clone flags and exec.c's joins.  */
static const char *const namespaces[]
    = { "cgroup", "ipc", "mount", "network", "pid", "user", "uts", NULL };

/* pkg/oci's schema as pkg/runtime/seccomp.c translates it: every action
   but SCMP_ACT_NOTIFY (no seccomp agent), every operator.  */
static const char *const seccomp_actions[]
    = { "SCMP_ACT_ALLOW",        "SCMP_ACT_ERRNO",       "SCMP_ACT_KILL",
        "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG",
        "SCMP_ACT_TRACE",        "SCMP_ACT_TRAP",        NULL };
static const char *const seccomp_operators[]
    = { "SCMP_CMP_EQ", "SCMP_CMP_GE",        "SCMP_CMP_GT", "SCMP_CMP_LE",
        "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE", NULL };
/* The schema's; listed when this libseccomp knows them (seccomp.c
   skips the others).  */
static const char *const seccomp_arches[] = {
  "SCMP_ARCH_AARCH64",  "SCMP_ARCH_ARM",         "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K",
  "SCMP_ARCH_MIPS",     "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32",   "SCMP_ARCH_MIPSEL",
  "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PARISC",      "SCMP_ARCH_PARISC64",
  "SCMP_ARCH_PPC",      "SCMP_ARCH_PPC64",       "SCMP_ARCH_PPC64LE",     "SCMP_ARCH_RISCV64",
  "SCMP_ARCH_S390",     "SCMP_ARCH_S390X",       "SCMP_ARCH_SH",          "SCMP_ARCH_SHEB",
  "SCMP_ARCH_X32",      "SCMP_ARCH_X86",         "SCMP_ARCH_X86_64",      NULL
};
static const struct
{
  const char *name;
  unsigned int flag;
} seccomp_flags[] = {
  { "SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC },
  { "SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG },
  { "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW },
};

static void
gen_list (struct json_gen *g, const char *key, const char *const *v)
{
  json_gen_key (g, key);
  json_gen_array_open (g);
  for (size_t i = 0; v[i]; i++)
    json_gen_string (g, v[i]);
  json_gen_array_close (g);
}

static bool
arch_known (const char *name)
{
  char lower[32];
  size_t k;

  for (k = 0; name[10 + k] && k < sizeof (lower) - 1; k++)
    lower[k] = (char)tolower ((unsigned char)name[10 + k]);
  lower[k] = '\0';
  return seccomp_arch_resolve_name (lower) != 0;
}

/* The kernel takes a flag when seccomp(2) fails on the NULL program
   (EFAULT) rather than on the flag (EINVAL).  */
static bool
flag_supported (unsigned int flag)
{
  return syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, flag, NULL) < 0 && errno == EFAULT;
}

static void
gen_seccomp (struct json_gen *g)
{
  json_gen_key (g, "seccomp");
  json_gen_object_open (g);
  json_gen_kv_bool (g, "enabled", true);
  gen_list (g, "actions", seccomp_actions);
  gen_list (g, "operators", seccomp_operators);
  json_gen_key (g, "archs");
  json_gen_array_open (g);
  for (size_t i = 0; seccomp_arches[i]; i++)
    if (arch_known (seccomp_arches[i]))
      json_gen_string (g, seccomp_arches[i]);
  json_gen_array_close (g);
  json_gen_key (g, "knownFlags");
  json_gen_array_open (g);
  for (size_t i = 0; i < NOOK_ARRAY_SIZE (seccomp_flags); i++)
    json_gen_string (g, seccomp_flags[i].name);
  json_gen_array_close (g);
  json_gen_key (g, "supportedFlags");
  json_gen_array_open (g);
  for (size_t i = 0; i < NOOK_ARRAY_SIZE (seccomp_flags); i++)
    if (flag_supported (seccomp_flags[i].flag))
      json_gen_string (g, seccomp_flags[i].name);
  json_gen_array_close (g);
  json_gen_object_close (g);
}

/* The capabilities libcap names and this kernel has.  */
static void
gen_caps (struct json_gen *g)
{
  json_gen_key (g, "capabilities");
  json_gen_array_open (g);
  for (cap_value_t c = 0; c < (cap_value_t)cap_max_bits (); c++)
    {
      char *name = cap_to_name (c);
      if (name && str_has_prefix (name, "cap_"))
        {
          _cleanup_free_ char *up = xstrdup (name);
          for (char *p = up; *p; p++)
            *p = (char)toupper ((unsigned char)*p);
          json_gen_string (g, up);
        }
      cap_free (name);
    }
  json_gen_array_close (g);
}

static void
gen_enabled (struct json_gen *g, const char *key, bool on)
{
  json_gen_key (g, key);
  json_gen_object_open (g);
  json_gen_kv_bool (g, "enabled", on);
  json_gen_object_close (g);
}

static void
gen_linux (struct json_gen *g)
{
  json_gen_key (g, "linux");
  json_gen_object_open (g);
  gen_list (g, "namespaces", namespaces);
  gen_caps (g);
  /* cgroup.c: cgroupsPath and linux.resources on cgroup v2 only, no
     systemd manager.  */
  json_gen_key (g, "cgroup");
  json_gen_object_open (g);
  json_gen_kv_bool (g, "v1", false);
  json_gen_kv_bool (g, "v2", true);
  json_gen_kv_bool (g, "systemd", false);
  json_gen_kv_bool (g, "systemdUser", false);
  json_gen_object_close (g);
  gen_seccomp (g);
  gen_enabled (g, "apparmor", runtime_apparmor_enabled ());
  gen_enabled (g, "selinux", false);
  json_gen_object_close (g);
}

char *
runtime_features_json (void)
{
  _cleanup_json_gen_ struct json_gen *g = json_gen_new_indent ("    ");
  const struct scmp_version *v = seccomp_version ();
  _cleanup_free_ char *libseccomp = xasprintf ("%u.%u.%u", v->major, v->minor, v->micro);
  /* hooks.c runs all six kinds.  */
  static const char *const hooks[]
      = { "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
          NULL };
  size_t len;

  json_gen_object_open (g);
  json_gen_kv_string (g, "ociVersionMin", OCI_VERSION_MIN);
  json_gen_kv_string (g, "ociVersionMax", OCI_VERSION);
  gen_list (g, "hooks", hooks);
  gen_list (g, "mountOptions", mount_options);
  gen_linux (g);
  json_gen_key (g, "annotations");
  json_gen_object_open (g);
  json_gen_kv_string (g, "io.github.seccomp.libseccomp.version", libseccomp);
  json_gen_kv_string (g, "org.nook.runtime.version", NOOK_VERSION);
  json_gen_object_close (g);
  json_gen_object_close (g);
  return xstrdup (json_gen_text (g, &len));
}
