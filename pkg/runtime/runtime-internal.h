/* pkg/runtime internals shared by create.c, init.c and friends.  */
#ifndef NOOK_RUNTIME_INTERNAL_H
#define NOOK_RUNTIME_INTERNAL_H

#include "runtime/runtime.h"

#include <linux/filter.h>

enum
{
  RUNTIME_SYNC_GO = 1,
  RUNTIME_SYNC_READY,
  RUNTIME_SYNC_ERROR,
};

struct runtime_sync
{
  int type;
  int errnum;
  char msg[3072];
};

/* A seccomp filter as the kernel takes it: made by the runtime before it
   clones the init, loaded by the init (seccomp.c).  */
struct runtime_seccomp
{
  struct sock_filter *insns;
  size_t n_insns;
  unsigned int flags; /* SECCOMP_FILTER_FLAG_* */
  bool from_cache;
};

struct runtime_init_args
{
  struct oci_spec *spec;
  const char *rootfs;
  const char *bundle;
  int fifo_fd;
  int sync_fd;
  int preserve_fds;
  bool no_pivot;
  const struct runtime_seccomp *seccomp; /* NULL: no filter */
};

int runtime_sync_send (int fd, int type, int errnum, const char *msg);
int runtime_sync_recv (int fd, struct runtime_sync *m);
int runtime_ns_flag (const char *type);
/* The filter of SC: from the cache under ROOT when it holds it, built
   with libseccomp (and cached) otherwise; ROOT NULL: built, not cached.
   Fails when SC asks for what libseccomp or the kernel cannot do.  */
int runtime_seccomp_prepare (const char *root, const struct oci_seccomp *sc,
                             struct runtime_seccomp *out, nook_error_t *err);
void runtime_seccomp_release (struct runtime_seccomp *p);
/* The cache key of SC: 64 hex digits (seccomp.c says what it covers).  */
int runtime_seccomp_key (const struct oci_seccomp *sc, char hex[65], nook_error_t *err);
/* Load P in the calling process (seccomp.c: what the profile must allow
   afterwards, and when init.c loads it).  */
int runtime_seccomp_load (const struct runtime_seccomp *p, nook_error_t *err);
/* The container's init, in the cloned child; never returns.  */
void runtime_init (struct runtime_init_args *a) __attribute__ ((noreturn));

#endif
