/* The network flags of create: checked, normalized and recorded.  */
#include "network/network.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#define PORTS_MAX 1024 /* published ports or ranges: each is an API call */

static const char *const mode_names[]
    = { "slirp4netns", "pasta", "none", "host", "container", "ns" };

const char *
network_mode_name (enum network_mode m)
{
  return mode_names[m];
}

void
network_free (struct network_config *n)
{
  free (n->network);
  strv_free (n->publish);
  strv_free (n->expose);
  strv_free (n->dns);
  strv_free (n->dns_search);
  strv_free (n->dns_option);
  strv_free (n->add_host);
  free (n->target);
  strv_free (n->options);
  for (size_t i = 0; i < n->n_ports; i++)
    free (n->ports[i].host_ip);
  free (n->ports);
  memset (n, 0, sizeof (*n));
}

/* ---- --network ---- */

static bool
is_ipv4 (const char *s)
{
  struct in_addr a;
  return inet_pton (AF_INET, s, &a) == 1;
}

static bool
is_ip (const char *s)
{
  struct in6_addr a;
  return is_ipv4 (s) || inet_pton (AF_INET6, s, &a) == 1;
}

static bool
is_bool (const char *s)
{
  return str_eq (s, "true") || str_eq (s, "false");
}

/* "10.0.2.0/24": a network of at least 8 addresses (.2, .3, .100 must fit
   in /24 or wider, as slirp4netns wants).  */
static bool
is_cidr (const char *s)
{
  _cleanup_free_ char *ip = xstrdup (s);
  char *slash = strchr (ip, '/');
  int64_t bits;

  if (slash == NULL)
    return false;
  *slash = '\0';
  return is_ipv4 (ip) && str_to_int64 (slash + 1, &bits) && bits >= 1 && bits <= 25;
}

/* One slirp4netns option, as Podman takes them.  */
static int
check_slirp_option (const char *opt, nook_error_t *err)
{
  const char *eq = strchr (opt, '=');
  _cleanup_free_ char *key = eq ? xstrndup (opt, (size_t)(eq - opt)) : xstrdup (opt);
  const char *v = eq ? eq + 1 : "";
  int64_t n;
  bool ok;

  if (str_eq (key, "mtu"))
    ok = str_to_int64 (v, &n) && n >= 68 && n <= 65521;
  else if (str_eq (key, "cidr"))
    ok = is_cidr (v);
  else if (str_eq (key, "allow_host_loopback") || str_eq (key, "enable_ipv6"))
    ok = is_bool (v);
  else if (str_eq (key, "outbound_addr") || str_eq (key, "outbound_addr6"))
    ok = v[0] != '\0';
  else if (str_eq (key, "port_handler"))
    {
      if (str_eq (v, "rootlesskit"))
        return nook_error (err, 0,
                           "slirp4netns port_handler=rootlesskit: nook has no rootlessport; "
                           "ports are forwarded by slirp4netns (port_handler=slirp4netns)");
      ok = str_eq (v, "slirp4netns");
    }
  else
    return nook_error (err, 0, "unknown option for slirp4netns: %s", opt);
  if (!ok)
    return nook_error (err, 0, "invalid value for slirp4netns option %s: `%s`", key, v);
  return 0;
}

static int
parse_options (const char *mode, const char *opts, struct network_config *out, nook_error_t *err)
{
  _cleanup_free_ char *copy = xstrdup (opts);
  char *save = NULL;

  out->options = xzalloc (sizeof (char *));
  for (char *o = strtok_r (copy, ",", &save); o; o = strtok_r (NULL, ",", &save))
    {
      if (str_eq (mode, "slirp4netns") && check_slirp_option (o, err) < 0)
        return -1;
      strv_push (&out->options, xstrdup (o));
    }
  return 0;
}

