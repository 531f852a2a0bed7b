/* nook — pkg/container: a container's user namespace mode (--userns,
   --uidmap, --gidmap) with Podman's meaning for a rootless user.

   The namespace every monitor enters (pkg/userns) is the "intermediate"
   one: 0 is the user, 1..N the subordinate ids.  The default mode, host,
   runs the container in it.  Every other mode gives the container a user
   namespace of its own, nested in it, that maps container ids to
   intermediate ids (what the runtime writes to uid_map), and
   fuse-overlayfs shows the image's files through that same mapping
   (uidmapping=, gidmapping=).  Nothing is copied or chowned for a mode,
   and storage keeps one layout: a file's owner on disk is its owner as a
   container sees it.

   As with the security flags, the CLI fills one from the flags (strings
   into argv) and container_userns_check makes the record's copy, every
   mapping computed.  */
#ifndef NOOK_CONTAINER_USERNSMODE_H
#define NOOK_CONTAINER_USERNSMODE_H

#include "json/json.h"
#include "oci/oci.h"
#include "userns/userns.h"
#include "util/util.h"

struct container_config;
struct storage;

enum container_userns_kind
{
  CONTAINER_USERNS_HOST, /* the rootless namespace itself (the default) */
  CONTAINER_USERNS_KEEP_ID,
  CONTAINER_USERNS_NOMAP,
  CONTAINER_USERNS_AUTO,
  CONTAINER_USERNS_MAPPED, /* --uidmap/--gidmap */
};

struct container_userns
{
  const char *mode; /* --userns as given (NULL: not given); owned once checked */
  char **uidmap;    /* --uidmap, "container:from:amount" */
  char **gidmap;
  /* Set by the check, kept in the record.  */
  enum container_userns_kind kind;
  struct userns_map uids; /* container id -> intermediate id; empty for host */
  struct userns_map gids;
  char *passwd; /* keep-id: the user's /etc/passwd line, added when missing */
  char *group;  /* keep-id: the user's /etc/group line */
};

void container_userns_free (struct container_userns *u);
/* The --userns mode KIND as the record names it ("keep-id").  */
const char *container_userns_kind_name (enum container_userns_kind kind);

/* Check IN as create does and fill CFG->userns: parse the mode and the
   maps (Podman's messages), compute the mappings from the user's
   subordinate ids, and with keep-id and no --user (USER_GIVEN false) make
   CFG->user the user's uid:gid.  For auto a range no other container
   holds is taken under a lock on the store, returned in *LOCKFD: keep it
   until the record is written.  CFG->layers and CFG->workdir must be set. */
int container_userns_check (struct storage *st, const struct container_userns *in, bool user_given,
                            struct container_config *cfg, int *lockfd, nook_error_t *err);

/* The record's "userns" member: written into the object G has open; read
   from the record's top object J (absent: host).  */
void container_userns_write (struct json_gen *g, const struct container_userns *u);
int container_userns_read (const nook_json *j, struct container_userns *u, nook_error_t *err);

/* True for every mode with a user namespace of the container's own.  */
bool container_userns_private (const struct container_userns *u);
/* fuse-overlayfs's uidmapping= and gidmapping= values ("0:1:1000:..."),
   NULL for host.  */
char *container_userns_fuse_map (const struct userns_map *m);
/* The ids as the container's namespace maps them: IDS itself for host,
   else a copy in *BUF with U's maps.  */
const struct userns_ids *container_userns_ids (const struct container_userns *u,
                                               const struct userns_ids *ids,
                                               struct userns_ids *buf);
/* Before the rootfs is mounted: the container's root in its own
   namespace has no rights over a directory whose owner that namespace
   does not map (nomap, auto, most --uidmap), so it must be able to
   search the path to the rootfs as "other".  As Podman, make the store's
   own directories down to the container's (and its userdata) 0711; an ancestor above ROOT
   that is not searchable is an error that says what to do.  */
int container_userns_prepare_dirs (const struct container_userns *u, const char *root,
                                   const char *id, nook_error_t *err);
/* Make the working directory WORKDIR in the mounted rootfs ROOTFD when
   the image lacks it, owned by the container's root as Podman's is: made
   by the monitor it would belong to an id the container may not map.  */
int container_userns_workdir (const struct container_userns *u, int rootfd, const char *workdir,
                              nook_error_t *err);
/* A user namespace with U's mappings in SPEC.  */
void container_userns_apply (const struct container_userns *u, struct oci_spec *spec);
/* keep-id: add the user to /etc/passwd and their group to /etc/group of
   the mounted rootfs ROOTFD when missing (written in the container's
   upper layer, as Podman does).  */
int container_userns_add_user (const struct container_userns *u, int rootfd, nook_error_t *err);
/* HostConfig.UsernsMode and HostConfig.IDMappings, as Podman shows them.  */
void container_userns_inspect (struct json_gen *g, const struct container_userns *u);

#endif
