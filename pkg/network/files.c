/* What a container's network looks like from inside: its addresses, and
   the /etc/resolv.conf and /etc/hosts it gets.  */
#include "network/network.h"

#include <arpa/inet.h>
#include <string.h>

/* Address NUMBER (host part) of the IPv4 network CIDR.  */
static int
cidr_host (const char *cidr, uint32_t number, char out[16], nook_error_t *err)
{
  _cleanup_free_ char *ip = xstrdup (cidr);
  char *slash = strchr (ip, '/');
  struct in_addr a;
  int64_t bits = 24;

  if (slash)
    {
      *slash = '\0';
      if (!str_to_int64 (slash + 1, &bits) || bits < 1 || bits > 25)
        return nook_error (err, 0, "invalid cidr `%s`", cidr);
    }
  if (inet_pton (AF_INET, ip, &a) != 1)
    return nook_error (err, 0, "invalid cidr `%s`", cidr);
  a.s_addr = htonl ((ntohl (a.s_addr) & ~((1U << (32 - bits)) - 1)) + number);
  inet_ntop (AF_INET, &a, out, 16);
  return 0;
}

int
network_addrs (const struct network_config *n, struct network_addrs *a, nook_error_t *err)
{
  const char *cidr = network_option (n, "cidr");

  memset (a, 0, sizeof (*a));
  a->host_loopback = str_eq (network_option (n, "allow_host_loopback"), "true");
  if (n->mode == NET_PASTA)
    {
      /* pasta copies the host's address; its DNS forwarder is Podman's.  */
      snprintf (a->dns, sizeof (a->dns), "169.254.1.1");
      return 0;
    }
  if (n->mode != NET_SLIRP4NETNS)
    return 0;
  if (cidr == NULL)
    cidr = "10.0.2.0/24";
  if (cidr_host (cidr, 100, a->ip, err) < 0 || cidr_host (cidr, 2, a->gateway, err) < 0
      || cidr_host (cidr, 3, a->dns, err) < 0)
    return -1;
  return 0;
}

static bool
loopback_nameserver (const char *ip)
{
  return str_has_prefix (ip, "127.") || str_eq (ip, "::1");
}

/* The words after KEYWORD on the lines of TEXT starting with it.  */
static void
resolv_words (const char *text, const char *keyword, char ***out)
{
  size_t klen = strlen (keyword);

  for (const char *p = text; p && *p;)
    {
      const char *nl = strchr (p, '\n');
      _cleanup_free_ char *line = nl ? xstrndup (p, (size_t)(nl - p)) : xstrdup (p);
      if (strncmp (line, keyword, klen) == 0 && (line[klen] == ' ' || line[klen] == '\t'))
        {
          char *save = NULL;
          for (char *w = strtok_r (line + klen, " \t\r", &save); w;
               w = strtok_r (NULL, " \t\r", &save))
            strv_push (out, xstrdup (w));
        }
      p = nl ? nl + 1 : NULL;
    }
}

static void
put_line (struct nook_buf *b, const char *keyword, char *const *words)
{
  if (words == NULL || words[0] == NULL)
    return;
  nook_buf_puts (b, keyword);
  for (size_t i = 0; words[i]; i++)
    nook_buf_printf (b, " %s", words[i]);
  nook_buf_putc (b, '\n');
}

char *
network_resolv_conf (const struct network_config *n, const char *host_text, const char *dns)
{
  _cleanup_buf_ struct nook_buf b = { 0 };
  _cleanup_strv_ char **servers = NULL, **search = NULL, **options = NULL;
  bool have_dns = false;

  if (n->dns && n->dns[0])
    servers = strv_dup (n->dns);
  else
    {
      _cleanup_strv_ char **host = xzalloc (sizeof (char *));
      resolv_words (host_text ? host_text : "", "nameserver", &host);
      servers = xzalloc (sizeof (char *));
      for (size_t i = 0; host[i]; i++)
        {
          bool lo = loopback_nameserver (host[i]) && dns != NULL;
          /* Loopback means nothing inside: the forwarder takes it.  */
          if (lo && dns[0] && !have_dns)
            strv_push (&servers, xstrdup (dns));
          else if (!lo)
            strv_push (&servers, xstrdup (host[i]));
          have_dns |= lo && dns[0];
        }
      if (servers[0] == NULL && dns && dns[0])
        strv_push (&servers, xstrdup (dns));
    }
  search = xzalloc (sizeof (char *));
  options = xzalloc (sizeof (char *));
  if (n->dns_search && n->dns_search[0])
    {
      for (size_t i = 0; n->dns_search[i]; i++)
        if (!str_eq (n->dns_search[i], "."))
          strv_push (&search, xstrdup (n->dns_search[i]));
    }
  else
    resolv_words (host_text ? host_text : "", "search", &search);
  if (n->dns_option && n->dns_option[0])
    {
      strv_free (options);
      options = strv_dup (n->dns_option);
    }
  else
    resolv_words (host_text ? host_text : "", "options", &options);
  put_line (&b, "search", search);
  for (size_t i = 0; servers[i]; i++)
    nook_buf_printf (&b, "nameserver %s\n", servers[i]);
  put_line (&b, "options", options);
  return b.data ? nook_buf_steal (&b) : xstrdup ("");
}

char *
network_hosts (const struct network_config *n, const char *base, const char *ip,
               const char *hostname, const char *name, const char *host_ip)
{
  _cleanup_buf_ struct nook_buf b = { 0 };

  if (base)
    {
      nook_buf_puts (&b, base);
      if (b.len && b.data[b.len - 1] != '\n')
        nook_buf_putc (&b, '\n');
    }
  else
    nook_buf_puts (&b, "127.0.0.1\tlocalhost localhost.localdomain localhost4 "
                       "localhost4.localdomain4\n"
                       "::1\tlocalhost localhost.localdomain localhost6 "
                       "localhost6.localdomain6\n");
  for (size_t i = 0; n->add_host && n->add_host[i]; i++)
    {
      const char *colon = strchr (n->add_host[i], ':');
      _cleanup_free_ char *names = xstrndup (n->add_host[i], (size_t)(colon - n->add_host[i]));
      const char *addr = str_eq (colon + 1, "host-gateway") ? host_ip : colon + 1;
      if (addr == NULL)
        continue;
      for (char *s = names; (s = strchr (s, ';')); s++)
        *s = ' ';
      nook_buf_printf (&b, "%s\t%s\n", addr, names);
    }
  if (ip && ip[0])
    nook_buf_printf (&b, "%s\t%s %s\n", ip, hostname, name);
  else if (base == NULL)
    nook_buf_printf (&b, "127.0.1.1\t%s %s\n", hostname, name);
  if (host_ip && host_ip[0])
    nook_buf_printf (&b, "%s\thost.containers.internal host.docker.internal\n", host_ip);
  return nook_buf_steal (&b);
}
