/* pkg/container internals.  */
#ifndef NOOK_CONTAINER_INTERNAL_H
#define NOOK_CONTAINER_INTERNAL_H

#include "container/container.h"

/* The capabilities a container's root has by default, as Podman's.  */
extern const char *const container_default_caps[];

/* The settings of run's monitor flags (runcfg.c).  */
int container_run_settings (struct storage *st, const struct container_create_opts *o,
                            struct container_config *cfg, nook_error_t *err);
/* The last error an OCI runtime wrote to its JSON --log at LOG, or NULL.  */
char *container_runtime_log_error (const char *log);
int container_record_commit (struct storage *st, const struct container *c, nook_error_t *err);
/* A free random name, as Docker's "adjective_surname".  */
char *container_random_name (struct storage *st, nook_error_t *err);

/* A user as `--user` names it ("", "name", "uid", "uid:gid",
   "name:group"), resolved in the /etc/passwd and /etc/group of the root
   ROOTFD (the mounted rootfs, or /proc/PID/root of a running container),
   every path confined to it.  */
struct resolved_user
{
  uint32_t uid, gid;
  char *home;
  char *name;
};
int container_resolve_user (int rootfd, const char *spec, struct resolved_user *u,
                            nook_error_t *err);
/* SPEC->additional_gids: U's primary group and those /etc/group lists
   U's name in, as login sets them.  */
void container_supplementary_groups (int rootfd, const struct resolved_user *u,
                                     struct oci_spec *spec);

/* One "-e" or --env-file entry into *ENV: KEY=VALUE, or KEY taken from
   our own environment (skipped when we have none); a key set twice keeps
   its place and takes the new value.  */
int container_env_add (char ***env, const char *entry, nook_error_t *err);
int container_env_file_add (char ***env, const char *path, nook_error_t *err);

/* fuse-overlayfs shows the upper directory's mode and owner on the root
   of what it mounts: give UPPER those of the top one of LAYERS.  */
int container_upper_like_top (struct storage *st, char *const *layers, const char *upper,
                              nook_error_t *err);

/* SPEC's network namespace (NETNS_PATH: the one the monitor made or
   joined; the host's network: none) and the files /etc/hosts,
   /etc/resolv.conf and /etc/hostname, written into the container's
   userdata and bind-mounted where the user mounts nothing (netspec.c).  */
int container_network_spec (struct storage *st, const struct container *c, const char *netns_path,
                            struct oci_spec *spec, nook_error_t *err);

#endif