static int
check_mode (const char *net, struct network_config *out, nook_error_t *err)
{
  const char *colon = strchr (net, ':');
  _cleanup_free_ char *mode = colon ? xstrndup (net, (size_t)(colon - net)) : xstrdup (net);
  const char *arg = colon ? colon + 1 : NULL;
  struct stat s;

  if (str_eq (mode, "slirp4netns") || str_eq (mode, "private") || str_eq (mode, "pasta"))
    {
      out->mode = str_eq (mode, "pasta") ? NET_PASTA : NET_SLIRP4NETNS;
      return parse_options (network_mode_name (out->mode), arg ? arg : "", out, err);
    }
  if ((str_eq (mode, "none") || str_eq (mode, "host")) && arg == NULL)
    {
      out->mode = str_eq (mode, "none") ? NET_NONE : NET_HOST;
      out->options = xzalloc (sizeof (char *));
      return 0;
    }
  out->options = xzalloc (sizeof (char *));
  if (str_eq (mode, "container") && arg && arg[0])
    {
      out->mode = NET_CONTAINER;
      out->target = xstrdup (arg);
      return 0;
    }
  if (str_eq (mode, "ns") && arg)
    {
      if (arg[0] != '/')
        return nook_error (err, 0, "network namespace path `%s` must be absolute", arg);
      if (stat (arg, &s) < 0)
        return nook_error (err, errno, "cannot find specified network namespace path: stat %s",
                           arg);
      out->mode = NET_NS;
      out->target = xstrdup (arg);
      return 0;
    }
  if (str_eq (mode, "bridge"))
    return nook_error (err, 0,
                       "bridge networks need a network daemon, which nook has none of: use "
                       "slirp4netns (the default) or pasta");
  return nook_error (err, 0, "unable to find network with name or ID %s: network not found", net);
}

/* ---- ports ---- */

static int
parse_port_number (const char *s, uint16_t *out, nook_error_t *err)
{
  int64_t v;

  if (!str_to_int64 (s, &v))
    return nook_error (err, 0, "invalid port number: `%s`", s);
  if (v < 1 || v > 65535)
    return nook_error (err, 0, "port numbers must be between 1 and 65535 (inclusive), got %lld",
                       (long long)v);
  *out = (uint16_t)v;
  return 0;
}

/* "80" or "80-82": *FIRST and *COUNT.  */
static int
parse_range (const char *s, uint16_t *first, uint16_t *count, nook_error_t *err)
{
  const char *dash = strchr (s, '-');
  _cleanup_free_ char *a = dash ? xstrndup (s, (size_t)(dash - s)) : xstrdup (s);
  uint16_t end;

  if (parse_port_number (a, first, err) < 0)
    return -1;
  *count = 1;
  if (dash == NULL)
    return 0;
  if (parse_port_number (dash + 1, &end, err) < 0)
    return -1;
  if (end <= *first)
    return nook_error (err, 0,
                       "the end port of a range must be higher than the start port - %u is not "
                       "higher than %u",
                       end, *first);
  *count = (uint16_t)(end - *first + 1);
  return 0;
}

/* "SPEC/PROTO": *UDP; SPEC is cut there.  */
static int
parse_proto (char *spec, bool *udp, nook_error_t *err)
{
  char *slash = strrchr (spec, '/');

  *udp = false;
  if (slash == NULL)
    return 0;
  *slash = '\0';
  if (str_eq (slash + 1, "udp"))
    *udp = true;
  else if (!str_eq (slash + 1, "tcp"))
    return nook_error (err, 0, "unrecognized protocol \"%s\" in port mapping", slash + 1);
  return 0;
}

