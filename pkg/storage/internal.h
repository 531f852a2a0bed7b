/* pkg/storage internals shared by its files.  */
#ifndef NOOK_STORAGE_INTERNAL_H
#define NOOK_STORAGE_INTERNAL_H

#include "storage/storage.h"

/* images/names.json: name -> image ID, in tagging order.  */
struct storage_names
{
  char **name;
  char **id;
  size_t n;
};
int storage_names_read (struct storage *st, struct storage_names *out, nook_error_t *err);
int storage_names_write (struct storage *st, const struct storage_names *n, nook_error_t *err);
void storage_names_free (struct storage_names *n);
/* Drop the entries named NAME, or pointing at ID; return how many.  */
size_t storage_names_remove (struct storage_names *n, const char *name, const char *id);
/* A load's names, in two steps around putting its images (the store lock
   held): see image.c.  */
int storage_names_commit_begin (struct storage *st, const struct storage_names *add,
                                nook_error_t *err);
int storage_names_commit_finish (struct storage *st, nook_error_t *err);

#endif
