/* nook — pkg/container: exec, top and rename (exec.c, top.c, rename.c).  */
#ifndef NOOK_CONTAINER_EXEC_H
#define NOOK_CONTAINER_EXEC_H

#include "config/config.h"
#include "storage/storage.h"
#include "util/util.h"

/* --latest: the ID of the container created last.  */
int container_latest (struct storage *st, char id[65], nook_error_t *err);

struct container_exec_opts
{
  char **args;             /* the command */
  char **env;              /* -e KEY=VALUE or KEY (from our environment) */
  char **env_files;        /* --env-file */
  const char *user;        /* -u: NULL for the container's */
  const char *workdir;     /* -w: NULL for the container's */
  const char *detach_keys; /* NULL: "ctrl-p,ctrl-q"; "": none */
  bool interactive;        /* -i */
  bool tty;                /* -t */
  bool detach;             /* -d */
  bool privileged;         /* --privileged: every capability */
};

/* Run O->args in the running container ID with the OCI runtime's `exec`,
   straight from the caller (no monitor, no newuidmap: the runtime joins
   the container's namespaces, which the user owns).  Returns the
   process's exit code (0 after a detach, or for -d, when the ID made for
   the session was printed), or -1 with *ERR (exit code 125, or 126/127
   when the command cannot be run or is not found).  */
int container_exec (const struct nook_paths *paths, struct storage *st, const char *id,
                    const struct container_exec_opts *o, nook_error_t *err);

/* `top`: the processes of running container ID as ps(1) would show them
   with DESCRIPTORS (Podman's/psgo's names: "user", "pid", "pcpu", ...;
   NULL or none: Podman's default set), a table written to OUT.  */
int container_top (struct storage *st, const char *id, char *const *descriptors, FILE *out,
                   nook_error_t *err);

/* The descriptors `top` knows, one a line.  */
void container_top_descriptors (FILE *out);

/* `rename`: give container ID the name NEW_NAME (checked as Podman's
   names are), releasing its old one.  */
int container_rename (struct storage *st, const char *id, const char *new_name, nook_error_t *err);

#endif
