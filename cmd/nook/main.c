/* nook: the command table and global flags.  */
#include "cli.h"

#include <signal.h>
#include <string.h>
#include <sys/resource.h>

#ifndef NOOK_VERSION
#define NOOK_VERSION "0.1.0"
#endif

typedef int (*cmd_fn) (struct nook_ctx *, int, char **, nook_error_t *);

struct command
{
  const char *name;
  cmd_fn fn;
  unsigned needs;
  const char *summary;
};

static const struct command commands[] = {
  { "container exists", cmd_container_exists, NEED_STORE,
    "Check if a container exists in local storage" },
  { "container inspect", cmd_container_inspect, NEED_STORE,
    "Display the configuration of a container" },
  { "image exists", cmd_image_exists, NEED_STORE, "Check if an image exists in local storage" },
  { "image inspect", cmd_image_inspect, NEED_STORE, "Display the configuration of an image" },
  { "image prune", cmd_image_prune, NEED_STORE, "Remove unused images" },
  { "attach", cmd_attach, NEED_STORE, "Attach to a running container" },
  { "create", cmd_create, NEED_STORE, "Create but do not start a container" },
  { "exec", cmd_exec, NEED_STORE, "Run a process in a running container" },
  { "export", cmd_export, NEED_STORE, "Export container's filesystem contents as a tar archive" },
  { "history", cmd_history, NEED_STORE, "Show history of a specified image" },
  { "images", cmd_images, NEED_STORE, "List images in local storage" },
  { "import", cmd_import, NEED_STORE | NEED_USERNS,
    "Import a tarball to create a filesystem image" },
  { "inspect", cmd_inspect, NEED_STORE, "Display the configuration of object denoted by ID" },
  { "load", cmd_load, NEED_STORE | NEED_USERNS, "Load image(s) from a tar archive" },
  { "login", cmd_login, 0, "Log in to a container registry" },
  { "logout", cmd_logout, 0, "Log out of a container registry" },
  { "kill", cmd_kill, NEED_STORE, "Kill one or more running containers with a specific signal" },
  { "logs", cmd_logs, NEED_STORE, "Fetch the logs of one or more containers" },
  { "port", cmd_port, NEED_STORE, "List port mappings or a specific mapping for the container" },
  { "ps", cmd_ps, NEED_STORE, "List containers" },
  { "pull", cmd_pull, NEED_STORE | NEED_USERNS, "Pull an image from a registry" },
  { "push", cmd_push, NEED_STORE, "Push an image to a specified destination" },
  { "restart", cmd_restart, NEED_STORE, "Restart one or more containers" },
  { "rename", cmd_rename, NEED_STORE, "Rename an existing container" },
  { "rm", cmd_rm, NEED_STORE, "Remove one or more containers" },
  { "rmi", cmd_rmi, NEED_STORE, "Remove one or more images from local storage" },
  { "run", cmd_run, NEED_STORE, "Run a command in a new container" },
  { "save", cmd_save, NEED_STORE, "Save image(s) to an archive" },
  { "start", cmd_start, NEED_STORE, "Start one or more containers" },
  { "stop", cmd_stop, NEED_STORE, "Stop one or more containers" },
  { "tag", cmd_tag, NEED_STORE, "Add an additional name to a local image" },
  { "top", cmd_top, NEED_STORE, "Display the running processes of a container" },
  { "unshare", cmd_unshare, 0, "Run a command in a modified user namespace" },
  { "untag", cmd_untag, NEED_STORE, "Remove a name from a local image" },
  { "wait", cmd_wait, NEED_STORE, "Block on one or more containers" },
  { "volume create", cmd_volume_create, NEED_STORE, "Create a new volume" },
  { "volume exists", cmd_volume_exists, NEED_STORE, "Check if the given volume exists" },
  { "volume inspect", cmd_volume_inspect, NEED_STORE,
    "Display detailed information on one or more volumes" },
  { "volume ls", cmd_volume_ls, NEED_STORE, "List volumes" },
  { "volume prune", cmd_volume_prune, NEED_STORE, "Remove all unused volumes" },
  { "volume rm", cmd_volume_rm, NEED_STORE, "Remove one or more volumes" },
};

