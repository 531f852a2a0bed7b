/* --latest: the container created last.  */
#include "container/container.h"
#include "container/exec.h"

#include <string.h>

int
container_latest (struct storage *st, char id[65], nook_error_t *err)
{
  struct container *cs = NULL;
  size_t n = 0;

  /* Newest first, as `ps -l` takes it.  */
  if (container_list (st, &cs, &n, err) < 0)
    return -1;
  if (n > 0)
    memcpy (id, cs[0].cfg.id, 65);
  container_list_free (cs, n);
  if (n == 0)
    {
      nook_error (err, 0, "unable to find latest container: no such container");
      return nook_error_set_errno (err, ENOENT);
    }
  return 0;
}