/* Split "[IP:][HOST:]CTR" (IPv6 in brackets) into its parts.  */
static int
split_publish (char *s, char **ip, char **host, char **ctr, nook_error_t *err)
{
  char *c1, *c2;

  *ip = *host = NULL;
  if (s[0] == '[')
    {
      char *close = strchr (s, ']');
      if (close == NULL || close[1] != ':')
        return nook_error (err, 0,
                           "invalid port format - format is [[hostIP:]hostPort:]containerPort");
      *close = '\0';
      *ip = s + 1;
      s = close + 2;
      c1 = strchr (s, ':');
      if (c1 == NULL)
        return nook_error (err, 0,
                           "invalid port format - format is [[hostIP:]hostPort:]containerPort");
      *c1 = '\0';
      *host = s;
      *ctr = c1 + 1;
      return 0;
    }
  c1 = strchr (s, ':');
  c2 = c1 ? strchr (c1 + 1, ':') : NULL;
  if (c2 && strchr (c2 + 1, ':'))
    return nook_error (err, 0, "invalid port format - format is [[hostIP:]hostPort:]containerPort");
  if (c2)
    {
      *c1 = *c2 = '\0';
      *ip = s;
      *host = c1 + 1;
      *ctr = c2 + 1;
    }
  else if (c1)
    {
      *c1 = '\0';
      *host = s;
      *ctr = c1 + 1;
    }
  else
    *ctr = s;
  return 0;
}

static void
add_port (struct network_config *out, const char *ip, uint16_t host, uint16_t ctr, uint16_t count,
          bool udp)
{
  struct network_port *p;

  out->ports = xrealloc (out->ports, sizeof (*out->ports) * (out->n_ports + 1));
  p = &out->ports[out->n_ports++];
  p->host_ip = xstrdup (ip ? ip : "");
  p->host_port = host;
  p->ctr_port = ctr;
  p->count = count;
  p->udp = udp;
}

static int
check_publish (const char *arg, struct network_config *out, nook_error_t *err)
{
  _cleanup_free_ char *s = xstrdup (arg);
  char *ip = NULL, *host = NULL, *ctr = NULL;
  uint16_t hport = 0, hcount = 0, cport, ccount;
  bool udp;

  if (parse_proto (s, &udp, err) < 0 || split_publish (s, &ip, &host, &ctr, err) < 0)
    return -1;
  if (ctr[0] == '\0')
    return nook_error (err, 0, "must provide a non-empty container port to publish");
  if (ip && ip[0] && !is_ip (ip))
    return nook_error (err, 0, "cannot parse \"%s\" as an IP address", ip);
  if (parse_range (ctr, &cport, &ccount, err) < 0)
    return nook_error_prefix (err, "parsing container port");
  if (host && host[0] && parse_range (host, &hport, &hcount, err) < 0)
    return nook_error_prefix (err, "parsing host port");
  if (hport && hcount != ccount)
    return nook_error (err, 0, "host and container port ranges have different lengths: %u vs %u",
                       hcount, ccount);
  add_port (out, ip, hport, cport, ccount, udp);
  return 0;
}

/* A free port on IP ("": any) of the host, as Podman picks one: the
   kernel's choice for port 0.  */
static int
random_port (const char *ip, bool udp, uint16_t *port, nook_error_t *err)
{
  struct sockaddr_in6 a6 = { .sin6_family = AF_INET6 };
  struct sockaddr_in a4 = { .sin_family = AF_INET };
  struct sockaddr_storage got;
  socklen_t len = sizeof (got);
  bool v6 = ip[0] && strchr (ip, ':');
  _cleanup_close_ int fd
      = socket (v6 ? AF_INET6 : AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);

  if (v6)
    inet_pton (AF_INET6, ip, &a6.sin6_addr);
  else if (ip[0])
    inet_pton (AF_INET, ip, &a4.sin_addr);
  if (fd < 0
      || bind (fd, v6 ? (struct sockaddr *)&a6 : (struct sockaddr *)&a4,
               v6 ? sizeof (a6) : sizeof (a4))
             < 0
      || getsockname (fd, (struct sockaddr *)&got, &len) < 0)
    return nook_error (err, errno, "find a free host port on `%s`", ip[0] ? ip : "0.0.0.0");
  *port = ntohs (v6 ? ((struct sockaddr_in6 *)&got)->sin6_port
                    : ((struct sockaddr_in *)&got)->sin_port);
  return 0;
}

