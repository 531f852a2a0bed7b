/* pkg/util path safety: nook_resolve_dir and nook_open_in_root walk a
   tree as if its root were "/" and never leave it, whatever symlinks and
   ".." the tree holds.  Each test builds TMP/root (and TMP/outside, which
   symlinks name); afterwards TMP must hold nothing new and the outside
   nothing at all.  */
#include "unit.h"

#include <linux/openat2.h>

struct tree
{
  char *root;    /* TMP/root */
  char *outside; /* TMP/outside, empty but for "secret" */
  int rootfd;
  char sentinel[128]; /* /tmp/nook-unit-escape-PID: must never appear */
};

static void
tree_init (struct tree *t)
{
  t->root = unit_path ("root");
  t->outside = unit_path ("outside");
  CHECK (mkdir (t->root, 0755) == 0);
  CHECK (mkdir (t->outside, 0755) == 0);
  unit_write_file (unit_path ("outside/secret"), "host secret", 11, 0644);
  t->rootfd = open (t->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  CHECK (t->rootfd >= 0);
  snprintf (t->sentinel, sizeof (t->sentinel), "/tmp/nook-unit-escape-%d", (int)getpid ());
}

/* Nothing was created beside the root or in the outside directory, nor at
   the sentinel path.  */
static void
tree_done (struct tree *t, const char *file, int line)
{
  unit_check_str_ (unit_list_dir (unit_tmpdir ()), "outside root", file, line, "the temp dir",
                   "outside root");
  unit_check_str_ (unit_list_dir (t->outside), "secret", file, line, "the outside dir", "secret");
  unit_check_str_ (unit_read_file (unit_path ("outside/secret"), NULL), "host secret", file, line,
                   "outside/secret", "host secret");
  if (unit_exists (t->sentinel))
    {
      unit_fail_ (file, line, "%s exists: something escaped the root", t->sentinel);
      unit_rm_rf_ (AT_FDCWD, t->sentinel);
    }
  close (t->rootfd);
}
#define TREE_DONE(t) tree_done ((t), __FILE__, __LINE__)

static void
mk (struct tree *t, const char *rel)
{
  if (!CHECK (mkdir (unit_fmt ("%s/%s", t->root, rel), 0755) == 0))
    unit_note ("mkdir %s: %s", rel, strerror (errno));
}

static void
ln (struct tree *t, const char *target, const char *rel)
{
  if (!CHECK (symlink (target, unit_fmt ("%s/%s", t->root, rel)) == 0))
    unit_note ("symlink %s: %s", rel, strerror (errno));
}

/* Split PATH on "/" keeping "." and ".." for the walk to handle.  */
static char **
split (const char *path)
{
  char **v = xzalloc (sizeof (char *));
  for (const char *p = path; *p;)
    {
      const char *end = strchr (p, '/');
      size_t len = end ? (size_t)(end - p) : strlen (p);
      if (len)
        strv_push (&v, xstrndup (p, len));
      if (end == NULL)
        break;
      p = end + 1;
    }
  return v;
}

/* FD is the file at TREE->root/REL.  */
static bool
same_file (int fd, const struct tree *t, const char *rel, const char *file, int line)
{
  struct stat a, b;
  const char *path = rel[0] ? unit_fmt ("%s/%s", t->root, rel) : t->root;
  if (fstat (fd, &a) < 0 || lstat (path, &b) < 0)
    {
      unit_fail_ (file, line, "cannot stat the result or %s: %s", path, strerror (errno));
      return false;
    }
  if (a.st_dev != b.st_dev || a.st_ino != b.st_ino)
    {
      unit_fail_ (file, line, "the fd is not ROOT/%s", rel);
      return false;
    }
  return true;
}

/* Resolve PATH; on success check the fd is ROOT/WANT and *resolved is
   WANT.  */
static void
check_resolve (struct tree *t, const char *path, bool create, const char *want, const char *file,
               int line)
{
  _cleanup_strv_ char **comps = split (path);
  _cleanup_free_ char *resolved = NULL;
  nook_error_t err = NULL;
  int fd = -1;

  if (nook_resolve_dir (t->rootfd, comps, strv_len (comps), create, &fd, &resolved, &err) < 0)
    {
      unit_fail_ (file, line, "nook_resolve_dir (\"%s\") failed: %s", path, err->msg);
      nook_error_free (&err);
      return;
    }
  if (!unit_check_str_ (resolved, want, file, line, "resolved", want))
    unit_note ("  resolving \"%s\"", path);
  same_file (fd, t, want, file, line);
  close (fd);
}
#define CHECK_RESOLVE(t, p, c, w) check_resolve ((t), (p), (c), (w), __FILE__, __LINE__)

static void
check_resolve_fails (struct tree *t, const char *path, bool create, int errnum, const char *file,
                     int line)
{
  _cleanup_strv_ char **comps = split (path);
  _cleanup_free_ char *resolved = NULL;
  nook_error_t err = NULL;
  int fd = -1;

  if (nook_resolve_dir (t->rootfd, comps, strv_len (comps), create, &fd, &resolved, &err) >= 0)
    {
      unit_fail_ (file, line, "nook_resolve_dir (\"%s\") succeeded: %s", path, resolved);
      close (fd);
      return;
    }
  if (err == NULL || err->errnum != errnum)
    unit_fail_ (file, line, "nook_resolve_dir (\"%s\"): expected %s, got %s (errno %d)", path,
                strerror (errnum), err ? err->msg : "no error", err ? err->errnum : 0);
  if (resolved)
    unit_fail_ (file, line, "*resolved set on failure");
  nook_error_free (&err);
}
#define CHECK_RESOLVE_FAILS(t, p, c, e) check_resolve_fails ((t), (p), (c), (e), __FILE__, __LINE__)

/* ---- nook_resolve_dir ---- */

TEST (resolve_plain)
{
  struct tree t;
  tree_init (&t);
  mk (&t, "a");
  mk (&t, "a/b");
  CHECK_RESOLVE (&t, "", false, "");
  CHECK_RESOLVE (&t, "a", false, "a");
  CHECK_RESOLVE (&t, "a/b", false, "a/b");
  CHECK_RESOLVE (&t, "./a/./b/.", false, "a/b");
  CHECK_RESOLVE (&t, "a/b/..", false, "a");
  CHECK_RESOLVE_FAILS (&t, "a/missing", false, ENOENT);
  CHECK (!unit_exists (unit_fmt ("%s/a/missing", t.root)));
  CHECK_RESOLVE (&t, "a/new/deeper", true, "a/new/deeper");
  TREE_DONE (&t);
}

TEST (resolve_resolved_is_optional)
{
  struct tree t;
  _cleanup_strv_ char **comps = split ("a");
  nook_error_t err = NULL;
  int fd = -1;

  tree_init (&t);
  mk (&t, "a");
  if (CHECK_OK (nook_resolve_dir (t.rootfd, comps, 1, false, &fd, NULL, &err), &err))
    {
      same_file (fd, &t, "a", __FILE__, __LINE__);
      close (fd);
    }
  TREE_DONE (&t);
}

TEST (resolve_absolute_symlink_to_root)
{
  struct tree t;
  tree_init (&t);
  ln (&t, "/", "esc");
  CHECK_RESOLVE_FAILS (&t, "esc/etc", false, ENOENT);
  CHECK_RESOLVE (&t, "esc/etc", true, "etc");
  CHECK_RESOLVE (&t, "esc/etc", false, "etc");
  CHECK_RESOLVE (&t, "esc/esc/esc/etc", false, "etc");
  CHECK_RESOLVE (&t, "esc", false, "");
  TREE_DONE (&t);
}

TEST (resolve_absolute_symlink_outside)
{
  /* A link naming a real host directory lands at the same path inside.  */
  struct tree t;
  const char *inner;
  tree_init (&t);
  ln (&t, t.outside, "esc");
  ln (&t, t.sentinel, "sentinel");
  inner = unit_fmt ("%s/new", t.outside + 1);
  CHECK_RESOLVE (&t, "esc/new", true, inner);
  CHECK_RESOLVE (&t, "sentinel/x", true, unit_fmt ("%s/x", t.sentinel + 1));
  TREE_DONE (&t);
}

TEST (resolve_relative_escape)
{
  struct tree t;
  tree_init (&t);
  mk (&t, "a");
  mk (&t, "a/b");
  ln (&t, "../../../..", "a/b/esc");
  ln (&t, "../../../../../outside", "a/b/out");
  CHECK_RESOLVE (&t, "a/b/esc", false, "");
  CHECK_RESOLVE (&t, "a/b/esc/x", true, "x");
  CHECK_RESOLVE (&t, "a/b/out/y", true, "outside/y");
  CHECK_RESOLVE (&t, "a/b/esc/a/b/esc/a", false, "a");
  TREE_DONE (&t);
}

TEST (resolve_symlink_chains)
{
  struct tree t;
  tree_init (&t);
  mk (&t, "d");
  ln (&t, "b", "d/a");
  ln (&t, "c", "d/b");
  ln (&t, "../..", "d/c");
  CHECK_RESOLVE (&t, "d/a/etc", true, "etc");
  /* Absolute and relative mixed: x1 -> /x2 -> ../../../tmp.  */
  ln (&t, "/x2", "x1");
  ln (&t, "../../../tmp", "x2");
  CHECK_RESOLVE (&t, "x1/f", true, "tmp/f");
  /* A chain through directories: usr/lib64 -> lib.  */
  mk (&t, "usr");
  mk (&t, "usr/lib");
  ln (&t, "lib", "usr/lib64");
  ln (&t, "/usr/lib64/../../usr/./lib/", "lnk");
  CHECK_RESOLVE (&t, "usr/lib64/x", true, "usr/lib/x");
  CHECK_RESOLVE (&t, "lnk", false, "usr/lib");
  /* ".." after a link applies to where the link led, not its text.  */
  CHECK_RESOLVE (&t, "usr/lib64/..", false, "usr");
  CHECK_RESOLVE (&t, "x1/..", false, "");
  TREE_DONE (&t);
}

TEST (resolve_dangling_symlink_with_create)
{
  struct tree t;
  tree_init (&t);
  ln (&t, "/nonexistent/dir", "dl");
  CHECK_RESOLVE_FAILS (&t, "dl/y", false, ENOENT);
  CHECK_RESOLVE (&t, "dl/y", true, "nonexistent/dir/y");
  TREE_DONE (&t);
}

TEST (resolve_loops)
{
  struct tree t;
  tree_init (&t);
  ln (&t, "l2", "l1");
  ln (&t, "l1", "l2");
  ln (&t, "self", "self");
  ln (&t, "grow/x", "grow");
  ln (&t, "/abs1", "abs2");
  ln (&t, "/abs2", "abs1");
  CHECK_RESOLVE_FAILS (&t, "l1/x", false, ELOOP);
  CHECK_RESOLVE_FAILS (&t, "l1/x", true, ELOOP);
  CHECK_RESOLVE_FAILS (&t, "self", true, ELOOP);
  CHECK_RESOLVE_FAILS (&t, "grow", true, ELOOP);
  CHECK_RESOLVE_FAILS (&t, "abs1/x", true, ELOOP);
  TREE_DONE (&t);
}

TEST (resolve_many_links_are_fine)
{
  /* 30 links in a row are below the limit of 40.  */
  struct tree t;
  tree_init (&t);
  mk (&t, "target");
  for (int i = 0; i < 30; i++)
    ln (&t, i == 29 ? "target" : unit_fmt ("s%d", i + 1), unit_fmt ("s%d", i));
  CHECK_RESOLVE (&t, "s0", false, "target");
  TREE_DONE (&t);
}

TEST (resolve_not_a_directory)
{
  struct tree t;
  tree_init (&t);
  unit_write_file (unit_fmt ("%s/f", t.root), "x", 1, 0644);
  ln (&t, "f", "lf");
  ln (&t, "/f", "alf");
  CHECK (mkfifo (unit_fmt ("%s/fifo", t.root), 0644) == 0);
  CHECK_RESOLVE_FAILS (&t, "f/x", true, ENOTDIR);
  CHECK_RESOLVE_FAILS (&t, "f", false, ENOTDIR);
  CHECK_RESOLVE_FAILS (&t, "lf/x", true, ENOTDIR);
  CHECK_RESOLVE_FAILS (&t, "alf/x", true, ENOTDIR);
  CHECK_RESOLVE_FAILS (&t, "fifo/x", true, ENOTDIR);
  TREE_DONE (&t);
}

TEST (resolve_dotdot_at_root)
{
  struct tree t;
  tree_init (&t);
  mk (&t, "a");
  mk (&t, "a/b");
  CHECK_RESOLVE (&t, "..", false, "");
  CHECK_RESOLVE (&t, "../../..", false, "");
  CHECK_RESOLVE (&t, "../../../outside", true, "outside");
  CHECK_RESOLVE (&t, "a/../../b", true, "b");
  CHECK_RESOLVE (&t, "a/b/../../../../a", false, "a");
  CHECK_RESOLVE (&t, "a/b/../../..", false, "");
  TREE_DONE (&t);
}

TEST (resolve_symlink_replaced_by_dotdot)
{
  /* "link/.." must be the link's target's parent, never the directory
     the link sits in when that differs.  */
  struct tree t;
  tree_init (&t);
  mk (&t, "x");
  mk (&t, "x/y");
  mk (&t, "z");
  ln (&t, "/x/y", "z/l");
  CHECK_RESOLVE (&t, "z/l/..", false, "x");
  TREE_DONE (&t);
}

/* ---- nook_open_in_root ---- */

/* Open PATH and check that the result is ROOT/WANT.  */
static void
check_open (struct tree *t, const char *path, int flags, enum nook_inroot_create create,
            const char *want, const char *file, int line)
{
  nook_error_t err = NULL;
  int fd = nook_open_in_root (t->rootfd, path, flags, create, &err);
  if (fd < 0)
    {
      unit_fail_ (file, line, "nook_open_in_root (\"%s\") failed: %s", path,
                  err ? err->msg : "(no error)");
      nook_error_free (&err);
      return;
    }
  if (!same_file (fd, t, want, file, line))
    unit_note ("  opening \"%s\"", path);
  if (fcntl (fd, F_GETFD) != FD_CLOEXEC)
    unit_fail_ (file, line, "the fd is not O_CLOEXEC");
  close (fd);
}
#define CHECK_OPEN(t, p, f, c, w) check_open ((t), (p), (f), (c), (w), __FILE__, __LINE__)

static void
check_open_fails (struct tree *t, const char *path, int flags, enum nook_inroot_create create,
                  int errnum, const char *file, int line)
{
  nook_error_t err = NULL;
  int fd = nook_open_in_root (t->rootfd, path, flags, create, &err);
  if (fd >= 0)
    {
      char buf[64] = "";
      ssize_t n = read (fd, buf, sizeof (buf) - 1);
      unit_fail_ (file, line, "nook_open_in_root (\"%s\") succeeded (read: \"%.*s\")", path,
                  (int)(n > 0 ? n : 0), buf);
      close (fd);
      return;
    }
  if (err == NULL || err->errnum != errnum)
    unit_fail_ (file, line, "nook_open_in_root (\"%s\"): expected %s, got %s (errno %d)", path,
                strerror (errnum), err ? err->msg : "no error", err ? err->errnum : 0);
  nook_error_free (&err);
}
#define CHECK_OPEN_FAILS(t, p, f, c, e)                                                            \
  check_open_fails ((t), (p), (f), (c), (e), __FILE__, __LINE__)

TEST (open_plain)
{
  struct tree t;
  tree_init (&t);
  mk (&t, "etc");
  unit_write_file (unit_fmt ("%s/etc/hosts", t.root), "x", 1, 0644);
  CHECK_OPEN (&t, "etc/hosts", O_RDONLY, NOOK_INROOT_NONE, "etc/hosts");
  CHECK_OPEN (&t, "/etc/hosts", O_RDONLY, NOOK_INROOT_NONE, "etc/hosts");
  CHECK_OPEN (&t, "../../etc/./hosts", O_RDONLY, NOOK_INROOT_NONE, "etc/hosts");
  CHECK_OPEN (&t, "", O_RDONLY | O_DIRECTORY, NOOK_INROOT_NONE, "");
  CHECK_OPEN (&t, "/", O_RDONLY | O_DIRECTORY, NOOK_INROOT_NONE, "");
  CHECK_OPEN (&t, "etc", O_RDONLY | O_DIRECTORY, NOOK_INROOT_NONE, "etc");
  CHECK_OPEN_FAILS (&t, "etc/missing", O_RDONLY, NOOK_INROOT_NONE, ENOENT);
  CHECK_OPEN_FAILS (&t, "missing/x", O_RDONLY, NOOK_INROOT_NONE, ENOENT);
  CHECK (!unit_exists (unit_fmt ("%s/missing", t.root)));
  TREE_DONE (&t);
}

TEST (open_create)
{
  struct tree t;
  struct stat st;
  tree_init (&t);
  CHECK_OPEN (&t, "a/b/file", O_RDWR, NOOK_INROOT_FILE, "a/b/file");
  CHECK (lstat (unit_fmt ("%s/a/b/file", t.root), &st) == 0 && S_ISREG (st.st_mode)
         && st.st_size == 0);
  CHECK_OPEN (&t, "c/d/dir", O_RDONLY | O_DIRECTORY, NOOK_INROOT_DIR, "c/d/dir");
  CHECK (lstat (unit_fmt ("%s/c/d/dir", t.root), &st) == 0 && S_ISDIR (st.st_mode));
  /* Creating what exists keeps it: a file's content, a directory.  */
  unit_write_file (unit_fmt ("%s/a/b/file", t.root), "keep", 4, 0644);
  CHECK_OPEN (&t, "a/b/file", O_RDONLY, NOOK_INROOT_FILE, "a/b/file");
  CHECK_STR_EQ (unit_read_file (unit_fmt ("%s/a/b/file", t.root), NULL), "keep");
  CHECK_OPEN (&t, "c/d/dir", O_RDONLY | O_DIRECTORY, NOOK_INROOT_DIR, "c/d/dir");
  CHECK_OPEN (&t, "c/d/dir", O_RDONLY | O_DIRECTORY, NOOK_INROOT_FILE, "c/d/dir");
  TREE_DONE (&t);
}

TEST (open_final_symlink_absolute)
{
  /* The final link is followed inside the root: never the host's file.  */
  struct tree t;
  char buf[32] = "";
  nook_error_t err = NULL;
  int fd;

  tree_init (&t);
  ln (&t, unit_fmt ("%s/secret", t.outside), "secret-link");
  ln (&t, "/etc/passwd", "passwd-link");
  ln (&t, t.sentinel, "sentinel-link");
  CHECK_OPEN_FAILS (&t, "secret-link", O_RDONLY, NOOK_INROOT_NONE, ENOENT);
  CHECK_OPEN_FAILS (&t, "passwd-link", O_RDONLY, NOOK_INROOT_NONE, ENOENT);
  CHECK_OPEN (&t, "passwd-link", O_RDONLY, NOOK_INROOT_FILE, "etc/passwd");
  CHECK_OPEN (&t, "sentinel-link", O_RDONLY, NOOK_INROOT_FILE, unit_fmt ("%s", t.sentinel + 1));
  /* Writing through the fd changes the file inside only.  */
  fd = nook_open_in_root (t.rootfd, "secret-link", O_WRONLY, NOOK_INROOT_FILE, &err);
  if (CHECK (fd >= 0))
    {
      CHECK (write (fd, "inside", 6) == 6);
      close (fd);
    }
  nook_error_free (&err);
  CHECK_STR_EQ (unit_read_file (unit_fmt ("%s%s/secret", t.root, t.outside), NULL), "inside");
  fd = open (unit_fmt ("%s/secret", t.outside), O_RDONLY | O_CLOEXEC);
  CHECK (fd >= 0 && read (fd, buf, sizeof (buf) - 1) == 11);
  close (fd);
  CHECK_STR_EQ (buf, "host secret");
  TREE_DONE (&t);
}

TEST (open_final_symlink_relative)
{
  struct tree t;
  tree_init (&t);
  mk (&t, "sub");
  mk (&t, "sub/deeper");
  ln (&t, "../../../outside-file", "sub/l");
  ln (&t, "../../../../outside/secret", "sub/deeper/l2");
  CHECK_OPEN_FAILS (&t, "sub/l", O_RDONLY, NOOK_INROOT_NONE, ENOENT);
  CHECK_OPEN (&t, "sub/l", O_RDWR, NOOK_INROOT_FILE, "outside-file");
  CHECK_OPEN (&t, "sub/deeper/l2", O_RDWR, NOOK_INROOT_FILE, "outside/secret");
  /* A link in a directory reached through another link: relative to the
     real directory.  */
  ln (&t, "sub/deeper", "dl");
  ln (&t, "../sibling", "sub/deeper/s");
  CHECK_OPEN (&t, "dl/s", O_RDWR, NOOK_INROOT_FILE, "sub/sibling");
  TREE_DONE (&t);
}

TEST (open_through_escaping_dirs)
{
  struct tree t;
  tree_init (&t);
  ln (&t, "/", "esc");
  mk (&t, "a");
  ln (&t, "../../../../..", "a/up");
  ln (&t, t.outside, "out");
  CHECK_OPEN (&t, "esc/etc/passwd", O_RDWR, NOOK_INROOT_FILE, "etc/passwd");
  CHECK_OPEN (&t, "a/up/etc/group", O_RDWR, NOOK_INROOT_FILE, "etc/group");
  CHECK_OPEN_FAILS (&t, "out/secret", O_RDONLY, NOOK_INROOT_NONE, ENOENT);
  CHECK_OPEN (&t, "out/secret", O_RDONLY, NOOK_INROOT_FILE, unit_fmt ("%s/secret", t.outside + 1));
  CHECK_OPEN (&t, "esc", O_RDONLY | O_DIRECTORY, NOOK_INROOT_NONE, "");
  TREE_DONE (&t);
}

TEST (open_loops)
{
  struct tree t;
  tree_init (&t);
  ln (&t, "l2", "l1");
  ln (&t, "l1", "l2");
  ln (&t, "/abs2", "abs1");
  ln (&t, "abs1", "abs2");
  mk (&t, "d");
  ln (&t, "../d/../d/x", "d/x");
  CHECK_OPEN_FAILS (&t, "l1", O_RDONLY, NOOK_INROOT_NONE, ELOOP);
  CHECK_OPEN_FAILS (&t, "l1", O_RDONLY, NOOK_INROOT_FILE, ELOOP);
  CHECK_OPEN_FAILS (&t, "abs1", O_RDONLY, NOOK_INROOT_FILE, ELOOP);
  CHECK_OPEN_FAILS (&t, "d/x", O_RDONLY, NOOK_INROOT_FILE, ELOOP);
  CHECK_OPEN_FAILS (&t, "l1/x", O_RDONLY, NOOK_INROOT_FILE, ELOOP);
  TREE_DONE (&t);
}

TEST (open_not_a_directory)
{
  struct tree t;
  tree_init (&t);
  unit_write_file (unit_fmt ("%s/f", t.root), "x", 1, 0644);
  CHECK_OPEN_FAILS (&t, "f/x", O_RDONLY, NOOK_INROOT_FILE, ENOTDIR);
  CHECK_OPEN_FAILS (&t, "f/x", O_RDONLY, NOOK_INROOT_DIR, ENOTDIR);
  CHECK_OPEN_FAILS (&t, "f", O_RDONLY | O_DIRECTORY, NOOK_INROOT_NONE, ENOTDIR);
  TREE_DONE (&t);
}

/* ---- openat2 ---- */

TEST (open_beneath)
{
  struct tree t;
  int fd;
  tree_init (&t);
  mk (&t, "a");
  ln (&t, "/a", "abs");
  fd = nook_open_beneath (t.rootfd, "a", O_PATH | O_DIRECTORY, RESOLVE_BENEATH);
  if (fd < 0 && errno == ENOSYS)
    {
      TREE_DONE (&t);
      SKIP ("openat2 is not available");
    }
  CHECK (fd >= 0);
  if (fd >= 0)
    close (fd);
  errno = 0;
  CHECK (nook_open_beneath (t.rootfd, "../outside", O_PATH, RESOLVE_BENEATH) < 0);
  CHECK_INT_EQ (errno, EXDEV);
  errno = 0;
  CHECK (nook_open_beneath (t.rootfd, "abs", O_PATH, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS) < 0);
  CHECK_INT_EQ (errno, ELOOP);
  TREE_DONE (&t);
}

UNIT_MAIN ()
