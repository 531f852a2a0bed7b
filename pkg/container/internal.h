/* pkg/container internals.  */
#ifndef NOOK_CONTAINER_INTERNAL_H
#define NOOK_CONTAINER_INTERNAL_H

#include "container/container.h"

/* The capabilities a container's root has by default, as Podman's.  */
extern const char *const container_default_caps[];

int container_record_commit (struct storage *st, const struct container *c, nook_error_t *err);
/* A free random name, as Docker's "adjective_surname".  */
char *container_random_name (struct storage *st, nook_error_t *err);

#endif