/* "nook image ls" and friends map onto the commands above.  */
static const struct
{
  const char *group, *verb, *command;
} aliases[] = {
  { "image", "ls", "images" },         { "image", "list", "images" },
  { "image", "load", "load" },         { "image", "rm", "rmi" },
  { "image", "tag", "tag" },           { "image", "untag", "untag" },
  { "container", "ls", "ps" },         { "container", "list", "ps" },
  { "container", "ps", "ps" },         { "container", "rm", "rm" },
  { "container", "run", "run" },       { "image", "save", "save" },
  { "image", "import", "import" },     { "image", "history", "history" },
  { "container", "export", "export" }, { "container", "exec", "exec" },
  { "image", "pull", "pull" },         { "image", "push", "push" },
  { "container", "top", "top" },       { "container", "rename", "rename" },
  { "container", "create", "create" }, { "container", "start", "start" },
  { "container", "stop", "stop" },     { "container", "restart", "restart" },
  { "container", "kill", "kill" },     { "container", "wait", "wait" },
  { "container", "attach", "attach" }, { "container", "logs", "logs" },
  { "container", "port", "port" },     { "volume", "list", "volume ls" },
  { "volume", "remove", "volume rm" },
};

int
cli_need (struct nook_ctx *ctx, unsigned needs, nook_error_t *err)
{
  if (!ctx->have_paths)
    {
      if (config_paths_init (&ctx->paths, ctx->root, ctx->runroot, err) < 0)
        return -1;
      ctx->have_paths = true;
    }
  /* The user namespace first: the store is then opened as its root, and
     directories it creates belong to the user all the same.  */
  if ((needs & NEED_USERNS) && !ctx->have_userns)
    {
      if (!nook_is_real_root () && userns_ids_for_user (&ctx->ids, err) < 0)
        return -1;
      if (userns_enter (&ctx->ids, err) < 0)
        return -1;
      ctx->have_userns = true;
    }
  if ((needs & NEED_STORE) && !ctx->have_store)
    {
      if (storage_open (&ctx->store, ctx->paths.storage, err) < 0)
        return -1;
      ctx->have_store = true;
      if (storage_recover (&ctx->store, err) < 0)
        return -1;
    }
  return 0;
}

void
cli_release (struct nook_ctx *ctx)
{
  if (ctx->have_store)
    storage_close (&ctx->store);
  if (ctx->have_paths)
    config_paths_free (&ctx->paths);
  userns_ids_free (&ctx->ids);
}

struct apply_opts
cli_apply_opts (const struct nook_ctx *ctx)
{
  struct apply_opts o
      = { .rootless = !nook_is_real_root () || userns_is_inside (), .ignore_ids = ctx->ids.single };
  return o;
}

int
cli_flush (nook_error_t *err)
{
  if (fflush (stdout) != 0 || ferror (stdout))
    return nook_error (err, errno, "write to stdout");
  return 0;
}

int
cli_exists_code (int found, nook_error_t *err)
{
  if (found == 0)
    return 0;
  if ((*err)->errnum != ENOENT)
    return -1;
  nook_error_free (err);
  return 1;
}

static void
usage (FILE *out)
{
  fprintf (out, "Manage pods, containers and images\n\nUsage:\n  nook [options] [command]\n\n"
                "Available Commands:\n");
  for (size_t i = 0; i < NOOK_ARRAY_SIZE (commands); i++)
    fprintf (out, "  %-12s %s\n", commands[i].name, commands[i].summary);
  fprintf (out, "\nOptions:\n"
                "      --log-level LEVEL   error, warn, info or debug (default \"warn\")\n"
                "      --root DIR          storage root directory\n"
                "      --runroot DIR       storage state directory\n"
                "  -h, --help              help for nook\n"
                "  -v, --version           version for nook\n");
}

static int
set_log_level (const char *level, nook_error_t *err)
{
  static const char *const names[] = { "error", "warn", "info", "debug" };
  for (size_t i = 0; i < NOOK_ARRAY_SIZE (names); i++)
    if (strcmp (level, names[i]) == 0)
      {
        nook_log_set_level ((enum nook_log_level)i);
        return 0;
      }
  return nook_error (err, 0, "log level \"%s\" not supported, choose from error, warn, info, debug",
                     level);
}

