/* nook stop, restart, kill and wait: each through the container's
   monitor, over one or more containers.  */
#include "cli.h"

#include "container/container.h"

#include <stdio.h>

struct stop_args
{
  int64_t timeout;
  bool start; /* restart */
  bool running_only;
};

/* 1 when ID is running, 0 when not, -1 on error.  */
static int
is_running (struct nook_ctx *ctx, const char *id, nook_error_t *err)
{
  struct container c;
  bool running;

  if (container_load (&ctx->store, id, &c, err) < 0)
    return -1;
  running = c.state.status == CONTAINER_RUNNING;
  container_free (&c);
  return running;
}

static int
stop_one (struct nook_ctx *ctx, const char *id, const char *ref, void *data, nook_error_t *err)
{
  struct stop_args *a = data;
  (void)ref;
  if (a->running_only && is_running (ctx, id, err) <= 0)
    return -1; /* an error, or skipped */
  if (container_stop (&ctx->store, &ctx->paths, id, a->timeout, err) < 0)
    return -1;
  return a->start ? container_start (&ctx->paths, &ctx->store, id, NULL, err) : 0;
}

static int
stop_or_restart (struct nook_ctx *ctx, int argc, char **argv, bool restart, nook_error_t *err)
{
  struct stop_args a = { .timeout = -1, .start = restart };
  bool all = false, ignore = false;
  const struct opt opts[] = {
    { "all", 'a', OPT_BOOL, &all, NULL,
      restart ? "Restart all non-running containers" : "Stop all running containers" },
    { "time", 't', OPT_INT, &a.timeout, "SECONDS",
      "Seconds to wait for stop before killing the container" },
    { 0 },
  };
  const struct opt stop_opts[] = {
    { "ignore", 'i', OPT_BOOL, &ignore, NULL,
      "Ignore errors when a specified container is missing" },
    { 0 },
  };
  const struct opt restart_opts[] = {
    { "running", 0, OPT_BOOL, &a.running_only, NULL, "Restart only running containers" },
    { 0 },
  };
  const struct opt *tables[] = { opts, restart ? restart_opts : stop_opts, NULL };
  _cleanup_free_ struct opt *all_opts = cli_opts_join (tables);
  const struct cmd_spec spec
      = { restart ? "restart" : "stop",
          "[options] CONTAINER [CONTAINER...]",
          restart ? "Restart one or more containers" : "Stop one or more containers",
          all_opts,
          false,
          0,
          -1 };
  struct cli_each each = { stop_one, &a, true, ignore ? 0 : 125 };
  char **args;
  int nargs, r;

  r = cli_parse (&spec, argc, argv, &args, &nargs, err);
  if (r != 0)
    return r > 0 ? 0 : -1;
  each.missing_code = ignore ? 0 : 125;
  if (nargs == 0 && !all)
    return nook_error (err, 0, "you must provide at least one container name or ID");
  if (all && nargs > 0)
    return nook_error (err, 0, "--all and containers cannot be given together");
  /* stop -a: the running ones; restart -a: all of them.  */
  a.running_only = a.running_only || (all && !restart);
  return cli_each_container (ctx, args, nargs, all, &each);
}

int
cmd_stop (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err)
{
  return stop_or_restart (ctx, argc, argv, false, err);
}

int
cmd_restart (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err)
{
  return stop_or_restart (ctx, argc, argv, true, err);
}

struct kill_args
{
  int sig;
  bool all; /* only the running ones, the rest skipped */
};

static int
kill_one (struct nook_ctx *ctx, const char *id, const char *ref, void *data, nook_error_t *err)
{
  struct kill_args *a = data;
  (void)ref;
  if (a->all && is_running (ctx, id, err) <= 0)
    return -1; /* an error, or skipped */
  return container_kill (&ctx->store, &ctx->paths, id, a->sig, err);
}

int
cmd_kill (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err)
{
  bool all = false;
  const char *signame = "KILL";
  const struct opt opts[] = {
    { "all", 'a', OPT_BOOL, &all, NULL, "Signal all running containers" },
    { "signal", 's', OPT_STRING, &signame, "SIGNAL", "Signal to send to the container" },
    { 0 },
  };
  const struct cmd_spec spec = { "kill",
                                 "[options] CONTAINER [CONTAINER...]",
                                 "Kill one or more running containers with a specific signal",
                                 opts,
                                 false,
                                 0,
                                 -1 };
  struct kill_args ka = { 0 };
  struct cli_each each = { kill_one, &ka, true, 125 };
  char **args;
  int nargs, r;

  r = cli_parse (&spec, argc, argv, &args, &nargs, err);
  if (r != 0)
    return r > 0 ? 0 : -1;
  if (nook_signal_parse (signame, &ka.sig) < 0)
    return nook_error (err, 0, "invalid signal: %s", signame);
  ka.all = all;
  if (nargs == 0 && !all)
    return nook_error (err, 0, "you must provide at least one container name or ID");
  if (all && nargs > 0)
    return nook_error (err, 0, "--all and containers cannot be given together");
  return cli_each_container (ctx, args, nargs, all, &each);
}

static int
wait_one (struct nook_ctx *ctx, const char *id, const char *ref, void *data, nook_error_t *err)
{
  int code;
  (void)ref;
  if (container_wait (&ctx->store, &ctx->paths, id, (const char *const *)data, &code, err) < 0)
    return -1;
  printf ("%d\n", code);
  fflush (stdout);
  return 0;
}

int
cmd_wait (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err)
{
  static const char *const known[] = { "created", "exited", "running", "stopped", NULL };
  _cleanup_strv_ char **conditions = NULL;
  const struct opt opts[] = {
    { "condition", 0, OPT_STRINGS, &conditions, "CONDITION",
      "Condition to wait on (created, running, exited, stopped)" },
    { 0 },
  };
  const struct cmd_spec spec = {
    "wait", "[options] CONTAINER [CONTAINER...]", "Block on one or more containers", opts, false, 1,
    -1
  };
  struct cli_each each = { wait_one, NULL, false, 125 };
  char **args;
  int nargs, r;

  r = cli_parse (&spec, argc, argv, &args, &nargs, err);
  if (r != 0)
    return r > 0 ? 0 : -1;
  for (size_t i = 0; conditions && conditions[i]; i++)
    if (!strv_contains ((char *const *)known, conditions[i]))
      return nook_error (err, 0, "unknown condition \"%s\": created, running, exited or stopped",
                         conditions[i]);
  each.data = conditions;
  return cli_each_container (ctx, args, nargs, false, &each);
}
