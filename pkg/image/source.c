/* Image sources: where images come from, reduced to one shape: a
   directory of blobs named by their sha256 (each verified against its
   digest before anything reads it) and, per image, its manifest's bytes,
   digest and names.

   - oci-archive and docker-archive: the tar is staged whole (members may
     come in any order), hashing every member as it is copied.
   - an OCI image layout directory: the blobs one image needs are copied in
     with the same verification.
   A docker-archive has no manifest of its own: one is written (Docker
   schema 2, uncompressed layers), as containers/image does.  */
#include "image/image.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#define SMALL_MAX    (4 << 20)
#define OCI_REF_NAME "org.opencontainers.image.ref.name"

void
image_source_free (struct image_source *src)
{
  nook_closep (&src->dirfd);
  for (size_t i = 0; i < src->n; i++)
    {
      free (src->images[i].manifest);
      strv_free (src->images[i].names);
    }
  free (src->images);
  memset (src, 0, sizeof (*src));
  src->dirfd = -1;
}

static void
archive_freep (struct archive **a)
{
  if (*a)
    archive_read_free (*a);
}

/* ---- staging: copy while hashing ---- */

typedef ssize_t (*read_fn) (void *data, void *buf, size_t len);

/* Copy from READ into WORKDIR/<sha256>.  With WANT (64 hex) the content
   must hash to it; otherwise its digest is returned in GOT.  */
static int
stage_stream (read_fn read, void *data, int workdir, const char *want, char got[65],
              nook_error_t *err)
{
  char part[80];
  _cleanup_free_ unsigned char *buf = xmalloc (1 << 16);
  _cleanup_close_ int fd = -1;
  struct nook_sha256 sha = { 0 };
  char rnd[17];
  ssize_t n;

  if (nook_random_hex (rnd, 8, err) < 0)
    return -1;
  snprintf (part, sizeof (part), ".part-%s", rnd);
  fd = openat (workdir, part, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0)
    return nook_error (err, errno, "stage a blob");
  if (nook_sha256_init (&sha, err) < 0)
    goto fail;
  while ((n = read (data, buf, 1 << 16)) > 0)
    {
      nook_sha256_update (&sha, buf, (size_t)n);
      if (nook_write_all (fd, buf, (size_t)n) < 0)
        {
          nook_error (err, errno, "stage a blob");
          goto fail;
        }
    }
  if (n < 0)
    {
      if (*err == NULL)
        nook_error (err, errno, "read a blob");
      goto fail;
    }
  nook_sha256_final (&sha, got);
  if (want && strcmp (got, want) != 0)
    {
      nook_error (err, 0, "blob sha256:%s: content does not match its digest (it is sha256:%s)",
                  want, got);
      goto fail;
    }
  if (renameat (workdir, part, workdir, got) < 0)
    {
      nook_error (err, errno, "stage blob sha256:%s", got);
      goto fail;
    }
  return 0;

fail:
  nook_sha256_free (&sha);
  unlinkat (workdir, part, 0);
  return -1;
}

struct archive_reader
{
  struct archive *a;
  nook_error_t *err;
};

static ssize_t
read_archive (void *data, void *buf, size_t len)
{
  struct archive_reader *r = data;
  la_ssize_t n = archive_read_data (r->a, buf, len);
  if (n < 0)
    nook_error (r->err, 0, "read archive: %s", archive_error_string (r->a));
  return n;
}

static ssize_t
read_fd (void *data, void *buf, size_t len)
{
  int fd = *(int *)data;
  ssize_t n;
  do
    n = read (fd, buf, len);
  while (n < 0 && errno == EINTR);
  return n;
}

static int
read_small (struct archive *a, const char *name, char **out, size_t *len, nook_error_t *err)
{
  struct nook_buf b = { 0 };
  char buf[8192];
  la_ssize_t n;

  while ((n = archive_read_data (a, buf, sizeof (buf))) > 0)
    {
      nook_buf_append (&b, buf, (size_t)n);
      if (b.len > SMALL_MAX)
        {
          nook_buf_free (&b);
          return nook_error (err, 0, "`%s` in the archive is larger than %d MiB", name,
                             SMALL_MAX >> 20);
        }
    }
  if (n < 0)
    {
      nook_buf_free (&b);
      return nook_error (err, 0, "read `%s`: %s", name, archive_error_string (a));
    }
  free (*out);
  *len = b.len;
  *out = nook_buf_steal (&b);
  return 0;
}

