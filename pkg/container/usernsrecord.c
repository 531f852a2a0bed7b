/* A container's user namespace settings as its record keeps them and
   inspect shows them; usernsmode.c makes them at create.  Apart, so
   that nook-monitor, which reads records, does not take in create's
   lookups of the user through NSS (keep-id).  */
#include "container/internal.h"

#include <string.h>

static const char *const kind_names[] = { "host", "keep-id", "nomap", "auto", "mapped" };

const char *
container_userns_kind_name (enum container_userns_kind kind)
{
  return kind_names[kind];
}

void
container_userns_free (struct container_userns *u)
{
  free ((char *)u->mode);
  strv_free (u->uidmap);
  strv_free (u->gidmap);
  free (u->passwd);
  free (u->group);
  memset (u, 0, sizeof (*u));
}

bool
container_userns_private (const struct container_userns *u)
{
  return u->kind != CONTAINER_USERNS_HOST;
}

/* ---- the record ---- */

static char **
map_strv (const struct userns_map *m)
{
  char **v = xzalloc (sizeof (char *));
  for (size_t i = 0; i < m->n; i++)
    strv_push (&v, xasprintf ("%u:%u:%u", m->r[i].inside, m->r[i].outside, m->r[i].count));
  return v;
}

void
container_userns_write (struct json_gen *g, const struct container_userns *u)
{
  _cleanup_strv_ char **uids = map_strv (&u->uids);
  _cleanup_strv_ char **gids = map_strv (&u->gids);

  json_gen_key (g, "userns");
  json_gen_object_open (g);
  json_gen_kv_string (g, "kind", kind_names[u->kind]);
  if (u->mode)
    json_gen_kv_string (g, "mode", u->mode);
  json_gen_kv_strv (g, "uidmap", u->uidmap ? u->uidmap : (char *[]){ NULL });
  json_gen_kv_strv (g, "gidmap", u->gidmap ? u->gidmap : (char *[]){ NULL });
  json_gen_kv_strv (g, "uids", uids);
  json_gen_kv_strv (g, "gids", gids);
  if (u->passwd)
    json_gen_kv_string (g, "passwd", u->passwd);
  if (u->group)
    json_gen_kv_string (g, "group", u->group);
  json_gen_object_close (g);
}

static int
read_map (const nook_json *j, const char *key, const char *field, struct userns_map *m,
          nook_error_t *err)
{
  _cleanup_strv_ char **v = NULL;

  memset (m, 0, sizeof (*m));
  if (json_get_strv (j, key, field, false, &v, err) < 0)
    return -1;
  for (size_t i = 0; v && v[i]; i++)
    {
      unsigned a, b, c;
      int used = 0;
      if (sscanf (v[i], "%u:%u:%u%n", &a, &b, &c, &used) != 3 || v[i][used] != '\0'
          || m->n == USERNS_MAX_RANGES)
        return nook_error (err, 0, "invalid %s `%s`", field, v[i]);
      userns_map_add (m, a, b, c);
    }
  return 0;
}

static int
read_string (const nook_json *j, const char *key, const char *field, char **out, nook_error_t *err)
{
  const char *s = NULL;

  if (json_get_str (j, key, field, false, &s, err) < 0)
    return -1;
  *out = s ? xstrdup (s) : NULL;
  return 0;
}

int
container_userns_read (const nook_json *top, struct container_userns *u, nook_error_t *err)
{
  nook_json *j = NULL;
  _cleanup_free_ char *kind = NULL, *mode = NULL;

  memset (u, 0, sizeof (*u));
  if (json_get_object (top, "userns", "userns", false, &j, err) < 0)
    return -1;
  if (j == NULL)
    return 0;
  if (read_string (j, "kind", "userns.kind", &kind, err) < 0
      || read_string (j, "mode", "userns.mode", &mode, err) < 0
      || json_get_strv (j, "uidmap", "userns.uidmap", false, &u->uidmap, err) < 0
      || json_get_strv (j, "gidmap", "userns.gidmap", false, &u->gidmap, err) < 0
      || read_map (j, "uids", "userns.uids", &u->uids, err) < 0
      || read_map (j, "gids", "userns.gids", &u->gids, err) < 0
      || read_string (j, "passwd", "userns.passwd", &u->passwd, err) < 0
      || read_string (j, "group", "userns.group", &u->group, err) < 0)
    goto fail;
  u->mode = steal_pointer (&mode);
  for (size_t i = 0; i < NOOK_ARRAY_SIZE (kind_names); i++)
    if (str_eq (kind, kind_names[i]))
      {
        u->kind = (enum container_userns_kind)i;
        if (u->kind != CONTAINER_USERNS_HOST && (u->uids.n == 0 || u->gids.n == 0))
          break;
        return 0;
      }
  nook_error (err, 0, "invalid userns `%s` in the record", kind ? kind : "");
fail:
  container_userns_free (u);
  return -1;
}

void
container_userns_inspect (struct json_gen *g, const struct container_userns *u)
{
  _cleanup_strv_ char **uids = NULL, **gids = NULL;

  /* Podman 4 says "private" for a namespace made with mappings, and
     nothing for host and (oddly) auto.  */
  json_gen_kv_string (
      g, "UsernsMode",
      u->kind == CONTAINER_USERNS_HOST || u->kind == CONTAINER_USERNS_AUTO ? "" : "private");
  if (!container_userns_private (u))
    return;
  uids = map_strv (&u->uids);
  gids = map_strv (&u->gids);
  json_gen_key (g, "IDMappings");
  json_gen_object_open (g);
  json_gen_kv_strv (g, "UidMap", uids);
  json_gen_kv_strv (g, "GidMap", gids);
  json_gen_object_close (g);
}
