/* Commands over several containers (start, stop, kill, wait, rm): each
   failure is reported and the rest still done, as Podman does.  */
#include "cli.h"

#include "container/container.h"
#include "container/exec.h"

#include <stdio.h>

int
cli_each_container (struct nook_ctx *ctx, char **refs, int nrefs, bool all,
                    const struct cli_each *e)
{
  _cleanup_strv_ char **ids = NULL;
  nook_error_t err = NULL;
  int code = 0;

  if (all && storage_container_ids (&ctx->store, &ids, &err) < 0)
    {
      fprintf (stderr, "Error: %s\n", err->msg);
      nook_error_free (&err);
      return 125;
    }
  for (int i = 0; all ? ids[i] != NULL : i < nrefs; i++)
    {
      const char *ref = all ? ids[i] : refs[i];
      char id[65];
      int c;

      if (storage_container_resolve (&ctx->store, ref, id, &err) == 0
          && e->fn (ctx, id, ref, e->data, &err) == 0)
        {
          if (e->print)
            printf ("%s\n", all ? id : ref);
          continue;
        }
      if (err == NULL) /* skipped */
        continue;
      if (err->errnum == ENOENT && e->missing_code == 0) /* --ignore */
        {
          nook_error_free (&err);
          continue;
        }
      c = err->errnum == ENOENT ? e->missing_code : err->exit_code ? err->exit_code : 125;
      if (c > code)
        code = c;
      fflush (stdout);
      fprintf (stderr, "Error: %s\n", err->msg);
      nook_error_free (&err);
    }
  return code;
}

int
cli_container_arg (struct nook_ctx *ctx, bool latest, const char *ref, char id[65],
                   nook_error_t *err)
{
  if (latest)
    return container_latest (&ctx->store, id, err);
  return storage_container_resolve (&ctx->store, ref, id, err);
}