static bool
published (const struct network_config *n, uint16_t port, bool udp)
{
  for (size_t i = 0; i < n->n_ports; i++)
    if (n->ports[i].udp == udp && port >= n->ports[i].ctr_port
        && port - n->ports[i].ctr_port < n->ports[i].count)
      return true;
  return false;
}

/* -P: every exposed port not published already, "80", "80/udp",
   "80-82/tcp".  */
static int
publish_exposed (char *const *exposed, struct network_config *out, nook_error_t *err)
{
  for (size_t i = 0; exposed && exposed[i]; i++)
    {
      _cleanup_free_ char *s = xstrdup (exposed[i]);
      uint16_t first, count;
      bool udp;

      if (parse_proto (s, &udp, err) < 0 || parse_range (s, &first, &count, err) < 0)
        return nook_error_prefix (err, "exposed port `%s`", exposed[i]);
      for (uint16_t k = 0; k < count; k++)
        if (!published (out, (uint16_t)(first + k), udp))
          add_port (out, NULL, 0, (uint16_t)(first + k), 1, udp);
    }
  return 0;
}

/* Random host ports where none was given: one per port of a range.  */
static int
assign_ports (struct network_config *n, nook_error_t *err)
{
  size_t count = n->n_ports;

  for (size_t i = 0; i < count; i++)
    {
      /* Copied: add_port moves the array.  */
      struct network_port p = n->ports[i];
      if (p.host_port)
        continue;
      for (uint16_t k = 1; k < p.count; k++)
        add_port (n, p.host_ip, 0, (uint16_t)(p.ctr_port + k), 1, p.udp);
      n->ports[i].count = 1;
    }
  for (size_t i = 0; i < n->n_ports; i++)
    if (n->ports[i].host_port == 0
        && random_port (n->ports[i].host_ip, n->ports[i].udp, &n->ports[i].host_port, err) < 0)
      return -1;
  return 0;
}

static int
check_ports (const struct network_config *in, char *const *image_exposed,
             struct network_config *out, nook_error_t *err)
{
  for (size_t i = 0; in->publish && in->publish[i]; i++)
    if (check_publish (in->publish[i], out, err) < 0)
      return -1;
  /* --expose is checked even without -P, as Podman does.  */
  for (size_t i = 0; in->expose && in->expose[i]; i++)
    {
      _cleanup_free_ char *s = xstrdup (in->expose[i]);
      uint16_t first, count;
      bool udp;
      if (parse_proto (s, &udp, err) < 0 || parse_range (s, &first, &count, err) < 0)
        return nook_error_prefix (err, "invalid --expose `%s`", in->expose[i]);
    }
  if (in->publish_all
      && (publish_exposed (image_exposed, out, err) < 0
          || publish_exposed (in->expose, out, err) < 0))
    return -1;
  if (out->n_ports > PORTS_MAX)
    return nook_error (err, 0, "too many published ports (%zu, at most %d)", out->n_ports,
                       PORTS_MAX);
  if (out->n_ports && (out->mode == NET_NONE || out->mode == NET_CONTAINER))
    return nook_error (err, 0,
                       "cannot set port bindings on an existing container network "
                       "namespace or with --network none");
  return assign_ports (out, err);
}

/* ---- DNS and hosts ---- */

