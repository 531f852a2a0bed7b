/* The network in a container's OCI spec: its network namespace, and
   /etc/hosts, /etc/resolv.conf and /etc/hostname, written into the
   container's userdata and bind-mounted (unless the user mounts their
   own there).  */
#include "container/internal.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <string.h>

#define HOST_FILE_MAX (1 << 20)

static bool
mounted_at (const struct oci_spec *spec, const char *dest)
{
  for (size_t i = 0; i < spec->n_mounts; i++)
    if (str_eq (spec->mounts[i].destination, dest))
      return true;
  return false;
}

static void
bind_file (struct oci_spec *spec, const char *dest, const char *src)
{
  static const char *const opts[] = { "bind", "rprivate", NULL };

  if (!mounted_at (spec, dest))
    oci_spec_add_mount (spec, dest, "bind", src, opts);
}

/* The host's first IPv4 address that is up and not loopback: the host
   as a container behind slirp4netns or pasta reaches it.  */
static char *
host_address (void)
{
  struct ifaddrs *ifs = NULL;
  char buf[INET_ADDRSTRLEN];
  char *out = NULL;

  if (getifaddrs (&ifs) < 0)
    return NULL;
  for (struct ifaddrs *i = ifs; i && out == NULL; i = i->ifa_next)
    if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET && (i->ifa_flags & IFF_UP)
        && !(i->ifa_flags & IFF_LOOPBACK)
        && inet_ntop (AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, buf, sizeof (buf)))
      out = xstrdup (buf);
  freeifaddrs (ifs);
  return out;
}

static char *
read_host_file (const char *path)
{
  nook_error_t err = NULL;
  char *text = NULL;

  if (nook_read_file_at (AT_FDCWD, path, HOST_FILE_MAX, &text, NULL, &err) < 0)
    nook_error_free (&err);
  return text;
}

static int
write_file (int dirfd, const char *name, const char *text, nook_error_t *err)
{
  return nook_write_file_volatile (dirfd, name, text, strlen (text), 0644, err);
}

/* /etc/hosts and /etc/resolv.conf of a container with its own network.  */
static int
own_files (const struct container_config *cfg, int dirfd, nook_error_t *err)
{
  const struct network_config *n = &cfg->net;
  struct network_addrs a;
  _cleanup_free_ char *resolv = read_host_file ("/etc/resolv.conf"), *text = NULL;
  _cleanup_free_ char *host = NULL, *base = NULL;
  const char *dns;

  if (network_addrs (n, &a, err) < 0)
    return -1;
  dns = n->mode == NET_HOST ? NULL : a.dns;
  if (!strv_contains (n->dns, "none"))
    {
      text = network_resolv_conf (n, resolv, dns);
      if (write_file (dirfd, "resolv.conf", text, err) < 0)
        return -1;
      free (text);
      text = NULL;
    }
  if (n->no_hosts)
    return 0;
  if (n->mode == NET_HOST)
    base = read_host_file ("/etc/hosts");
  host = a.host_loopback ? xstrdup (a.gateway) : n->mode == NET_NONE ? NULL : host_address ();
  text = network_hosts (n, base, a.ip, cfg->hostname, cfg->name, host);
  return write_file (dirfd, "hosts", text, err);
}

static void
bind_if_there (struct oci_spec *spec, const char *dir, const char *name, const char *dest)
{
  _cleanup_free_ char *path = xasprintf ("%s/%s", dir, name);

  if (access (path, F_OK) == 0)
    bind_file (spec, dest, path);
}

int
container_network_spec (struct storage *st, const struct container *c, const char *netns_path,
                        struct oci_spec *spec, nook_error_t *err)
{
  const struct container_config *cfg = &c->cfg;
  const struct network_config *n = &cfg->net;
  _cleanup_free_ char *dir = xasprintf ("%s/containers/%s/userdata", st->root, cfg->id);
  _cleanup_free_ char *hostname = xasprintf ("%s\n", cfg->hostname);
  _cleanup_free_ char *from = NULL;
  _cleanup_close_ int dirfd = -1;

  for (size_t i = 0; i < spec->n_namespaces; i++)
    if (str_eq (spec->namespaces[i].type, "network"))
      {
        free (spec->namespaces[i].path);
        spec->namespaces[i].path = netns_path ? xstrdup (netns_path) : NULL;
        if (n->mode == NET_HOST) /* taken out: the host's */
          {
            free (spec->namespaces[i].type);
            free (spec->namespaces[i].path);
            spec->namespaces[i] = spec->namespaces[--spec->n_namespaces];
          }
        break;
      }
  dirfd = nook_open_dir (AT_FDCWD, dir, err);
  if (dirfd < 0 || write_file (dirfd, "hostname", hostname, err) < 0)
    return -1;
  unlinkat (dirfd, "hosts", 0);
  unlinkat (dirfd, "resolv.conf", 0);
  /* Another container's network: its files.  */
  from = n->mode == NET_CONTAINER ? xasprintf ("%s/containers/%s/userdata", st->root, n->target)
                                  : NULL;
  if (from == NULL && own_files (cfg, dirfd, err) < 0)
    return -1;
  bind_if_there (spec, dir, "hostname", "/etc/hostname");
  bind_if_there (spec, from ? from : dir, "hosts", "/etc/hosts");
  bind_if_there (spec, from ? from : dir, "resolv.conf", "/etc/resolv.conf");
  return 0;
}
