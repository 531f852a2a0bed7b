/* nook CLI: shared by the command files.  A command parses its flags
   into a struct and calls pkg/; it holds no logic of its own.  */
#ifndef NOOK_CLI_H
#define NOOK_CLI_H

#include "config/config.h"
#include "format/format.h"
#include "storage/storage.h"
#include "userns/userns.h"
#include "util/util.h"

/* What a command needs set up before it runs.  */
enum
{
  NEED_STORE = 1 << 0,  /* the store opened (paths resolved) */
  NEED_USERNS = 1 << 1, /* inside the rootless user namespace */
};

struct nook_ctx
{
  const char *root;    /* --root */
  const char *runroot; /* --runroot */
  struct nook_paths paths;
  struct storage store;
  struct userns_ids ids;
  bool have_paths, have_store, have_userns;
};

/* Set up what NEEDS asks that is not there yet.  */
int cli_need (struct nook_ctx *ctx, unsigned needs, nook_error_t *err);
void cli_release (struct nook_ctx *ctx);
/* Options for extracting layers in this context.  */
struct apply_opts cli_apply_opts (const struct nook_ctx *ctx);

/* ---- flags, parsed as Go's pflag does ---- */

enum opt_type
{
  OPT_BOOL,
  OPT_STRING,
  OPT_STRINGS, /* repeatable, appended to a char ** */
  OPT_INT,
};

struct opt
{
  const char *name; /* long name, without "--" */
  char short_name;  /* 0 for none */
  enum opt_type type;
  void *dest;      /* bool *, const char **, char ***, int64_t * */
  const char *arg; /* argument name in help ("NAME"), NULL for bools */
  const char *help;
};

struct cmd_spec
{
  const char *name;  /* "run", "image ls" */
  const char *usage; /* "[options] IMAGE [COMMAND [ARG...]]" */
  const char *summary;
  const struct opt *opts; /* terminated by an entry with name NULL */
  bool stop_at_arg;       /* flags end at the first argument (run, exec) */
  int min_args;
  int max_args; /* -1: any */
};

/* Parse ARGV (argv[0] is the command name).  On success *ARGS points at
   the positional arguments, *NARGS counts them.  Returns 1 when --help
   was printed (exit 0), 0 to go on, -1 on a bad flag.  */
int cli_parse (const struct cmd_spec *spec, int argc, char **argv, char ***args, int *nargs,
               nook_error_t *err);
/* One table of the entries of TABLES (ended by NULL), in order, for
   commands that share groups of flags (create and run); free() it.  */
struct opt *cli_opts_join (const struct opt *const tables[]);
/* run's and create's security flags, bound to S (whose defaults it
   sets); free() it.  In secopts.c.  */
struct container_security;
struct opt *cli_security_opts (struct container_security *s);
/* -v, --mount and --volumes-from, bound to M; free() it.  In
   mountopts.c, with the release of the lists they fill.  */
struct container_mount_opts;
struct opt *cli_mount_opts (struct container_mount_opts *m);
void cli_mount_release (struct container_mount_opts *m);
/* --userns, --uidmap, --gidmap, bound to U.  In usernsopts.c.  */
struct container_userns;
struct opt *cli_userns_opts (struct container_userns *u);
/* The network flags, bound to N; free() it.  In netopts.c, with the
   release of the lists they fill.  */
struct network_config;
struct opt *cli_network_opts (struct network_config *n);
void cli_network_release (struct network_config *n);

/* ---- commands over containers ---- */

struct cli_each
{
  /* Act on container ID (REF as the user gave it): 0 done, -1 failed
     with *ERR set, or -1 with no error to skip it silently.  */
  int (*fn) (struct nook_ctx *ctx, const char *id, const char *ref, void *data, nook_error_t *err);
  void *data;
  bool print;       /* print REF (the ID with --all) for each one done */
  int missing_code; /* exit code for a container that does not exist */
};

/* For each of REFS, or with ALL every container: the exit code, 0 or
   the highest of the failures, each reported on stderr.  */
