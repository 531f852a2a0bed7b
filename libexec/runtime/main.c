/* nook-runtime: an OCI runtime with runc's command line.

     nook-runtime [--root DIR] [--log FILE] [--log-format text|json] [--debug]
                  COMMAND [OPTIONS] ID

   Errors go to the --log file when one is given (the caller's stderr may
   be the container's), to stderr otherwise.  */
#include "runtime/runtime.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

struct globals
{
  const char *root;
  const char *log;
  bool json;
};

static void
log_error (const struct globals *g, const char *msg)
{
  _cleanup_free_ char *now = nook_time_format (nook_now_ns ());
  struct nook_buf line = { 0 };
  _cleanup_close_ int fd = -1;

  if (g->log == NULL)
    {
      fprintf (stderr, "nook-runtime: %s\n", msg);
      return;
    }
  if (g->json)
    {
      nook_buf_puts (&line, "{\"level\":\"error\",\"msg\":");
      json_quote (&line, msg);
      nook_buf_puts (&line, ",\"time\":");
      json_quote (&line, now);
      nook_buf_puts (&line, "}\n");
    }
  else
    {
      nook_buf_printf (&line, "time=\"%s\" level=error msg=", now);
      json_quote (&line, msg);
      nook_buf_putc (&line, '\n');
    }
  fd = open (g->log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0 || nook_write_all (fd, line.data, line.len) < 0)
    fprintf (stderr, "nook-runtime: %s\n", msg);
  nook_buf_free (&line);
}

static int
usage_error (nook_error_t *err, const char *cmd)
{
  return nook_error (err, 0, "%s: wrong arguments, see nook-runtime(1)", cmd);
}

/* Options "--name value" or "--name=value" of a verb; *I moves past.  */
static const char *
opt_value (int argc, char **argv, int *i, const char *name)
{
  size_t len = strlen (name);
  if (strncmp (argv[*i], name, len) != 0)
    return NULL;
  if (argv[*i][len] == '=')
    return argv[*i] + len + 1;
  if (argv[*i][len] == '\0' && *i + 1 < argc)
    return argv[++*i];
  return NULL;
}

static int
cmd_create (const struct globals *g, int argc, char **argv, bool run, nook_error_t *err)
{
  struct runtime_create_opts o = { 0 };
  const char *id = NULL, *v;
  bool detach = false;
  int64_t n;

  for (int i = 1; i < argc; i++)
    {
      if ((v = opt_value (argc, argv, &i, "--bundle")) || (v = opt_value (argc, argv, &i, "-b")))
        o.bundle = v;
      else if ((v = opt_value (argc, argv, &i, "--pid-file")))
        o.pid_file = v;
      else if ((v = opt_value (argc, argv, &i, "--preserve-fds")))
        {
          if (!str_to_int64 (v, &n) || n < 0 || n > 1024)
            return nook_error (err, 0, "--preserve-fds: invalid number `%s`", v);
          o.preserve_fds = (int)n;
        }
      else if (strcmp (argv[i], "--no-pivot") == 0)
        o.no_pivot = true;
      else if (run && (strcmp (argv[i], "--detach") == 0 || strcmp (argv[i], "-d") == 0))
        detach = true;
      else if (argv[i][0] == '-')
        return nook_error (err, 0, "%s: unknown option `%s`", argv[0], argv[i]);
      else if (id == NULL)
        id = argv[i];
      else
        return usage_error (err, argv[0]);
    }
  if (id == NULL)
    return usage_error (err, argv[0]);
  if (runtime_create (g->root, id, &o, err) < 0)
    return -1;
  if (!run)
    return 0;
  if (runtime_start (g->root, id, err) < 0)
    return -1;
  if (detach)
    return 0;
  {
    struct runtime_state st;
    int status = 0;
    if (runtime_state_read (g->root, id, &st, err) < 0)
      return -1;
    nook_waitpid (st.pid, &status, 0);
    runtime_state_free (&st);
    if (runtime_delete (g->root, id, true, err) < 0)
      return -1;
    return nook_exit_code (status);
  }
}

