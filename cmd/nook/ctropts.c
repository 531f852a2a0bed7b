/* The flags create and run share, bound to one struct.  */
#include "ctropts.h"

#include "registry/registry.h"

#include <stdio.h>

struct opt *
cli_create_opts (struct cli_create *c)
{
  struct container_create_opts *o = &c->o;
  const struct opt opts[] = {
    { "entrypoint", 0, OPT_STRING, &o->entrypoint, "CMD",
      "Overwrite the default ENTRYPOINT of the image" },
    { "env", 'e', OPT_STRINGS, &c->env, "KEY=VALUE", "Set environment variables in container" },
    { "env-file", 0, OPT_STRINGS, &c->env_files, "FILE",
      "Read in a file of environment variables" },
    { "hostname", 'h', OPT_STRING, &o->hostname, "NAME", "Set container hostname" },
    { "init", 0, OPT_BOOL, &o->init, NULL,
      "Run an init inside the container that forwards signals and reaps processes" },
    { "interactive", 'i', OPT_BOOL, &o->interactive, NULL, "Keep STDIN open even if not attached" },
    { "log-driver", 0, OPT_STRING, &o->log_driver, "DRIVER",
      "Logging driver for the container (k8s-file, none, passthrough)" },
    { "log-opt", 0, OPT_STRINGS, &c->log_opts, "OPT", "Logging driver options" },
    { "name", 0, OPT_STRING, &o->name, "NAME", "Assign a name to the container" },
    { "pull", 0, OPT_STRING, &c->pull, "POLICY",
      "Pull image policy (always, missing, never, newer)" },
    { "quiet", 'q', OPT_BOOL, &c->quiet, NULL, "Suppress output information when pulling images" },
    { "restart", 0, OPT_STRING, &o->restart, "POLICY",
      "Restart policy to apply when a container exits (no, always, on-failure[:N], "
      "unless-stopped)" },
    { "rm", 0, OPT_BOOL, &o->rm, NULL, "Remove container after exit" },
    { "stop-signal", 0, OPT_STRING, &o->stop_signal, "SIGNAL",
      "Signal to stop a container. Default is SIGTERM" },
    { "stop-timeout", 0, OPT_INT, &o->stop_timeout, "SECONDS",
      "Timeout (in seconds) that containers stopped by user command have to exit. If "
      "exceeded, the container will be forcibly stopped via SIGKILL" },
    { "tty", 't', OPT_BOOL, &o->tty, NULL, "Allocate a pseudo-TTY for container" },
    { "user", 'u', OPT_STRING, &o->user, "USER[:GROUP]",
      "Username or UID (format: <name|uid>[:<group|gid>])" },
    { "workdir", 'w', OPT_STRING, &o->workdir, "DIR", "Working directory inside the container" },
    { 0 },
  };
  _cleanup_free_ struct opt *sec = cli_security_opts (&o->sec);
  _cleanup_free_ struct opt *mnt = cli_mount_opts (&o->mnt);
  _cleanup_free_ struct opt *userns = cli_userns_opts (&o->userns);
  _cleanup_free_ struct opt *net = cli_network_opts (&o->net);
  const struct opt *tables[] = { opts, sec, mnt, net, userns, NULL };

  o->stop_timeout = -1;
  return cli_opts_join (tables);
}

void
cli_create_finish (struct cli_create *c, char **args)
{
  c->o.image = args[0];
  c->o.args = args + 1;
  c->o.env = c->env;
  c->o.env_files = c->env_files;
  c->o.log_opts = c->log_opts;
}

void
cli_create_release (struct cli_create *c)
{
  strv_free (c->env);
  strv_free (c->env_files);
  strv_free (c->log_opts);
  /* The security flags' lists (the rest of o.sec points into argv).  */
  strv_free (c->o.sec.cap_add);
  strv_free (c->o.sec.cap_drop);
  strv_free (c->o.sec.devices);
  strv_free (c->o.sec.group_add);
  strv_free (c->o.sec.security_opt);
  strv_free (c->o.sec.sysctls);
  strv_free (c->o.sec.tmpfs);
  strv_free (c->o.sec.ulimits);
  cli_mount_release (&c->o.mnt);
  strv_free (c->o.userns.uidmap);
  strv_free (c->o.userns.gidmap);
  cli_network_release (&c->o.net);
}

int
cli_create_pull (struct nook_ctx *ctx, struct cli_create *c, nook_error_t *err)
{
  enum registry_pull_policy policy = REGISTRY_PULL_MISSING;
  struct registry_pull_opts po
      = { .r = { .tls_verify = -1, .progress = c->quiet ? NULL : stderr } };
  struct storage_image img;
  nook_error_t missing = NULL;

  /* An image we have, by the name given, needs no registry at all.  */
  if (c->pull == NULL && storage_image_lookup (&ctx->store, c->o.image, &img, &missing) == 0)
    {
      storage_image_free (&img);
      return 0;
    }
  nook_error_free (&missing);
  if (c->pull && registry_pull_policy_parse (c->pull, &policy, err) < 0)
    return -1;
  if (registry_pull_for_create (&ctx->store, c->o.image, policy, &po, c->image_id, err) < 0)
    return -1;
  c->o.image = c->image_id;
  return 0;
}
