/* nook port: the published ports of running containers, as Podman
   prints them.  */
#include "cli.h"

#include "container/container.h"

#include <stdio.h>
#include <string.h>

/* Print C's mappings (PREFIX before each), or the host side of WANT
   ("80", "80/udp"); *FOUND when WANT was among them.  */
static void
print_ports (const struct container *c, const char *prefix, const char *want_port, bool want_udp,
             bool *found)
{
  const struct network_config *n = &c->cfg.net;
  int64_t want = 0;

  if (want_port)
    str_to_int64 (want_port, &want);
  for (size_t i = 0; i < n->n_ports; i++)
    {
      const struct network_port *p = &n->ports[i];
      const char *ip = p->host_ip[0] ? p->host_ip : "0.0.0.0";
      for (unsigned k = 0; k < p->count; k++)
        if (want_port == NULL)
          printf ("%s%u/%s -> %s:%u\n", prefix, p->ctr_port + k, p->udp ? "udp" : "tcp", ip,
                  p->host_port + k);
        else if (!*found && p->udp == want_udp && want == p->ctr_port + k)
          {
            printf ("%s:%u\n", ip, p->host_port + k);
            *found = true;
          }
    }
}

static int
parse_want (const char *arg, char **port, bool *udp, nook_error_t *err)
{
  char *slash;
  int64_t v;

  *port = xstrdup (arg);
  *udp = false;
  slash = strchr (*port, '/');
  if (slash)
    {
      *slash = '\0';
      if (str_eq (slash + 1, "udp"))
        *udp = true;
      else if (!str_eq (slash + 1, "tcp"))
        return nook_error (err, 0, "unrecognized protocol \"%s\"", slash + 1);
    }
  if (!str_to_int64 (*port, &v) || v < 1 || v > 65535)
    return nook_error (err, 0, "invalid port \"%s\"", arg);
  return 0;
}

static int
port_all (struct nook_ctx *ctx, nook_error_t *err)
{
  struct container *cs;
  size_t n;
  bool found = false;

  if (container_list (&ctx->store, &cs, &n, err) < 0)
    return -1;
  for (size_t i = 0; i < n; i++)
    if (cs[i].state.status == CONTAINER_RUNNING)
      {
        char prefix[16];
        snprintf (prefix, sizeof (prefix), "%.12s\t", cs[i].cfg.id);
        print_ports (&cs[i], prefix, NULL, false, &found);
      }
  container_list_free (cs, n);
  return 0;
}

int
cmd_port (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err)
{
  bool all = false, latest = false, udp = false, found = false;
  const struct opt opts[] = {
    { "all", 'a', OPT_BOOL, &all, NULL, "Display port information for all containers" },
    { "latest", 'l', OPT_BOOL, &latest, NULL, "Act on the latest container nook is aware of" },
    { 0 },
  };
  const struct cmd_spec spec = { "port",
                                 "[options] CONTAINER [PORT]",
                                 "List port mappings or a specific mapping for the container",
                                 opts,
                                 false,
                                 0,
                                 2 };
  _cleanup_free_ char *want = NULL;
  struct container c;
  char **args, id[65];
  int nargs, r;

  r = cli_parse (&spec, argc, argv, &args, &nargs, err);
  if (r != 0)
    return r > 0 ? 0 : -1;
  if (all && (latest || nargs > 0))
    return nook_error (err, 0, "--all, --latest and a container cannot be used together");
  if (all)
    return port_all (ctx, err);
  if (nargs == (latest ? 0 : 1) + 1 && parse_want (args[nargs - 1], &want, &udp, err) < 0)
    return -1;
  if (nargs == 0 && !latest)
    return nook_error (err, 0, "you must supply a running container name or id");
  if (nargs > (latest ? 1 : 2))
    return nook_error (err, 0, "too many arguments");
  if (cli_container_arg (ctx, latest, latest ? NULL : args[0], id, err) < 0
      || container_load (&ctx->store, id, &c, err) < 0)
    return -1;
  if (c.state.status == CONTAINER_RUNNING)
    print_ports (&c, "", want, udp, &found);
  if (want && c.state.status == CONTAINER_RUNNING && !found)
    nook_error (err, 0, "failed to find published port \"%s/%s\"", want, udp ? "udp" : "tcp");
  container_free (&c);
  return *err ? -1 : 0;
}
