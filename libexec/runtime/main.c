/* nook-runtime: an OCI runtime with runc's command line.

     nook-runtime [--root DIR] [--log FILE] [--log-format text|json] [--debug]
                  COMMAND [OPTIONS] ID [ARGS]

   Parse, then act: the global options, then the verb's table (cli.h),
   then the verb.  An error goes to stderr, and to the --log file too
   when one is given (as runc's: its callers read it there); the exit
   code is the verb's (1, 255 for exec).  */
#include "cli.h"

#include <fcntl.h>
#include <string.h>

/* Tells pkg/runtime/sealed.c's constructor, through a weak reference,
   that this program is nook-runtime, whatever name it was run under:
   it re-executes from a sealed copy for the verbs that need one.  */
extern const bool runtime_seals_itself;
const bool runtime_seals_itself = true;

/* The one piece of process-wide state: where log lines go.  Set once,
   before any verb runs; nook_warn/nook_debug reach it through the log
   writer hook, which takes no context.  */
static struct
{
  const char *path; /* NULL: stderr */
  bool json;
  int fd; /* -1 until opened */
} log_sink = { NULL, false, -1 };

static const char *
level_name (enum nook_log_level level)
{
  return level == NOOK_LOG_DEBUG ? "debug" : level == NOOK_LOG_WARN ? "warning" : "error";
}

/* One line as runc's logrus writes it, text or JSON, in one write;
   false when the log could not take it.  */
