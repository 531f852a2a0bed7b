/* pkg/image references: the distribution/reference grammar, normalizing,
   local names and ID prefixes.  */
#include "unit.h"

#include "image/image.h"

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* Parse S and compare every part (NULL: unset).  */
static void
check_parse (const char *s, const char *domain, const char *path, const char *tag,
             const char *digest, const char *file, int line)
{
  struct image_ref ref;
  nook_error_t err = NULL;
  bool ok = true;

  if (image_ref_parse (s, &ref, &err) < 0)
    {
      unit_fail_ (file, line, "image_ref_parse (\"%s\") failed: %s", s, err ? err->msg : "?");
      nook_error_free (&err);
      return;
    }
  ok &= unit_check_str_ (ref.domain, domain, file, line, "domain", domain ? domain : "NULL");
  ok &= unit_check_str_ (ref.path, path, file, line, "path", path);
  ok &= unit_check_str_ (ref.tag, tag, file, line, "tag", tag ? tag : "NULL");
  ok &= unit_check_str_ (ref.digest, digest, file, line, "digest", digest ? digest : "NULL");
  if (!ok)
    unit_note ("  parsing \"%s\"", s);
  image_ref_free (&ref);
  CHECK (ref.domain == NULL && ref.path == NULL && ref.tag == NULL && ref.digest == NULL);
}
#define CHECK_PARSE(s, d, p, t, g) check_parse ((s), (d), (p), (t), (g), __FILE__, __LINE__)

static void
check_invalid (const char *s, const char *file, int line)
{
  struct image_ref ref;
  nook_error_t err = NULL;

  if (image_ref_parse (s, &ref, &err) >= 0)
    {
      _cleanup_free_ char *str = image_ref_string (&ref);
      unit_fail_ (file, line, "image_ref_parse (\"%.80s\") succeeded: %s", s, str);
      image_ref_free (&ref);
      return;
    }
  if (err == NULL)
    unit_fail_ (file, line, "image_ref_parse (\"%.80s\") failed without an error", s);
  else if (strstr (err->msg, "invalid reference format") == NULL)
    unit_fail_ (file, line, "image_ref_parse (\"%.80s\"): unexpected message: %s", s, err->msg);
  nook_error_free (&err);
  /* A failed parse leaves nothing to free.  */
  if (ref.domain || ref.path || ref.tag || ref.digest)
    unit_fail_ (file, line, "image_ref_parse (\"%.80s\") failed but left fields set", s);
}
#define CHECK_INVALID(s) check_invalid ((s), __FILE__, __LINE__)

/* Parse S, normalize with DOMAIN, compare the string.  */
static void
check_normalized (const char *s, const char *domain, const char *want, const char *file, int line)
{
  struct image_ref ref;
  nook_error_t err = NULL;
  char *str;

  if (image_ref_parse (s, &ref, &err) < 0)
    {
      unit_fail_ (file, line, "image_ref_parse (\"%s\") failed: %s", s, err ? err->msg : "?");
      nook_error_free (&err);
      return;
    }
  image_ref_normalize (&ref, domain);
  str = image_ref_string (&ref);
  if (!unit_check_str_ (str, want, file, line, "image_ref_string", want))
    unit_note ("  normalizing \"%s\" with domain %s", s, domain);
  free (str);
  image_ref_free (&ref);
}
#define CHECK_NORMALIZED(s, d, w) check_normalized ((s), (d), (w), __FILE__, __LINE__)

static void
check_local (const char *s, const char *want, const char *file, int line)
{
  nook_error_t err = NULL;
  char *out = NULL;

  if (image_ref_local_name (s, &out, &err) < 0)
    {
      unit_fail_ (file, line, "image_ref_local_name (\"%s\") failed: %s", s, err ? err->msg : "?");
      nook_error_free (&err);
      return;
    }
  unit_check_str_ (out, want, file, line, s, want);
  free (out);
}
#define CHECK_LOCAL(s, w) check_local ((s), (w), __FILE__, __LINE__)

TEST (parse_short_names)
{
  CHECK_PARSE ("busybox", NULL, "busybox", NULL, NULL);
  CHECK_PARSE ("busybox:1.36", NULL, "busybox", "1.36", NULL);
  CHECK_PARSE ("library/busybox", NULL, "library/busybox", NULL, NULL);
  CHECK_PARSE ("a/b/c/d:v1", NULL, "a/b/c/d", "v1", NULL);
  CHECK_PARSE ("busybox:_x", NULL, "busybox", "_x", NULL);
  CHECK_PARSE ("busybox:Latest-1.2_3", NULL, "busybox", "Latest-1.2_3", NULL);
  /* "localhost:5000" with no slash is the image "localhost", tag "5000".  */
  CHECK_PARSE ("localhost:5000", NULL, "localhost", "5000", NULL);
}

