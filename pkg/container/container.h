/* nook — pkg/container: the container lifecycle and its persisted state.

   containers/ID/container.json  the settings, fixed at create
   containers/ID/state.json      what happened since, written whole by the
                                 CLI and the monitor under the container's
                                 lock (flock on containers/ID)  */
#ifndef NOOK_CONTAINER_H
#define NOOK_CONTAINER_H

#include "config/config.h"
#include "network/network.h"
#include "container/mounts.h"
#include "container/security.h"
#include "container/usernsmode.h"
#include "image/image.h"
#include "oci/oci.h"
#include "storage/storage.h"
#include "userns/userns.h"
#include "util/util.h"

struct container_config
{
  char id[65];
  char *name;
  char *image_id;
  char *image_name;  /* the name the image was found by */
  char **entrypoint; /* effective, after --entrypoint */
  char **cmd;        /* effective, after the arguments */
  char **env;        /* final environment */
  char *workdir;     /* absolute */
  char *user;        /* as given: "", "name", "uid", "uid:gid", "name:group" */
  char *hostname;
  char **layers; /* the image's layer chain IDs, bottom first */
  char **labels; /* "key=value" */
  char *created;
  bool interactive;               /* -i: stdin stays open */
  bool rm;                        /* --rm */
  struct container_userns userns; /* --userns, --uidmap, --gidmap */
  struct container_security sec;
  struct container_mounts mounts; /* -v, --mount, --volumes-from, image VOLUMEs */
  bool tty;                       /* -t: a pty for stdio */
  bool init;                      /* --init: nook-init as PID 1 */
  char *log_driver;               /* "k8s-file", "none", "passthrough" */
  char *log_path;                 /* k8s-file: the log file */
  int64_t log_max_size;           /* bytes; 0: no rotation */
  int64_t log_max_files;
  char *restart;        /* "no", "on-failure", "always", "unless-stopped" */
  int64_t restart_max;  /* on-failure:N; 0: no limit */
  int64_t stop_signal;  /* default SIGTERM */
  int64_t stop_timeout; /* seconds before SIGKILL */
  struct network_config net;
};

enum container_status
{
  CONTAINER_CREATED,
  CONTAINER_RUNNING,
  CONTAINER_EXITED,
};

struct container_state
{
  enum container_status status;
  pid_t pid;
  uint64_t pid_start;
  pid_t monitor_pid;
  uint64_t monitor_start;
  pid_t fuse_pid; /* the rootfs daemon, to clean up after a dead monitor */
  uint64_t fuse_start;
  pid_t net_pid; /* slirp4netns or pasta, likewise */
  uint64_t net_start;
  int exit_code;
  char *started_at;
  char *finished_at;
  char *error;
  int64_t restart_count;
  bool stopped; /* by stop or kill: no restart policy applies */
};

struct container
{
  struct container_config cfg;
  struct container_state state;
};

void container_config_free (struct container_config *cfg);
void container_state_free (struct container_state *s);
void container_free (struct container *c);
const char *container_status_name (enum container_status s);

/* What the user asked for at create (run's flags).  */
struct container_create_opts
{
  const char *image;      /* name or ID */
  const char *name;       /* NULL: a generated one */
  char **args;            /* after the image: replaces the image's Cmd */
  const char *entrypoint; /* NULL: the image's; "" clears it; a JSON array or one string */
  char **env;             /* -e KEY=VALUE or KEY (from the caller's environment) */
  char **env_files;       /* --env-file */
  const char *workdir;
  const char *user;
  const char *hostname;
  bool interactive;
  bool rm;
  struct container_userns userns; /* as given */
  struct container_security sec;
  struct container_mount_opts mnt; /* -v, --mount, --volumes-from */
  bool tty;
  bool init;
  const char *log_driver; /* NULL: k8s-file */
  char **log_opts;        /* path=, max-size=, max-file= */
  const char *restart;    /* NULL: "no" */
  const char *stop_signal;
  int64_t stop_timeout;      /* -1: 10 */
  struct network_config net; /* as given */
};