/* ---- the tar of an archive ---- */

struct staged_tar
{
  char *index; /* index.json (oci-archive) */
  size_t index_len;
  char *manifest; /* manifest.json (docker-archive) */
  size_t manifest_len;
  char **paths;        /* every other regular member ... */
  char **digests;      /* ... and the hex digest it was staged under */
  char **link_paths;   /* symbolic links (docker save < 25 writes a layer */
  char **link_targets; /* saved twice as one): target joined to their dir */
};

static void
staged_tar_free (struct staged_tar *t)
{
  free (t->index);
  free (t->manifest);
  strv_free (t->paths);
  strv_free (t->digests);
  strv_free (t->link_paths);
  strv_free (t->link_targets);
}

/* "a/b/c" from { "a", "b", "c" }.  */
static char *
comps_join (char **comps)
{
  struct nook_buf path = { 0 };

  for (size_t i = 0; comps[i]; i++)
    {
      if (i)
        nook_buf_putc (&path, '/');
      nook_buf_puts (&path, comps[i]);
    }
  return path.data ? nook_buf_steal (&path) : xstrdup ("");
}

/* Remember symbolic link NAME -> TARGET, with TARGET made relative to the
   archive's root but not cleaned: a lookup refuses one that leaves it.  */
static int
note_link (const char *name, const char *target, struct staged_tar *t, nook_error_t *err)
{
  _cleanup_strv_ char **comps = NULL;
  _cleanup_free_ char *path = NULL;
  const char *slash;

  if (target == NULL)
    return 0;
  if (nook_path_clean (name, &comps, err) < 0)
    return -1;
  path = comps_join (comps);
  slash = strrchr (path, '/');
  strv_push (&t->link_targets, target[0] == '/' || slash == NULL
                                   ? xstrdup (target)
                                   : xasprintf ("%.*s/%s", (int)(slash - path), path, target));
  strv_push (&t->link_paths, steal_pointer (&path));
  return 0;
}

static int
stage_member (struct archive *a, int workdir, char **comps, struct staged_tar *t, nook_error_t *err)
{
  struct archive_reader r = { a, err };
  size_t n = strv_len (comps);
  const char *want = NULL;
  char got[65];

  if (n == 1 && strcmp (comps[0], "index.json") == 0)
    return read_small (a, "index.json", &t->index, &t->index_len, err);
  if (n == 1 && strcmp (comps[0], "manifest.json") == 0)
    return read_small (a, "manifest.json", &t->manifest, &t->manifest_len, err);
  if (n == 1 && (strcmp (comps[0], "oci-layout") == 0 || strcmp (comps[0], "repositories") == 0))
    return 0;
  if (n == 3 && strcmp (comps[0], "blobs") == 0 && strcmp (comps[1], "sha256") == 0
      && nook_is_hex (comps[2], 64))
    want = comps[2];
  if (stage_stream (read_archive, &r, workdir, want, got, err) < 0)
    return -1;
  strv_push (&t->paths, comps_join (comps));
  strv_push (&t->digests, xstrdup (got));
  return 0;
}

static int
stage_tar (int fd, int workdir, struct staged_tar *t, nook_error_t *err)
{
  __attribute__ ((cleanup (archive_freep))) struct archive *a = archive_read_new ();
  struct archive_entry *e;
  int r;

  archive_read_support_filter_gzip (a);
  archive_read_support_filter_zstd (a);
  archive_read_support_format_tar (a);
  if (archive_read_open_fd (a, fd, 1 << 16) != ARCHIVE_OK)
    return nook_error (err, 0, "not an image archive: %s", archive_error_string (a));
  t->paths = xzalloc (sizeof (char *));
  t->digests = xzalloc (sizeof (char *));
  t->link_paths = xzalloc (sizeof (char *));
  t->link_targets = xzalloc (sizeof (char *));
  while ((r = archive_read_next_header (a, &e)) != ARCHIVE_EOF)
    {
      _cleanup_strv_ char **comps = NULL;
      const char *name = archive_entry_pathname (e);

      if (r < ARCHIVE_WARN)
        return nook_error (err, 0, "not an image archive: %s", archive_error_string (a));
      if (name && archive_entry_filetype (e) == AE_IFLNK
          && note_link (name, archive_entry_symlink (e), t, err) < 0)
        return -1;
      if (name == NULL || archive_entry_filetype (e) != AE_IFREG)
        continue;
      if (nook_path_clean (name, &comps, err) < 0 || stage_member (a, workdir, comps, t, err) < 0)
        return -1;
    }
  return 0;
}