TEST (parse_domains)
{
  CHECK_PARSE ("docker.io/busybox", "docker.io", "busybox", NULL, NULL);
  CHECK_PARSE ("localhost/x", "localhost", "x", NULL, NULL);
  CHECK_PARSE ("localhost:5000/a/b:tag", "localhost:5000", "a/b", "tag", NULL);
  CHECK_PARSE ("127.0.0.1:5000/x", "127.0.0.1:5000", "x", NULL, NULL);
  CHECK_PARSE ("quay.io/org/img@sha256:" HEX64, "quay.io", "org/img", NULL, "sha256:" HEX64);
  CHECK_PARSE ("quay.io/org/img:v2@sha256:" HEX64, "quay.io", "org/img", "v2", "sha256:" HEX64);
  CHECK_PARSE ("my-registry.example.com:443/team/app:1", "my-registry.example.com:443", "team/app",
               "1", NULL);
  /* A first component with a capital is a host, as in distribution.  */
  CHECK_PARSE ("Registry/x", "Registry", "x", NULL, NULL);
  /* With a "." the first component is a domain, not a path component.  */
  CHECK_PARSE ("a.b/c", "a.b", "c", NULL, NULL);
}

TEST (parse_separators)
{
  CHECK_PARSE ("a.b", NULL, "a.b", NULL, NULL);
  CHECK_PARSE ("a_b", NULL, "a_b", NULL, NULL);
  CHECK_PARSE ("a__b", NULL, "a__b", NULL, NULL);
  CHECK_PARSE ("a-b", NULL, "a-b", NULL, NULL);
  CHECK_PARSE ("a---b", NULL, "a---b", NULL, NULL);
  CHECK_PARSE ("a1.b2_c3__d4-e5", NULL, "a1.b2_c3__d4-e5", NULL, NULL);
  CHECK_PARSE ("0", NULL, "0", NULL, NULL);
}

TEST (parse_invalid)
{
  CHECK_INVALID ("");
  CHECK_INVALID ("UPPER");
  CHECK_INVALID ("busyBox");
  CHECK_INVALID ("a:");
  CHECK_INVALID (":tag");
  CHECK_INVALID ("a//b");
  CHECK_INVALID ("/a");
  CHECK_INVALID ("a/");
  CHECK_INVALID ("-a");
  CHECK_INVALID ("a-");
  CHECK_INVALID ("a.");
  CHECK_INVALID (".a");
  CHECK_INVALID ("a..b");
  CHECK_INVALID ("a___b");
  CHECK_INVALID ("a_-b");
  CHECK_INVALID ("a b");
  CHECK_INVALID ("a:tag with space");
  CHECK_INVALID ("a:-tag");
  CHECK_INVALID ("a:.tag");
  CHECK_INVALID ("a:tag:tag2");
  CHECK_INVALID ("localhost:/x");
  CHECK_INVALID ("localhost:50a0/x");
  CHECK_INVALID ("-host.io/x");
  CHECK_INVALID ("host-.io/x");
  CHECK_INVALID ("ho_st.io/x");
  CHECK_INVALID ("docker.io/");
  CHECK_INVALID ("docker.io/UPPER");
}

TEST (parse_lengths)
{
  char tag[200], name[300], *s;

  /* A tag of 128 characters is the longest allowed.  */
  memset (tag, 'a', 128);
  tag[128] = '\0';
  s = unit_fmt ("busybox:%s", tag);
  CHECK_PARSE (s, NULL, "busybox", tag, NULL);
  tag[128] = 'a';
  tag[129] = '\0';
  CHECK_INVALID (unit_fmt ("busybox:%s", tag));

  /* Names up to 255 characters, domain included.  */
  memset (name, 'a', 255);
  name[255] = '\0';
  CHECK_PARSE (name, NULL, name, NULL, NULL);
  name[255] = 'a';
  name[256] = '\0';
  CHECK_INVALID (name);
  s = unit_fmt ("example.com/%.*s", 255 - 12, name);
  CHECK (strlen (s) == 255);
  CHECK_PARSE (s, "example.com", s + 12, NULL, NULL);
  CHECK_INVALID (unit_fmt ("example.com/%.*s", 256 - 12, name));
  /* The tag does not count toward the name's length.  */
  name[255] = '\0';
  CHECK_PARSE (unit_fmt ("%s:v1", name), NULL, name, "v1", NULL);
}

