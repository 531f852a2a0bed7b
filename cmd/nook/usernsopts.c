/* nook run/create: the user namespace flags, bound to a struct
   container_userns; pkg/container checks them and computes the mappings
   at create.  */
#include "cli.h"

#include "container/container.h"

#include <string.h>

struct opt *
cli_userns_opts (struct container_userns *u)
{
  const struct opt opts[] = {
    { "gidmap", 0, OPT_STRINGS, &u->gidmap, "CONTAINER_GID:FROM_GID:AMOUNT",
      "GID map to use for the user namespace" },
    { "uidmap", 0, OPT_STRINGS, &u->uidmap, "CONTAINER_UID:FROM_UID:AMOUNT",
      "UID map to use for the user namespace" },
    { "userns", 0, OPT_STRING, &u->mode, "MODE",
      "User namespace to use (host, keep-id[:uid=UID,gid=GID], nomap, auto[:size=SIZE])" },
    { 0 },
  };
  struct opt *table = xmalloc (sizeof (opts));

  memcpy (table, opts, sizeof (opts));
  return table;
}
