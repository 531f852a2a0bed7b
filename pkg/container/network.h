/* nook — pkg/container: a container's network settings (--network,
   -p/--publish, -P/--publish-all, --expose, --dns, --dns-search,
   --dns-option, --add-host, --no-hosts), with Podman's meaning and
   messages, and the files the container gets from them (/etc/hosts,
   /etc/resolv.conf, /etc/hostname).

   The CLI fills one as the flags give it (strings may point into argv);
   container_network_check turns it into the checked copy the record keeps
   (every string owned), and the monitor sets the network up from that.  */
#ifndef NOOK_CONTAINER_NETWORK_H
#define NOOK_CONTAINER_NETWORK_H

#include "json/json.h"
#include "oci/oci.h"
#include "util/util.h"

struct storage;

/* Where the container's network namespace comes from.  */
enum container_net_mode
{
  NET_SLIRP4NETNS, /* a new one, slirp4netns to the outside (the default) */
  NET_PASTA,       /* a new one, pasta to the outside */
  NET_NONE,        /* a new one with only lo */
  NET_HOST,        /* the host's: none of our own */
  NET_CONTAINER,   /* another container's */
  NET_NS,          /* a namespace file */
};

/* One published port or range: HOST_PORT.. on HOST_IP ("": all) to
   CTR_PORT.. in the container, COUNT ports.  */
struct container_port
{
  char *host_ip;
  uint16_t host_port, ctr_port, count;
  bool udp;
};

struct container_network
{
  /* As given.  */
  char *network;  /* NULL: slirp4netns */
  char **publish; /* -p */
  bool publish_all;
  char **expose; /* --expose PORT[/PROTO], ranges */
  char **dns;
  char **dns_search;
  char **dns_option;
  char **add_host; /* "name:ip" (several names: "a;b:ip") */
  bool no_hosts;
  /* Once checked.  */
  enum container_net_mode mode;
  char *target;   /* NET_CONTAINER: the container's ID; NET_NS: the path */
  char **options; /* slirp4netns: "key=value"; pasta: its arguments */
  struct container_port *ports;
  size_t n_ports;
};

/* Free a checked copy (not one the CLI filled from argv).  */
void container_network_free (struct container_network *n);

/* Check IN as `create` does and fill *OUT: the mode and its options,
   the ports (a random free host port where none is given; -P adds the
   image's EXPOSED ports, "8080/tcp" style, and --expose's), the DNS
   settings and hosts.  Bad values are refused with Podman's messages.  */
int container_network_check (struct storage *st, const struct container_network *in,
                             char *const *image_exposed, struct container_network *out,
                             nook_error_t *err);

/* The record's "network" member, in the object G has open; read from
   the record's top object J (absent in older records: slirp4netns).  */
void container_network_write (struct json_gen *g, const struct container_network *n);
int container_network_read (const nook_json *j, struct container_network *n, nook_error_t *err);

const char *container_network_mode_name (enum container_net_mode m);
/* The value of option KEY= of the mode ("mtu"), the last one given, or
   NULL.  */
const char *container_network_option (const struct container_network *n, const char *key);
/* NetworkMode as inspect shows it: "slirp4netns", "container:ID", ...  */
char *container_network_mode_string (const struct container_network *n);

/* "0.0.0.0:8080->80/tcp, ..." as `ps` shows the ports.  */
char *container_ports_string (const struct container_network *n);
/* inspect's Ports and PortBindings: {"80/tcp": [{"HostIp": "", "HostPort":
   "8080"}]}; ps --format json's Ports: [{"host_ip": ..., "range": 1}] or
   null.  */
void container_network_inspect_ports (struct json_gen *g, const struct container_network *n);
void container_network_ps_ports (struct json_gen *g, const struct container_network *n);

/* ---- the files ---- */

/* The addresses the container sees (slirp4netns: from cidr=).  */
struct container_net_addrs
{
  char ip[16];      /* the container's address: 10.0.2.100 */
  char gateway[16]; /* the host, when allow_host_loopback: 10.0.2.2 */
  char dns[16];     /* the DNS forwarder: 10.0.2.3 */
  bool host_loopback;
};
int container_net_addrs (const struct container_network *n, struct container_net_addrs *a,
                         nook_error_t *err);

/* /etc/resolv.conf from the host's HOST_TEXT: loopback nameservers
   (which mean nothing inside) replaced by DNS ("": dropped, NULL: kept,
   for the host's network); --dns,
   --dns-search and --dns-option replace the host's.  */
char *container_resolv_conf (const struct container_network *n, const char *host_text,
                             const char *dns);
/* /etc/hosts: localhost, --add-host's, the container's address with
   HOSTNAME and NAME, host.containers.internal at HOST_IP (NULL: none).  */
char *container_hosts (const struct container_network *n, const char *base, const char *ip,
                       const char *hostname, const char *name, const char *host_ip);

#endif
