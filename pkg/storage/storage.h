/* nook — pkg/storage: layers, images and containers on disk.

   STORAGE/
     storage.lock          flock held for short metadata updates only
     blobs/sha256/HEX      every layer blob an image's manifest names, as
                           it came: save and push give it back byte for byte
     tmp/KIND-RANDOM/      work in progress, each dir flock'ed by its
                           creator; a dir whose lock is free is garbage
     layers/CHAINID/       one per layer chain, shared by every image
       diff/               the layer's files, whiteouts as in the tar
       layer.json
     images/names.json     {"registry/repo:tag": "IMAGE ID", ...}
     images/ID/            ID = sha256 of the config
       image.json  manifest  config
     containers/names/NAME -> ID   (symlink: reservation is atomic)
     containers/ID/        flock'ed per container
       container.json  state.json  upper/  work/  merged/  userdata/
       volume-overlay/N/   -v ...:O: a fresh upper dir per start
       image-mount/N/      --mount type=image: its own overlay
     volumes/NAME/         pkg/volume: volume.json, _data/; flock'ed per volume

   Everything is written whole and renamed into place: a crash leaves the
   old state or the new one, and at worst garbage under tmp/.  */
#ifndef NOOK_STORAGE_H
#define NOOK_STORAGE_H

#include "image/image.h"
#include "json/json.h"
#include "util/util.h"

struct storage
{
  char *root;
  int rootfd;
  int layersfd;
  int imagesfd;
  int containersfd;
  int tmpfd;
  int blobsfd; /* blobs/sha256 */
};

int storage_open (struct storage *st, const char *root, nook_error_t *err);
void storage_close (struct storage *st);
/* Finish what a killed process left half committed (the names of a load:
   images/commit.json), under the store lock; nothing to do costs one
   faccessat.  Every command calls it once the store is open.  */
int storage_recover (struct storage *st, nook_error_t *err);
/* Is the blob with hex digest HEX in the store?  */
bool storage_blob_exists (struct storage *st, const char *hex);
/* Open it for reading.  */
int storage_blob_open (struct storage *st, const char *digest, int *fd, nook_error_t *err);

/* True for a 64-hex-digit ID, the name of image and container dirs.  */
bool storage_is_id (const char *name);
/* Take the store-wide lock for a metadata update; close *FD to release.  */
int storage_lock (struct storage *st, int *fd, nook_error_t *err);

/* A private work directory under tmp/, locked while *LOCKFD is open.  */
struct storage_tmp
{
  char *name; /* relative to tmp/ */
  int fd;     /* the directory, flock'ed */
};
int storage_tmp_create (struct storage *st, const char *kind, struct storage_tmp *tmp,
                        nook_error_t *err);
/* Remove the directory and unlock.  */
void storage_tmp_discard (struct storage *st, struct storage_tmp *tmp);
/* Remove tmp/ entries left by dead processes (their lock is free).  Needs
   the user namespace when they hold files of subordinate ids.  */
void storage_tmp_sweep (struct storage *st);

/* ---- layer extraction: every entry confined to the layer directory ---- */

struct apply_opts
{
  bool rootless;   /* skip device nodes with a warning */
  bool ignore_ids; /* only one id is mapped: do not chown */
};

struct apply_result
{
  char diff_id[65];     /* sha256 of the uncompressed tar stream */
  int64_t tar_size;     /* bytes of that stream */
  int64_t content_size; /* bytes of regular files */
};

/* Extract the (gzip, zstd or plain) tar read from BLOB_FD into the empty
   directory DIRFD.  Paths are confined containerd-style: a leading "/"
   is dropped, ".." stops at the root, symlinks are resolved as if DIRFD
   were "/", and a hardlink's target must already exist in the layer.  */
int storage_apply_tar (int dirfd, int blob_fd, const struct apply_opts *opts,
                       struct apply_result *res, nook_error_t *err);

/* ---- layers ---- */

struct storage_layer
{
  char id[65]; /* chain ID hex */
  char *diff_id;
  char *parent; /* chain ID hex or NULL */
  int64_t size; /* uncompressed tar bytes */
};

/* The chain ID of a layer with DIFF_ID on top of PARENT (hex, or NULL).  */
int storage_chain_id (const char *parent, const char *diff_id, char out[65], nook_error_t *err);
bool storage_layer_exists (struct storage *st, const char *chain_id);
/* Extract BLOB_FD into a staged layer under tmp/, verifying its diff ID.
   Commit it with storage_layer_commit under the store lock.  */
int storage_layer_stage (struct storage *st, int blob_fd, const char *diff_id, const char *chain_id,
                         const char *parent, const struct apply_opts *opts, struct storage_tmp *tmp,
                         int64_t *size, nook_error_t *err);
/* Move a staged layer into place; one already there wins.  */
int storage_layer_commit (struct storage *st, struct storage_tmp *tmp, const char *chain_id,
                          nook_error_t *err);
int storage_layer_read (struct storage *st, const char *chain_id, struct storage_layer *l,
                        nook_error_t *err);
void storage_layer_free (struct storage_layer *l);
/* Absolute path of the layer's diff directory.  */
char *storage_layer_diff_path (struct storage *st, const char *chain_id);

/* ---- images ---- */

struct storage_image
{
  char id[65];
  char *digest;  /* manifest digest */
  char **layers; /* chain IDs, bottom first */
  char **names;  /* filled by list/lookup from names.json */
  char *matched; /* lookup: the stored name the reference found, NULL by ID */
  int64_t size;
  char *created; /* from the config, RFC 3339 */
};

