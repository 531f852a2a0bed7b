/* nook — pkg/oci: the OCI runtime spec (config.json) in memory.  The
   engine fills a struct oci_spec and writes it; the runtime parses one.
   Parsing is strict: a field nook does not implement is an error that
   names it, never silently ignored.  */
#ifndef NOOK_OCI_H
#define NOOK_OCI_H

#include "json/json.h"
#include "util/util.h"

#define OCI_VERSION    "1.0.2"
#define OCI_CONFIG_MAX (16 << 20)

struct oci_mount
{
  char *destination;
  char *type;
  char *source;
  char **options;
};

struct oci_namespace
{
  char *type; /* pid network mount ipc uts user cgroup */
  char *path; /* join this one instead of making a new one */
};

struct oci_idmap
{
  uint32_t container_id;
  uint32_t host_id;
  uint32_t size;
};

struct oci_rlimit
{
  char *type; /* RLIMIT_NOFILE */
  uint64_t soft;
  uint64_t hard;
};

struct oci_caps
{
  char **bounding, **effective, **inheritable, **permitted, **ambient;
};

/* linux.seccomp.  Names are kept as the schema spells them
   ("SCMP_ACT_ERRNO"); oci_seccomp_check says which ones nook knows.  */
struct oci_seccomp_arg
{
  uint32_t index; /* 0 to 5 */
  uint64_t value;
  uint64_t value_two; /* 0 when absent */
  char *op;           /* SCMP_CMP_EQ ... */
};

struct oci_seccomp_syscall
{
  char **names;
  char *action; /* SCMP_ACT_ERRNO ... */
  bool has_errno_ret;
  uint32_t errno_ret; /* when absent: EPERM, as runc and crun */
  struct oci_seccomp_arg *args;
  size_t n_args;
};

struct oci_seccomp
{
  char *default_action;
  bool has_default_errno_ret;
  uint32_t default_errno_ret;
  char **architectures; /* SCMP_ARCH_X86_64 ...; NULL: the native one */
  char **flags;         /* SECCOMP_FILTER_FLAG_LOG ... */
  struct oci_seccomp_syscall *syscalls;
  size_t n_syscalls;
};

struct oci_spec
{
  char *oci_version;
  /* process */
  bool has_process;
  bool terminal;
  uint32_t uid, gid;
  uint32_t *additional_gids;
  size_t n_additional_gids;
  int64_t umask; /* -1 when unset */
  char **args;
  char **env;
  char *cwd;
  struct oci_caps caps;
  bool has_caps;
  bool no_new_privileges;
  struct oci_rlimit *rlimits;
  size_t n_rlimits;
  /* root */
  char *root_path;
  bool root_readonly;
  char *hostname;
  char *domainname;
  struct oci_mount *mounts;
  size_t n_mounts;
  /* linux */
  struct oci_namespace *namespaces;
  size_t n_namespaces;
  struct oci_idmap *uid_mappings, *gid_mappings;
  size_t n_uid_mappings, n_gid_mappings;
  char **masked_paths;
  char **readonly_paths;
  char *rootfs_propagation;
  struct oci_seccomp *seccomp; /* NULL: no filter */
  char **annotations;          /* "key=value" */
};

int oci_spec_parse (const char *text, size_t len, struct oci_spec *spec, nook_error_t *err);
void oci_spec_free (struct oci_spec *spec);
/* Write SPEC as config.json text into *OUT.  */
char *oci_spec_to_json (const struct oci_spec *spec, size_t *len);

/* Helpers for building a spec.  */
void oci_spec_add_mount (struct oci_spec *spec, const char *dest, const char *type,
                         const char *source, const char *const *options);
void oci_spec_add_namespace (struct oci_spec *spec, const char *type, const char *path);
const struct oci_namespace *oci_spec_namespace (const struct oci_spec *spec, const char *type);

/* Check the values of SC against the schema nook implements: actions,
   operators, architectures, flags, argument indexes, errnoRet only with
   an action that returns it.  Messages name the value and its field
   under FIELD ("linux.seccomp"; "" for a profile file, whose top is the
   seccomp object); SCMP_ACT_NOTIFY is not supported.  */
int oci_seccomp_check (const struct oci_seccomp *sc, const char *field, nook_error_t *err);
void oci_seccomp_free (struct oci_seccomp *sc);

#endif
