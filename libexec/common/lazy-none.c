/* nook-monitor and nook-runtime are linked statically (see the
   Makefile): they load no library at run time, and need none of those
   nook loads when a command first uses one (pkg/util/lazy.c).  This
   stands in for lazy.c in them, so dlopen is not linked in: a call that
   would load a library fails and says so.  */
#include "util/util.h"

int
nook_lazy_load (struct nook_lazy_lib *lib, nook_error_t *err)
{
  return nook_error (err, ENOTSUP, "%s cannot load %s: it loads no library",
                     program_invocation_short_name, lib->soname);
}

void *
nook_lazy_sym (struct nook_lazy_lib *lib, const char *sym)
{
  fprintf (stderr, "Error: %s cannot load %s for `%s`: it loads no library\n",
           program_invocation_short_name, lib->soname, sym);
  abort ();
}