static bool
log_line (const char *level, const char *msg)
{
  bool written;
  _cleanup_free_ char *now = nook_time_format (nook_now_ns ());
  struct nook_buf line = { 0 };

  if (log_sink.json)
    {
      nook_buf_puts (&line, "{\"level\":");
      json_quote (&line, level);
      nook_buf_puts (&line, ",\"msg\":");
      json_quote (&line, msg);
      nook_buf_puts (&line, ",\"time\":");
      json_quote (&line, now);
      nook_buf_puts (&line, "}\n");
    }
  else
    {
      nook_buf_printf (&line, "time=\"%s\" level=%s msg=", now, level);
      json_quote (&line, msg);
      nook_buf_putc (&line, '\n');
    }
  if (log_sink.fd < 0)
    log_sink.fd = open (log_sink.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  written = log_sink.fd >= 0 && nook_write_all (log_sink.fd, line.data, line.len) == 0;
  nook_buf_free (&line);
  return written;
}

static void
log_writer (enum nook_log_level level, const char *msg)
{
  if (!log_line (level_name (level), msg))
    fprintf (stderr, "nook-runtime: %s\n", msg);
}

/* On stderr whatever happens, and in the log when there is one.  */
static void
log_error (const char *msg)
{
  fprintf (stderr, "nook-runtime: %s\n", msg);
  if (log_sink.path)
    log_line ("error", msg);
}

int
cli_log_open (struct cli *c, int min_fd, nook_error_t *err)
{
  _cleanup_close_ int fd = -1;

  if (c->log == NULL || log_sink.fd >= 0)
    return 0;
  fd = open (c->log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return nook_error (err, errno, "open the log `%s`", c->log);
  /* Above the fds that go to the container (--preserve-fds): the
     container's init writes its debug lines here before it execs.  */
  log_sink.fd = fcntl (fd, F_DUPFD_CLOEXEC, min_fd);
  if (log_sink.fd < 0)
    return nook_error (err, errno, "fcntl");
  return 0;
}

/* ---- the verbs ---- */

#define OPT_BUNDLE                                                                                 \
  CLI_OPT ("bundle", 'b', OPT_STRING, bundle, "DIR", "the bundle directory (default: .)")
#define OPT_CONSOLE                                                                                \
  CLI_OPT ("console-socket", 0, OPT_STRING, console_socket, "PATH",                                \
           "a unix socket to send the pty master to")
#define OPT_PID_FILE CLI_OPT ("pid-file", 0, OPT_STRING, pid_file, "FILE", "write the pid to FILE")
#define OPT_PRESERVE                                                                               \
  CLI_OPT ("preserve-fds", 0, OPT_UINT, preserve_fds, "N", "pass fds 3 to 3+N-1 to the process")
#define OPT_CREATE                                                                                 \
  OPT_BUNDLE, OPT_CONSOLE, OPT_PID_FILE, OPT_PRESERVE,                                             \
      CLI_OPT ("no-pivot", 0, OPT_BOOL, no_pivot, NULL, "enter the rootfs without pivot_root"),    \
      CLI_OPT ("no-new-keyring", 0, OPT_BOOL, no_new_keyring, NULL,                                \
               "accepted; no keyring is made")

static const struct cli_option create_options[] = { OPT_CREATE, CLI_OPT_END };

static const struct cli_option run_options[] = {
  OPT_CREATE,
  CLI_OPT ("detach", 'd', OPT_BOOL, detach, NULL, "do not wait for the container"),
  CLI_OPT ("keep", 0, OPT_BOOL, keep, NULL, "do not delete the container after it exits"),
  CLI_OPT ("no-subreaper", 0, OPT_BOOL, no_subreaper, NULL, "do not reap orphans"),
  CLI_OPT ("go-fd", 0, OPT_UINT, go_fd, "FD",
           "wait for a byte on FD before reading the bundle (end of file: do nothing)"),
  CLI_OPT_END,
};

static const struct cli_option no_options[] = { CLI_OPT_END };

static const struct cli_option kill_options[] = {
  CLI_OPT ("all", 'a', OPT_BOOL, all, NULL, "signal every process of the container"),
  CLI_OPT_END,
};

static const struct cli_option delete_options[] = {
  CLI_OPT ("force", 'f', OPT_BOOL, force, NULL, "kill the container first if it runs"),
  CLI_OPT_END,
};

static const struct cli_option exec_options[] = {
  OPT_CONSOLE,
  OPT_PID_FILE,
  OPT_PRESERVE,
  CLI_OPT ("cwd", 0, OPT_STRING, cwd, "DIR", "the working directory"),
  CLI_OPT ("env", 'e', OPT_LIST, env, "KEY=VALUE", "set an environment variable"),
  CLI_OPT ("tty", 't', OPT_BOOL, tty, NULL, "allocate a pseudo-terminal"),
  CLI_OPT ("user", 'u', OPT_STRING, user, "UID[:GID]", "the user to run as"),
  CLI_OPT ("additional-gids", 'g', OPT_LIST, additional_gids, "GID", "a supplementary group"),
  CLI_OPT ("process", 'p', OPT_STRING, process, "FILE", "the process, as config.json's"),
  CLI_OPT ("detach", 'd', OPT_BOOL, detach, NULL, "do not wait for the process"),
  CLI_OPT ("process-label", 0, OPT_STRING, process_label, "LABEL",
           "SELinux label (dropped where SELinux is off)"),
  CLI_OPT ("apparmor", 0, OPT_STRING, apparmor, "PROFILE",
           "AppArmor profile (dropped where AppArmor is off)"),
  CLI_OPT ("no-new-privs", 0, OPT_BOOL, no_new_privs, NULL, "set no_new_privs"),
  CLI_OPT ("cap", 'c', OPT_LIST, caps, "CAP", "add a capability"),
  CLI_OPT ("cgroup", 0, OPT_STRING, cgroup, "PATH", "accepted; no cgroups are managed"),
  CLI_OPT ("ignore-paused", 0, OPT_BOOL, ignore_paused, NULL, "accepted; never paused"),
  CLI_OPT_END,
};

static const struct cli_option list_options[] = {
  CLI_OPT ("format", 'f', OPT_STRING, format, "table|json", "the output format"),
  CLI_OPT ("quiet", 'q', OPT_BOOL, quiet, NULL, "print the IDs only"),
  CLI_OPT_END,
};

static const struct cli_option ps_options[] = {
  CLI_OPT ("format", 'f', OPT_STRING, format, "table|json", "the output format"),
  CLI_OPT_END,
};

static const struct cli_option spec_options[] = {
  OPT_BUNDLE,
  CLI_OPT ("rootless", 0, OPT_BOOL, rootless, NULL, "a spec for a user without privileges"),
  CLI_OPT_END,
};

static const struct cli_verb verbs[] = {
  { "create", cli_create, create_options, 1, 1, false, 1, "[OPTIONS] ID",
    "create a container from a bundle" },
  { "start", cli_start, no_options, 1, 1, false, 1, "ID", "start a created container" },
  { "run", cli_run, run_options, 1, 1, false, 1, "[OPTIONS] ID", "create and start a container" },
  { "state", cli_state, no_options, 1, 1, false, 1, "ID", "print the OCI state of a container" },
  { "kill", cli_kill, kill_options, 1, 2, false, 1, "[OPTIONS] ID [SIGNAL]",
    "send a signal to a container (default TERM)" },
  { "delete", cli_delete, delete_options, 1, 1, false, 1, "[OPTIONS] ID", "delete a container" },
  { "exec", cli_exec, exec_options, 1, -1, true, 255, "[OPTIONS] ID [COMMAND [ARG...]]",
    "run a process in a container" },
  { "list", cli_list, list_options, 0, 0, false, 1, "[OPTIONS]", "list the containers" },
  { "ps", cli_ps, ps_options, 1, -1, true, 1, "[OPTIONS] ID [PS-ARGS...]",
    "show the processes of a container" },
  { "features", cli_features, no_options, 0, 0, false, 1, "", "print what this runtime supports" },
  { "spec", cli_spec, spec_options, 0, 0, false, 1, "[OPTIONS]", "write a default config.json" },
};

static const struct cli_option global_options[] = {
  CLI_OPT ("root", 0, OPT_STRING, root, "DIR", "the containers' state"),
  CLI_OPT ("log", 0, OPT_STRING, log, "FILE", "write errors and debug lines to FILE"),
  CLI_OPT ("log-format", 0, OPT_STRING, log_format, "text|json", "the format of --log"),
  CLI_OPT ("debug", 0, OPT_BOOL, debug, NULL, "log debug lines"),
  CLI_OPT ("systemd-cgroup", 0, OPT_BOOL, systemd_cgroup, NULL, "refused: no cgroup manager"),
  CLI_OPT ("rootless", 0, OPT_STRING, rootless_mode, "true|false|auto",
           "accepted, for runc's callers"),
  CLI_OPT ("criu", 0, OPT_STRING, criu, "PATH", "accepted; no checkpointing"),
  CLI_OPT ("version", 'v', OPT_BOOL, version, NULL, "print the version"),
  CLI_OPT_END,
};

static void
usage (FILE *out)
{
  fprintf (out, "Usage: nook-runtime [GLOBAL OPTIONS] COMMAND [OPTIONS] ...\n\nCommands:\n");
  for (size_t i = 0; i < NOOK_ARRAY_SIZE (verbs); i++)
    fprintf (out, "  %-10s %s\n", verbs[i].name, verbs[i].summary);
  fprintf (out, "\nGlobal options:\n");
  cli_print_options (out, global_options);
}

static void
verb_usage (FILE *out, const struct cli_verb *v)
{
  fprintf (out, "Usage: nook-runtime %s %s\n\n%s.\n\nOptions:\n", v->name, v->usage, v->summary);
  cli_print_options (out, v->options);
}

static const struct cli_verb *
find_verb (const char *name)
{
  for (size_t i = 0; i < NOOK_ARRAY_SIZE (verbs); i++)
    if (strcmp (verbs[i].name, name) == 0)
      return &verbs[i];
  return NULL;
}

/* runc's: $XDG_RUNTIME_DIR/runc for a user, /run/runc for root.  */
static char *
default_root (void)
{
  const char *xdg = getenv ("XDG_RUNTIME_DIR");

  if (nook_is_real_root ())
    return xstrdup ("/run/nook-runtime");
  if (xdg && xdg[0] == '/')
    return xasprintf ("%s/nook-runtime", xdg);
  return xasprintf ("/tmp/nook-runtime-%d", (int)geteuid ());
}

static int
check_globals (struct cli *c, nook_error_t *err)
{
  if (c->log_format && strcmp (c->log_format, "json") != 0 && strcmp (c->log_format, "text") != 0)
    return nook_error (err, 0, "invalid log-format `%s`: text or json", c->log_format);
  log_sink.path = c->log;
  log_sink.json = c->log_format && strcmp (c->log_format, "json") == 0;
  if (c->log)
    nook_log_set_writer (log_writer);
  if (c->debug)
    nook_log_set_level (NOOK_LOG_DEBUG);
  if (c->systemd_cgroup)
    return nook_error (err, 0,
                       "--systemd-cgroup is not supported: nook-runtime manages no cgroups");
  return 0;
}

/* The verb's arguments and options; -1 on an error, 0 when --help was
   answered, 1 to go on.  */
static int
parse_verb (struct cli *c, const struct cli_verb *v, int argc, char **argv, nook_error_t *err)
{
  int n;

  if (cli_parse (c, v->options, v->options_first, false, argc, argv, err) < 0)
    return -1;
  if (c->help)
    {
      verb_usage (stdout, v);
      return 0;
    }
  n = (int)strv_len (c->args);
  if (n < v->min_args || (v->max_args >= 0 && n > v->max_args))
    {
      if (v->min_args == 1 && n == 0)
        return nook_error (err, 0, "%s: a container ID is required (usage: nook-runtime %s %s)",
                           v->name, v->name, v->usage);
      return nook_error (err, 0, "%s: wrong number of arguments (usage: nook-runtime %s %s)",
                         v->name, v->name, v->usage);
    }
  if (v->min_args >= 1 && runtime_check_id (c->args[0], err) < 0)
    return -1;
  return 1;
}

static int
run_cli (struct cli *c, int argc, char **argv, int *error_exit, nook_error_t *err)
{
  const struct cli_verb *v;
  int first, r;

  first = cli_parse (c, global_options, false, true, argc, argv, err);
  if (first < 0 || check_globals (c, err) < 0)
    return -1;
  if (c->version)
    {
      printf ("nook-runtime version %s\nspec: %s\n", NOOK_VERSION, OCI_VERSION);
      return 0;
    }
  if (c->help || first >= argc)
    {
      usage (c->help ? stdout : stderr);
      return c->help ? 0 : nook_error (err, 0, "no command given");
    }
  v = find_verb (argv[first]);
  if (v == NULL)
    return nook_error (err, 0, "no such command `%s` (see nook-runtime --help)", argv[first]);
  *error_exit = v->error_exit;
  strv_free (c->args);
  c->args = NULL;
  r = parse_verb (c, v, argc - first, argv + first, err);
  if (r <= 0)
    return r;
  if (c->root == NULL)
    c->root = c->default_root = default_root ();
  if (cli_log_open (c, 3 + (int)c->preserve_fds, err) < 0)
    return -1;
  return v->run (c, err);
}

int
main (int argc, char **argv)
{
  struct cli c = { 0 };
  nook_error_t err = NULL;
  int error_exit = 1, ret;

  ret = run_cli (&c, argc, argv, &error_exit, &err);
  if (ret < 0)
    {
      log_error (err->msg);
      nook_error_free (&err);
      ret = error_exit;
    }
  strv_free (c.args);
  strv_free (c.env);
  strv_free (c.additional_gids);
  strv_free (c.caps);
  free (c.default_root);
  if (fflush (stdout) != 0 && ret == 0)
    return 1;
  return ret;
}