TEST (parse_bad_digests)
{
  nook_error_t err = NULL;
  struct image_ref ref;

  CHECK_INVALID ("a@sha256:zz");
  CHECK_INVALID ("a@sha256:" HEX64 "0");
  CHECK_INVALID ("a@sha256:0123456789abcdef");
  CHECK_INVALID ("a@sha512:" HEX64 HEX64);
  CHECK_INVALID ("a@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef");
  CHECK_INVALID ("a@");
  CHECK_INVALID ("a@" HEX64);
  CHECK_INVALID ("@sha256:" HEX64);
  CHECK_INVALID ("a@sha256:" HEX64 "@sha256:" HEX64);
  /* The message names the reference and why.  */
  CHECK_FAIL (image_ref_parse ("a@sha512:" HEX64 HEX64, &ref, &err), &err, "sha256");
  CHECK_FAIL (image_ref_parse ("a@sha256:zz", &ref, &err), &err, "a@sha256:zz");
}

TEST (normalize)
{
  CHECK_NORMALIZED ("busybox", "docker.io", "docker.io/library/busybox:latest");
  CHECK_NORMALIZED ("docker.io/busybox", "docker.io", "docker.io/library/busybox:latest");
  CHECK_NORMALIZED ("docker.io/library/busybox", "docker.io", "docker.io/library/busybox:latest");
  CHECK_NORMALIZED ("docker.io/org/app:1", "docker.io", "docker.io/org/app:1");
  CHECK_NORMALIZED ("library/busybox:1.36", "docker.io", "docker.io/library/busybox:1.36");
  CHECK_NORMALIZED ("busybox", "quay.io", "quay.io/busybox:latest");
  CHECK_NORMALIZED ("localhost:5000/a/b:tag", "docker.io", "localhost:5000/a/b:tag");
  /* A digest without a tag gets no ":latest".  */
  CHECK_NORMALIZED ("quay.io/org/img@sha256:" HEX64, "docker.io", "quay.io/org/img@sha256:" HEX64);
  CHECK_NORMALIZED ("busybox@sha256:" HEX64, "docker.io",
                    "docker.io/library/busybox@sha256:" HEX64);
  CHECK_NORMALIZED ("img:v2@sha256:" HEX64, "localhost", "localhost/img:v2@sha256:" HEX64);
}

TEST (string_and_repository)
{
  struct image_ref ref;
  nook_error_t err = NULL;

  if (!CHECK_OK (image_ref_parse ("quay.io/org/img:v2@sha256:" HEX64, &ref, &err), &err))
    return;
  CHECK_STR_EQ (unit_keep (image_ref_string (&ref)), "quay.io/org/img:v2@sha256:" HEX64);
  CHECK_STR_EQ (unit_keep (image_ref_repository (&ref)), "quay.io/org/img");
  image_ref_free (&ref);
  if (!CHECK_OK (image_ref_parse ("busybox", &ref, &err), &err))
    return;
  CHECK_STR_EQ (unit_keep (image_ref_string (&ref)), "busybox");
  CHECK_STR_EQ (unit_keep (image_ref_repository (&ref)), "busybox");
  image_ref_free (&ref);
  image_ref_free (&ref); /* twice is fine */
}

TEST (local_name)
{
  nook_error_t err = NULL;
  char *out = NULL;

  CHECK_LOCAL ("busybox", "localhost/busybox:latest");
  CHECK_LOCAL ("busybox:1.36", "localhost/busybox:1.36");
  CHECK_LOCAL ("library/busybox", "localhost/library/busybox:latest");
  CHECK_LOCAL ("localhost/x", "localhost/x:latest");
  CHECK_LOCAL ("docker.io/busybox", "docker.io/library/busybox:latest");
  CHECK_LOCAL ("quay.io/org/img:v1", "quay.io/org/img:v1");
  CHECK_LOCAL ("img@sha256:" HEX64, "localhost/img@sha256:" HEX64);
  CHECK_FAIL (image_ref_local_name ("Bad", &out, &err), &err, "invalid reference format");
  CHECK (out == NULL);
  CHECK_FAIL (image_ref_local_name ("", &out, &err), &err, "invalid reference format");
  CHECK (out == NULL);
}

TEST (id_prefix)
{
  CHECK (image_is_id_prefix ("a"));
  CHECK (image_is_id_prefix ("0123abc"));
  CHECK (image_is_id_prefix (HEX64));
  CHECK (!image_is_id_prefix (""));
  CHECK (!image_is_id_prefix (HEX64 "0"));
  CHECK (!image_is_id_prefix ("ABC"));
  CHECK (!image_is_id_prefix ("busybox"));
  CHECK (!image_is_id_prefix ("abc:latest"));
  CHECK (!image_is_id_prefix ("sha256:abc"));
}

UNIT_MAIN ()
