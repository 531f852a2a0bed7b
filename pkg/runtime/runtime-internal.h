/* pkg/runtime internals shared by create.c, init.c and friends.  */
#ifndef NOOK_RUNTIME_INTERNAL_H
#define NOOK_RUNTIME_INTERNAL_H

#include "runtime/runtime.h"

#include <linux/filter.h>

enum
{
  RUNTIME_SYNC_GO = 1,
  RUNTIME_SYNC_READY,
  RUNTIME_SYNC_ERROR,
  RUNTIME_SYNC_HOOKS, /* init -> runtime: run prestart and createRuntime, then GO */
};

struct runtime_sync
{
  int type;
  int errnum;
  char msg[3072];
};

/* A seccomp filter as the kernel takes it: made by the runtime before it
   clones the init, loaded by the init (seccomp.c).  */
struct runtime_seccomp
{
  struct sock_filter *insns;
  size_t n_insns;
  unsigned int flags; /* SECCOMP_FILTER_FLAG_* */
  bool from_cache;
  char key[65]; /* its cache key; "" when not cached */
};

struct runtime_init_args
{
  struct oci_spec *spec;
  const char *rootfs;
  const char *bundle;
  int fifo_fd;
  int reply_fd; /* start.fifo: the init's answer to `start` (state.c) */
  int sync_fd;
  int preserve_fds;
  bool no_pivot;
  const struct runtime_seccomp *seccomp; /* NULL: no filter */
  const char *id;
  int console_fd;   /* the --console-socket connection, or -1 */
  int joined_early; /* CLONE_NEW* of the namespaces the parent joined by path */
};

int runtime_sync_send (int fd, int type, int errnum, const char *msg);
int runtime_sync_recv (int fd, struct runtime_sync *m);
int runtime_ns_flag (const char *type);
/* The filter of SC: from the cache under ROOT when it holds it, built
   with libseccomp (and cached) otherwise; ROOT NULL: built, not cached.
   Fails when SC asks for what libseccomp or the kernel cannot do.  */
int runtime_seccomp_prepare (const char *root, const struct oci_seccomp *sc,
                             struct runtime_seccomp *out, nook_error_t *err);
/* The filter create took for the container whose state directory is DIR
   (it keeps the key in DIR/seccomp.key), from the cache under ROOT: what
   exec loads, without making the key of SC again.  False, with *OUT
   untouched, when it is not there whole; then runtime_seccomp_prepare.  */
bool runtime_seccomp_reuse (const char *root, const char *dir, const struct oci_seccomp *sc,
                            struct runtime_seccomp *out);
/* Keep P's key in DIR for runtime_seccomp_reuse.  */
int runtime_seccomp_remember (const char *dir, const struct runtime_seccomp *p, nook_error_t *err);
void runtime_seccomp_release (struct runtime_seccomp *p);
/* The cache key of SC: 64 hex digits (seccomp.c says what it covers).  */
int runtime_seccomp_key (const struct oci_seccomp *sc, char hex[65], nook_error_t *err);
/* Load P in the calling process (seccomp.c: what the profile must allow
   afterwards, and when init.c loads it).  */
int runtime_seccomp_load (const struct runtime_seccomp *p, nook_error_t *err);
/* Hooks (hooks.c says where each kind runs).  The state document a
   hook reads on stdin (PID 0: none).  */
char *runtime_hook_state (const struct oci_spec *spec, const char *id, const char *status,
                          pid_t pid, const char *bundle);
bool runtime_hooks_any (const struct oci_spec *spec, enum oci_hook_kind kind);
/* SPEC's hooks of KIND in order, STATE on their stdin; the first that
   fails or times out is the error, naming it ("hooks.prestart[0]").  */
int runtime_hooks_run (const struct oci_spec *spec, enum oci_hook_kind kind, const char *state,
                       nook_error_t *err);
/* poststart or poststop of the container ST, from its config.json as
   create saved it: failures are warnings, as the spec says.  */
void runtime_hooks_after (const struct runtime_state *st, enum oci_hook_kind kind);

/* runtime_setup_rootfs in its two halves, hooks between (mounts.c):
   the mounts and devices, then pivot_root, sysctl, masked and read-only
   paths, propagation.  */
int runtime_rootfs_mount (const struct oci_spec *spec, const char *rootfs, nook_error_t *err);
int runtime_rootfs_enter (const struct oci_spec *spec, const char *rootfs, bool no_pivot,
                          nook_error_t *err);

/* The container's cgroup (cgroup.c): made and limited by create before
   the clone, FD (-1: none) the directory to clone the init into.  */
struct runtime_cgroup
{
  char *path;
  int fd;
};
int runtime_cgroup_prepare (const struct oci_spec *spec, const char *id, struct runtime_cgroup *cg,
                            nook_error_t *err);
/* Close it, and remove the directory when REMOVE.  */
void runtime_cgroup_release (struct runtime_cgroup *cg, bool remove);
/* Remember it in the state directory DIR, for `delete`.  */
int runtime_cgroup_record (const char *dir, const struct runtime_cgroup *cg, nook_error_t *err);
/* What `delete` does last, before the state directory goes: remove the
   cgroup, run the poststop hooks.  */
void runtime_after_delete (const char *root, const struct runtime_state *st);

/* config.json of the container ST as create saved it in its state
   directory; its bundle's for a container created before nook-runtime
   saved it (state.c).  */
int runtime_load_config (const struct runtime_state *st, struct oci_spec *spec, nook_error_t *err);
/* Remember PID, started by `exec` in container ID, for kill --all, ps
   and delete (state.c).  */
int runtime_track_exec (const char *root, const char *id, pid_t pid, nook_error_t *err);
/* Labels of SPEC: AppArmor kept where the host has it enabled, dropped
   with a warning (QUIET: a debug line) where not; SELinux labels
   refused where the host has SELinux, dropped elsewhere (create.c).  */
int runtime_check_labels (struct oci_spec *spec, bool quiet, nook_error_t *err);
/* Whether the host has AppArmor on (profiles are then applied).  */
bool runtime_apparmor_enabled (void);
/* process.apparmorProfile of SPEC for the next execve (init.c).  */
int runtime_apply_apparmor (const struct oci_spec *spec, nook_error_t *err);

/* Whether we run from the sealed copy of ourselves (sealed.c).  */
bool runtime_exe_sealed (void);

/* The container's init, in the cloned child; never returns.  */
void runtime_init (struct runtime_init_args *a) __attribute__ ((noreturn));

#endif
