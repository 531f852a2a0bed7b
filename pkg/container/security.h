/* nook — pkg/container: a container's security settings (the flags
   --cap-add, --cap-drop, --privileged, --security-opt, --read-only,
   --read-only-tmpfs, --ulimit, --sysctl, --tmpfs, --device, --group-add,
   --umask and --runtime), with Podman's meaning and messages.

   The CLI fills one as the flags give it (its strings may point into
   argv); container_security_check turns it into the checked, normalized
   copy the record keeps (every string owned), and container_spec applies
   that copy to the OCI spec.  */
#ifndef NOOK_CONTAINER_SECURITY_H
#define NOOK_CONTAINER_SECURITY_H

#include "json/json.h"
#include "oci/oci.h"
#include "util/util.h"

struct container_config;

struct container_security
{
  char **cap_add;  /* "CAP_NET_ADMIN" or "ALL", once checked */
  char **cap_drop; /* likewise */
  bool privileged;
  char **security_opt; /* as given; the check sets the next four from them */
  char *seccomp;       /* NULL: the default profile; "unconfined"; an absolute path */
  bool no_new_privileges;
  char **mask;   /* more masked paths, absolute */
  char **unmask; /* "ALL", or paths and globs taken from the defaults */
  bool read_only;
  bool read_only_tmpfs; /* with read_only: tmpfs on /tmp, /run, /var/tmp */
  char **ulimits;       /* "host", or "nofile=SOFT:HARD" (-1: unlimited) */
  char **sysctls;       /* "key=value" */
  char **tmpfs;         /* "/dest:opt,opt,..." once checked, options complete */
  char **devices;       /* "src:dst:perm" once checked, src a device node */
  char **group_add;     /* group names or ids, resolved in the container */
  char *umask;          /* octal, "0022" once checked; NULL: 0022 */
  char *runtime;        /* NULL: nook-runtime; a name or a path */
};

/* The defaults of the flags before parsing (--read-only-tmpfs is on).  */
void container_security_init (struct container_security *s);
/* Free a checked copy (not one the CLI filled from argv).  */
void container_security_free (struct container_security *s);

/* Check IN as `create` does and fill *OUT with its normalized copy:
   unknown capabilities, bad --security-opt, --ulimit, --sysctl, --tmpfs,
   --device, --umask values and a runtime that cannot be found are
   refused with Podman's messages.  */
int container_security_check (const struct container_security *in, struct container_security *out,
                              nook_error_t *err);

/* The record's "security" member: written into the object G has open,
   read from the record's top object J (absent in older records).  */
void container_security_write (struct json_gen *g, const struct container_security *s);
int container_security_read (const nook_json *j, struct container_security *s, nook_error_t *err);

/* Apply S to SPEC, which holds the defaults (process, mounts, masked
   and read-only paths): capabilities for a root or other user (ROOT),
   no_new_privs, umask, rlimits, sysctls, tmpfs mounts, devices
   (bind-mounted when ROOTLESS), --read-only, --privileged.  The seccomp
   profile comes after: container_security_seccomp.  */
int container_security_apply (const struct container_security *s, bool root, bool rootless,
                              struct oci_spec *spec, nook_error_t *err);
/* Set SPEC->seccomp as S asks, DEFAULT_PROFILE being the one shipped
   (NULL: none); after container_security_apply.  */
int container_security_seccomp (const struct container_security *s, const char *default_profile,
                                struct oci_spec *spec, nook_error_t *err);

/* The OCI runtime of the container, as a path: nook-runtime in SELF_DIR
   by default; a name is looked up as Podman does (runc, crun and the
   other known runtimes in their usual places, then $PATH); a path is
   taken as it is.  Errors are Podman's.  */
char *container_runtime_resolve (const struct container_config *cfg, const char *self_dir,
                                 nook_error_t *err);

/* Every capability name the kernel has, "CAP_CHOWN" first.  */
char **container_caps_all (void);
/* The device nodes under DIR (a host directory, /dev for --privileged),
   as "src:dst:perm" entries with DIR replaced by DST; the pseudo
   terminals, fds, shm and mqueue are not devices to pass.  */
void container_devices_under (const char *dir, const char *dst, const char *perm, char ***out);

#endif