/* Global flags come before the command; returns the command's index.  */
static int
parse_globals (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err)
{
  int i;
  for (i = 1; i < argc && argv[i][0] == '-'; i++)
    {
      const char *a = argv[i], *eq = strchr (a, '=');
      size_t len = eq ? (size_t)(eq - a) : strlen (a);
      const char **dest = NULL;
      if (strcmp (a, "-h") == 0 || strcmp (a, "--help") == 0)
        {
          usage (stdout);
          exit (0);
        }
      if (strcmp (a, "-v") == 0 || strcmp (a, "--version") == 0)
        {
          printf ("nook version %s\n", NOOK_VERSION);
          exit (0);
        }
      if (len == 6 && strncmp (a, "--root", len) == 0)
        dest = &ctx->root;
      else if (len == 9 && strncmp (a, "--runroot", len) == 0)
        dest = &ctx->runroot;
      else if (!(len == 11 && strncmp (a, "--log-level", len) == 0))
        return nook_error (err, 0, "unknown flag: %.*s\nSee 'nook --help'", (int)len, a);
      if (!eq && i + 1 >= argc)
        return nook_error (err, 0, "flag needs an argument: %s", a);
      if (dest)
        *dest = eq ? eq + 1 : argv[++i];
      else if (set_log_level (eq ? eq + 1 : argv[++i], err) < 0)
        return -1;
    }
  return i;
}

static const struct command *
find_command (int *argc, char ***argv)
{
  const char *name = (*argv)[0];
  /* Two-word commands ("image exists") first.  */
  for (size_t i = 0; *argc > 1 && i < NOOK_ARRAY_SIZE (commands); i++)
    {
      const char *sp = strchr (commands[i].name, ' ');
      if (sp && strncmp (commands[i].name, name, (size_t)(sp - commands[i].name)) == 0
          && name[sp - commands[i].name] == '\0' && strcmp (sp + 1, (*argv)[1]) == 0)
        {
          (*argc)--;
          (*argv)++;
          return &commands[i];
        }
    }
  for (size_t i = 0; *argc > 1 && i < NOOK_ARRAY_SIZE (aliases); i++)
    if (strcmp (name, aliases[i].group) == 0 && strcmp ((*argv)[1], aliases[i].verb) == 0)
      {
        name = aliases[i].command;
        (*argc)--;
        (*argv)++;
        break;
      }
  for (size_t i = 0; i < NOOK_ARRAY_SIZE (commands); i++)
    if (strcmp (name, commands[i].name) == 0)
      return &commands[i];
  return NULL;
}

static void
raise_nofile (void)
{
  /* Deep layers and many containers need fds; the hard limit is ours.  */
  struct rlimit rl;
  if (getrlimit (RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max)
    {
      rl.rlim_cur = rl.rlim_max;
      setrlimit (RLIMIT_NOFILE, &rl);
    }
}

int
main (int argc, char **argv)
{
  __attribute__ ((cleanup (cli_release))) struct nook_ctx ctx = { 0 };
  nook_error_t err = NULL;
  const struct command *cmd;
  int first, ret;

  first = parse_globals (&ctx, argc, argv, &err);
  if (first < 0)
    return nook_error_report (&err);
  if (first >= argc)
    {
      usage (stderr);
      nook_error (&err, 0, "missing command 'nook COMMAND'");
      return nook_error_report (&err);
    }
  argc -= first;
  argv += first;
  cmd = find_command (&argc, &argv);
  if (cmd == NULL)
    {
      nook_error (&err, 0, "unrecognized command `nook %s`\nTry 'nook --help' for more information",
                  argv[0]);
      return nook_error_report (&err);
    }
  signal (SIGPIPE, SIG_IGN);
  raise_nofile ();
  ret = cli_need (&ctx, cmd->needs, &err);
  if (ret == 0)
    ret = cmd->fn (&ctx, argc, argv, &err);
  if (ret == 0)
    ret = cli_flush (&err);
  if (ret < 0)
    return nook_error_report (&err);
  return ret;
}
