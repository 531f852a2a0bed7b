/* Image references, by the grammar of distribution/reference:

     reference := name [ ":" tag ] [ "@" digest ]
     name      := [ domain "/" ] component ( "/" component )*
     domain    := host [ ":" port ]   (has "." or ":", or is "localhost")
     component := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
     tag       := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
*/
#include "image/image.h"

#include <ctype.h>
#include <string.h>

#define NAME_MAX_LEN 255

static bool
is_alnum_lower (char c)
{
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool
valid_component (const char *s, size_t len)
{
  size_t i = 0;

  if (len == 0 || !is_alnum_lower (s[0]) || !is_alnum_lower (s[len - 1]))
    return false;
  while (i < len)
    {
      if (is_alnum_lower (s[i]))
        {
          i++;
          continue;
        }
      /* a separator: ".", "_", "__" or a run of "-" */
      if (s[i] == '.')
        i++;
      else if (s[i] == '_')
        i += (i + 1 < len && s[i + 1] == '_') ? 2 : 1;
      else if (s[i] == '-')
        while (i < len && s[i] == '-')
          i++;
      else
        return false;
      if (i >= len || !is_alnum_lower (s[i]))
        return false;
    }
  return true;
}

static bool
valid_host_label (const char *s, size_t len)
{
  if (len == 0 || !isalnum ((unsigned char)s[0]) || !isalnum ((unsigned char)s[len - 1]))
    return false;
  for (size_t i = 0; i < len; i++)
    if (!isalnum ((unsigned char)s[i]) && s[i] != '-')
      return false;
  return true;
}

/* host ( "." host )* [ ":" port ], host labels as in DNS.  */
static bool
valid_domain (const char *s, size_t len)
{
  const char *colon = memchr (s, ':', len);
  size_t host = colon ? (size_t)(colon - s) : len;
  size_t start = 0;

  if (colon)
    {
      if (host + 1 == len)
        return false;
      for (size_t i = host + 1; i < len; i++)
        if (!isdigit ((unsigned char)s[i]))
          return false;
    }
  for (size_t i = 0; i <= host; i++)
    if (i == host || s[i] == '.')
      {
        if (!valid_host_label (s + start, i - start))
          return false;
        start = i + 1;
      }
  return true;
}

static bool
valid_tag (const char *s)
{
  size_t len = strlen (s);
  if (len == 0 || len > 128 || !(isalnum ((unsigned char)s[0]) || s[0] == '_'))
    return false;
  for (size_t i = 1; i < len; i++)
    if (!(isalnum ((unsigned char)s[i]) || s[i] == '_' || s[i] == '.' || s[i] == '-'))
      return false;
  return true;
}

static int
bad (nook_error_t *err, const char *s, const char *why)
{
  return nook_error (err, 0, "invalid reference format `%s`: %s", s, why);
}

int
image_ref_parse (const char *s, struct image_ref *ref, nook_error_t *err)
{
  _cleanup_free_ char *name = NULL;
  const char *at = strchr (s, '@');
  const char *slash, *colon, *p;

  memset (ref, 0, sizeof (*ref));
  if (*s == '\0')
    return bad (err, s, "empty");
  if (at)
    {
      const char *hex;
      if (nook_digest_hex (at + 1, &hex, err) < 0)
        return nook_error_prefix (err, "invalid reference format `%s`", s);
      ref->digest = xstrdup (at + 1);
      name = xstrndup (s, (size_t)(at - s));
    }
  else
    name = xstrdup (s);

  /* The tag is after the last ':' that follows the last '/'.  */
  slash = strrchr (name, '/');
  colon = strrchr (slash ? slash : name, ':');
  if (colon)
    {
      if (!valid_tag (colon + 1))
        return image_ref_free (ref), bad (err, s, "invalid tag");
      ref->tag = xstrdup (colon + 1);
      name[colon - name] = '\0';
    }
  if (strlen (name) > NAME_MAX_LEN)
    return image_ref_free (ref), bad (err, s, "name longer than 255 characters");

  /* The first component is a domain when it looks like a host.  */
  slash = strchr (name, '/');
  if (slash)
    {
      size_t len = (size_t)(slash - name);
      bool host = memchr (name, '.', len) || memchr (name, ':', len)
                  || (len == 9 && strncmp (name, "localhost", 9) == 0);
      for (size_t i = 0; i < len && !host; i++)
        host = isupper ((unsigned char)name[i]);
      if (host)
        {
          if (!valid_domain (name, len))
            return image_ref_free (ref), bad (err, s, "invalid domain");
          ref->domain = xstrndup (name, len);
          memmove (name, slash + 1, strlen (slash + 1) + 1);
        }
    }
  for (p = name;;)
    {
      const char *end = strchr (p, '/');
      size_t len = end ? (size_t)(end - p) : strlen (p);
      if (!valid_component (p, len))
        return image_ref_free (ref),
               bad (err, s, "repository name must be lowercase letters, digits and separators");
      if (end == NULL)
        break;
      p = end + 1;
    }
  ref->path = steal_pointer (&name);
  return 0;
}

void
image_ref_free (struct image_ref *ref)
{
  free (ref->domain);
  free (ref->path);
  free (ref->tag);
  free (ref->digest);
  memset (ref, 0, sizeof (*ref));
}

void
image_ref_normalize (struct image_ref *ref, const char *domain)
{
  if (ref->domain == NULL)
    ref->domain = xstrdup (domain);
  if (strcmp (ref->domain, "docker.io") == 0 && strchr (ref->path, '/') == NULL)
    {
      char *p = xasprintf ("library/%s", ref->path);
      free (ref->path);
      ref->path = p;
    }
  if (ref->tag == NULL && ref->digest == NULL)
    ref->tag = xstrdup ("latest");
}

char *
image_ref_repository (const struct image_ref *ref)
{
  if (ref->domain)
    return xasprintf ("%s/%s", ref->domain, ref->path);
  return xstrdup (ref->path);
}

char *
image_ref_string (const struct image_ref *ref)
{
  _cleanup_free_ char *repo = image_ref_repository (ref);
  return xasprintf ("%s%s%s%s%s", repo, ref->tag ? ":" : "", ref->tag ? ref->tag : "",
                    ref->digest ? "@" : "", ref->digest ? ref->digest : "");
}

int
image_ref_local_name (const char *s, char **out, nook_error_t *err)
{
  struct image_ref ref;
  if (image_ref_parse (s, &ref, err) < 0)
    return -1;
  image_ref_normalize (&ref, "localhost");
  *out = image_ref_string (&ref);
  image_ref_free (&ref);
  return 0;
}

bool
image_is_id_prefix (const char *s)
{
  size_t len = strlen (s);
  return len >= 1 && len <= 64 && nook_is_hex (s, len);
}
