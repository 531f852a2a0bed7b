/* pkg/storage layer extraction (storage_apply_tar): contents, whiteouts,
   and hostile layers that try to leave the layer directory.  The tars are
   written here byte by byte (ustar, pax for long names), so nothing but
   the code under test interprets them.  */
#include "unit.h"

#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "storage/storage.h"

/* ---- a minimal tar writer ---- */

struct tar
{
  struct nook_buf b;
};

struct entry
{
  const char *name;
  char type; /* '0' file, '1' hardlink, '2' symlink, '3' chr, '4' blk, '5' dir, '6' fifo */
  mode_t mode;
  const char *link; /* linkname for '1' and '2' */
  const char *data;
  size_t len; /* of DATA; -1: strlen */
  int64_t mtime;
  unsigned major, minor;
  unsigned uid, gid;
  const char *xattr; /* "user.key=value", as a pax SCHILY.xattr record */
};

static void
tar_pad (struct tar *t)
{
  static const char zero[512];
  if (t->b.len % 512)
    nook_buf_append (&t->b, zero, 512 - t->b.len % 512);
}

/* V in octal, zero-padded to WIDTH - 1 digits and a NUL.  */
static void
octal (unsigned char *dst, size_t width, unsigned long long v)
{
  dst[width - 1] = '\0';
  for (size_t i = width - 1; i-- > 0; v >>= 3)
    dst[i] = (unsigned char)('0' + (v & 7));
}

static void
tar_header (struct tar *t, const char *name, char type, mode_t mode, unsigned uid, unsigned gid,
            size_t size, int64_t mtime, const char *link, unsigned major, unsigned minor)
{
  unsigned char h[512];
  unsigned sum = 0;

  memset (h, 0, sizeof (h));
  memcpy (h, name, strnlen (name, 100));
  octal (h + 100, 8, mode & 07777);
  octal (h + 108, 8, uid);
  octal (h + 116, 8, gid);
  octal (h + 124, 12, size);
  octal (h + 136, 12, (unsigned long long)mtime);
  memset (h + 148, ' ', 8);
  h[156] = (unsigned char)type;
  if (link)
    memcpy (h + 157, link, strnlen (link, 100));
  memcpy (h + 257, "ustar", 6);
  memcpy (h + 263, "00", 2);
  octal (h + 329, 8, major);
  octal (h + 337, 8, minor);
  for (size_t i = 0; i < sizeof (h); i++)
    sum += h[i];
  octal (h + 148, 7, sum);
  h[155] = ' ';
  nook_buf_append (&t->b, h, sizeof (h));
}

/* A pax header carrying KEY=VALUE for the entry that follows.  */
static void
tar_pax (struct tar *t, const char *key, const char *value)
{
  size_t base = strlen (key) + strlen (value) + 3; /* " " "=" "\n" */
  size_t len = base + 1;
  char *rec;
  /* The record's length counts its own digits.  */
  while (len != base + (size_t)snprintf (NULL, 0, "%zu", len))
    len = base + (size_t)snprintf (NULL, 0, "%zu", len);
  rec = xasprintf ("%zu %s=%s\n", len, key, value);
  tar_header (t, "PaxHeader", 'x', 0644, 0, 0, strlen (rec), 0, NULL, 0, 0);
  nook_buf_puts (&t->b, rec);
  tar_pad (t);
  free (rec);
}

static void
tar_add (struct tar *t, const struct entry *e)
{
  size_t len = e->data ? (e->len == (size_t)-1 ? strlen (e->data) : e->len) : 0;
  if (strlen (e->name) > 100)
    tar_pax (t, "path", e->name);
  if (e->link && strlen (e->link) > 100)
    tar_pax (t, "linkpath", e->link);
  if (e->xattr)
    {
      const char *eq = strchr (e->xattr, '=');
      _cleanup_free_ char *key = xasprintf ("SCHILY.xattr.%.*s", (int)(eq - e->xattr), e->xattr);
      tar_pax (t, key, eq + 1);
    }
  tar_header (t, e->name, e->type, e->mode ? e->mode : (e->type == '5' ? 0755 : 0644), e->uid,
              e->gid, len, e->mtime ? e->mtime : 1600000000, e->link, e->major, e->minor);
  if (len)
    {
      nook_buf_append (&t->b, e->data, len);
      tar_pad (t);
    }
}

#define FILE_(n, d)     (&(struct entry){ .name = (n), .type = '0', .data = (d), .len = (size_t)-1 })
#define DIR_(n)         (&(struct entry){ .name = (n), .type = '5' })
#define SYMLINK_(n, l)  (&(struct entry){ .name = (n), .type = '2', .link = (l), .mode = 0777 })
#define HARDLINK_(n, l) (&(struct entry){ .name = (n), .type = '1', .link = (l) })

static void
tar_end (struct tar *t)
{
  static const char zero[1024];
  nook_buf_append (&t->b, zero, sizeof (zero));
}

/* ---- applying ---- */

struct layer
{
  char *root;    /* TMP/root, the layer directory */
  char *outside; /* TMP/outside, named by hostile symlinks */
  int rootfd;
  char sentinel[128];
  char sentinel_name[64];
  struct apply_result res;
  char *warnings; /* stderr during the last apply */
};

