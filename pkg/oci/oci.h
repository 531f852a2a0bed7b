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
/* The PATH a process gets when its spec has none, and the one the
   runtime searches then (runc's and Docker's).  */
#define OCI_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* Optional numbers and flags of the schema: SET says the member was
   given, so a spec round-trips and "0" is told from "absent".  */
struct oci_int
{
  bool set;
  int64_t v;
};

struct oci_uint
{
  bool set;
  uint64_t v;
};

struct oci_bool
{
  bool set;
  bool v;
};

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

/* hooks.KIND[]: the order is the one they run in.  */
enum oci_hook_kind
{
  OCI_HOOK_PRESTART,
  OCI_HOOK_CREATE_RUNTIME,
  OCI_HOOK_CREATE_CONTAINER,
  OCI_HOOK_START_CONTAINER,
  OCI_HOOK_POSTSTART,
  OCI_HOOK_POSTSTOP,
  OCI_HOOK_KINDS
};

/* "prestart", "createRuntime" ... as the schema spells them.  */
extern const char *const oci_hook_names[OCI_HOOK_KINDS];

struct oci_hook
{
  char *path; /* absolute */
  char **args;
  char **env;
  int64_t timeout; /* seconds, > 0; 0 when absent */
};

/* linux.devices[]: a node made in the container's /dev.  */
struct oci_device
{
  char *path;
  char *type; /* "c" "b" "u" "p" */
  int64_t major, minor;
  struct oci_uint file_mode, uid, gid;
};

/* linux.resources.devices[]: a device cgroup rule.  */
struct oci_device_rule
{
  bool allow;
  char *type;           /* "a" "c" "b"; NULL: all */
  struct oci_int major; /* absent or -1: any */
  struct oci_int minor; /* absent or -1: any */
  char *access;         /* "rwm" subset; NULL: all */
};

/* linux.resources.blockIO.weightDevice[] and the throttle lists.  */
struct oci_blkio_device
{
  int64_t major, minor;
  struct oci_uint weight, leaf_weight; /* weightDevice */
  struct oci_uint rate;                /* throttle*Device */
};

struct oci_hugepage_limit
{
  char *page_size; /* "2MB" */
  uint64_t limit;
};

struct oci_net_priority
{
  char *name;
  uint32_t priority;
};

struct oci_rdma
{
  char *device;
  struct oci_uint hca_handles, hca_objects;
};

/* linux.resources, the whole schema, so it round-trips; the runtime
   does not apply limits yet (it refuses them, naming the field).  */
struct oci_resources
{
  /* Which groups were given (an empty one round-trips too).  */
  bool has_devices, has_memory, has_cpu, has_pids, has_block_io, has_network;
  struct oci_device_rule *devices;
  size_t n_devices;
  struct
  {
    struct oci_int limit, reservation, swap, kernel, kernel_tcp;
    struct oci_uint swappiness;
    struct oci_bool disable_oom_killer, use_hierarchy, check_before_update;
  } memory;
  struct
  {
    struct oci_uint shares, period, realtime_period, burst;
    struct oci_int quota, realtime_runtime, idle;
    char *cpus, *mems;
  } cpu;
  struct
  {
    struct oci_int limit;
  } pids;
  struct
  {
    struct oci_uint weight, leaf_weight;
    struct oci_blkio_device *weight_device, *throttle_read_bps, *throttle_write_bps,
        *throttle_read_iops, *throttle_write_iops;
    size_t n_weight_device, n_throttle_read_bps, n_throttle_write_bps, n_throttle_read_iops,
        n_throttle_write_iops;
  } block_io;
  struct oci_hugepage_limit *hugepage_limits;
  size_t n_hugepage_limits;
  struct
  {
    struct oci_uint class_id;
    struct oci_net_priority *priorities;
    size_t n_priorities;
  } network;
  struct oci_rdma *rdma;
  size_t n_rdma;
  char **unified; /* "key=value" */
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
  bool has_console_size;
  uint32_t console_height, console_width;
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
  struct oci_int oom_score_adj; /* -1000 to 1000 */
  char *apparmor_profile;
  char *selinux_label;
  /* root */
  char *root_path;
  bool root_readonly;
  char *hostname;
  char *domainname;
  struct oci_mount *mounts;
  size_t n_mounts;
  struct oci_hook *hooks[OCI_HOOK_KINDS];
  size_t n_hooks[OCI_HOOK_KINDS];
  /* linux */
  struct oci_namespace *namespaces;
  size_t n_namespaces;
  struct oci_idmap *uid_mappings, *gid_mappings;
  size_t n_uid_mappings, n_gid_mappings;
  char **masked_paths;
  char **readonly_paths;
  char *rootfs_propagation;
  struct oci_device *devices;
  size_t n_devices;
  char **sysctl; /* "key=value" */
  bool has_personality;
  char *personality_domain; /* LINUX LINUX32 */
  char **personality_flags;
  bool has_resources;
  struct oci_resources resources;
  char *cgroups_path;
  char *mount_label;
  struct oci_seccomp *seccomp; /* NULL: no filter */
  char **annotations;          /* "key=value" */
};

int oci_spec_parse (const char *text, size_t len, struct oci_spec *spec, nook_error_t *err);
void oci_spec_free (struct oci_spec *spec);
/* SPEC as config.json text (*LEN bytes).  */
char *oci_spec_to_json (const struct oci_spec *spec, size_t *len);

/* The `process` object alone (`runc exec --process FILE`), by the same
   code as config.json's: fills the process members of SPEC, which must
   have none yet (zeroed, or parsed from a config.json without process).
   Messages name the field as "process.args"; on failure SPEC is left
   for the caller to free with oci_spec_free.  */
int oci_process_parse (const nook_json *process, struct oci_spec *spec, nook_error_t *err);
/* The process members of SPEC as that object's text (*LEN bytes).  */
char *oci_process_to_json (const struct oci_spec *spec, size_t *len);

/* Helpers for building a spec.  */
void oci_spec_add_mount (struct oci_spec *spec, const char *dest, const char *type,
                         const char *source, const char *const *options);
void oci_spec_add_namespace (struct oci_spec *spec, const char *type, const char *path);
const struct oci_namespace *oci_spec_namespace (const struct oci_spec *spec, const char *type);

/* linux.personality as personality(2) takes it.  */
int oci_personality (const struct oci_spec *spec, unsigned long *out, nook_error_t *err);

/* The name of the first limit set in R ("linux.resources.memory.limit"),
   NULL when none is: device rules are not limits.  */
char *oci_resources_first_limit (const struct oci_resources *r);

/* Check the values of SC against the schema nook implements: actions,
   operators, architectures, flags, argument indexes, errnoRet only with
   an action that returns it.  Messages name the value and its field
   under FIELD ("linux.seccomp"; "" for a profile file, whose top is the
   seccomp object); SCMP_ACT_NOTIFY is not supported.  */
int oci_seccomp_check (const struct oci_seccomp *sc, const char *field, nook_error_t *err);
void oci_seccomp_free (struct oci_seccomp *sc);

#endif