/* Resolve the image, compute the effective settings, write the record
   and reserve the name.  *C gets the whole container.  */
int container_create (struct storage *st, const struct container_create_opts *o,
                      struct container *c, nook_error_t *err);
/* The same but the last step, left to container_record_sync: the record
   is whole and in place, but its rename may not be on disk yet (a crash
   of the machine meanwhile loses the container whole).  For a caller
   with something better to do first.  */
int container_create_unsynced (struct storage *st, const struct container_create_opts *o,
                               struct container *c, nook_error_t *err);
void container_record_sync (struct storage *st);
/* Read config and state; a dead monitor is noticed and the state fixed.  */
int container_load (struct storage *st, const char *id, struct container *c, nook_error_t *err);
/* Its monitor is there: running, or waiting to restart it.  */
bool container_monitor_alive (const struct container_state *s);
/* Write DIRFD/state.json whole; fsync'ed when DURABLE.  A running state
   need not be: after a machine crash nothing is running anyway.  No
   state.json means created and never started.  */
int container_state_write (int dirfd, const struct container_state *s, bool durable,
                           nook_error_t *err);
/* Write the state of container ID under its lock.  */
int container_state_update (struct storage *st, const char *id, const struct container_state *s,
                            bool durable, nook_error_t *err);
/* All containers, newest first.  */
int container_list (struct storage *st, struct container **out, size_t *n, nook_error_t *err);
/* The same with only what a listing shows: ID, name, image, command,
   labels, creation, --rm, mounts, network and state (no env, layers,
   security, user namespace or run settings).  */
int container_list_brief (struct storage *st, struct container **out, size_t *n, nook_error_t *err);
void container_list_free (struct container *cs, size_t n);
/* IDs of the containers made from image IMAGE_ID.  */
int container_image_users (struct storage *st, const char *image_id, char ***ids,
                           nook_error_t *err);
/* The whole command: the entrypoint, then the command.  */
char **container_full_command (const struct container_config *cfg);
/* The command line as ps shows it.  */
char *container_command_string (const struct container_config *cfg);
/* The document `inspect` prints for C, as Podman's.  */
int container_inspect (struct storage *st, const struct container *c, struct json_gen *g,
                       nook_error_t *err);

/* Remove a container that is not running (FORCE: stop it first, SIGKILL
   after TIMEOUT seconds, -1: its own stop timeout).  Needs the user
   namespace: the upper layer holds files of subordinate ids.  */
int container_remove (struct storage *st, const struct nook_paths *paths, const char *id,
                      bool force, int64_t timeout, nook_error_t *err);

/* ---- running: the CLI side ---- */

/* Stop ID: its stop signal, SIGKILL after TIMEOUT seconds (-1: its own
   stop timeout); returns once the monitor has cleaned up.  A container
   not running is left as it is.  */
int container_stop (struct storage *st, const struct nook_paths *paths, const char *id,
                    int64_t timeout, nook_error_t *err);
/* Send SIG to running container ID's init.  */
int container_kill (struct storage *st, const struct nook_paths *paths, const char *id, int sig,
                    nook_error_t *err);
/* Wait until ID's status is one of CONDITIONS ("created", "running",
   "exited", "stopped"; NULL: exited); *CODE: its exit code.  */
int container_wait (struct storage *st, const struct nook_paths *paths, const char *id,
                    const char *const *conditions, int *code, nook_error_t *err);

/* How nook stays with a container it starts: attached, the monitor has
   our stdio (with -t, our terminal in raw mode).  */
struct container_attach_opts
{
  bool no_stdin;
  bool sig_proxy;          /* our signals go to the container */
  const char *detach_keys; /* NULL: ctrl-p,ctrl-q; "": none */
};

/* Create a container as O asks (its ID to ID) and start it under a new
   nook-monitor.  A NULL: detached, 0 once it runs; else attached, the
   container's exit code (0 when detached by the keys).  The monitor
   starts first and enters the user namespace while the record is
   written.  */
int container_run (const struct nook_paths *paths, struct storage *st,
                   const struct container_create_opts *o, const struct container_attach_opts *a,
                   char id[65], nook_error_t *err);