static int
check_dns (const struct network_config *in, struct network_config *out, nook_error_t *err)
{
  for (size_t i = 0; in->dns && in->dns[i]; i++)
    if (!is_ip (in->dns[i]) && !str_eq (in->dns[i], "none"))
      return nook_error (err, 0, "%s is not an ip address", in->dns[i]);
  for (size_t i = 0; in->add_host && in->add_host[i]; i++)
    {
      const char *h = in->add_host[i];
      const char *colon = strchr (h, ':');
      if (colon == NULL || colon == h)
        return nook_error (err, 0, "bad format for add-host: \"%s\"", h);
      if (!is_ip (colon + 1) && !str_eq (colon + 1, "host-gateway"))
        return nook_error (err, 0, "invalid IP address in add-host: \"%s\"", colon + 1);
      if (strpbrk (h, " \t\n#"))
        return nook_error (err, 0, "bad format for add-host: \"%s\"", h);
    }
  for (size_t i = 0; in->dns_search && in->dns_search[i]; i++)
    if (strpbrk (in->dns_search[i], " \t\n#"))
      return nook_error (err, 0, "invalid --dns-search `%s`", in->dns_search[i]);
  for (size_t i = 0; in->dns_option && in->dns_option[i]; i++)
    if (strpbrk (in->dns_option[i], " \t\n#"))
      return nook_error (err, 0, "invalid --dns-option `%s`", in->dns_option[i]);
  if ((in->dns || in->dns_search || in->dns_option) && out->mode == NET_CONTAINER)
    return nook_error (err, 0, "conflicting options: dns and the network mode: container");
  out->dns = strv_dup (in->dns ? in->dns : (char *[]){ NULL });
  out->dns_search = strv_dup (in->dns_search ? in->dns_search : (char *[]){ NULL });
  out->dns_option = strv_dup (in->dns_option ? in->dns_option : (char *[]){ NULL });
  out->add_host = strv_dup (in->add_host ? in->add_host : (char *[]){ NULL });
  out->no_hosts = in->no_hosts;
  if (out->no_hosts && in->add_host && in->add_host[0])
    return nook_error (err, 0, "--no-hosts and --add-host cannot be set together");
  return 0;
}

int
network_check (const struct network_config *in, char *const *image_exposed,
               struct network_config *out, nook_error_t *err)
{
  memset (out, 0, sizeof (*out));
  out->network = xstrdup (in->network ? in->network : "slirp4netns");
  out->publish_all = in->publish_all;
  out->expose = strv_dup (in->expose ? in->expose : (char *[]){ NULL });
  out->publish = strv_dup (in->publish ? in->publish : (char *[]){ NULL });
  if (check_mode (out->network, out, err) < 0 || check_dns (in, out, err) < 0
      || (out->mode != NET_HOST && check_ports (in, image_exposed, out, err) < 0))
    {
      network_free (out);
      return -1;
    }
  if (out->mode == NET_HOST && in->publish && in->publish[0])
    nook_warn ("port mappings have been discarded as one of the Host, Container, Pod, and None "
               "network modes are in use");
  return 0;
}

/* ---- the record ---- */

/* The ports as Podman's ps --format json shows them; the record keeps
   them so too.  */
static void
gen_ports (struct json_gen *g, const struct network_config *n)
{
  json_gen_array_open (g);
  for (size_t i = 0; i < n->n_ports; i++)
    {
      json_gen_object_open (g);
      json_gen_kv_string (g, "host_ip", n->ports[i].host_ip);
      json_gen_kv_int (g, "container_port", n->ports[i].ctr_port);
      json_gen_kv_int (g, "host_port", n->ports[i].host_port);
      json_gen_kv_int (g, "range", n->ports[i].count);
      json_gen_kv_string (g, "protocol", n->ports[i].udp ? "udp" : "tcp");
      json_gen_object_close (g);
    }
  json_gen_array_close (g);
}

void
network_write (struct json_gen *g, const struct network_config *n)
{
  json_gen_key (g, "network");
  json_gen_object_open (g);
  json_gen_kv_string (g, "network", n->network);
  json_gen_kv_string (g, "mode", network_mode_name (n->mode));
  json_gen_kv_string (g, "target", n->target);
  json_gen_kv_strv (g, "options", n->options);
  json_gen_kv_bool (g, "publish_all", n->publish_all);
  json_gen_kv_strv (g, "expose", n->expose);
  json_gen_kv_strv (g, "dns", n->dns);
  json_gen_kv_strv (g, "dns_search", n->dns_search);
  json_gen_kv_strv (g, "dns_option", n->dns_option);
  json_gen_kv_strv (g, "add_host", n->add_host);
  json_gen_kv_bool (g, "no_hosts", n->no_hosts);
  json_gen_key (g, "ports");
  gen_ports (g, n);
  json_gen_object_close (g);
}

