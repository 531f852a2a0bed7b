/* Lazily loaded libraries.  libcurl, libarchive, libcrypto and libsubid
   cost 2-9 ms of dynamic linking per exec on a small machine; commands on
   the hot path (run, ps, images, exec) never need them, so they are opened
   with dlopen on first use instead of linked.  The static helpers
   (nook-monitor, nook-runtime) link libexec/common/lazy-none.c instead.  */
#include "util.h"

#include <dlfcn.h>

int
nook_lazy_load (struct nook_lazy_lib *lib, nook_error_t *err)
{
  if (lib->handle)
    return 0;
  lib->handle = dlopen (lib->soname, RTLD_NOW | RTLD_LOCAL);
  if (lib->handle == NULL)
    return nook_error (err, 0, "cannot load %s (install the Debian package %s): %s", lib->soname,
                       lib->package, dlerror ());
  return 0;
}

void *
nook_lazy_sym (struct nook_lazy_lib *lib, const char *sym)
{
  nook_error_t err = NULL;
  void *p;

  if (nook_lazy_load (lib, &err) < 0)
    {
      fprintf (stderr, "Error: %s\n", err->msg);
      abort ();
    }
  p = dlsym (lib->handle, sym);
  if (p == NULL)
    {
      fprintf (stderr, "Error: %s: symbol `%s` missing: %s\n", lib->soname, sym, dlerror ());
      abort ();
    }
  return p;
}