static void
layer_init (struct layer *l)
{
  l->root = unit_path ("root");
  l->outside = unit_path ("outside");
  CHECK (mkdir (l->root, 0755) == 0);
  CHECK (mkdir (l->outside, 0755) == 0);
  unit_write_file (unit_path ("outside/secret"), "host secret", 11, 0644);
  l->rootfd = open (l->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  CHECK (l->rootfd >= 0);
  snprintf (l->sentinel_name, sizeof (l->sentinel_name), "nook-unit-escape-%d", (int)getpid ());
  snprintf (l->sentinel, sizeof (l->sentinel), "/tmp/%s", l->sentinel_name);
}

/* Nothing escaped: TMP holds only what we made, outside/ is untouched,
   and the sentinel path does not exist.  */
static void
layer_done (struct layer *l, const char *file, int line)
{
  const char *want
      = unit_exists (unit_path ("layer.tar")) ? "layer.tar outside root" : "outside root";
  unit_check_str_ (unit_list_dir (unit_tmpdir ()), want, file, line, "the temp dir", want);
  unit_check_str_ (unit_list_dir (l->outside), "secret", file, line, "outside/", "secret");
  unit_check_str_ (unit_read_file (unit_path ("outside/secret"), NULL), "host secret", file, line,
                   "outside/secret", "host secret");
  if (unit_exists (l->sentinel))
    {
      unit_fail_ (file, line, "%s exists: an entry escaped the layer", l->sentinel);
      unit_rm_rf_ (AT_FDCWD, l->sentinel);
    }
  close (l->rootfd);
}
#define LAYER_DONE(l) layer_done ((l), __FILE__, __LINE__)
/* Skip the test, its layer cleaned up, unless COND.  */
#define LAYER_SKIP_UNLESS(l, cond, ...)                                                            \
  do                                                                                               \
    if (!(cond))                                                                                   \
      {                                                                                            \
        LAYER_DONE (l);                                                                            \
        SKIP (__VA_ARGS__);                                                                        \
      }                                                                                            \
  while (0)

static struct apply_opts
default_opts (void)
{
  return (struct apply_opts){ .rootless = geteuid () != 0, .ignore_ids = true };
}

/* Write T to TMP/layer.tar and apply it to L->root.  */
static int
layer_apply_opts (struct layer *l, struct tar *t, const struct apply_opts *o, nook_error_t *err)
{
  char *path = unit_path ("layer.tar");
  int fd, r;

  unit_write_file (path, t->b.data, t->b.len, 0644);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    abort ();
  unit_capture_stderr_begin ();
  r = storage_apply_tar (l->rootfd, fd, o, &l->res, err);
  l->warnings = unit_capture_stderr_end ();
  fputs (l->warnings, stderr); /* seen when run by hand, not in TAP */
  close (fd);
  return r;
}

static int
layer_apply (struct layer *l, struct tar *t, nook_error_t *err)
{
  struct apply_opts o = default_opts ();
  return layer_apply_opts (l, t, &o, err);
}

static char *
in_root (struct layer *l, const char *rel)
{
  return unit_fmt ("%s/%s", l->root, rel);
}

static bool
is_type (const char *path, mode_t type)
{
  struct stat st;
  return lstat (path, &st) == 0 && (st.st_mode & S_IFMT) == type;
}

/* ---- contents ---- */

TEST (regular_files)
{
  struct layer l;
  struct tar t = { 0 };
  nook_error_t err = NULL;
  struct stat st;

  layer_init (&l);
  tar_add (&t, &(struct entry){ .name = "etc/", .type = '5', .mode = 0751 });
  tar_add (&t, &(struct entry){ .name = "etc/hostname",
                                .type = '0',
                                .mode = 0640,
                                .data = "box\n",
                                .len = 4,
                                .mtime = 1234567890 });
  tar_add (&t, &(struct entry){
                   .name = "bin/tool", .type = '0', .mode = 04755, .data = "#!x", .len = 3 });
  tar_add (&t, &(struct entry){ .name = "empty", .type = '0', .mode = 0600 });
  tar_add (&t, &(struct entry){ .name = "bin/bin.dat", .type = '0', .data = "a\0b\0", .len = 4 });
  tar_end (&t);
  if (!CHECK_OK (layer_apply (&l, &t, &err), &err))
    goto out;
  CHECK_STR_EQ (unit_read_file (in_root (&l, "etc/hostname"), NULL), "box\n");
  CHECK (lstat (in_root (&l, "etc/hostname"), &st) == 0 && (st.st_mode & 07777) == 0640
         && st.st_mtime == 1234567890);
  CHECK (lstat (in_root (&l, "etc"), &st) == 0 && S_ISDIR (st.st_mode)
         && (st.st_mode & 07777) == 0751);
  CHECK (lstat (in_root (&l, "bin/tool"), &st) == 0 && (st.st_mode & 07777) == 04755);
  CHECK (lstat (in_root (&l, "empty"), &st) == 0 && S_ISREG (st.st_mode) && st.st_size == 0
         && (st.st_mode & 07777) == 0600);
  {
    size_t len = 0;
    char *d = unit_read_file (in_root (&l, "bin/bin.dat"), &len);
    CHECK_MEM_EQ (d, len, "a\0b\0", 4);
  }
  /* A parent made on the way (bin/, no entry of its own) is a directory.  */
  CHECK (is_type (in_root (&l, "bin"), S_IFDIR));
  CHECK_INT_EQ (l.res.content_size, 4 + 3 + 0 + 4);
  CHECK_INT_EQ (l.res.tar_size, t.b.len);
out:
  nook_buf_free (&t.b);
  LAYER_DONE (&l);
}

TEST (diff_id_is_sha256_of_the_tar)
{
  struct layer l;
  struct tar t = { 0 };
  nook_error_t err = NULL;
  char want[65];
  static const char zero[10240];

  layer_init (&l);
  tar_add (&t, FILE_ ("a", "hello"));
  tar_add (&t, DIR_ ("d/"));
  tar_end (&t);
  CHECK_OK (nook_sha256_hex (t.b.data, t.b.len, want, &err), &err);
  if (CHECK_OK (layer_apply (&l, &t, &err), &err))
    {
      CHECK_STR_EQ (l.res.diff_id, want);
      CHECK_INT_EQ (l.res.tar_size, t.b.len);
    }
  /* Padding after the end blocks (tar's 10240-byte records) is part of
     the stream and of its digest.  */
  unit_rm_rf_ (l.rootfd, "a");
  unit_rm_rf_ (l.rootfd, "d");
  nook_buf_append (&t.b, zero, 10240 - t.b.len % 10240);
  CHECK_INT_EQ (t.b.len % 10240, 0);
  CHECK_OK (nook_sha256_hex (t.b.data, t.b.len, want, &err), &err);
  if (CHECK_OK (layer_apply (&l, &t, &err), &err))
    {
      CHECK_STR_EQ (l.res.diff_id, want);
      CHECK_INT_EQ (l.res.tar_size, t.b.len);
    }
  nook_buf_free (&t.b);
  LAYER_DONE (&l);
}

TEST (long_names)
{
  struct layer l;
  struct tar t = { 0 };
  nook_error_t err = NULL;
  char comp[300];
  const char *deep;

  layer_init (&l);
  deep = "d/0123456789/0123456789/0123456789/0123456789/0123456789/0123456789/0123456789/"
         "0123456789/0123456789/0123456789/0123456789/file";
  tar_add (&t, FILE_ (deep, "deep"));
  tar_add (&t, SYMLINK_ ("longlink", deep));
  tar_end (&t);
  if (CHECK_OK (layer_apply (&l, &t, &err), &err))
    {
      CHECK_STR_EQ (unit_read_file (in_root (&l, deep), NULL), "deep");
      CHECK_STR_EQ (unit_read_file (in_root (&l, "longlink"), NULL), "deep");
    }
  nook_buf_free (&t.b);

  /* A component longer than NAME_MAX is an error, not a truncation.  */
  memset (comp, 'c', 256);
  comp[256] = '\0';
  memset (&t, 0, sizeof (t));
  tar_add (&t, FILE_ (unit_fmt ("x/%s", comp), "x"));
  tar_end (&t);
  CHECK_FAIL (layer_apply (&l, &t, &err), &err, NULL);
  nook_buf_free (&t.b);
  LAYER_DONE (&l);
}

TEST (symlinks_stored_as_written)
{
  struct layer l;
  struct tar t = { 0 };
  nook_error_t err = NULL;
  char buf[256];
  ssize_t n;
  struct stat st;

  layer_init (&l);
  tar_add (&t, &(struct entry){
                   .name = "abs", .type = '2', .link = "/etc/passwd", .mtime = 1111111111 });
  tar_add (&t, SYMLINK_ ("rel", "../../../x"));
  tar_end (&t);
  if (CHECK_OK (layer_apply (&l, &t, &err), &err))
    {
      n = readlink (in_root (&l, "abs"), buf, sizeof (buf) - 1);
      buf[n > 0 ? n : 0] = '\0';
      CHECK_STR_EQ (buf, "/etc/passwd");
      CHECK (lstat (in_root (&l, "abs"), &st) == 0 && st.st_mtime == 1111111111);
      n = readlink (in_root (&l, "rel"), buf, sizeof (buf) - 1);
      buf[n > 0 ? n : 0] = '\0';
      CHECK_STR_EQ (buf, "../../../x");
    }
  nook_buf_free (&t.b);
  LAYER_DONE (&l);
}

TEST (root_entry)
{
  struct layer l;
  struct tar t = { 0 };
  nook_error_t err = NULL;
  struct stat st;

  layer_init (&l);
  tar_add (&t, &(struct entry){ .name = "./", .type = '5', .mode = 0750 });
  tar_add (&t, FILE_ ("./a", "x"));
  tar_end (&t);
  if (CHECK_OK (layer_apply (&l, &t, &err), &err))
    {
      CHECK (stat (l.root, &st) == 0 && (st.st_mode & 07777) == 0750);
      CHECK (is_type (in_root (&l, "a"), S_IFREG));
    }
  nook_buf_free (&t.b);

  memset (&t, 0, sizeof (t));
  tar_add (&t, FILE_ ("./", "not a dir"));
  tar_end (&t);
  /* Refused, whatever the reason given ("./" names no file).  */
  CHECK_FAIL (layer_apply (&l, &t, &err), &err, NULL);
  CHECK (is_type (l.root, S_IFDIR));
  nook_buf_free (&t.b);
  chmod (l.root, 0755);
  LAYER_DONE (&l);
}

/* ---- whiteouts ---- */

TEST (whiteouts_kept)
{
  struct layer l;
  struct tar t = { 0 };
  nook_error_t err = NULL;
  struct stat st;

  layer_init (&l);
  tar_add (&t, DIR_ ("d/"));
  tar_add (&t, FILE_ ("d/.wh.gone", ""));
  tar_add (&t, FILE_ ("d/.wh..wh..opq", ""));
  tar_add (&t, FILE_ ("d/.wh..wh.plnk", ""));
  tar_add (&t, FILE_ (".wh.top", ""));
  /* A whiteout with content (a broken layer) is still an empty file.  */
  tar_add (&t, FILE_ ("d/.wh.withdata", "junk"));
  tar_end (&t);
  if (!CHECK_OK (layer_apply (&l, &t, &err), &err))
    goto out;
  CHECK_STR_EQ (unit_list_dir (in_root (&l, "d")), ".wh..wh..opq .wh.gone .wh.withdata");
  CHECK_STR_EQ (unit_list_dir (l.root), ".wh.top d");
  CHECK (lstat (in_root (&l, "d/.wh.gone"), &st) == 0 && S_ISREG (st.st_mode) && st.st_size == 0);
  CHECK (lstat (in_root (&l, "d/.wh..wh..opq"), &st) == 0 && S_ISREG (st.st_mode)
         && st.st_size == 0);
  CHECK (lstat (in_root (&l, "d/.wh.withdata"), &st) == 0 && st.st_size == 0);
out:
  nook_buf_free (&t.b);
  LAYER_DONE (&l);
}

TEST (whiteout_replaces_entry)
{
  /* A whiteout over an existing entry of the same name: the file wins.  */
  struct layer l;
  struct tar t = { 0 };
  nook_error_t err = NULL;

  layer_init (&l);
  tar_add (&t, SYMLINK_ (".wh.y", "/"));
  tar_add (&t, FILE_ (".wh.y", ""));
  tar_end (&t);
  if (CHECK_OK (layer_apply (&l, &t, &err), &err))
    {
      CHECK (is_type (in_root (&l, ".wh.y"), S_IFREG));
    }
  nook_buf_free (&t.b);
  LAYER_DONE (&l);
}

TEST (aufs_plnk_dir_dropped)
{
  /* Regression, fixed — it used to be that apply_whiteout (pkg/storage/apply.c) drops an entry whose
     base name starts with ".wh..wh." (the AUFS hard-link directory
     ".wh..wh.plnk/"), but the entries *inside* it have ordinary base
     names: nook_resolve_dir (create = true) makes ".wh..wh.plnk/" again
     for them and they are extracted, so the layer ends up holding the
     AUFS bookkeeping directory the header says is dropped.  Expected:
     nothing named .wh..wh.plnk in the layer (moby extracts these files
     to a temporary directory only to resolve hard links to them).  */
  struct layer l;
  struct tar t = { 0 };
  nook_error_t err = NULL;

  layer_init (&l);
  tar_add (&t, DIR_ (".wh..wh.plnk/"));
  tar_add (&t, FILE_ (".wh..wh.plnk/1234.5678", "data"));
  tar_add (&t, FILE_ ("keep", "k"));
  tar_end (&t);
  if (CHECK_OK (layer_apply (&l, &t, &err), &err))
    CHECK_STR_EQ (unit_list_dir (l.root), "keep");
  nook_buf_free (&t.b);
  LAYER_DONE (&l);
}

/* ---- hostile paths ---- */

TEST (dotdot_and_absolute_confined)
{
  struct layer l;
  struct tar t = { 0 };
  nook_error_t err = NULL;

  layer_init (&l);
  tar_add (&t, FILE_ ("../x", "1"));
  tar_add (&t, FILE_ ("/abs", "2"));
  tar_add (&t, FILE_ ("../../etc/evil", "3"));
  tar_add (&t, FILE_ ("a/../../b", "4"));
  tar_add (&t, FILE_ (unit_fmt ("../../../../../../../../tmp/%s", l.sentinel_name), "5"));
  tar_add (&t, FILE_ (unit_fmt ("/../outside/%s", "evil"), "6"));
  tar_add (&t, DIR_ ("../../d/"));
  tar_end (&t);
  if (CHECK_OK (layer_apply (&l, &t, &err), &err))
    {
      CHECK_STR_EQ (unit_read_file (in_root (&l, "x"), NULL), "1");
      CHECK_STR_EQ (unit_read_file (in_root (&l, "abs"), NULL), "2");
      CHECK_STR_EQ (unit_read_file (in_root (&l, "etc/evil"), NULL), "3");
      CHECK_STR_EQ (unit_read_file (in_root (&l, "b"), NULL), "4");
      CHECK_STR_EQ (unit_read_file (in_root (&l, unit_fmt ("tmp/%s", l.sentinel_name)), NULL), "5");
      CHECK_STR_EQ (unit_read_file (in_root (&l, "outside/evil"), NULL), "6");
      CHECK (is_type (in_root (&l, "d"), S_IFDIR));
      CHECK_STR_EQ (unit_list_dir (l.root), "abs b d etc outside tmp x");
    }
  nook_buf_free (&t.b);
  LAYER_DONE (&l);
}

TEST (symlink_escape_absolute)
{
  struct layer l;
  struct tar t = { 0 };
  nook_error_t err = NULL;

  layer_init (&l);
  tar_add (&t, SYMLINK_ ("esc", "/tmp"));
  tar_add (&t, FILE_ (unit_fmt ("esc/%s", l.sentinel_name), "x"));
  tar_add (&t, SYMLINK_ ("out", l.outside));
  tar_add (&t, FILE_ ("out/f", "y"));
  tar_add (&t, FILE_ ("out/secret", "overwritten"));
  tar_add (&t, DIR_ ("out/newdir/"));
  tar_end (&t);
  if (CHECK_OK (layer_apply (&l, &t, &err), &err))
    {
      CHECK_STR_EQ (unit_read_file (in_root (&l, unit_fmt ("tmp/%s", l.sentinel_name)), NULL), "x");
      CHECK_STR_EQ (unit_read_file (in_root (&l, unit_fmt ("%s/f", l.outside + 1)), NULL), "y");
      CHECK_STR_EQ (unit_read_file (in_root (&l, unit_fmt ("%s/secret", l.outside + 1)), NULL),
                    "overwritten");
      CHECK (is_type (in_root (&l, unit_fmt ("%s/newdir", l.outside + 1)), S_IFDIR));
      CHECK (is_type (in_root (&l, "esc"), S_IFLNK));
    }
  nook_buf_free (&t.b);
  LAYER_DONE (&l);
}

TEST (symlink_escape_relative_chain)
{
  struct layer l;
  struct tar t = { 0 };
  nook_error_t err = NULL;

  layer_init (&l);
  tar_add (&t, DIR_ ("a/"));
  tar_add (&t, SYMLINK_ ("a/l1", "../l2"));
  tar_add (&t, SYMLINK_ ("l2", "../../.."));
  tar_add (&t, FILE_ ("a/l1/x", "x"));
  tar_add (&t, FILE_ (unit_fmt ("a/l1/tmp/%s", l.sentinel_name), "s"));
  tar_add (&t, SYMLINK_ ("a/up", "../../../../../../../../../.."));
  tar_add (&t, FILE_ ("a/up/outside/secret", "no"));
  tar_add (&t, SYMLINK_ ("hop1", "hop2/../hop3"));
  tar_add (&t, SYMLINK_ ("hop2", "/"));
  tar_add (&t, SYMLINK_ ("hop3", "/../.."));
  tar_add (&t, FILE_ ("hop1/y", "y"));
  tar_end (&t);
  if (CHECK_OK (layer_apply (&l, &t, &err), &err))
    {
      CHECK_STR_EQ (unit_read_file (in_root (&l, "x"), NULL), "x");
      CHECK_STR_EQ (unit_read_file (in_root (&l, unit_fmt ("tmp/%s", l.sentinel_name)), NULL), "s");
      CHECK_STR_EQ (unit_read_file (in_root (&l, "outside/secret"), NULL), "no");
      CHECK_STR_EQ (unit_read_file (in_root (&l, "y"), NULL), "y");
    }
  nook_buf_free (&t.b);
  LAYER_DONE (&l);
}

TEST (symlink_loop_is_an_error)
{
  struct layer l;
  struct tar t = { 0 };
  nook_error_t err = NULL;

  layer_init (&l);
  tar_add (&t, SYMLINK_ ("l1", "l2"));
  tar_add (&t, SYMLINK_ ("l2", "l1"));
  tar_add (&t, FILE_ ("l1/x", "x"));
  tar_end (&t);
  CHECK_FAIL (layer_apply (&l, &t, &err), &err, "l1/x");
  nook_buf_free (&t.b);
  LAYER_DONE (&l);
}

TEST (entry_replaces_symlink)
{
  /* A file, a directory or a symlink replacing a symlink replaces the
     link itself: nothing is written through it.  */
  struct layer l;
  struct tar t = { 0 };
  nook_error_t err = NULL;
  char *secret;

  layer_init (&l);
  secret = unit_fmt ("%s/secret", l.outside);
  tar_add (&t, SYMLINK_ ("f", secret));
  tar_add (&t, FILE_ ("f", "new"));
  tar_add (&t, SYMLINK_ ("d", l.outside));
  tar_add (&t, DIR_ ("d/"));
  tar_add (&t, FILE_ ("d/inner", "i"));
  tar_add (&t, SYMLINK_ ("s", "/"));
  tar_add (&t, SYMLINK_ ("s", l.outside));
  tar_add (&t, HARDLINK_ ("h", "f"));
  tar_end (&t);
  if (CHECK_OK (layer_apply (&l, &t, &err), &err))
    {
      CHECK (is_type (in_root (&l, "f"), S_IFREG));
      CHECK_STR_EQ (unit_read_file (in_root (&l, "f"), NULL), "new");
      CHECK (is_type (in_root (&l, "d"), S_IFDIR));
      CHECK_STR_EQ (unit_read_file (in_root (&l, "d/inner"), NULL), "i");
      CHECK (is_type (in_root (&l, "s"), S_IFLNK));
    }
  nook_buf_free (&t.b);
  LAYER_DONE (&l);
}

TEST (entry_replaces_directory)
{
  struct layer l;
  struct tar t = { 0 };
  nook_error_t err = NULL;

  layer_init (&l);
  tar_add (&t, DIR_ ("d/"));
  tar_add (&t, DIR_ ("d/sub/"));
  tar_add (&t, FILE_ ("d/sub/f", "x"));
  tar_add (&t, FILE_ ("d", "now a file"));
  tar_add (&t, DIR_ ("e/"));
  tar_add (&t, FILE_ ("e/keep", "k"));
  tar_add (&t, &(struct entry){ .name = "e/", .type = '5', .mode = 0700 });
  tar_end (&t);
  if (CHECK_OK (layer_apply (&l, &t, &err), &err))
    {
      CHECK_STR_EQ (unit_read_file (in_root (&l, "d"), NULL), "now a file");
      /* A directory over a directory merges: the content stays.  */
      CHECK_STR_EQ (unit_read_file (in_root (&l, "e/keep"), NULL), "k");
    }
  nook_buf_free (&t.b);
  LAYER_DONE (&l);
}

TEST (parent_is_a_file)
{
  struct layer l;
  struct tar t = { 0 };
  nook_error_t err = NULL;

  layer_init (&l);
  tar_add (&t, FILE_ ("f", "x"));
  tar_add (&t, FILE_ ("f/x", "y"));
  tar_end (&t);
  CHECK_FAIL (layer_apply (&l, &t, &err), &err, "f/x");
  nook_buf_free (&t.b);
  LAYER_DONE (&l);
}

/* ---- hard links ---- */

TEST (hardlink_to_existing_file)
{
  struct layer l;
  struct tar t = { 0 };
  nook_error_t err = NULL;
  struct stat a, b, c;

  layer_init (&l);
  tar_add (&t, &(struct entry){
                   .name = "bin/busybox", .type = '0', .mode = 0755, .data = "elf", .len = 3 });
  tar_add (&t, HARDLINK_ ("bin/sh", "bin/busybox"));
  tar_add (&t, HARDLINK_ ("usr/ls", "/bin/busybox"));
  tar_add (&t, SYMLINK_ ("link", "/etc/passwd"));
  tar_add (&t, HARDLINK_ ("link2", "link"));
  tar_end (&t);
  if (CHECK_OK (layer_apply (&l, &t, &err), &err))
    {
      CHECK (lstat (in_root (&l, "bin/busybox"), &a) == 0);
      CHECK (lstat (in_root (&l, "bin/sh"), &b) == 0);
      CHECK (lstat (in_root (&l, "usr/ls"), &c) == 0);
      CHECK (a.st_ino == b.st_ino && a.st_ino == c.st_ino && a.st_nlink == 3);
      CHECK_STR_EQ (unit_read_file (in_root (&l, "bin/sh"), NULL), "elf");
      /* A hard link to a symlink is the symlink, not what it names.  */
      CHECK (is_type (in_root (&l, "link2"), S_IFLNK));
    }
  nook_buf_free (&t.b);
  LAYER_DONE (&l);
}

static void
check_hardlink_refused (const char *target, const char *prefix_link, const char *file, int line)
{
  struct layer l;
  struct tar t = { 0 };
  nook_error_t err = NULL;
  int r;

  layer_init (&l);
  if (prefix_link)
    tar_add (&t, SYMLINK_ ("esc", prefix_link));
  tar_add (&t, DIR_ ("etc/"));
  tar_add (&t, DIR_ ("etc/dir/"));
  tar_add (&t, HARDLINK_ ("h", target));
  tar_end (&t);
  r = layer_apply (&l, &t, &err);
  if (r >= 0)
    unit_fail_ (file, line, "a hard link to `%s` was accepted", target);
  else if (err == NULL)
    unit_fail_ (file, line, "failed without an error");
  nook_error_free (&err);
  if (unit_exists (in_root (&l, "h")))
    unit_fail_ (file, line, "the hard link `h` to `%s` was made", target);
  nook_buf_free (&t.b);
  layer_done (&l, file, line);
  /* Start the next case afresh.  */
  unit_rm_rf_ (AT_FDCWD, l.root);
  unit_rm_rf_ (AT_FDCWD, l.outside);
  unit_rm_rf_ (AT_FDCWD, unit_path ("layer.tar"));
}
#define CHECK_HARDLINK_REFUSED(target, link)                                                       \
  check_hardlink_refused ((target), (link), __FILE__, __LINE__)

TEST (hardlink_missing_target)
{
  struct layer l;
  struct tar t = { 0 };
  nook_error_t err = NULL;

  layer_init (&l);
  tar_add (&t, HARDLINK_ ("h", "missing"));
  tar_end (&t);
  CHECK_FAIL (layer_apply (&l, &t, &err), &err, "not in the layer");
  nook_buf_free (&t.b);
  LAYER_DONE (&l);
}

TEST (hardlink_outside_refused)
{
  /* Targets that exist on the host but not in the layer.  */
  CHECK_HARDLINK_REFUSED ("../../../../../../etc/passwd", NULL);
  CHECK_HARDLINK_REFUSED ("/etc/passwd", NULL);
  CHECK_HARDLINK_REFUSED (unit_fmt ("%s/secret", unit_path ("outside")), NULL);
  CHECK_HARDLINK_REFUSED (unit_fmt ("../../../../../../../..%s/secret", unit_path ("outside")),
                          NULL);
  CHECK_HARDLINK_REFUSED ("esc/etc/passwd", "/");
  CHECK_HARDLINK_REFUSED ("esc/secret", unit_path ("outside"));
  CHECK_HARDLINK_REFUSED ("esc/secret", "../../../../../../../../../outside");
  /* Neither the root nor a directory.  */
  CHECK_HARDLINK_REFUSED ("etc/dir", NULL);
  CHECK_HARDLINK_REFUSED ("/", NULL);
  CHECK_HARDLINK_REFUSED ("..", NULL);
}

/* ---- special files ---- */

TEST (device_skipped_rootless)
{
  struct layer l;
  struct tar t = { 0 };
  nook_error_t err = NULL;
  struct apply_opts o = { .rootless = true, .ignore_ids = true };

  layer_init (&l);
  tar_add (&t, DIR_ ("dev/"));
  tar_add (
      &t, &(struct entry){ .name = "dev/null", .type = '3', .mode = 0666, .major = 1, .minor = 3 });
  tar_add (&t, &(struct entry){ .name = "dev/sda", .type = '4', .mode = 0660, .major = 8 });
  tar_add (&t, &(struct entry){ .name = "dev/fifo", .type = '6', .mode = 0640 });
  tar_add (&t, FILE_ ("dev/after", "still extracted"));
  tar_end (&t);
  if (CHECK_OK (layer_apply_opts (&l, &t, &o, &err), &err))
    {
      CHECK (!unit_exists (in_root (&l, "dev/null")));
      CHECK (!unit_exists (in_root (&l, "dev/sda")));
      CHECK (is_type (in_root (&l, "dev/fifo"), S_IFIFO));
      CHECK_STR_EQ (unit_read_file (in_root (&l, "dev/after"), NULL), "still extracted");
      CHECK_STR_HAS (l.warnings, "dev/null");
      CHECK_STR_HAS (l.warnings, "dev/sda");
    }
  nook_buf_free (&t.b);
  LAYER_DONE (&l);
}

TEST (device_created_as_root)
{
  struct layer l;
  struct tar t = { 0 };
  nook_error_t err = NULL;
  struct apply_opts o = { .rootless = false, .ignore_ids = true };
  struct stat st;

  layer_init (&l);
  LAYER_SKIP_UNLESS (
      &l, geteuid () == 0 && mknod (unit_path ("probe"), S_IFCHR | 0600, makedev (1, 3)) == 0,
      "cannot create device nodes here (not root or no CAP_MKNOD)");
  unlink (unit_path ("probe"));
  tar_add (&t,
           &(struct entry){ .name = "null", .type = '3', .mode = 0666, .major = 1, .minor = 3 });
  tar_end (&t);
  if (CHECK_OK (layer_apply_opts (&l, &t, &o, &err), &err))
    {
      CHECK (lstat (in_root (&l, "null"), &st) == 0 && S_ISCHR (st.st_mode)
             && major (st.st_rdev) == 1 && minor (st.st_rdev) == 3 && (st.st_mode & 07777) == 0666);
      CHECK_STR_EQ (l.warnings, "");
    }
  nook_buf_free (&t.b);
  LAYER_DONE (&l);
}

TEST (owners_as_root)
{
  struct layer l;
  struct tar t = { 0 };
  nook_error_t err = NULL;
  struct apply_opts o = { .rootless = false, .ignore_ids = false };
  struct stat st;

  layer_init (&l);
  LAYER_SKIP_UNLESS (&l, nook_is_real_root (), "not root in the initial user namespace");
  tar_add (&t, &(struct entry){ .name = "f",
                                .type = '0',
                                .mode = 04755,
                                .uid = 1234,
                                .gid = 5678,
                                .data = "x",
                                .len = 1 });
  tar_add (&t, &(struct entry){ .name = "d/", .type = '5', .uid = 42, .gid = 43 });
  tar_add (&t, &(struct entry){ .name = "l", .type = '2', .link = "f", .uid = 7, .gid = 8 });
  tar_end (&t);
  if (CHECK_OK (layer_apply_opts (&l, &t, &o, &err), &err))
    {
      /* The setuid bit survives the chown (chown first, then chmod).  */
      CHECK (lstat (in_root (&l, "f"), &st) == 0 && st.st_uid == 1234 && st.st_gid == 5678
             && (st.st_mode & 07777) == 04755);
      CHECK (lstat (in_root (&l, "d"), &st) == 0 && st.st_uid == 42 && st.st_gid == 43);
      CHECK (lstat (in_root (&l, "l"), &st) == 0 && st.st_uid == 7 && st.st_gid == 8);
    }
  nook_buf_free (&t.b);
  LAYER_DONE (&l);
}

/* A file owned as we are needs no chown, unless its directory is setgid
   (a new file takes the directory's group): then the entry's group is
   set all the same.  */
TEST (owner_in_a_setgid_directory)
{
  struct layer l;
  struct tar t = { 0 };
  nook_error_t err = NULL;
  struct apply_opts o = { .rootless = false, .ignore_ids = false };
  struct stat st;

  layer_init (&l);
  LAYER_SKIP_UNLESS (&l, nook_is_real_root (), "not root in the initial user namespace");
  tar_add (&t, &(struct entry){ .name = "sg/", .type = '5', .mode = 02775, .gid = 50 });
  tar_add (&t, &(struct entry){ .name = "sg/f", .type = '0', .mode = 0644, .data = "x", .len = 1 });
  tar_add (&t, &(struct entry){ .name = "sg/g", .type = '0', .mode = 0640, .gid = 50 });
  tar_add (&t,
           &(struct entry){ .name = "plain", .type = '0', .mode = 0600, .data = "y", .len = 1 });
  tar_end (&t);
  if (CHECK_OK (layer_apply_opts (&l, &t, &o, &err), &err))
    {
      CHECK (lstat (in_root (&l, "sg"), &st) == 0 && st.st_gid == 50
             && (st.st_mode & 07777) == 02775);
      CHECK (lstat (in_root (&l, "sg/f"), &st) == 0 && st.st_uid == 0 && st.st_gid == 0
             && (st.st_mode & 07777) == 0644);
      CHECK (lstat (in_root (&l, "sg/g"), &st) == 0 && st.st_gid == 50);
      CHECK (lstat (in_root (&l, "plain"), &st) == 0 && st.st_uid == 0 && st.st_gid == 0
             && (st.st_mode & 07777) == 0600);
    }
  nook_buf_free (&t.b);
  LAYER_DONE (&l);
}

/* Files of one directory share its resolution; an entry that replaces
   the directory's parent with a symlink in between is seen by the next
   file (resolved again, inside the root).  */
TEST (kept_parent_dropped_when_an_ancestor_changes)
{
  struct layer l;
  struct tar t = { 0 };
  nook_error_t err = NULL;

  layer_init (&l);
  tar_add (&t, DIR_ ("a/b/"));
  tar_add (&t, FILE_ ("a/b/one", "1"));
  tar_add (&t, SYMLINK_ ("a", l.outside));
  tar_add (&t, FILE_ ("a/b/two", "2"));
  tar_end (&t);
  if (CHECK_OK (layer_apply (&l, &t, &err), &err))
    {
      CHECK (is_type (in_root (&l, "a"), S_IFLNK));
      CHECK_STR_EQ (unit_read_file (in_root (&l, unit_fmt ("%s/b/two", l.outside + 1)), NULL), "2");
      CHECK (!unit_exists (unit_fmt ("%s/b/two", l.outside)));
    }
  nook_buf_free (&t.b);
  LAYER_DONE (&l);
}

TEST (xattrs)
{
  struct layer l;
  struct tar t = { 0 };
  nook_error_t err = NULL;
  char buf[64] = "";
  ssize_t n;

  layer_init (&l);
  if (setxattr (l.outside, "user.probe", "1", 1, 0) < 0)
    {
      LAYER_DONE (&l);
      SKIP ("user.* extended attributes are not supported here");
    }
  removexattr (l.outside, "user.probe");
  tar_add (&t, &(struct entry){
                   .name = "f", .type = '0', .data = "x", .len = 1, .xattr = "user.nook=hello" });
  tar_add (&t, &(struct entry){ .name = "d/", .type = '5', .xattr = "user.dir=yes" });
  /* One that cannot be set (no such namespace) is a warning, not an
     error.  */
  tar_add (&t, &(struct entry){ .name = "g", .type = '0', .xattr = "bogus.ns=x" });
  tar_end (&t);
  if (CHECK_OK (layer_apply (&l, &t, &err), &err))
    {
      n = getxattr (in_root (&l, "f"), "user.nook", buf, sizeof (buf) - 1);
      buf[n > 0 ? n : 0] = '\0';
      CHECK_STR_EQ (buf, "hello");
      n = getxattr (in_root (&l, "d"), "user.dir", buf, sizeof (buf) - 1);
      buf[n > 0 ? n : 0] = '\0';
      CHECK_STR_EQ (buf, "yes");
      CHECK (is_type (in_root (&l, "g"), S_IFREG));
      CHECK_STR_HAS (l.warnings, "bogus.ns");
    }
  nook_buf_free (&t.b);
  LAYER_DONE (&l);
}

TEST (gzip_layer)
{
  /* The diff ID is the digest of the uncompressed stream.  */
  struct layer l;
  struct tar t = { 0 };
  nook_error_t err = NULL;
  char want[65];
  char *cmd;
  int fd;

  layer_init (&l);
  tar_add (&t, FILE_ ("a", "compressed content"));
  tar_end (&t);
  CHECK_OK (nook_sha256_hex (t.b.data, t.b.len, want, &err), &err);
  unit_write_file (unit_path ("layer.tar"), t.b.data, t.b.len, 0644);
  cmd = unit_fmt ("gzip -n -c '%s' > '%s' 2>/dev/null", unit_path ("layer.tar"),
                  unit_path ("layer.gz"));
  if (system (cmd) != 0)
    {
      nook_buf_free (&t.b);
      unlink (unit_path ("layer.gz"));
      LAYER_DONE (&l);
      SKIP ("no gzip program");
    }
  fd = open (unit_path ("layer.gz"), O_RDONLY | O_CLOEXEC);
  if (CHECK (fd >= 0))
    {
      struct apply_opts o = default_opts ();
      if (CHECK_OK (storage_apply_tar (l.rootfd, fd, &o, &l.res, &err), &err))
        {
          CHECK_STR_EQ (l.res.diff_id, want);
          CHECK_INT_EQ (l.res.tar_size, t.b.len);
          CHECK_STR_EQ (unit_read_file (in_root (&l, "a"), NULL), "compressed content");
        }
      close (fd);
    }
  unlink (unit_path ("layer.gz"));
  nook_buf_free (&t.b);
  LAYER_DONE (&l);
}

/* ---- broken streams ---- */

TEST (truncated_tar)
{
  struct layer l;
  struct tar t = { 0 };
  nook_error_t err = NULL;
  char big[1000];

  layer_init (&l);
  memset (big, 'b', sizeof (big));
  tar_add (&t, &(struct entry){ .name = "big", .type = '0', .data = big, .len = sizeof (big) });
  tar_end (&t);
  /* In the middle of the data.  */
  t.b.len = 512 + 100;
  CHECK_FAIL (layer_apply (&l, &t, &err), &err, NULL);
  unit_rm_rf_ (l.rootfd, "big");
  /* In the middle of a header.  */
  t.b.len = 300;
  CHECK_FAIL (layer_apply (&l, &t, &err), &err, NULL);
  nook_buf_free (&t.b);
  /* In the middle of the second header.  */
  memset (&t, 0, sizeof (t));
  tar_add (&t, FILE_ ("a", "x"));
  tar_add (&t, FILE_ ("b", "y"));
  t.b.len = 1024 + 200;
  CHECK_FAIL (layer_apply (&l, &t, &err), &err, NULL);
  nook_buf_free (&t.b);
  unit_rm_rf_ (l.rootfd, "a");
  LAYER_DONE (&l);
}

TEST (garbage_is_not_a_tar)
{
  struct layer l;
  struct tar t = { 0 };
  nook_error_t err = NULL;

  layer_init (&l);
  for (int i = 0; i < 64; i++)
    nook_buf_puts (&t.b, "this is not a tar archive ");
  CHECK_FAIL (layer_apply (&l, &t, &err), &err, NULL);
  nook_buf_free (&t.b);

  /* A header whose checksum is wrong.  */
  memset (&t, 0, sizeof (t));
  tar_add (&t, FILE_ ("a", "x"));
  tar_end (&t);
  t.b.data[0] = 'b';
  CHECK_FAIL (layer_apply (&l, &t, &err), &err, NULL);
  CHECK_STR_EQ (unit_list_dir (l.root), "");
  nook_buf_free (&t.b);
  LAYER_DONE (&l);
}

/* ---- times ---- */

TEST (directory_mtimes)
{
  struct layer l;
  struct tar t = { 0 };
  nook_error_t err = NULL;
  struct stat st;

  layer_init (&l);
  /* The directory's entry comes after its files.  */
  tar_add (&t, &(struct entry){ .name = "d/f", .type = '0', .data = "x", .len = 1, .mtime = 1111 });
  tar_add (&t, &(struct entry){ .name = "d/", .type = '5', .mtime = 1000000000 });
  /* ... and before them.  */
  tar_add (&t, &(struct entry){ .name = "e/", .type = '5', .mtime = 1234567890 });
  tar_add (&t, &(struct entry){ .name = "e/sub/", .type = '5', .mtime = 1300000000 });
  tar_add (&t, &(struct entry){ .name = "e/sub/f", .type = '0', .mtime = 1400000000 });
  tar_add (&t, &(struct entry){ .name = "e/g", .type = '0', .mtime = 1500000000 });
  tar_add (&t, SYMLINK_ ("e/l", "sub"));
  tar_end (&t);
  if (CHECK_OK (layer_apply (&l, &t, &err), &err))
    {
      CHECK (stat (in_root (&l, "d"), &st) == 0);
      CHECK_INT_EQ (st.st_mtime, 1000000000);
      CHECK (stat (in_root (&l, "d/f"), &st) == 0);
      CHECK_INT_EQ (st.st_mtime, 1111);
      CHECK (stat (in_root (&l, "e"), &st) == 0);
      CHECK_INT_EQ (st.st_mtime, 1234567890);
      CHECK (stat (in_root (&l, "e/sub"), &st) == 0);
      CHECK_INT_EQ (st.st_mtime, 1300000000);
      CHECK (stat (in_root (&l, "e/sub/f"), &st) == 0);
      CHECK_INT_EQ (st.st_mtime, 1400000000);
    }
  nook_buf_free (&t.b);
  LAYER_DONE (&l);
}

TEST (directory_mtime_not_through_symlink)
{
  /* A directory later replaced by a symlink: setting its recorded mtime
     must not follow the link out of the layer.  */
  struct layer l;
  struct tar t = { 0 };
  nook_error_t err = NULL;
  struct stat before, after;

  layer_init (&l);
  CHECK (stat (l.outside, &before) == 0);
  tar_add (&t, &(struct entry){ .name = "d/", .type = '5', .mtime = 1000 });
  tar_add (&t, SYMLINK_ ("d", l.outside));
  tar_end (&t);
  if (CHECK_OK (layer_apply (&l, &t, &err), &err))
    {
      CHECK (is_type (in_root (&l, "d"), S_IFLNK));
      CHECK (stat (l.outside, &after) == 0);
      CHECK (after.st_mtime != 1000);
      CHECK_INT_EQ (after.st_mtime, before.st_mtime);
    }
  nook_buf_free (&t.b);
  LAYER_DONE (&l);
}

UNIT_MAIN ()