static int
read_port (const nook_json *j, struct network_config *n, nook_error_t *err)
{
  const char *ip = NULL, *proto = NULL;
  int64_t host = 0, ctr = 0, count = 0;

  if (json_get_str (j, "host_ip", "network.ports.host_ip", true, &ip, err) < 0
      || json_get_int (j, "host_port", "network.ports.host_port", true, &host, err) < 0
      || json_get_int (j, "container_port", "network.ports.container_port", true, &ctr, err) < 0
      || json_get_int (j, "range", "network.ports.range", true, &count, err) < 0
      || json_get_str (j, "protocol", "network.ports.protocol", true, &proto, err) < 0)
    return -1;
  if (host < 1 || ctr < 1 || count < 1 || host + count > 65536 || ctr + count > 65536
      || (!str_eq (proto, "tcp") && !str_eq (proto, "udp")))
    return nook_error (err, 0, "invalid published port in the record");
  add_port (n, ip, (uint16_t)host, (uint16_t)ctr, (uint16_t)count, str_eq (proto, "udp"));
  return 0;
}

static int
read_mode (const nook_json *j, struct network_config *n, nook_error_t *err)
{
  const char *mode = "slirp4netns", *s = NULL;

  if (json_get_str (j, "mode", "network.mode", false, &mode, err) < 0
      || json_get_str (j, "target", "network.target", false, &s, err) < 0)
    return -1;
  for (size_t i = 0; i < NOOK_ARRAY_SIZE (mode_names); i++)
    if (str_eq (mode, mode_names[i]))
      {
        n->mode = (enum network_mode)i;
        n->target = s && s[0] ? xstrdup (s) : NULL;
        if ((n->mode == NET_CONTAINER || n->mode == NET_NS) && n->target == NULL)
          break;
        if (n->mode == NET_CONTAINER && (strlen (n->target) != 64 || !nook_is_hex (n->target, 64)))
          break;
        return 0;
      }
  return nook_error (err, 0, "invalid network mode `%s` in the record", mode);
}

int
network_read (const nook_json *top, struct network_config *n, nook_error_t *err)
{
  nook_json *j = NULL, *ports = NULL;
  const char *net = NULL;

  memset (n, 0, sizeof (*n));
  if (json_get_object (top, "network", "network", false, &j, err) < 0
      || json_get_str (j, "network", "network.network", false, &net, err) < 0
      || read_mode (j, n, err) < 0
      || json_get_strv (j, "options", "network.options", false, &n->options, err) < 0
      || json_get_bool (j, "publish_all", "network.publish_all", false, &n->publish_all, err) < 0
      || json_get_strv (j, "expose", "network.expose", false, &n->expose, err) < 0
      || json_get_strv (j, "dns", "network.dns", false, &n->dns, err) < 0
      || json_get_strv (j, "dns_search", "network.dns_search", false, &n->dns_search, err) < 0
      || json_get_strv (j, "dns_option", "network.dns_option", false, &n->dns_option, err) < 0
      || json_get_strv (j, "add_host", "network.add_host", false, &n->add_host, err) < 0
      || json_get_bool (j, "no_hosts", "network.no_hosts", false, &n->no_hosts, err) < 0
      || json_get_array (j, "ports", "network.ports", false, &ports, err) < 0)
    goto fail;
  n->network = xstrdup (net ? net : "slirp4netns");
  for (size_t i = 0; i < json_len (ports); i++)
    if (read_port (json_at (ports, i), n, err) < 0)
      goto fail;
  char ***lists[]
      = { &n->options, &n->expose, &n->dns, &n->dns_search, &n->dns_option, &n->add_host };
  for (size_t i = 0; i < NOOK_ARRAY_SIZE (lists); i++)
    if (*lists[i] == NULL)
      *lists[i] = xzalloc (sizeof (char *));
  return 0;
fail:
  network_free (n);
  return -1;
}

