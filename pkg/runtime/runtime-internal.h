/* pkg/runtime internals shared by create.c, init.c and friends.  */
#ifndef NOOK_RUNTIME_INTERNAL_H
#define NOOK_RUNTIME_INTERNAL_H

#include "runtime/runtime.h"

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

struct runtime_init_args
{
  struct oci_spec *spec;
  const char *rootfs;
  const char *bundle;
  int fifo_fd;
  int sync_fd;
  int preserve_fds;
  bool no_pivot;
};

int runtime_sync_send (int fd, int type, int errnum, const char *msg);
int runtime_sync_recv (int fd, struct runtime_sync *m);
int runtime_ns_flag (const char *type);
/* Build the filter of SC and load it in the calling process (seccomp.c:
   what the profile must allow afterwards, and when init.c loads it).  */
int runtime_seccomp_load (const struct oci_seccomp *sc, nook_error_t *err);
/* The container's init, in the cloned child; never returns.  */
void runtime_init (struct runtime_init_args *a) __attribute__ ((noreturn));

#endif
