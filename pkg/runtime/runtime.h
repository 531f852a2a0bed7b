/* nook — pkg/runtime: what the kernel is told.  The OCI runtime verbs
   (create, start, state, kill, delete) over a state directory, with the
   runc command line's semantics.  Used by nook-runtime.  */
#ifndef NOOK_RUNTIME_H
#define NOOK_RUNTIME_H

#include "oci/oci.h"
#include "util/util.h"

#ifndef NOOK_VERSION
#define NOOK_VERSION "0.1.0"
#endif

struct runtime_state
{
  char *id;
  char *dir; /* ROOT/ID: state.json, config.json as create read it */
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
  int console_fd; /* connected to --console-socket, or -1 (set it: 0 is an fd) */
};

/* exec: the container's process changed by these, as runc's flags, or
   PROCESS_FILE's instead (a `process` object, as in config.json).  */
struct runtime_exec_opts
{
  const char *process_file;
  char **args;
  const char *cwd;
  char **env;       /* KEY=VALUE, replacing KEY */
  const char *user; /* UID[:GID] */
  char **additional_gids;
  char **caps; /* added to the bounding, effective and permitted sets */
  bool tty;
  bool no_new_privs;
  const char *apparmor;
  const char *process_label;
  int preserve_fds;
  bool detach;
  int console_fd; /* connected to --console-socket, or -1 */
};

/* A row of `list`.  */
struct runtime_list_entry
{
  struct runtime_state st;
  const char *status;
  char *owner;
};

/* An ID as runc takes it: [A-Za-z0-9_+.-]+, not "." or "..".  */
int runtime_check_id (const char *id, nook_error_t *err);
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
/* Write PID to PATH whole (temp file + rename).  */
int runtime_write_pid_file (const char *path, pid_t pid, nook_error_t *err);
/* The containers under ROOT, sorted by ID (*N of them).  */
int runtime_list (const char *root, struct runtime_list_entry **out, size_t *n, nook_error_t *err);
void runtime_list_free (struct runtime_list_entry *l, size_t n);
/* The processes of a container: those in the pid namespace or mount
   namespace it made for itself (state.c says when each counts), its
   process, those `exec` started, and their descendants.  None when it is
   stopped.  */
int runtime_container_pids (const char *root, const struct runtime_state *st, pid_t **pids,
                            size_t *n, nook_error_t *err);

/* exec: start a process in a created or running container (exec.c).
   When it has started, *PID is a child of the caller.  With a terminal
   and neither DETACH nor a console socket, *MASTER is its pty master
   (else -1), for runtime_attach.  */
int runtime_exec (const char *root, const char *id, const struct runtime_exec_opts *o, pid_t *pid,
                  int *master, nook_error_t *err);
/* Wait for PID, our child, in the foreground: pass on the signals we
   get, copy our stdio to and from MASTER (-1: none).  *STATUS is its
   wait status (attach.c).  */
int runtime_attach (pid_t pid, int master, int *status, nook_error_t *err);

/* Console sockets (console.c): connect to PATH, the fd placed at MIN_FD
   or above; a socket pair for a terminal of our own; the fd passed.  */
int runtime_console_connect (const char *path, int min_fd, int *fd, nook_error_t *err);
int runtime_console_pair (int *ours, int *theirs, nook_error_t *err);
int runtime_send_fd (int sock, int fd, const char *name, nook_error_t *err);
int runtime_recv_fd (int sock, int *fd, nook_error_t *err);
/* process.terminal of BUNDLE's config.json (false when absent): whether
   a `run` in the foreground needs a terminal of its own.  */
int runtime_bundle_terminal (const char *bundle, bool *terminal, nook_error_t *err);

/* `features`: what this runtime implements, as runc's JSON (features.c).  */
char *runtime_features_json (void);
/* `spec`: write a default config.json into BUNDLE, never over one;
   ROOTLESS: for a user without privileges, as runc's (skeleton.c).  */
int runtime_spec_write (const char *bundle, bool rootless, nook_error_t *err);
char *runtime_spec_default (bool rootless);

/* ---- inside the container's init (pkg/runtime internals) ---- */

/* Mounts, devices, masked and read-only paths, pivot_root.  */
int runtime_setup_rootfs (const struct oci_spec *spec, const char *rootfs, bool no_pivot,
                          nook_error_t *err);
/* Groups, ids, capabilities, no_new_privs, rlimits, umask.  */
int runtime_setup_process (const struct oci_spec *spec, nook_error_t *err);
/* Find ARGV0 as execvp would, in the spec's PATH; fails as runc does
   ("executable file not found in $PATH", "permission denied").  */
int runtime_find_executable (const struct oci_spec *spec, char **path, nook_error_t *err);
/* The terminal of a process, once /dev/pts is mounted: with
   process.terminal, a pty whose slave becomes stdio and controlling
   terminal, its master sent over SOCK; SOCK (-1: none) is closed.
   Fails when the two do not go together (console.c).  */
int runtime_console_setup (const struct oci_spec *spec, int sock, nook_error_t *err);

#endif
