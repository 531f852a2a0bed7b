/* rename: a container's name changed, under the container's lock.

   1. Reserve the new name (names/NEW -> ID, atomic; fails naming the
      holder).
   2. Write container.json whole with the new name (temp file, fsync,
      rename); every other key is kept as it was.
   3. Release the old name.
   A crash after 1 leaves a second name pointing at the container, which
   resolves to it and is reclaimed once the container is gone; after 2,
   the same with the old name.  */
#include "container/container.h"
#include "container/exec.h"
#include "json/json.h"

#include <ctype.h>
#include <fcntl.h>
#include <string.h>

#define CONFIG_MAX (4 << 20)

/* Podman's rule and message (define.RegexError).  */
static int
check_name (const char *name, nook_error_t *err)
{
  size_t len = strlen (name);
  bool ok = len > 0 && len < 200 && isalnum ((unsigned char)name[0]);

  for (size_t i = 1; ok && i < len; i++)
    ok = isalnum ((unsigned char)name[i]) || name[i] == '_' || name[i] == '.' || name[i] == '-';
  if (!ok)
    return nook_error (err, 0, "names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument");
  return 0;
}

/* container.json of DIRFD, parsed.  */
static int
read_config (int dirfd, nook_json **out, nook_error_t *err)
{
  _cleanup_free_ char *text = NULL;
  size_t len;

  if (nook_read_file_at (dirfd, "container.json", CONFIG_MAX, &text, &len, err) < 0
      || json_parse (text, len, out, err) < 0)
    return nook_error_prefix (err, "container.json");
  if (!json_is_object (*out) || json_str (json_get (*out, "name")) == NULL)
    return nook_error (err, 0, "container.json: no name");
  return 0;
}

/* J written back whole with "name" set to NAME; every other key kept.  */
static int
write_config (int dirfd, const nook_json *j, const char *name, nook_error_t *err)
{
  _cleanup_json_gen_ struct json_gen *g = json_gen_new (false); /* compact, as record.c */

  json_gen_object_open (g);
  for (size_t i = 0; i < json_len (j); i++)
    {
      const char *key = json_key_at (j, i);
      json_gen_key (g, key);
      if (strcmp (key, "name") == 0)
        json_gen_string (g, name);
      else
        json_gen_value (g, json_at (j, i));
    }
  json_gen_object_close (g);
  return json_gen_write_file (g, dirfd, "container.json", true, err);
}

int
container_rename (struct storage *st, const char *id, const char *new_name, nook_error_t *err)
{
  _cleanup_close_ int dirfd = -1;
  _cleanup_json_ nook_json *j = NULL;
  _cleanup_free_ char *old = NULL;

  if (check_name (new_name, err) < 0)
    return -1;
  dirfd = storage_container_open (st, id, err);
  if (dirfd < 0 || nook_lock (dirfd, true, err) < 0 || read_config (dirfd, &j, err) < 0)
    return -1;
  old = xstrdup (json_str (json_get (j, "name")));
  if (strcmp (old, new_name) == 0)
    return 0;
  if (storage_container_name_reserve (st, new_name, id, err) < 0)
    return -1;
  if (write_config (dirfd, j, new_name, err) < 0)
    {
      storage_container_name_release (st, new_name, id);
      return -1;
    }
  storage_container_name_release (st, old, id);
  return 0;
}
