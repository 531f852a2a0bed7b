/* nook — pkg/volume: named and anonymous volumes, as Podman's "local"
   driver keeps them.

   STORAGE/volumes/NAME/       flock'ed per volume for metadata updates
     volume.json               written whole and renamed into place
     _data/                    what containers see

   A volume is made in tmp/ and renamed into volumes/ in one step, so a
   name is taken once and a crash leaves no half-made volume; it leaves
   the same way (renamed into tmp/, then deleted).  */
#ifndef NOOK_VOLUME_H
#define NOOK_VOLUME_H

#include "json/json.h"
#include "storage/storage.h"
#include "util/util.h"

struct volume
{
  char *name;
  char *created;   /* RFC 3339 */
  char **labels;   /* "key=value" */
  char **options;  /* --opt, "key=value" */
  bool anonymous;  /* made for a container; `rm -v` takes it */
  bool needs_copy; /* not yet seeded from an image (NeedsCopyUp) */
  bool needs_chown;
  int64_t mount_count; /* not kept: running containers using it, for inspect */
};

void volume_free (struct volume *v);
void volume_list_free (struct volume *vs, size_t n);

/* Podman's rule for names: [a-zA-Z0-9][a-zA-Z0-9_.-]*.  */
bool volume_name_valid (const char *name);

/* Make volume NAME (NULL: a generated 64-hex-digit one) with LABELS and
   OPTIONS ("key=value" each: the local driver's, o=uid=N,gid=N applied);
   *OUT (optional) gets it.  An existing name fails with EEXIST and
   Podman's message.  */
int volume_create (struct storage *st, const char *name, char *const *labels, char *const *options,
                   bool anonymous, struct volume *out, nook_error_t *err);
/* Do OPTIONS ask for an owner (o=uid=N,gid=N)?  Then the caller must be
   in the user namespace, where N is an id of the containers.  */
bool volume_options_chown (char *const *options);
/* Read volume NAME; ENOENT with Podman's "no volume with name" message.  */
int volume_load (struct storage *st, const char *name, struct volume *v, nook_error_t *err);
/* Every volume, sorted by name.  */
int volume_list (struct storage *st, struct volume **out, size_t *n, nook_error_t *err);
/* Delete volume NAME and its data.  Needs the user namespace when it
   holds files of subordinate ids.  */
int volume_remove (struct storage *st, const char *name, nook_error_t *err);
/* Write V's metadata, under its lock.  */
int volume_update (struct storage *st, const struct volume *v, nook_error_t *err);
/* The same with its lock held on DIRFD (from volume_lock).  */
int volume_update_locked (int dirfd, const struct volume *v, nook_error_t *err);
/* Take volume NAME's lock (exclusive); close *FD to release it.  */
int volume_lock (struct storage *st, const char *name, int *fd, nook_error_t *err);

/* STORAGE/volumes/NAME/_data.  */
char *volume_data_path (struct storage *st, const char *name);

/* Podman's `volume inspect` document for V (an object, into G).  */
void volume_inspect_json (struct storage *st, const struct volume *v, struct json_gen *g);

/* `volume ls --filter`: KEY=VALUE with KEY name, label, driver, opt,
   anonymous (Podman's volume filters; dangling needs the users: IN_USE).  */
int volume_filter_match (const struct volume *v, const char *filter, bool in_use, bool *match,
                         nook_error_t *err);

#endif