/* Start the created or exited container ID, as container_run.  */
int container_start (const struct nook_paths *paths, struct storage *st, const char *id,
                     const struct container_attach_opts *a, nook_error_t *err);

/* ---- the monitor protocol: one write per message on the sync pipe ---- */

/* Added to GLIBC_TUNABLES in the monitor's environment (glibc reads it as
   the process starts): the per-thread cache of freed memory off, so the
   monitor at rest can give its free heap back.  The monitor takes it out
   again at once: its children (fuse-overlayfs, slirp4netns, the runtime)
   keep the cache.  */
#define MONITOR_TUNABLE "glibc.malloc.tcache_count=0"

enum
{
  MONITOR_MSG_PID = 1,  /* value: the container's pid */
  MONITOR_MSG_EXIT,     /* value: the exit code; sent after cleanup */
  MONITOR_MSG_ERROR,    /* value: exit code for the CLI (125-127); msg */
  MONITOR_MSG_DETACHED, /* the detach keys were typed */
  MONITOR_MSG_UNSHARED, /* --userns-from-parent: map me now */
};

struct monitor_msg
{
  int32_t type;
  int32_t value;
  char msg[2040];
};

int monitor_msg_send (int fd, int type, int value, const char *msg);

/* After the ID, nook writes control messages on the same pipe (with
   --userns-from-parent, MAPPED comes first, before the ID).  */
enum
{
  MONITOR_CTL_SIGNAL = 1, /* value: a signal for the container */
  MONITOR_CTL_WINCH,      /* read the size of your terminal (fd 0) again */
  MONITOR_CTL_MAPPED,     /* your user namespace is mapped */
};

struct monitor_ctl
{
  int32_t type;
  int32_t value;
};

/* ---- the monitor's socket: SOCK_SEQPACKET, RUNROOT/monitor/ID; one
   message per packet, its first byte the type ---- */
enum
{
  MON_ATTACH = 'A',      /* [u8 1: with stdin] -> output until the end */
  MON_KILL = 'K',        /* [i32 signal] -> MON_ACK [i32 errno] */
  MON_STOP = 'S',        /* [i32 signal, i32 timeout] -> MON_EXIT once ended */
  MON_WAIT = 'W',        /* -> MON_EXIT once ended */
  MON_STDIN = 'i',       /* data for the container's stdin */
  MON_STDIN_CLOSE = 'c', /* end of it */
  MON_RESIZE = 'r',      /* [u16 rows, u16 cols] */
  MON_STDOUT = 'o',      /* output, from the monitor */
  MON_STDERR = 'e',
  MON_EXIT = 'x', /* [i32 exit code]: the container ended */
  MON_ACK = 'k',
};
#define MON_PACKET_MAX 32768

/* The directory of the monitors' sockets.  */
char *container_monitor_dir (const char *runroot);
/* Connect to the monitor of container ID: *FD, or -1 with ENOENT or
   ECONNREFUSED when it is not running.  */
int container_monitor_connect (const char *runroot, const char *id, int *fd, nook_error_t *err);
/* Send one message: TYPE and LEN bytes of DATA.  */
int container_monitor_send (int fd, char type, const void *data, size_t len, nook_error_t *err);
/* The same without waiting: 1 when sent, 0 when the socket is full.  */
int container_monitor_try_send (int fd, char type, const void *data, size_t len, nook_error_t *err);
/* 0 on a message, 1 at end of file, -1 on error.  */
int monitor_msg_recv (int fd, struct monitor_msg *m);

/* ---- running: the monitor side ---- */

struct container_rootfs
{
  pid_t fuse_pid; /* fuse-overlayfs serving the rootfs */
  char *merged;   /* where it is mounted */
  char *bundle;   /* the OCI bundle directory */
  char *program;  /* what the runtime will exec, as the spec names it */
  char *path;     /* the spec's PATH, NULL: the runtime's default */
};

