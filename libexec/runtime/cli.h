/* nook-runtime's command line: one table of verbs, each with a table of
   options, parsed by one parser (options.c) into one struct.  */
#ifndef NOOK_RUNTIME_CLI_H
#define NOOK_RUNTIME_CLI_H

#include "runtime/runtime.h"

#include <stddef.h>

enum cli_opt_type
{
  OPT_BOOL,   /* --x, --x=true|false */
  OPT_STRING, /* --x V, --x=V, -x V */
  OPT_LIST,   /* a string, repeatable */
  OPT_UINT,   /* a number from 0 to 1024 */
};

/* Everything any verb takes; a verb's table says which ones it does.  */
struct cli
{
  /* global */
  const char *root;
  const char *log;
  const char *log_format;
  const char *rootless_mode; /* --rootless true|false|auto: cgroup errors, ignored */
  const char *criu;
  bool debug, systemd_cgroup, version;
  /* verbs */
  const char *bundle, *pid_file, *console_socket, *format, *cwd, *user, *process;
  const char *apparmor, *process_label, *cgroup;
  uint64_t preserve_fds;
  uint64_t go_fd; /* run --go-fd: wait for a byte on it first; 0: none */
  bool no_pivot, no_new_keyring, detach, keep, no_subreaper, force, all, quiet, tty;
  bool no_new_privs, ignore_paused, rootless, help;
  char **env, **additional_gids, **caps;
  char **args;        /* the arguments that are not options */
  char *default_root; /* owned: --root when not given */
};

struct cli_option
{
  const char *name; /* long name, no dashes */
  char short_name;  /* 0: none */
  enum cli_opt_type type;
  size_t offset;          /* in struct cli */
  const char *value_name; /* for --help: "DIR" */
  const char *help;
};

#define CLI_OPT(name, short_name, type, field, value, help)                                        \
  {                                                                                                \
    name, short_name, type, offsetof (struct cli, field), value, help                              \
  }
#define CLI_OPT_END                                                                                \
  {                                                                                                \
    NULL, 0, 0, 0, NULL, NULL                                                                      \
  }

struct cli_verb
{
  const char *name;
  int (*run) (struct cli *c, nook_error_t *err); /* exit code, or -1 */
  const struct cli_option *options;
  int min_args, max_args; /* -1: no maximum */
  bool options_first;     /* options stop at the first argument (exec, ps) */
  int error_exit;         /* exit code on an error: 1, 255 for exec */
  const char *usage;
  const char *summary;
};

/* Parse ARGV[1..ARGC) against OPTIONS into C.  Unless OPTIONS_FIRST,
   options may come anywhere (as runc's); "--" ends them.  With
   STOP_AT_ARG (the global options), stop at the first argument and
   return its index; else the arguments go to C->args and ARGC comes back.  */
int cli_parse (struct cli *c, const struct cli_option *options, bool options_first,
               bool stop_at_arg, int argc, char **argv, nook_error_t *err);
/* The options of a table, for --help.  */
void cli_print_options (FILE *out, const struct cli_option *options);

/* Verbs (lifecycle.c, exec.c, info.c): an exit code, or -1 with *ERR.  */
int cli_create (struct cli *c, nook_error_t *err);
int cli_run (struct cli *c, nook_error_t *err);
int cli_start (struct cli *c, nook_error_t *err);
int cli_state (struct cli *c, nook_error_t *err);
int cli_kill (struct cli *c, nook_error_t *err);
int cli_delete (struct cli *c, nook_error_t *err);
int cli_exec (struct cli *c, nook_error_t *err);
int cli_list (struct cli *c, nook_error_t *err);
int cli_ps (struct cli *c, nook_error_t *err);
int cli_features (struct cli *c, nook_error_t *err);
int cli_spec (struct cli *c, nook_error_t *err);

/* The log (main.c): open it, from here on, at MIN_FD or above (fds
   below may be for the container).  */
int cli_log_open (struct cli *c, int min_fd, nook_error_t *err);

#endif