static int
cmd_simple (const struct globals *g, int argc, char **argv, nook_error_t *err)
{
  const char *cmd = argv[0], *id = NULL;
  const char *sigarg = NULL;
  bool force = false, all = false;

  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--force") == 0 || strcmp (argv[i], "-f") == 0)
        force = true;
      else if (strcmp (argv[i], "--all") == 0 || strcmp (argv[i], "-a") == 0)
        all = true;
      else if (argv[i][0] == '-')
        return nook_error (err, 0, "%s: unknown option `%s`", cmd, argv[i]);
      else if (id == NULL)
        id = argv[i];
      else if (sigarg == NULL && strcmp (cmd, "kill") == 0)
        sigarg = argv[i];
      else
        return usage_error (err, cmd);
    }
  if (id == NULL || (force && strcmp (cmd, "delete") != 0) || (all && strcmp (cmd, "kill") != 0))
    return usage_error (err, cmd);
  if (strcmp (cmd, "start") == 0)
    return runtime_start (g->root, id, err);
  if (strcmp (cmd, "delete") == 0)
    return runtime_delete (g->root, id, force, err);
  if (strcmp (cmd, "kill") == 0)
    {
      int sig = SIGTERM;
      if (sigarg && runtime_parse_signal (sigarg, &sig, err) < 0)
        return -1;
      return runtime_kill (g->root, id, sig, all, err);
    }
  {
    struct runtime_state st;
    _cleanup_free_ char *text = NULL;
    if (runtime_state_read (g->root, id, &st, err) < 0)
      return -1;
    text = runtime_state_json (g->root, &st);
    runtime_state_free (&st);
    printf ("%s\n", text);
    return 0;
  }
}

static int
cmd_list (const struct globals *g, nook_error_t *err)
{
  _cleanup_strv_ char **ids = NULL;

  if (runtime_list_ids (g->root, &ids, err) < 0)
    return -1;
  printf ("%-12s  %-8s  %-8s  %s\n", "ID", "PID", "STATUS", "BUNDLE");
  for (size_t i = 0; ids[i]; i++)
    {
      struct runtime_state st;
      nook_error_t e = NULL;
      const char *status;
      if (runtime_state_read (g->root, ids[i], &st, &e) < 0)
        {
          nook_error_free (&e);
          continue;
        }
      status = runtime_status (g->root, &st);
      printf ("%-12s  %-8d  %-8s  %s\n", st.id, strcmp (status, "stopped") ? (int)st.pid : 0,
              status, st.bundle);
      runtime_state_free (&st);
    }
  return 0;
}

static int
parse_globals (struct globals *g, int argc, char **argv, nook_error_t *err)
{
  int i;
  const char *v;

  for (i = 1; i < argc && argv[i][0] == '-'; i++)
    {
      if ((v = opt_value (argc, argv, &i, "--root")))
        g->root = v;
      else if ((v = opt_value (argc, argv, &i, "--log")))
        g->log = v;
      else if ((v = opt_value (argc, argv, &i, "--log-format")))
        {
          if (strcmp (v, "json") != 0 && strcmp (v, "text") != 0)
            return nook_error (err, 0, "--log-format: `%s` is not text or json", v);
          g->json = strcmp (v, "json") == 0;
        }
      else if (strcmp (argv[i], "--debug") == 0)
        nook_log_set_level (NOOK_LOG_DEBUG);
      else if (strcmp (argv[i], "--systemd-cgroup") == 0)
        return nook_error (err, 0, "--systemd-cgroup is not supported");
      else
        return nook_error (err, 0, "unknown global option `%s`", argv[i]);
    }
  return i;
}

int
main (int argc, char **argv)
{
  struct globals g = { 0 };
  nook_error_t err = NULL;
  _cleanup_free_ char *root = NULL;
  int first, ret;

  first = parse_globals (&g, argc, argv, &err);
  if (first >= 0 && first >= argc)
    first = nook_error (&err, 0, "missing command: create, start, state, kill, delete, run, list");
  if (first < 0)
    {
      log_error (&g, err->msg);
      return 1;
    }
  if (g.root == NULL)
    {
      const char *xdg = getenv ("XDG_RUNTIME_DIR");
      root = nook_is_real_root () ? xstrdup ("/run/nook-runtime")
             : xdg                ? xasprintf ("%s/nook-runtime", xdg)
                                  : xasprintf ("/tmp/nook-runtime-%d", (int)geteuid ());
      g.root = root;
    }
  argc -= first;
  argv += first;
  if (strcmp (argv[0], "create") == 0 || strcmp (argv[0], "run") == 0)
    ret = cmd_create (&g, argc, argv, argv[0][0] == 'r', &err);
  else if (strcmp (argv[0], "list") == 0)
    ret = cmd_list (&g, &err);
  else if (strcmp (argv[0], "start") == 0 || strcmp (argv[0], "state") == 0
           || strcmp (argv[0], "kill") == 0 || strcmp (argv[0], "delete") == 0)
    ret = cmd_simple (&g, argc, argv, &err);
  else
    ret = nook_error (&err, 0, "unknown command `%s`", argv[0]);
  if (ret < 0)
    {
      log_error (&g, err->msg);
      nook_error_free (&err);
      return 1;
    }
  if (fflush (stdout) != 0)
    return 1;
  return ret;
}