void storage_image_free (struct storage_image *img);
/* Record an image whose layers are committed: writes images/ID under the
   store lock (the caller holds it).  An image already there is kept.  */
int storage_image_put (struct storage *st, const struct storage_image *img, const char *manifest,
                       size_t manifest_len, const char *config, size_t config_len,
                       nook_error_t *err);
/* Point NAME at image ID, moving it from any other image.  */
int storage_image_tag (struct storage *st, const char *id, const char *name, nook_error_t *err);
/* Remove the name NAME; ENOENT-errors when it names no image.  */
int storage_image_untag (struct storage *st, const char *name, nook_error_t *err);
/* Remove image ID, its names, and the layers and blobs no image uses any
   more (the caller makes sure no container uses it).  Needs the user
   namespace: layers hold files of subordinate ids.  */
int storage_image_remove (struct storage *st, const char *id, nook_error_t *err);
int storage_image_list (struct storage *st, struct storage_image **out, size_t *n,
                        nook_error_t *err);
void storage_image_list_free (struct storage_image *imgs, size_t n);
/* Find an image by full name, short name (localhost/ then docker.io),
   full ID or unique ID prefix.  ENOENT-errors say "image not known".  */
int storage_image_lookup (struct storage *st, const char *name, struct storage_image *out,
                          nook_error_t *err);
/* Write the `image inspect` document of IMG into G, with Podman's keys.  */
int storage_image_inspect (struct storage *st, const struct storage_image *img, struct json_gen *g,
                           nook_error_t *err);
int storage_image_read_config (struct storage *st, const char *id, struct image_config *cfg,
                               nook_error_t *err);

/* ---- the container rootfs ---- */

/* Mount containers/ID/merged: fuse-overlayfs over LAYERS (bottom first)
   with the container's upper and work dirs.  The daemon is started as
   the caller's child, its pid in *FUSE_PID.  Run inside the user
   namespace.  */
int storage_overlay_mount (struct storage *st, const char *id, char *const *layers,
                           const char *uidmapping, const char *gidmapping, pid_t *fuse_pid,
                           nook_error_t *err);
/* Detach the mount and wait (bounded) for the daemon to exit.  */
void storage_overlay_unmount (struct storage *st, const char *id, pid_t fuse_pid);

/* ---- import: a verified source into the store ---- */

/* Store every image of SRC: layers not already present are extracted and
   checked against their diff_ids, then everything is committed at once
   under the store lock.  *LOADED gets one display name per image (its
   name, or "sha256:ID").  On failure nothing new is visible.  */
int storage_import (struct storage *st, struct image_source *src, const struct apply_opts *opts,
                    char ***loaded, nook_error_t *err);

/* ---- containers ---- */

/* Reserve NAME for container ID (names lock held inside).  Fails naming
   the holder when the name is taken.  */
int storage_container_name_reserve (struct storage *st, const char *name, const char *id,
                                    nook_error_t *err);
void storage_container_name_release (struct storage *st, const char *name, const char *id);
/* Resolve a name, full ID or unique ID prefix to the full ID.  */
int storage_container_resolve (struct storage *st, const char *ref, char id[65], nook_error_t *err);
/* All container IDs.  */
int storage_container_ids (struct storage *st, char ***out, nook_error_t *err);
/* Open containers/ID (the lock object); -1 with ENOENT when it is gone.  */
int storage_container_open (struct storage *st, const char *id, nook_error_t *err);
/* Atomically move containers/ID out of sight and delete it.  */
int storage_container_delete (struct storage *st, const char *id, nook_error_t *err);
/* The two halves of that: the rename (*GONE names the directory now under
   tmp/, NULL when there was none) and the slow removal.  */
int storage_container_hide (struct storage *st, const char *id, char **gone, nook_error_t *err);
int storage_container_purge (struct storage *st, const char *gone, nook_error_t *err);

/* ---- export: what save, history and export read ---- */

/* IMG as the store keeps it: manifest and config bytes, and the
   uncompressed size of each layer.  Its names are left empty.  */
int storage_image_save_item (struct storage *st, const struct storage_image *img,
                             struct image_save_item *it, nook_error_t *err);

struct storage_history
{
  char *id; /* the image whose top layer this entry made, NULL for <missing> */
  char *created;
  char *created_by;
  char *comment;
  int64_t size; /* the layer's uncompressed bytes, 0 for an empty_layer */
  bool empty_layer;
};

/* The history of IMG, newest first, paired with its layers as Podman
   pairs them (each non-empty entry takes the next layer down).  */
int storage_image_history (struct storage *st, const struct storage_image *img,
                           struct storage_history **out, size_t *n, nook_error_t *err);
void storage_history_free (struct storage_history *h, size_t n);

/* Write the tree ROOTFD as a tar to OUTFD: names relative and sorted,
   owners numeric, modes, mtimes, symlinks, hardlinks (one inode twice is
   a link entry), devices and FIFOs as they are, sockets and whiteout
   files left out, other filesystems not entered.  Nothing is followed:
   every step is an openat with O_NOFOLLOW.  */
int storage_tar_tree (int rootfd, int outfd, nook_error_t *err);

/* Open the rootfs of running container ID as its monitor PID has it
   mounted: joins PID's user and mount namespaces (the process must be
   single-threaded).  */
int storage_container_rootfs_of (struct storage *st, const char *id, pid_t pid, int *out,
                                 nook_error_t *err);

#endif
