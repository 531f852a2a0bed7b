/* nook — pkg/container: a container's volumes and bind mounts (the
   flags -v/--volume, --mount and --volumes-from, and the image's
   VOLUMEs), with Podman's meaning and messages.

   The CLI fills a container_mount_opts from argv; container_mounts_check
   turns it into the list the record keeps (sources absolute, volumes
   named, options normalized); the monitor applies that list to the OCI
   spec (container_mounts_setup), seeding new volumes from the image and
   chowning :U sources first.  --mount type=tmpfs becomes a --tmpfs entry
   (container_security's).  */
#ifndef NOOK_CONTAINER_MOUNTS_H
#define NOOK_CONTAINER_MOUNTS_H

#include "json/json.h"
#include "oci/oci.h"
#include "storage/storage.h"
#include "util/util.h"

struct container_mount_opts
{
  char **volumes;      /* -v SRC:DST[:OPTS] */
  char **mounts;       /* --mount type=...,... */
  char **volumes_from; /* --volumes-from CTR[:OPTS] */
};

struct container_mount
{
  char *type;        /* "bind", "volume" or "image" */
  char *source;      /* bind: an absolute host path; volume: its name; image: as given */
  char *image;       /* image: the image's ID */
  char *destination; /* absolute, in the container */
  char **options;    /* for the runtime: rbind|bind, ro|rw, nosuid, nodev, noexec, propagation */
  char *mode;        /* "z", "Z" or "" (accepted; no SELinux relabel here) */
  bool chown;        /* U: the source is chowned to the container's user */
  bool overlay;      /* O: an overlay whose changes are discarded */
  bool anonymous;    /* a volume made for this container (rm -v takes it) */
};

struct container_mounts
{
  struct container_mount *v;
  size_t n;
  char **from; /* --volumes-from as given (inspect's VolumesFrom) */
};

void container_mounts_free (struct container_mounts *m);

/* What the check needs of the world: the store (volumes, --volumes-from)
   and the image's VOLUMEs.  */
struct container_mounts_ctx
{
  struct storage *st;
  char *const *image_volumes; /* the image config's Volumes, paths */
};

/* Check IN as `create` does: -v and --mount parsed as Podman parses
   them (its messages), host paths made absolute and checked to exist,
   named volumes made when missing, anonymous volumes made for -v /DST,
   --mount type=volume without a source and the image's VOLUMEs not
   covered by another mount, --volumes-from copied.  *OUT gets the mounts,
   *TMPFS the --mount type=tmpfs entries as --tmpfs takes them
   ("/dst:opts").  On failure, volumes made here are removed again.  */
int container_mounts_check (const struct container_mounts_ctx *ctx,
                            const struct container_mount_opts *in, struct container_mounts *out,
                            char ***tmpfs, nook_error_t *err);
/* Remove the anonymous volumes of M (after a failed create, rm -v).  */
void container_mounts_remove_anonymous (struct storage *st, const struct container_mounts *m);

/* Parse one -v argument / one --mount argument into *M (no checks on
   the host: for tests and the check above).  A --mount of type tmpfs
   gives *TMPFS ("/dst:opts") instead, M untouched.  */
int container_mount_parse_volume (const char *arg, struct container_mount *m, nook_error_t *err);
int container_mount_parse_mount (const char *arg, struct container_mount *m, char **tmpfs,
                                 nook_error_t *err);
void container_mount_free (struct container_mount *m);

/* The record's "mounts" member.  */
void container_mounts_write (struct json_gen *g, const struct container_mounts *m);
int container_mounts_read (const nook_json *j, struct container_mounts *m, nook_error_t *err);

/* Set the mount_count of each of the N volumes VS: the running
   containers that mount it.  */
struct volume;
int container_volumes_count_mounts (struct storage *st, struct volume *vs, size_t n,
                                    nook_error_t *err);

/* Does M use volume NAME, image ID?  */
bool container_mounts_use_volume (const struct container_mounts *m, const char *name);
bool container_mounts_use_image (const struct container_mounts *m, const char *id);
/* ps --filter volume=V: a volume named V, or any mount on destination V.  */
bool container_mounts_match_filter (const struct container_mounts *m, const char *v);

/* Inspect's Mounts (an array), HostConfig.Binds (an array) and
   HostConfig.VolumesFrom (an array or null).  */
void container_mounts_volumes_from (const struct container_mounts *m, struct json_gen *g);
void container_mounts_inspect (struct storage *st, const struct container_mounts *m,
                               struct json_gen *g);
void container_mounts_binds (const struct container_mounts *m, struct json_gen *g);

/* In the monitor, inside the user namespace, with the rootfs of
   container ID mounted at ROOTFD: seed new volumes from the image, chown
   :U sources to UID:GID (never following a symlink), make the :O
   overlays' upper directories and mount the images of --mount type=image
   (fuse-overlayfs, the caller's children, gone with its mount namespace,
   showing the files through the container's id mapping USERNS as its
   rootfs does) under the container's directory, and add the mounts to
   SPEC (a mount on a destination replaces the one there).  */
struct container_userns;
int container_mounts_setup (struct storage *st, const struct container_mounts *m, int rootfd,
                            const char *id, const struct container_userns *userns, uint32_t uid,
                            uint32_t gid, struct oci_spec *spec, nook_error_t *err);

/* Unmount what container_mounts_setup mounted for the images of
   container ID (before its directory goes, or it could not).  */
void container_mounts_unmount_images (struct storage *st, const struct container_mounts *m,
                                      const char *id);

/* The walks of container_mounts_setup (exposed for tests): copy the tree
   under directory SRC into the empty directory DST with owners, modes
   and times, symlinks as links, devices and sockets left out; chown
   SOURCE and all below it, a symlink changed itself and never followed
   (SOURCE itself may not be one), another file system mounted below
   left alone.  */
int container_mounts_copy_tree (int src, int dst, nook_error_t *err);
int container_mounts_chown_tree (const char *source, uint32_t uid, uint32_t gid, nook_error_t *err);

#endif
