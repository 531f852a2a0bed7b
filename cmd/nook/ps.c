/* nook ps: list containers.  */
#include "cli.h"

#include "container/container.h"

#include <string.h>

struct ps_flags
{
  bool all, quiet, no_trunc, latest;
  int64_t last;
};

static char *
ago (const char *when, int64_t now)
{
  int64_t t = 0;
  _cleanup_free_ char *d = NULL;
  if (when == NULL || nook_time_parse (when, &t) < 0)
    return xstrdup ("");
  d = nook_human_duration ((now - t) / 1000000000LL);
  return xasprintf ("%s ago", d);
}

static char *
status_text (const struct container_state *s, int64_t now)
{
  _cleanup_free_ char *when = NULL;
  switch (s->status)
    {
    case CONTAINER_RUNNING:
      when = ago (s->started_at, now);
      return xasprintf ("Up %s", when);
    case CONTAINER_EXITED:
      when = ago (s->finished_at, now);
      return xasprintf ("Exited (%d) %s", s->exit_code, when);
    default:
      return xstrdup ("Created");
    }
}

static void
print_table (const struct ps_flags *f, struct container *cs, size_t n)
{
  struct table t;
  int64_t now = nook_now_ns ();

  table_init (&t, 7);
  table_row (&t, "CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES");
  for (size_t i = 0; i < n; i++)
    {
      const struct container_config *cfg = &cs[i].cfg;
      _cleanup_free_ char *cmd = container_command_string (cfg);
      _cleanup_free_ char *created = ago (cfg->created, now);
      _cleanup_free_ char *status = status_text (&cs[i].state, now);
      _cleanup_free_ char *id = f->no_trunc ? xstrdup (cfg->id) : xstrndup (cfg->id, 12);

      /* As Podman: 17 characters of the command, then "...".  */
      if (!f->no_trunc && strlen (cmd) > 17)
        strcpy (cmd + 17, "...");
      table_row (&t, id, cfg->image_name, cmd, created, status, "", cfg->name);
    }
  table_print (&t, stdout);
  table_free (&t);
}

int
cmd_ps (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err)
{
  struct ps_flags f = { .last = -1 };
  const struct opt opts[] = {
    { "all", 'a', OPT_BOOL, &f.all, NULL,
      "Show all the containers, default is only running containers" },
    { "last", 'n', OPT_INT, &f.last, "N", "Print the n last created containers (all states)" },
    { "latest", 'l', OPT_BOOL, &f.latest, NULL, "Act on the latest container nook is aware of" },
    { "no-trunc", 0, OPT_BOOL, &f.no_trunc, NULL, "Display the extended information" },
    { "quiet", 'q', OPT_BOOL, &f.quiet, NULL, "Print the numeric IDs of the containers only" },
    { 0 },
  };
  const struct cmd_spec spec = { "ps", "[options]", "List containers", opts, false, 0, 0 };
  struct container *cs = NULL;
  size_t n = 0, k = 0;
  char **args;
  int nargs, r;

  r = cli_parse (&spec, argc, argv, &args, &nargs, err);
  if (r != 0)
    return r > 0 ? 0 : -1;
  if (f.latest)
    f.last = 1;
  if (container_list (&ctx->store, &cs, &n, err) < 0)
    return -1;
  /* -n and -l count every container, whatever its state.  */
  for (size_t i = 0; i < n; i++)
    {
      bool keep
          = f.last >= 0 ? (int64_t)i < f.last : f.all || cs[i].state.status == CONTAINER_RUNNING;
      if (!keep)
        {
          container_free (&cs[i]);
          continue;
        }
      cs[k++] = cs[i];
    }
  if (f.quiet)
    for (size_t i = 0; i < k; i++)
      printf ("%.*s\n", f.no_trunc ? 64 : 12, cs[i].cfg.id);
  else
    print_table (&f, cs, k);
  container_list_free (cs, k);
  return 0;
}
