/* nook CLI: the flags create and run share.  */
#ifndef NOOK_CTROPTS_H
#define NOOK_CTROPTS_H

#include "cli.h"

#include "container/container.h"

struct cli_create
{
  struct container_create_opts o;
  char **env, **env_files, **log_opts;
  const char *pull;  /* --pull: missing, always, never, newer */
  bool quiet;        /* -q: no pull progress */
  char image_id[65]; /* the image to use, once pulled or found */
};
#define _cleanup_cli_create_ _cleanup_ (cli_create_release)

/* The flags bound to C (free() the table); sets C's defaults.  */
struct opt *cli_create_opts (struct cli_create *c);
/* After parsing: ARGS are IMAGE [COMMAND [ARG...]].  */
void cli_create_finish (struct cli_create *c, char **args);
void cli_create_release (struct cli_create *c);
/* Find the image, or pull it as --pull says, and use it by ID.  */
int cli_create_pull (struct nook_ctx *ctx, struct cli_create *c, nook_error_t *err);

#endif