/* ---- images of an OCI index ---- */

/* Make sure blob D is in the staging dir: FETCH copies it in (an OCI
   directory), or is NULL when everything was staged already.  */
struct fetcher
{
  int (*fetch) (void *data, int workdir, const struct image_descriptor *d, nook_error_t *err);
  void *data;
};

static int
ensure_blob (const struct fetcher *f, int workdir, const struct image_descriptor *d,
             nook_error_t *err)
{
  return f->fetch ? f->fetch (f->data, workdir, d, err) : 0;
}

static void
source_add (struct image_source *src, char *manifest, size_t len, const char *digest, char **names)
{
  struct image_source_image *img;

  src->images = xrealloc (src->images, sizeof (*src->images) * (src->n + 1));
  img = &src->images[src->n++];
  img->manifest = manifest;
  img->manifest_len = len;
  snprintf (img->digest, sizeof (img->digest), "%s", digest);
  img->names = names ? names : xzalloc (sizeof (char *));
}

static int
read_staged (int workdir, const struct image_descriptor *d, char **out, size_t *len,
             nook_error_t *err)
{
  const char *hex;
  struct stat st;

  if (nook_digest_hex (d->digest, &hex, err) < 0)
    return -1;
  if (fstatat (workdir, hex, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return nook_error (err, 0, "blob %s is missing from the image", d->digest);
  if (st.st_size != d->size)
    return nook_error (err, 0, "blob %s is %lld bytes, its descriptor says %lld", d->digest,
                       (long long)st.st_size, (long long)d->size);
  return nook_read_file_at (workdir, hex, SMALL_MAX, out, len, err);
}

/* The names an index entry gives its image: its ref.name annotation when
   that is a name (a bare tag like "latest" names no repository).  */
static char **
ref_names (const nook_json *desc)
{
  const char *ref = json_str (json_get (json_get (desc, "annotations"), OCI_REF_NAME));
  char **names = xzalloc (sizeof (char *));
  nook_error_t err = NULL;
  char *name;

  if (ref == NULL || (strchr (ref, '/') == NULL && strchr (ref, ':') == NULL))
    return names;
  if (image_ref_local_name (ref, &name, &err) < 0)
    nook_error_free (&err);
  else
    strv_push (&names, name);
  return names;
}

/* Add the image DESC points at (choosing the host's platform in a nested
   index), with its config and layers fetched.  */
static int
add_oci_image (struct image_source *src, const struct fetcher *f, const nook_json *jdesc,
               const struct image_descriptor *desc, nook_error_t *err)
{
  _cleanup_free_ char *text = NULL;
  struct image_descriptor chosen = { 0 };
  struct image_manifest m;
  size_t len;

  if (ensure_blob (f, src->dirfd, desc, err) < 0
      || read_staged (src->dirfd, desc, &text, &len, err) < 0)
    return -1;
  if (image_media_type_is_index (desc->media_type))
    {
      int r = image_index_choose (text, len, NULL, &chosen, err);
      free (steal_pointer (&text));
      if (r < 0 || ensure_blob (f, src->dirfd, &chosen, err) < 0
          || read_staged (src->dirfd, &chosen, &text, &len, err) < 0)
        {
          image_descriptor_free (&chosen);
          return -1;
        }
      desc = &chosen;
    }
  if (image_manifest_parse (text, len, &m, err) < 0)
    {
      image_descriptor_free (&chosen);
      return -1;
    }
  for (size_t i = 0; i <= m.n_layers; i++)
    if (ensure_blob (f, src->dirfd, i == m.n_layers ? &m.config : &m.layers[i], err) < 0)
      {
        image_manifest_free (&m);
        image_descriptor_free (&chosen);
        return -1;
      }
  image_manifest_free (&m);
  source_add (src, steal_pointer (&text), len, desc->digest, ref_names (jdesc));
  image_descriptor_free (&chosen);
  return 0;
}

/* TAG, when given, keeps only the entries whose ref.name is that tag (or
   a name ending in it), as `oci:DIR:TAG` selects.  */
static bool
tag_matches (const nook_json *desc, const char *tag)
{
  const char *ref = json_str (json_get (json_get (desc, "annotations"), OCI_REF_NAME));
  size_t lr, lt;

  if (tag == NULL)
    return true;
  if (ref == NULL)
    return false;
  lr = strlen (ref);
  lt = strlen (tag);
  return strcmp (ref, tag) == 0
         || (lr > lt && ref[lr - lt - 1] == ':' && strcmp (ref + lr - lt, tag) == 0);
}

static int
oci_images (struct image_source *src, const struct fetcher *f, const char *index, size_t len,
            const char *tag, nook_error_t *err)
{
  _cleanup_json_ nook_json *j = NULL;
  nook_json *manifests = NULL;

  if (json_parse (index, len, &j, err) < 0)
    return nook_error_prefix (err, "index.json");
  if (!json_is_object (j))
    return nook_error (err, 0, "index.json is not a JSON object");
  if (json_get_array (j, "manifests", "manifests", true, &manifests, err) < 0)
    return nook_error_prefix (err, "index.json");
  for (size_t i = 0; i < json_len (manifests); i++)
    {
      struct image_descriptor d;
      char field[48];
      int r;

      if (!tag_matches (json_at (manifests, i), tag))
        continue;
      snprintf (field, sizeof (field), "index.json manifests[%zu]", i);
      if (image_descriptor_parse (json_at (manifests, i), field, &d, err) < 0)
        return -1;
      r = add_oci_image (src, f, json_at (manifests, i), &d, err);
      image_descriptor_free (&d);
      if (r < 0)
        return -1;
    }
  if (src->n == 0)
    return tag ? nook_error (err, 0, "no image tagged `%s` in index.json", tag)
               : nook_error (err, 0, "index.json lists no image");
  return 0;
}

/* ---- images of a docker-archive manifest.json ---- */

#define MAX_LINKS 8

/* Whether PATH, relative to the archive's root, stays below it.  An
   absolute path, or one whose ".." climbs above the root, names no member:
   nook refuses it, as Podman does (Docker refuses the second), rather than
   clamp it to a member it does not name.  */
static bool
inside_archive (const char *path)
{
  long depth = 0;

  if (path[0] == '/')
    return false;
  for (const char *p = path; *p;)
    {
      size_t len = strcspn (p, "/");

      if (len == 2 && p[0] == '.' && p[1] == '.')
        {
          if (--depth < 0)
            return false;
        }
      else if (len > 0 && !(len == 1 && p[0] == '.'))
        depth++;
      p += len + (p[len] == '/');
    }
  return true;
}

/* The member PATH names, as CLEAN ("a/b"), or NULL with an error.  */
static char *
member_name (const char *path, const char *named, bool via_link, nook_error_t *err)
{
  _cleanup_strv_ char **comps = NULL;

  if (!inside_archive (path))
    {
      if (via_link)
        nook_error (err, 0,
                    "manifest.json names `%s`, a symbolic link out of the archive (to `%s`)", named,
                    path);
      else
        nook_error (err, 0, "manifest.json names `%s`, which is not a path inside the archive",
                    named);
      return NULL;
    }
  if (nook_path_clean (path, &comps, err) < 0)
    return NULL;
  return comps_join (comps);
}

/* The value of member NAME; of the last one, as tar extraction would
   leave it, when the archive holds it twice.  */
static const char *
find_member (char **paths, const char *name, char **values)
{
  const char *found = NULL;

  for (size_t i = 0; paths[i]; i++)
    if (strcmp (paths[i], name) == 0)
      found = values[i];
  return found;
}

/* The digest of the member PATH names, following symbolic links (as
   containers/image does, within the archive).  */
static const char *
staged_digest (const struct staged_tar *t, const char *path, nook_error_t *err)
{
  const char *p = path;

  for (int hops = 0; hops <= MAX_LINKS; hops++)
    {
      _cleanup_free_ char *name = member_name (p, path, hops > 0, err);
      const char *found;

      if (name == NULL)
        return NULL;
      if ((found = find_member (t->paths, name, t->digests)) != NULL)
        return found;
      if ((p = find_member (t->link_paths, name, t->link_targets)) == NULL)
        {
          nook_error (err, 0, "manifest.json names `%s`, which the archive does not hold", path);
          return NULL;
        }
    }
  nook_error (err, 0, "manifest.json names `%s`, a chain of more than %d symbolic links", path,
              MAX_LINKS);
  return NULL;
}

static int
staged_size (int workdir, const char *hex, int64_t *size, nook_error_t *err)
{
  struct stat st;
  if (fstatat (workdir, hex, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return nook_error (err, errno, "blob sha256:%s", hex);
  *size = st.st_size;
  return 0;
}

static void
gen_descriptor (struct json_gen *g, const char *media_type, const char *hex, int64_t size)
{
  _cleanup_free_ char *digest = xasprintf ("sha256:%s", hex);
  json_gen_object_open (g);
  json_gen_kv_string (g, "mediaType", media_type);
  json_gen_kv_int (g, "size", size);
  json_gen_kv_string (g, "digest", digest);
  json_gen_object_close (g);
}

/* Docker schema 2 manifest for one manifest.json entry.  */
static int
docker_manifest (int workdir, const struct staged_tar *t, const nook_json *entry, char **out,
                 size_t *len, nook_error_t *err)
{
  _cleanup_json_gen_ struct json_gen *g = json_gen_new (false);
  const char *config_path = NULL, *hex;
  nook_json *layers = NULL;
  int64_t size = 0;

  if (json_get_str (entry, "Config", "manifest.json Config", true, &config_path, err) < 0
      || json_get_array (entry, "Layers", "manifest.json Layers", true, &layers, err) < 0
      || (hex = staged_digest (t, config_path, err)) == NULL
      || staged_size (workdir, hex, &size, err) < 0)
    return -1;
  json_gen_object_open (g);
  json_gen_kv_int (g, "schemaVersion", 2);
  json_gen_kv_string (g, "mediaType", "application/vnd.docker.distribution.manifest.v2+json");
  json_gen_key (g, "config");
  gen_descriptor (g, "application/vnd.docker.container.image.v1+json", hex, size);
  json_gen_key (g, "layers");
  json_gen_array_open (g);
  for (size_t i = 0; i < json_len (layers); i++)
    {
      const char *p = json_str (json_at (layers, i));
      if (p == NULL)
        return nook_error (err, 0, "manifest.json Layers[%zu] is not a string", i);
      if ((hex = staged_digest (t, p, err)) == NULL || staged_size (workdir, hex, &size, err) < 0)
        return -1;
      /* docker save writes layers uncompressed; a compressed one is
         recognized when extracted, whatever the type says.  */
      gen_descriptor (g, "application/vnd.docker.image.rootfs.diff.tar", hex, size);
    }
  json_gen_array_close (g);
  json_gen_object_close (g);
  *out = xstrdup (json_gen_text (g, len));
  return 0;
}

/* RepoTags are Docker names: a short one lives on docker.io.  */
static char **
docker_names (const nook_json *entry)
{
  nook_json *tags = json_get (entry, "RepoTags");
  char **names = xzalloc (sizeof (char *));

  for (size_t i = 0; i < json_len (tags); i++)
    {
      const char *tag = json_str (json_at (tags, i));
      struct image_ref ref;
      nook_error_t err = NULL;
      if (tag == NULL || image_ref_parse (tag, &ref, &err) < 0)
        {
          nook_error_free (&err);
          continue;
        }
      image_ref_normalize (&ref, "docker.io");
      strv_push (&names, image_ref_string (&ref));
      image_ref_free (&ref);
    }
  return names;
}

static int
docker_images (struct image_source *src, const struct staged_tar *t, nook_error_t *err)
{
  _cleanup_json_ nook_json *j = NULL;

  if (json_parse (t->manifest, t->manifest_len, &j, err) < 0)
    return nook_error_prefix (err, "manifest.json");
  if (!json_is_array (j) || json_len (j) == 0)
    return nook_error (err, 0, "manifest.json lists no image");
  for (size_t i = 0; i < json_len (j); i++)
    {
      char *text = NULL;
      char hex[65], digest[72];
      size_t len;

      if (docker_manifest (src->dirfd, t, json_at (j, i), &text, &len, err) < 0)
        return -1;
      if (nook_sha256_hex (text, len, hex, err) < 0)
        {
          free (text);
          return -1;
        }
      snprintf (digest, sizeof (digest), "sha256:%s", hex);
      source_add (src, text, len, digest, docker_names (json_at (j, i)));
    }
  return 0;
}

/* ---- entry points ---- */

static int
source_init (struct image_source *src, int workdir, nook_error_t *err)
{
  memset (src, 0, sizeof (*src));
  src->dirfd = fcntl (workdir, F_DUPFD_CLOEXEC, 3);
  if (src->dirfd < 0)
    return nook_error (err, errno, "dup");
  return nook_lazy_load (&nook_lib_archive, err);
}

int
image_source_archive (const char *path, int workdir, struct image_source *src, nook_error_t *err)
{
  _cleanup_close_ int fd = -1;
  struct staged_tar t = { 0 };
  struct fetcher staged = { 0 };
  int r;

  if (source_init (src, workdir, err) < 0)
    return -1;
  fd = strcmp (path, "-") == 0 ? dup (STDIN_FILENO) : open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    r = nook_error (err, errno, "open `%s`", path);
  else if ((r = stage_tar (fd, workdir, &t, err)) == 0)
    {
      /* Docker 25 and later write manifest.json next to an OCI layout: the
         manifest.json holds the names.  */
      if (t.manifest)
        r = docker_images (src, &t, err);
      else if (t.index)
        r = oci_images (src, &staged, t.index, t.index_len, NULL, err);
      else
        r = nook_error (err, 0,
                        "not an image archive: it has neither index.json (oci-archive) "
                        "nor manifest.json (docker-archive)");
    }
  staged_tar_free (&t);
  if (r < 0)
    {
      image_source_free (src);
      return nook_error_prefix (err, "`%s`", path);
    }
  return 0;
}

struct oci_dir
{
  int dirfd;
};

static int
fetch_from_dir (void *data, int workdir, const struct image_descriptor *d, nook_error_t *err)
{
  struct oci_dir *dir = data;
  _cleanup_free_ char *path = NULL;
  _cleanup_close_ int fd = -1;
  const char *hex;
  char got[65];
  struct stat st;

  if (nook_digest_hex (d->digest, &hex, err) < 0)
    return -1;
  if (fstatat (workdir, hex, &st, AT_SYMLINK_NOFOLLOW) == 0)
    return 0;
  path = xasprintf ("blobs/sha256/%s", hex);
  fd = openat (dir->dirfd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return nook_error (err, errno == ENOENT ? 0 : errno, "blob %s is missing from the image",
                       d->digest);
  return stage_stream (read_fd, &fd, workdir, hex, got, err);
}

int
image_source_oci_dir (const char *dir, const char *tag, int workdir, struct image_source *src,
                      nook_error_t *err)
{
  struct oci_dir d = { .dirfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) };
  struct fetcher f = { fetch_from_dir, &d };
  _cleanup_free_ char *index = NULL;
  size_t len;
  int r;

  if (d.dirfd < 0)
    return nook_error (err, errno, "open `%s`", dir);
  r = source_init (src, workdir, err);
  if (r == 0)
    r = nook_read_file_at (d.dirfd, "index.json", SMALL_MAX, &index, &len, err);
  if (r == 0)
    r = oci_images (src, &f, index, len, tag, err);
  close (d.dirfd);
  if (r < 0)
    {
      image_source_free (src);
      return nook_error_prefix (err, "`%s`", dir);
    }
  return 0;
}

int
image_source_open (struct image_source *src, const struct image_descriptor *d, int *fd,
                   nook_error_t *err)
{
  const char *hex;
  struct stat st;

  if (nook_digest_hex (d->digest, &hex, err) < 0)
    return -1;
  *fd = openat (src->dirfd, hex, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (*fd < 0)
    return nook_error (err, errno == ENOENT ? 0 : errno, "blob %s is missing from the image",
                       d->digest);
  if (fstat (*fd, &st) < 0)
    return nook_error (err, errno, "stat blob %s", d->digest);
  if (st.st_size != d->size)
    {
      nook_closep (fd);
      return nook_error (err, 0, "blob %s is %lld bytes, its descriptor says %lld", d->digest,
                         (long long)st.st_size, (long long)d->size);
    }
  return 0;
}

int
image_source_read (struct image_source *src, const struct image_descriptor *d, size_t max,
                   char **out, size_t *len, nook_error_t *err)
{
  if ((size_t)d->size > max)
    return nook_error (err, EFBIG, "blob %s of %lld bytes", d->digest, (long long)d->size);
  return read_staged (src->dirfd, d, out, len, err);
}
