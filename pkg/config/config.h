/* nook — pkg/config: where things live (XDG paths and their fallbacks).  */
#ifndef NOOK_CONFIG_H
#define NOOK_CONFIG_H

#include "util/util.h"

struct nook_paths
{
  char *storage;    /* images, layers, containers */
  char *runroot;    /* pids, sockets, the OCI runtime's state */
  char *helper_dir; /* nook-monitor, nook-runtime, nook-init */
  char *data_dir;   /* shipped data: seccomp profile */
};

/* Fill PATHS for the calling user.  ROOT and RUNROOT override the storage
   and runtime directories (--root, --runroot) when not NULL.  The runtime
   directory is created 0700 and checked to be the user's own.  */
int config_paths_init (struct nook_paths *paths, const char *root, const char *runroot,
                       nook_error_t *err);
void config_paths_free (struct nook_paths *paths);

/* The user's runtime directory: $XDG_RUNTIME_DIR, or a private 0700
   directory under /tmp named for the uid.  Created and checked.  */
int config_runtime_dir (char **out, nook_error_t *err);

/* Path of helper NAME ("nook-runtime") next to the running nook.  */
char *config_helper (const struct nook_paths *paths, const char *name);

#endif
