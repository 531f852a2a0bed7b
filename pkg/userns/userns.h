/* nook — pkg/userns: subordinate id ranges and the rootless user namespace.
   Every namespace nook makes uses the same mapping: 0 is the user, 1.. the
   user's subordinate ranges in order, so ownership on disk is stable.  */
#ifndef NOOK_USERNS_H
#define NOOK_USERNS_H

#include "util/util.h"

#define USERNS_MAX_RANGES 32

struct userns_range
{
  uint32_t inside;
  uint32_t outside;
  uint32_t count;
};

struct userns_map
{
  struct userns_range r[USERNS_MAX_RANGES];
  size_t n;
};

struct userns_ids
{
  uid_t uid;
  gid_t gid;
  char *user;
  struct userns_map uids;
  struct userns_map gids;
  bool single; /* no subordinate ranges: only the user is mapped */
};

/* The calling user's mapping, from libsubid.  With no subordinate range
   the mapping holds the user alone, IDS->single is set and a warning
   says what that costs.  */
int userns_ids_for_user (struct userns_ids *ids, nook_error_t *err);
/* The same for the user UID (group GID), without the warning: for a
   process that has left the namespace where it had them, once the one
   that maps it has warned.  */
int userns_ids_for (uid_t uid, gid_t gid, struct userns_ids *ids, nook_error_t *err);
void userns_ids_free (struct userns_ids *ids);
/* IDS as one line ("UID:GID:SINGLE:USER:I-O-C,...:I-O-C,..."), for a
   helper of ours that must not look them up itself, and back.  */
char *userns_ids_format (const struct userns_ids *ids);
int userns_ids_parse (const char *text, struct userns_ids *ids, nook_error_t *err);
#define _cleanup_userns_ids_ __attribute__ ((cleanup (userns_ids_free)))

/* Build the map: OWN at 0, then each (start, count) subordinate range at
   1, 1+count0, ...; ranges beyond 2^32-1 ids or USERNS_MAX_RANGES are cut.  */
void userns_build_map (uint32_t own, const struct userns_range *sub, size_t nsub,
                       struct userns_map *out);
/* Add a range to M (none when COUNT is 0 or M is full).  */
void userns_map_add (struct userns_map *m, uint32_t inside, uint32_t outside, uint32_t count);
/* Parse the text of /proc/PID/uid_map.  */
int userns_parse_map (const char *text, struct userns_map *out, nook_error_t *err);
/* Map an id seen inside to the host; false when it is not mapped.  */
bool userns_to_host (const struct userns_map *map, uint32_t inside, uint32_t *outside);
/* Total ids mapped.  */
uint64_t userns_map_size (const struct userns_map *map);

/* Enter a new user and mount namespace with IDS's mapping (newuidmap and
   newgidmap, or the user alone), become root in it, and make mounts
   private.  As real root only a private mount namespace is made.  The
   process must be single-threaded.  */
int userns_enter (const struct userns_ids *ids, nook_error_t *err);

/* The same in two processes, so that the one entering need not fork the
   mappers before it unshares: it calls userns_unshare and waits; the
   other (in the parent namespace) maps it with userns_map_start and
   userns_map_finish (or abandons it); then the first calls
   userns_become_root.  */
struct userns_mappers
{
  pid_t uid_pid; /* newuidmap, 0: none running */
  pid_t gid_pid;
  int errfd; /* their stderr */
};
int userns_unshare (nook_error_t *err);
int userns_map_start (pid_t pid, const struct userns_ids *ids, struct userns_mappers *m,
                      nook_error_t *err);
/* Wait for the mappers started: 0 once PID is mapped.  */
int userns_map_finish (struct userns_mappers *m, const struct userns_ids *ids, nook_error_t *err);
/* Wait for them without a word (the caller fails anyway).  */
void userns_map_abandon (struct userns_mappers *m);
int userns_become_root (nook_error_t *err);

/* True when running as root inside a user namespace nook set up (the
   monitor and the runtime inherit one).  */
bool userns_is_inside (void);

#endif
