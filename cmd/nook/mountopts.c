/* nook run/create: the volume flags, bound to a struct
   container_mount_opts; pkg/container parses and checks them at create.  */
#include "cli.h"

#include "container/container.h"

#include <string.h>

struct opt *
cli_mount_opts (struct container_mount_opts *m)
{
  const struct opt opts[] = {
    { "mount", 0, OPT_STRINGS, &m->mounts, "type=TYPE,TYPE-SPECIFIC-OPTION[,...]",
      "Attach a filesystem mount to the container" },
    { "volume", 'v', OPT_STRINGS, &m->volumes, "[SOURCE-VOLUME|HOST-DIR:]CONTAINER-DIR[:OPTIONS]",
      "Bind mount a volume into the container" },
    { "volumes-from", 0, OPT_STRINGS, &m->volumes_from, "CONTAINER[:OPTIONS]",
      "Mount volumes from the specified container(s)" },
    { 0 },
  };
  struct opt *table = xmalloc (sizeof (opts));

  memcpy (table, opts, sizeof (opts));
  return table;
}

void
cli_mount_release (struct container_mount_opts *m)
{
  strv_free (m->mounts);
  strv_free (m->volumes);
  strv_free (m->volumes_from);
  memset (m, 0, sizeof (*m));
}
