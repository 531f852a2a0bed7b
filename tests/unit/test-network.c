/* pkg/container: the network flags (modes, -p, -P, DNS, hosts), the
   record, and the files a container gets.  */
#include "unit.h"

#include "network/network.h"

/* Check IN (one -p value, or more with the lists) into *OUT.  */
static int
check (struct network_config *in, char *const *exposed, struct network_config *out,
       nook_error_t *err)
{
  return network_check (in, exposed, out, err);
}

static char *
ports_of (const char *network, char *const *publish, bool all, char *const *exposed,
          char *const *expose)
{
  struct network_config in = { .network = (char *)network,
                               .publish = (char **)publish,
                               .publish_all = all,
                               .expose = (char **)expose };
  struct network_config out;
  nook_error_t err = NULL;
  char *s;

  if (!CHECK_OK (check (&in, exposed, &out, &err), &err))
    return xstrdup ("(error)");
  s = network_ports_string (&out);
  network_free (&out);
  return s;
}

static void
refused (const char *network, const char *publish, const char *needle)
{
  char *p[] = { (char *)publish, NULL };
  struct network_config in = { .network = (char *)network, .publish = publish ? p : NULL };
  struct network_config out;
  nook_error_t err = NULL;

  CHECK_FAIL (check (&in, NULL, &out, &err), &err, needle);
}

TEST (publish_forms)
{
  char *s;

  s = ports_of (NULL, (char *[]){ "8080:80", "127.0.0.1:9000:90/udp", NULL }, false, NULL, NULL);
  CHECK_STR_EQ (s, "0.0.0.0:8080->80/tcp, 127.0.0.1:9000->90/udp");
  free (s);
  s = ports_of (NULL, (char *[]){ "8080-8082:80-82", "[::1]:7000:70", NULL }, false, NULL, NULL);
  CHECK_STR_EQ (s, "0.0.0.0:8080-8082->80-82/tcp, [::1]:7000->70/tcp");
  free (s);
}

TEST (publish_random_ports_each_port_of_a_range)
{
  char *publish[] = { "80-82", "127.0.0.1::90", NULL };
  struct network_config in = { .publish = publish }, out;
  nook_error_t err = NULL;

  if (!CHECK_OK (check (&in, NULL, &out, &err), &err))
    return;
  CHECK_INT_EQ (out.n_ports, 4);
  for (size_t i = 0; i < out.n_ports; i++)
    {
      CHECK (out.ports[i].host_port != 0);
      CHECK_INT_EQ (out.ports[i].count, 1);
    }
  CHECK_INT_EQ (out.ports[0].ctr_port, 80);
  CHECK_STR_EQ (out.ports[1].host_ip, "127.0.0.1");
  CHECK_INT_EQ (out.ports[1].ctr_port, 90);
  CHECK_INT_EQ (out.ports[2].ctr_port, 81);
  CHECK_INT_EQ (out.ports[3].ctr_port, 82);
  network_free (&out);
}

TEST (publish_all_adds_exposed_ports_once)
{
  char *exposed[] = { "80/tcp", "53/udp", NULL };
  char *expose[] = { "7000-7001", NULL };
  struct network_config in
      = { .publish = (char *[]){ "8080:80", NULL }, .publish_all = true, .expose = expose };
  struct network_config out;
  nook_error_t err = NULL;

  if (!CHECK_OK (check (&in, exposed, &out, &err), &err))
    return;
  /* 80 is published already; 53/udp, 7000 and 7001 get random ports.  */
  CHECK_INT_EQ (out.n_ports, 4);
  CHECK_INT_EQ (out.ports[0].host_port, 8080);
  CHECK (out.ports[1].udp && out.ports[1].ctr_port == 53);
  CHECK_INT_EQ (out.ports[3].ctr_port, 7001);
  network_free (&out);
}

TEST (bad_values_refused_with_podmans_messages)
{
  refused (NULL, "abc", "parsing container port: invalid port number");
  refused (NULL, "0", "port numbers must be between 1 and 65535 (inclusive), got 0");
  refused (NULL, "8080-8081:80", "different lengths: 2 vs 1");
  refused (NULL, "1.2.3:80:80", "cannot parse \"1.2.3\" as an IP address");
  refused (NULL, "::1:80:80", "invalid port format");
  refused (NULL, "80/sctp", "unrecognized protocol \"sctp\"");
  refused (NULL, "8080:", "must provide a non-empty container port");
  refused (NULL, "90-80", "must be higher than the start port");
  refused ("none", "80", "cannot set port bindings");
  refused ("bogus", NULL, "unable to find network with name or ID bogus");
  refused ("slirp4netns:mtu=1", NULL, "invalid value for slirp4netns option mtu");
  refused ("slirp4netns:cidr=10.0.0.0/30", NULL, "invalid value for slirp4netns option cidr");
  refused ("slirp4netns:nope", NULL, "unknown option for slirp4netns: nope");
  refused ("ns:relative", NULL, "must be absolute");
  refused ("host:x", NULL, "unable to find network");
}

