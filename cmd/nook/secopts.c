/* nook run/create: the security flags, bound to a struct
   container_security; pkg/container checks and converts them at create.  */
#include "cli.h"

#include "container/container.h"

#include <string.h>

struct opt *
cli_security_opts (struct container_security *s)
{
  const struct opt opts[] = {
    { "cap-add", 0, OPT_STRINGS, &s->cap_add, "CAP", "Add capabilities to the container" },
    { "cap-drop", 0, OPT_STRINGS, &s->cap_drop, "CAP", "Drop capabilities from the container" },
    { "device", 0, OPT_STRINGS, &s->devices, "HOST[:CONTAINER][:PERM]",
      "Add a host device to the container" },
    { "group-add", 0, OPT_STRINGS, &s->group_add, "GROUP",
      "Add additional groups to the primary container process" },
    { "privileged", 0, OPT_BOOL, &s->privileged, NULL, "Give extended privileges to container" },
    { "read-only", 0, OPT_BOOL, &s->read_only, NULL, "Make containers root filesystem read-only" },
    { "read-only-tmpfs", 0, OPT_BOOL, &s->read_only_tmpfs, NULL,
      "When running containers in read-only mode mount a read-write tmpfs on /run, /tmp and "
      "/var/tmp (default true)" },
    { "runtime", 0, OPT_STRING, &s->runtime, "PATH|NAME",
      "Path to the OCI-compatible binary used to run containers, or a runtime's name" },
    { "security-opt", 0, OPT_STRINGS, &s->security_opt, "OPT", "Security Options" },
    { "sysctl", 0, OPT_STRINGS, &s->sysctls, "KEY=VALUE", "Sysctl options" },
    { "tmpfs", 0, OPT_STRINGS, &s->tmpfs, "PATH[:OPTS]",
      "Mount a temporary filesystem (tmpfs) into a container" },
    { "ulimit", 0, OPT_STRINGS, &s->ulimits, "NAME=SOFT[:HARD]", "Ulimit options" },
    { "umask", 0, OPT_STRING, &s->umask, "UMASK", "Set umask in container (default \"0022\")" },
    { 0 },
  };
  struct opt *table = xmalloc (sizeof (opts));

  container_security_init (s);
  memcpy (table, opts, sizeof (opts));
  return table;
}
