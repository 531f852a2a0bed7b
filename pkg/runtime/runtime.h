/* nook — pkg/runtime: what the kernel is told.  The OCI runtime verbs
   (create, start, state, kill, delete) over a state directory, with the
   runc command line's semantics.  Used by nook-runtime.  */
#ifndef NOOK_RUNTIME_H
#define NOOK_RUNTIME_H

#include "oci/oci.h"
#include "util/util.h"

struct runtime_state
{
  char *id;
  pid_t pid;
  uint64_t pid_start; /* catches a reused pid */
  char *bundle;
  char *rootfs;
  char *created;
  char **annotations;
};

struct runtime_create_opts
{
  const char *bundle;
  const char *pid_file;
  int preserve_fds; /* fds 3 .. 3+N-1 pass to the container process */
  bool no_pivot;
};

/* The container's status: "created", "running" or "stopped".  */
const char *runtime_status (const char *root, const struct runtime_state *st);

int runtime_state_read (const char *root, const char *id, struct runtime_state *st,
                        nook_error_t *err);
void runtime_state_free (struct runtime_state *st);
/* The OCI state document `state` prints.  */
char *runtime_state_json (const char *root, const struct runtime_state *st);
/* IDs with a state directory under ROOT.  */
int runtime_list_ids (const char *root, char ***ids, nook_error_t *err);

/* create: set up the container process, stopped before exec until start.  */
int runtime_create (const char *root, const char *id, const struct runtime_create_opts *o,
                    nook_error_t *err);
int runtime_start (const char *root, const char *id, nook_error_t *err);
int runtime_kill (const char *root, const char *id, int sig, bool all, nook_error_t *err);
int runtime_delete (const char *root, const char *id, bool force, nook_error_t *err);
/* A signal by name ("TERM", "SIGKILL") or number.  */
int runtime_parse_signal (const char *s, int *sig, nook_error_t *err);

/* ---- inside the container's init (pkg/runtime internals) ---- */

/* Mounts, devices, masked and read-only paths, pivot_root.  */
int runtime_setup_rootfs (const struct oci_spec *spec, const char *rootfs, bool no_pivot,
                          nook_error_t *err);
/* Groups, ids, capabilities, no_new_privs, rlimits, umask.  */
int runtime_setup_process (const struct oci_spec *spec, nook_error_t *err);
/* Find ARGV0 as execvp would, in the spec's PATH; fails as runc does
   ("executable file not found in $PATH", "permission denied").  */
int runtime_find_executable (const struct oci_spec *spec, char **path, nook_error_t *err);

#endif