TEST (dns_and_hosts_checked)
{
  struct network_config out;
  nook_error_t err = NULL;
  struct network_config a = { .dns = (char *[]){ "1.2.3.4", "x", NULL } };
  struct network_config b = { .add_host = (char *[]){ "nohost", NULL } };
  struct network_config c = { .add_host = (char *[]){ "h:notip", NULL } };
  struct network_config d = { .add_host = (char *[]){ "h:1.2.3.4", NULL }, .no_hosts = true };

  CHECK_FAIL (check (&a, NULL, &out, &err), &err, "x is not an ip address");
  CHECK_FAIL (check (&b, NULL, &out, &err), &err, "bad format for add-host: \"nohost\"");
  CHECK_FAIL (check (&c, NULL, &out, &err), &err, "invalid IP address in add-host: \"notip\"");
  CHECK_FAIL (check (&d, NULL, &out, &err), &err, "cannot be set together");
}

TEST (record_round_trip)
{
  char *publish[] = { "127.0.0.1:8080-8081:80-81/udp", NULL };
  struct network_config in = { .network = "slirp4netns:mtu=1500,allow_host_loopback=true",
                               .publish = publish,
                               .dns = (char *[]){ "192.0.2.53", NULL },
                               .add_host = (char *[]){ "a;b:192.0.2.1", NULL } };
  struct network_config out, back;
  struct json_gen *g = json_gen_new (false);
  nook_json *j = NULL;
  nook_error_t err = NULL;
  const char *text;
  size_t len;
  char *s;

  if (!CHECK_OK (check (&in, NULL, &out, &err), &err))
    return;
  json_gen_object_open (g);
  network_write (g, &out);
  json_gen_object_close (g);
  text = json_gen_text (g, &len);
  if (!CHECK_OK (json_parse (text, len, &j, &err), &err)
      || !CHECK_OK (network_read (j, &back, &err), &err))
    return;
  CHECK_INT_EQ (back.mode, NET_SLIRP4NETNS);
  CHECK_STR_EQ (back.options[1], "allow_host_loopback=true");
  s = network_ports_string (&back);
  CHECK_STR_EQ (s, "127.0.0.1:8080-8081->80-81/udp");
  free (s);
  CHECK_STR_EQ (back.dns[0], "192.0.2.53");
  s = network_mode_string (&back);
  CHECK_STR_EQ (s, "slirp4netns");
  free (s);
  network_free (&back);
  network_free (&out);
  json_free (j);
  json_gen_free (g);
}

TEST (resolv_conf_loopback_replaced)
{
  const char *host = "# generated\nsearch lan example.org\nnameserver 127.0.0.53\n"
                     "nameserver 192.0.2.1\nnameserver ::1\noptions edns0 trust-ad\n";
  struct network_config n = { 0 };
  char *s;

  s = network_resolv_conf (&n, host, "10.0.2.3");
  CHECK_STR_EQ (s, "search lan example.org\nnameserver 10.0.2.3\nnameserver 192.0.2.1\n"
                   "options edns0 trust-ad\n");
  free (s);
  /* The host's own network: loopback servers work there.  */
  s = network_resolv_conf (&n, host, NULL);
  CHECK_STR_HAS (s, "nameserver 127.0.0.53\n");
  CHECK_STR_HAS (s, "nameserver ::1\n");
  free (s);
  /* --dns, --dns-search, --dns-option replace the host's.  */
  n.dns = (char *[]){ "192.0.2.9", NULL };
  n.dns_search = (char *[]){ ".", NULL };
  n.dns_option = (char *[]){ "ndots:3", NULL };
  s = network_resolv_conf (&n, host, "10.0.2.3");
  CHECK_STR_EQ (s, "nameserver 192.0.2.9\noptions ndots:3\n");
  free (s);
  /* Nothing at all on the host: the forwarder.  */
  memset (&n, 0, sizeof (n));
  s = network_resolv_conf (&n, NULL, "10.0.2.3");
  CHECK_STR_EQ (s, "nameserver 10.0.2.3\n");
  free (s);
}

TEST (hosts_file)
{
  struct network_config n
      = { .add_host = (char *[]){ "db:192.0.2.5", "a;b:192.0.2.6", "gw:host-gateway", NULL } };
  char *s = network_hosts (&n, NULL, "10.0.2.100", "box", "name", "10.0.2.2");

  CHECK_STR_HAS (s, "127.0.0.1\tlocalhost");
  CHECK_STR_HAS (s, "192.0.2.5\tdb\n");
  CHECK_STR_HAS (s, "192.0.2.6\ta b\n");
  CHECK_STR_HAS (s, "10.0.2.2\tgw\n");
  CHECK_STR_HAS (s, "10.0.2.100\tbox name\n");
  CHECK_STR_HAS (s, "10.0.2.2\thost.containers.internal host.docker.internal\n");
  free (s);
}

TEST (addresses_follow_cidr)
{
  struct network_config n
      = { .mode = NET_SLIRP4NETNS, .options = (char *[]){ "cidr=10.9.8.0/24", NULL } };
  struct network_addrs a;
  nook_error_t err = NULL;

  if (!CHECK_OK (network_addrs (&n, &a, &err), &err))
    return;
  CHECK_STR_EQ (a.ip, "10.9.8.100");
  CHECK_STR_EQ (a.gateway, "10.9.8.2");
  CHECK_STR_EQ (a.dns, "10.9.8.3");
  CHECK (!a.host_loopback);
}

UNIT_MAIN ()