const char *
network_option (const struct network_config *n, const char *key)
{
  size_t klen = strlen (key);
  const char *v = NULL;

  for (size_t i = 0; n->options && n->options[i]; i++)
    if (strncmp (n->options[i], key, klen) == 0 && n->options[i][klen] == '=')
      v = n->options[i] + klen + 1; /* the last one wins */
  return v;
}

char *
network_mode_string (const struct network_config *n)
{
  if (n->mode == NET_CONTAINER || n->mode == NET_NS)
    return xasprintf ("%s:%s", network_mode_name (n->mode), n->target);
  return xstrdup (network_mode_name (n->mode));
}

char *
network_ports_string (const struct network_config *n)
{
  _cleanup_buf_ struct nook_buf b = { 0 };

  for (size_t i = 0; i < n->n_ports; i++)
    {
      const struct network_port *p = &n->ports[i];
      bool v6 = strchr (p->host_ip, ':') != NULL;
      if (i)
        nook_buf_puts (&b, ", ");
      nook_buf_printf (&b, v6 ? "[%s]:%u" : "%s:%u", p->host_ip[0] ? p->host_ip : "0.0.0.0",
                       p->host_port);
      if (p->count > 1)
        nook_buf_printf (&b, "-%u", p->host_port + p->count - 1);
      nook_buf_printf (&b, "->%u", p->ctr_port);
      if (p->count > 1)
        nook_buf_printf (&b, "-%u", p->ctr_port + p->count - 1);
      nook_buf_puts (&b, p->udp ? "/udp" : "/tcp");
    }
  return b.data ? nook_buf_steal (&b) : xstrdup ("");
}

/* ---- inspect and ps ---- */

struct port_entry
{
  char key[16]; /* "80/tcp" */
  const char *ip;
  unsigned host;
};

static int
entry_cmp (const void *a, const void *b)
{
  return strcmp (((const struct port_entry *)a)->key, ((const struct port_entry *)b)->key);
}

void
network_inspect_ports (struct json_gen *g, const struct network_config *n)
{
  _cleanup_free_ struct port_entry *e = NULL;
  size_t count = 0, k = 0;

  for (size_t i = 0; i < n->n_ports; i++)
    count += n->ports[i].count;
  e = xzalloc (sizeof (*e) * (count + 1));
  for (size_t i = 0; i < n->n_ports; i++)
    for (unsigned j = 0; j < n->ports[i].count; j++, k++)
      {
        snprintf (e[k].key, sizeof (e[k].key), "%u/%s", n->ports[i].ctr_port + j,
                  n->ports[i].udp ? "udp" : "tcp");
        e[k].ip = n->ports[i].host_ip;
        e[k].host = n->ports[i].host_port + j;
      }
  qsort (e, count, sizeof (*e), entry_cmp); /* Go writes a map's keys sorted */
  json_gen_object_open (g);
  for (size_t i = 0; i < count; i++)
    {
      char port[8];
      if (i == 0 || strcmp (e[i].key, e[i - 1].key) != 0)
        {
          json_gen_key (g, e[i].key);
          json_gen_array_open (g);
        }
      snprintf (port, sizeof (port), "%u", e[i].host);
      json_gen_object_open (g);
      json_gen_kv_string (g, "HostIp", e[i].ip);
      json_gen_kv_string (g, "HostPort", port);
      json_gen_object_close (g);
      if (i + 1 == count || strcmp (e[i].key, e[i + 1].key) != 0)
        json_gen_array_close (g);
    }
  json_gen_object_close (g);
}

void
network_ps_ports (struct json_gen *g, const struct network_config *n)
{
  if (n->n_ports == 0)
    json_gen_null (g);
  else
    gen_ports (g, n);
}