int cli_each_container (struct nook_ctx *ctx, char **refs, int nrefs, bool all,
                        const struct cli_each *e);

/* The container the user named (REF), or with --latest (LATEST) the
   newest one: its full ID.  */
int cli_container_arg (struct nook_ctx *ctx, bool latest, const char *ref, char id[65],
                       nook_error_t *err);

/* ---- output ---- */

/* Flush stdout and report a write error (a full disk, a closed pipe).  */
int cli_flush (nook_error_t *err);
/* The exit code of `image/container/volume exists` from its lookup's
   result FOUND (0 or -1 with *ERR): 0, 1 when there is none (ENOENT, no
   error left), -1 on another error.  */
int cli_exists_code (int found, nook_error_t *err);

/* ---- lists through pkg/format (--format) ---- */

/* --filter label: every label=KEY or label=KEY=VALUE in WANTED holds for
   LABELS ("key=value" each).  */
bool cli_labels_match (char *const *wanted, char *const *labels);

struct cli_list
{
  const char *format;      /* --format, NULL when not given */
  const char *default_row; /* the table's row when there is no --format */
  format_header_fn header_of;
};

/* Print ROWS (a JSON array of each row's template data) as L asks: a
   table with a header, one template run per row, or, for `--format
   json`, JSON_TEXT (the command's JSON document, NULL: ROWS itself;
   ROWS may then be NULL).  */
int cli_print_list (const struct cli_list *l, const nook_json *rows, const char *json_text,
                    nook_error_t *err);

/* Does L print the JSON document (--format json), not ROWS?  Lets a
   command make only the one it prints.  */
bool cli_list_json (const struct cli_list *l);

/* The row members L's template reads (format_fields), NULL when it may
   read any or prints JSON: for json_gen_tree_only.  */
char **cli_list_fields (const struct cli_list *l);

/* Is L's template (or the default row) going to read row member FIELD?
   Lets a command skip work for data no template uses.  */
bool cli_list_uses (const struct cli_list *l, const char *field);

/* A time as Go prints a UTC time.Time: "2024-01-01 00:00:00 +0000 UTC",
   fractional seconds only when there are some.  */
char *cli_time_go (int64_t ns);

/* "2 weeks ago", as Podman's CREATED columns.  */
char *cli_time_ago (int64_t ns, int64_t now);

/* ---- commands ---- */

int cmd_run (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err);
int cmd_load (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err);
int cmd_images (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err);
int cmd_ps (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err);
int cmd_rm (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err);
int cmd_create (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err);
int cmd_start (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err);
int cmd_stop (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err);
int cmd_restart (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err);
int cmd_kill (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err);
int cmd_wait (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err);
int cmd_attach (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err);
int cmd_logs (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err);
int cmd_unshare (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err);
int cmd_tag (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err);
int cmd_untag (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err);
int cmd_rmi (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err);
int cmd_image_exists (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err);
int cmd_image_prune (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err);
int cmd_image_inspect (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err);
int cmd_save (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err);
int cmd_import (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err);
int cmd_export (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err);
int cmd_history (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err);
int cmd_inspect (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err);
int cmd_exec (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err);
int cmd_top (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err);
int cmd_rename (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err);
int cmd_port (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err);
int cmd_container_exists (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err);
int cmd_container_inspect (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err);
int cmd_pull (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err);
int cmd_push (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err);
int cmd_login (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err);
int cmd_logout (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err);
int cmd_volume_create (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err);
int cmd_volume_ls (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err);
int cmd_volume_inspect (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err);
int cmd_volume_rm (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err);
int cmd_volume_prune (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err);
int cmd_volume_exists (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err);
/* Registry flags (cmd/nook/pull.c): was --NAME given (before cli_parse)?
   --platform OS/ARCH[/VARIANT] split in place.  */
struct image_platform;
bool cli_flag_given (int argc, char **argv, const char *name);
int cli_platform (char *s, struct image_platform *p, nook_error_t *err);

#endif