/* What of the host the monitor gives a container.  */
struct container_host
{
  const char *seccomp_profile; /* PREFIX/share/nook/seccomp.json; NULL: none */
  const char *init_path;       /* nook-init, for --init */
  const char *netns_path;      /* the network namespace the monitor holds */
};
/* Where --init's nook-init is seen in the container.  */
#define CONTAINER_INIT_PATH "/run/nook-init"

/* In the monitor, inside its user namespace, step one: mount the rootfs
   and start fuse-overlayfs (a child of the caller), which starts up while
   the caller makes the network.  */
int container_prepare_mount (struct storage *st, struct container *c, struct container_rootfs *r,
                             nook_error_t *err);
/* Step two, once the network is there: write the bundle for the user
   namespace made with IDS (NULL as real root) with what HOST gives.  On
   failure the rootfs stays mounted: the caller unmounts it.  */
int container_prepare_bundle (struct storage *st, struct container *c, const struct userns_ids *ids,
                              const struct container_host *host, struct container_rootfs *r,
                              nook_error_t *err);
/* A hint while the runtime sets the container up: look up its program
   in the rootfs as the runtime's PATH search will, so that the kernel
   already has the entries (found or not) the runtime would otherwise
   wait for from fuse-overlayfs one by one.  True if it is there.  */
bool container_rootfs_warm (const struct container_rootfs *r);
void container_rootfs_free (struct container_rootfs *r);
/* Build the OCI spec for C on the mounted rootfs ROOTFD.  */
int container_spec (const struct container *c, int rootfd, const char *merged,
                    const struct userns_ids *ids, const char *seccomp_profile,
                    struct oci_spec *spec, nook_error_t *err);
/* An OCI runtime (nook-runtime, or runc/crun with the same command line)
   driven by the monitor.  Errors come from its --log file.  */
struct container_runtime
{
  const char *path;
  const char *root; /* --root */
  const char *log;  /* --log, JSON */
};
/* create and start, with STDIO[0..2] as the container's stdio (with
   CONSOLE, the runtime sends a pty to that socket instead); the
   runtime's error is mapped to the exit code Podman gives (127 command not
   found, 126 cannot run it, 125 otherwise).  */
int container_runtime_run (const struct container_runtime *rt, const char *id,
                           const struct container_rootfs *rootfs, const char *pid_file,
                           const int stdio[3], const char *console, nook_error_t *err);
/* The same with our own runtime started before its bundle is written
   (`run --go-fd`): its exec and loading overlap the rootfs and network
   coming up.  It waits for container_runtime_run_go, which then does what
   container_runtime_run does; container_runtime_run_abandon ends it.  */
struct container_early_run
{
  pid_t pid; /* the runtime, 0: none */
  int go;    /* the pipe it waits on */
};
int container_runtime_run_early (const struct container_runtime *rt, const char *id,
                                 const struct container_rootfs *rootfs, const char *pid_file,
                                 const int stdio[3], const char *console,
                                 struct container_early_run *e, nook_error_t *err);
int container_runtime_run_go (const struct container_runtime *rt,
                              const struct container_rootfs *rootfs, struct container_early_run *e,
                              nook_error_t *err);
void container_runtime_run_abandon (struct container_early_run *e);
/* delete --force, started and waited for apart so cleanup overlaps it.  */
int container_runtime_delete_start (const struct container_runtime *rt, const char *id, pid_t *pid,
                                    nook_error_t *err);
int container_runtime_delete_finish (const struct container_runtime *rt, pid_t pid,
                                     nook_error_t *err);

/* Set SPEC->seccomp from the seccomp profile at PATH, in containers/common's
   format (Podman's, shipped as DATA_DIR/seccomp.json) or the OCI one:
   the rules whose conditions hold for SPEC's bounding capabilities, the
   architecture ARCH (Go's name, "amd64"; NULL: nook's own) and the kernel
   KERNEL ("6.1"; NULL: the running one).  Call it once the capabilities
   are set.  An empty profile ({}) means no filter.  */
int container_seccomp_profile (struct oci_spec *spec, const char *path, const char *arch,
                               const char *kernel, nook_error_t *err);

#endif
