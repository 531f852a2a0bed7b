/* nook run/create: the network flags, bound to a struct
   container_network; pkg/container checks and converts them at create.  */
#include "cli.h"

#include "container/container.h"

#include <string.h>

struct opt *
cli_network_opts (struct network_config *n)
{
  const struct opt opts[] = {
    { "add-host", 0, OPT_STRINGS, &n->add_host, "HOST:IP",
      "Add a custom host-to-IP mapping (host:ip)" },
    { "dns", 0, OPT_STRINGS, &n->dns, "IP", "Set custom DNS servers" },
    { "dns-option", 0, OPT_STRINGS, &n->dns_option, "OPTION", "Set custom DNS options" },
    { "dns-search", 0, OPT_STRINGS, &n->dns_search, "DOMAIN", "Set custom DNS search domains" },
    { "expose", 0, OPT_STRINGS, &n->expose, "PORT[/PROTO]", "Expose a port or a range of ports" },
    { "net", 0, OPT_STRING, &n->network, "MODE", "Alias for --network" },
    { "network", 0, OPT_STRING, &n->network, "MODE",
      "Connect a container to a network (slirp4netns[:OPTS], pasta[:OPTS], none, host, "
      "container:NAME, ns:PATH)" },
    { "no-hosts", 0, OPT_BOOL, &n->no_hosts, NULL,
      "Do not create /etc/hosts within the container, instead use the version from the image" },
    { "publish", 'p', OPT_STRINGS, &n->publish, "[IP:][HOST_PORT:]CONTAINER_PORT[/PROTO]",
      "Publish a container's port, or a range of ports, to the host" },
    { "publish-all", 'P', OPT_BOOL, &n->publish_all, NULL,
      "Publish all exposed ports to random ports on the host interfaces" },
    { 0 },
  };
  struct opt *table = xmalloc (sizeof (opts));

  memcpy (table, opts, sizeof (opts));
  return table;
}

void
cli_network_release (struct network_config *n)
{
  /* The strings point into argv; the lists are ours.  */
  strv_free (n->add_host);
  strv_free (n->dns);
  strv_free (n->dns_option);
  strv_free (n->dns_search);
  strv_free (n->expose);
  strv_free (n->publish);
}
