/* nook — pkg/network: a container's network settings (--network,
   -p/--publish, -P/--publish-all, --expose, --dns, --dns-search,
   --dns-option, --add-host, --no-hosts), with Podman's meaning and
   messages, and the files the container gets from them (/etc/hosts,
   /etc/resolv.conf, /etc/hostname).

   The CLI fills one as the flags give it (strings may point into argv);
   network_check turns it into the checked copy the record keeps
   (every string owned), and the monitor sets the network up from that:
   its namespace, slirp4netns or pasta and the UDP forwarder are the
   monitor's children (libexec/monitor/net.c, udpfwd.c).  */
#ifndef NOOK_NETWORK_H
#define NOOK_NETWORK_H

#include "json/json.h"
#include "util/util.h"

/* Where the container's network namespace comes from.  */
enum network_mode
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
struct network_port
{
  char *host_ip;
  uint16_t host_port, ctr_port, count;
  bool udp;
};

struct network_config
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
  enum network_mode mode;
  char *target;   /* NET_CONTAINER: the container (its ID in a record); NET_NS: the path */
  char **options; /* slirp4netns: "key=value"; pasta: its arguments */
  struct network_port *ports;
  size_t n_ports;
};

/* Free a checked copy (not one the CLI filled from argv).  */
void network_free (struct network_config *n);

/* Check IN as `create` does and fill *OUT: the mode and its options,
   the ports (a random free host port where none is given; -P adds the
   image's EXPOSED ports, "8080/tcp" style, and --expose's), the DNS
   settings and hosts.  Bad values are refused with Podman's messages.
   container:NAME keeps the name: the caller resolves it to the ID.  */
int network_check (const struct network_config *in, char *const *image_exposed,
                   struct network_config *out, nook_error_t *err);

/* The record's "network" member, in the object G has open; read from
   the record's top object J (absent in older records: slirp4netns).  */
void network_write (struct json_gen *g, const struct network_config *n);
int network_read (const nook_json *j, struct network_config *n, nook_error_t *err);

const char *network_mode_name (enum network_mode m);
/* The value of option KEY= of the mode ("mtu"), the last one given, or
   NULL.  */
const char *network_option (const struct network_config *n, const char *key);
/* NetworkMode as inspect shows it: "slirp4netns", "container:ID", ...  */
char *network_mode_string (const struct network_config *n);

/* "0.0.0.0:8080->80/tcp, ..." as `ps` shows the ports.  */
char *network_ports_string (const struct network_config *n);
/* inspect's Ports and PortBindings: {"80/tcp": [{"HostIp": "", "HostPort":
   "8080"}]}; ps --format json's Ports: [{"host_ip": ..., "range": 1}] or
   null.  */
void network_inspect_ports (struct json_gen *g, const struct network_config *n);
void network_ps_ports (struct json_gen *g, const struct network_config *n);

/* ---- the files ---- */

/* The addresses the container sees (slirp4netns: from cidr=).  */
struct network_addrs
{
  char ip[16];      /* the container's address: 10.0.2.100 */
  char gateway[16]; /* the host, when allow_host_loopback: 10.0.2.2 */
  char dns[16];     /* the DNS forwarder: 10.0.2.3 */
  bool host_loopback;
};
int network_addrs (const struct network_config *n, struct network_addrs *a, nook_error_t *err);

/* /etc/resolv.conf from the host's HOST_TEXT: loopback nameservers
   (which mean nothing inside) replaced by DNS ("": dropped, NULL: kept,
   for the host's network); --dns,
   --dns-search and --dns-option replace the host's.  */
char *network_resolv_conf (const struct network_config *n, const char *host_text, const char *dns);
/* /etc/hosts: localhost, --add-host's, the container's address with
   HOSTNAME and NAME, host.containers.internal at HOST_IP (NULL: none).  */
char *network_hosts (const struct network_config *n, const char *base, const char *ip,
                     const char *hostname, const char *name, const char *host_ip);

#endif
