/* pkg/util files: atomic writes, bounded reads, mkdir -p, rm -rf that
   never follows a symlink, path cleaning.  */
#include "unit.h"

#include <limits.h>

static int
open_tmp (void)
{
  return open (unit_tmpdir (), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static mode_t
mode_of (const char *path)
{
  struct stat st;
  return lstat (path, &st) == 0 ? st.st_mode & 07777 : (mode_t)-1;
}

/* ---- atomic writes ---- */

typedef int (*write_fn) (int, const char *, const void *, size_t, mode_t, nook_error_t *);

static void
check_write_basics (write_fn fn)
{
  _cleanup_close_ int dfd = open_tmp ();
  nook_error_t err = NULL;
  char *p = unit_path ("state.json");
  size_t len = 0;
  char *content;

  /* Creates.  */
  if (!CHECK_OK (fn (dfd, "state.json", "old", 3, 0600, &err), &err))
    return;
  CHECK_STR_EQ (unit_read_file (p, NULL), "old");
  CHECK_INT_EQ (mode_of (p), 0600);
  /* Replaces, with the new mode.  */
  CHECK_OK (fn (dfd, "state.json", "new content", 11, 0640, &err), &err);
  CHECK_STR_EQ (unit_read_file (p, NULL), "new content");
  CHECK_INT_EQ (mode_of (p), 0640);
  /* Empty and binary data.  */
  CHECK_OK (fn (dfd, "state.json", "", 0, 0644, &err), &err);
  content = unit_read_file (p, &len);
  CHECK_INT_EQ (len, 0);
  CHECK_OK (fn (dfd, "state.json", "a\0b", 3, 0644, &err), &err);
  content = unit_read_file (p, &len);
  CHECK_MEM_EQ (content, len, "a\0b", 3);
  /* No temporary file left behind.  */
  CHECK_STR_EQ (unit_list_dir (unit_tmpdir ()), "state.json");
}

TEST (write_atomic_basics)
{
  check_write_basics (nook_write_file_atomic);
}

TEST (write_volatile_basics)
{
  check_write_basics (nook_write_file_volatile);
}

TEST (write_atomic_in_subdir)
{
  _cleanup_close_ int dfd = open_tmp ();
  nook_error_t err = NULL;

  CHECK (mkdir (unit_path ("sub"), 0755) == 0);
  if (!CHECK_OK (nook_write_file_atomic (dfd, "sub/f", "x", 1, 0644, &err), &err))
    return;
  CHECK_STR_EQ (unit_read_file (unit_path ("sub/f"), NULL), "x");
  /* The temporary file lived next to the target and is gone.  */
  CHECK_STR_EQ (unit_list_dir (unit_path ("sub")), "f");
  CHECK_STR_EQ (unit_list_dir (unit_tmpdir ()), "sub");
  CHECK_OK (nook_write_file_volatile (dfd, "sub/g", "y", 1, 0644, &err), &err);
  CHECK_STR_EQ (unit_list_dir (unit_path ("sub")), "f g");
}

TEST (write_atomic_failures_leave_nothing)
{
  _cleanup_close_ int dfd = open_tmp ();
  nook_error_t err = NULL;

  /* The target is a directory: the rename fails and the temp file goes.  */
  CHECK (mkdir (unit_path ("dir"), 0755) == 0);
  CHECK (mkdir (unit_path ("dir/inner"), 0755) == 0);
  CHECK_FAIL (nook_write_file_atomic (dfd, "dir", "x", 1, 0644, &err), &err, "dir");
  CHECK_FAIL (nook_write_file_volatile (dfd, "dir", "x", 1, 0644, &err), &err, "dir");
  CHECK_STR_EQ (unit_list_dir (unit_tmpdir ()), "dir");
  CHECK_STR_EQ (unit_list_dir (unit_path ("dir")), "inner");
  /* A missing parent directory.  */
  CHECK_FAIL_ERRNO (nook_write_file_atomic (dfd, "missing/f", "x", 1, 0644, &err), &err, ENOENT,
                    "missing");
  CHECK_STR_EQ (unit_list_dir (unit_tmpdir ()), "dir");
}

TEST (write_atomic_replaces_symlink)
{
  /* A symlink at the target is replaced, never written through.  */
  _cleanup_close_ int dfd = open_tmp ();
  nook_error_t err = NULL;
  struct stat st;

  unit_write_file (unit_path ("victim"), "precious", 8, 0644);
  CHECK (symlink (unit_path ("victim"), unit_path ("link")) == 0);
  CHECK_OK (nook_write_file_atomic (dfd, "link", "new", 3, 0644, &err), &err);
  CHECK_STR_EQ (unit_read_file (unit_path ("victim"), NULL), "precious");
  CHECK (lstat (unit_path ("link"), &st) == 0 && S_ISREG (st.st_mode));
  CHECK_STR_EQ (unit_read_file (unit_path ("link"), NULL), "new");
}

TEST (write_atomic_old_or_new)
{
  /* A reader racing the writer always sees one whole version.  */
  enum
  {
    SIZE = 64 * 1024,
    ROUNDS = 60
  };
  _cleanup_close_ int dfd = open_tmp ();
  nook_error_t err = NULL;
  char *a = unit_keep (xmalloc (SIZE)), *b = unit_keep (xmalloc (SIZE));
  char *p = unit_path ("f");
  int status = 0;
  pid_t pid;

  memset (a, 'a', SIZE);
  memset (b, 'b', SIZE);
  if (!CHECK_OK (nook_write_file_atomic (dfd, "f", a, SIZE, 0644, &err), &err))
    return;
  pid = fork ();
  if (pid == 0)
    {
      /* The reader: exit 1 on a torn or missing file.  */
      static char buf[SIZE + 1];
      for (int i = 0; i < 4000; i++)
        {
          int fd = open (p, O_RDONLY | O_CLOEXEC);
          ssize_t n = 0, r;
          if (fd < 0)
            _exit (2);
          while ((r = read (fd, buf + n, sizeof (buf) - (size_t)n)) > 0)
            n += r;
          close (fd);
          if (n != SIZE || (memcmp (buf, a, SIZE) != 0 && memcmp (buf, b, SIZE) != 0))
            _exit (1);
        }
      _exit (0);
    }
  for (int i = 0; i < ROUNDS; i++)
    {
      if (!CHECK_OK (nook_write_file_atomic (dfd, "f", i % 2 ? a : b, SIZE, 0644, &err), &err))
        break;
      if (!CHECK_OK (nook_write_file_volatile (dfd, "f", i % 2 ? b : a, SIZE, 0644, &err), &err))
        break;
    }
  CHECK (waitpid (pid, &status, 0) == pid);
  if (!CHECK (WIFEXITED (status) && WEXITSTATUS (status) == 0))
    unit_note ("reader status %d (1: torn content, 2: file missing)", WEXITSTATUS (status));
  CHECK_STR_EQ (unit_list_dir (unit_tmpdir ()), "f");
}

/* ---- bounded reads ---- */

TEST (read_file_at)
{
  _cleanup_close_ int dfd = open_tmp ();
  nook_error_t err = NULL;
  char *out = NULL;
  size_t len = 99;
  char *big = unit_keep (xmalloc (100000));

  unit_write_file (unit_path ("small"), "hello", 5, 0644);
  if (CHECK_OK (nook_read_file_at (dfd, "small", 100, &out, &len, &err), &err))
    {
      CHECK_INT_EQ (len, 5);
      CHECK_STR_EQ (out, "hello");
      CHECK (out[5] == '\0');
      free (out);
    }
  /* Exactly MAX bytes is fine; one more is refused.  */
  if (CHECK_OK (nook_read_file_at (dfd, "small", 5, &out, NULL, &err), &err))
    free (out);
  out = NULL;
  CHECK_FAIL_ERRNO (nook_read_file_at (dfd, "small", 4, &out, &len, &err), &err, EFBIG, "small");
  CHECK (out == NULL);

  memset (big, 'z', 100000);
  unit_write_file (unit_path ("big"), big, 100000, 0644);
  if (CHECK_OK (nook_read_file_at (dfd, "big", 100000, &out, &len, &err), &err))
    {
      CHECK_INT_EQ (len, 100000);
      CHECK (memcmp (out, big, 100000) == 0 && out[100000] == '\0');
      free (out);
    }
  out = NULL;
  CHECK_FAIL_ERRNO (nook_read_file_at (dfd, "big", 50000, &out, &len, &err), &err, EFBIG,
                    "larger than 50000 bytes");
  CHECK (out == NULL);

  /* Empty files give "", a NUL-terminated buffer.  */
  unit_write_file (unit_path ("empty"), "", 0, 0644);
  if (CHECK_OK (nook_read_file_at (dfd, "empty", 0, &out, &len, &err), &err))
    {
      CHECK_INT_EQ (len, 0);
      CHECK_STR_EQ (out, "");
      free (out);
    }
  CHECK_FAIL_ERRNO (nook_read_file_at (dfd, "absent", 10, &out, &len, &err), &err, ENOENT,
                    "open `absent`: No such file or directory");
}

TEST (read_file_at_nul_inside)
{
  _cleanup_close_ int dfd = open_tmp ();
  nook_error_t err = NULL;
  char *out = NULL;
  size_t len = 0;

  unit_write_file (unit_path ("bin"), "a\0b", 3, 0644);
  if (CHECK_OK (nook_read_file_at (dfd, "bin", 10, &out, &len, &err), &err))
    {
      CHECK_MEM_EQ (out, len, "a\0b", 3);
      CHECK (out[3] == '\0');
      free (out);
    }
}

/* nook_read_record_at: whole files in one read when they fit (a short
   read is the end), bigger ones across reads; no symlink anywhere on the
   path, nothing above the directory.  */
TEST (read_record_at)
{
  _cleanup_close_ int dfd = open_tmp ();
  nook_error_t err = NULL;
  char *out = NULL;
  size_t len = 0;
  char *big = unit_keep (xmalloc (70000));

  memset (big, 'r', 70000);
  CHECK (mkdir (unit_path ("c"), 0700) == 0);
  unit_write_file (unit_path ("c/small"), "{}", 2, 0600);
  unit_write_file (unit_path ("c/big"), big, 70000, 0600);
  unit_write_file (unit_path ("c/empty"), "", 0, 0600);
  if (CHECK_OK (nook_read_record_at (dfd, "c/small", 100, &out, &len, &err), &err))
    {
      CHECK_INT_EQ (len, 2);
      CHECK_STR_EQ (out, "{}");
      free (out);
    }
  /* 8 KiB, 16 KiB, ...: every read but the last fills what it asked.  */
  if (CHECK_OK (nook_read_record_at (dfd, "c/big", 70000, &out, &len, &err), &err))
    {
      CHECK_INT_EQ (len, 70000);
      CHECK (memcmp (out, big, 70000) == 0 && out[70000] == '\0');
      free (out);
    }
  CHECK_FAIL_ERRNO (nook_read_record_at (dfd, "c/big", 69999, &out, &len, &err), &err, EFBIG,
                    "larger than 69999 bytes");
  if (CHECK_OK (nook_read_record_at (dfd, "c/empty", 10, &out, &len, &err), &err))
    {
      CHECK_INT_EQ (len, 0);
      free (out);
    }
  CHECK_FAIL_ERRNO (nook_read_record_at (dfd, "c/absent", 10, &out, &len, &err), &err, ENOENT,
                    "open `c/absent`");
  /* A symlinked directory or file, and "..", are refused.  */
  CHECK (symlink ("c", unit_path ("l")) == 0 && symlink ("small", unit_path ("c/ls")) == 0);
  CHECK_FAIL_ERRNO (nook_read_record_at (dfd, "l/small", 10, &out, &len, &err), &err, ELOOP,
                    "open `l/small`");
  CHECK_FAIL_ERRNO (nook_read_record_at (dfd, "c/ls", 10, &out, &len, &err), &err, ELOOP,
                    "open `c/ls`");
  CHECK_FAIL_ERRNO (nook_read_record_at (dfd, "../x", 10, &out, &len, &err), &err, EXDEV,
                    "open `../x`");
}

/* ---- mkdir -p ---- */

TEST (mkdir_p)
{
  _cleanup_close_ int dfd = open_tmp ();
  nook_error_t err = NULL;
  struct stat st;

  CHECK_OK (nook_mkdir_p (dfd, "a/b/c", 0750, &err), &err);
  CHECK (stat (unit_path ("a/b/c"), &st) == 0 && S_ISDIR (st.st_mode));
  CHECK_INT_EQ (mode_of (unit_path ("a/b/c")), 0750);
  CHECK_INT_EQ (mode_of (unit_path ("a")), 0750);
  /* Existing directories are fine, trailing and doubled slashes too.  */
  CHECK_OK (nook_mkdir_p (dfd, "a/b/c", 0755, &err), &err);
  CHECK_OK (nook_mkdir_p (dfd, "a//b/d/", 0755, &err), &err);
  CHECK (stat (unit_path ("a/b/d"), &st) == 0 && S_ISDIR (st.st_mode));
  CHECK_OK (nook_mkdir_p (dfd, "single", 0755, &err), &err);
  CHECK (stat (unit_path ("single"), &st) == 0 && S_ISDIR (st.st_mode));
  /* An absolute path ignores DIRFD.  */
  CHECK_OK (nook_mkdir_p (-1, unit_path ("abs/x"), 0755, &err), &err);
  CHECK (stat (unit_path ("abs/x"), &st) == 0 && S_ISDIR (st.st_mode));
  /* A file in the way.  */
  unit_write_file (unit_path ("a/file"), "", 0, 0644);
  CHECK_FAIL_ERRNO (nook_mkdir_p (dfd, "a/file/x", 0755, &err), &err, ENOTDIR, "a/file/x");
}

TEST (mkdir_p_file_at_the_end)
{
  /* Regression, fixed — it used to be that nook_mkdir_p (pkg/util/fs.c) takes EEXIST from mkdirat as
     "the directory is there", but a regular file (or a symlink to one)
     gives EEXIST too: nook_mkdir_p (dfd, "a/file") returns 0 although
     no directory a/file exists, and the caller fails later with a less
     clear ENOTDIR.  mkdir -p says "File exists".  Expected: -1.  */
  _cleanup_close_ int dfd = open_tmp ();
  nook_error_t err = NULL;

  CHECK (mkdir (unit_path ("a"), 0755) == 0);
  unit_write_file (unit_path ("a/file"), "", 0, 0644);
  CHECK_FAIL (nook_mkdir_p (dfd, "a/file", 0755, &err), &err, "a/file");
}

TEST (mkdir_p_empty_path)
{
  /* Regression, fixed — it used to be that nook_mkdir_p (pkg/util/fs.c) starts scanning at p + 1: for
     the empty path that is one byte past the string's terminator, so it
     reads (and, on finding a '/', writes a NUL into) memory past the
     1-byte allocation.  AddressSanitizer reports a heap-buffer-overflow.
     Expected: an error (ENOENT, as mkdir ("") gives) and no memory
     access out of bounds.  */
  _cleanup_close_ int dfd = open_tmp ();
  nook_error_t err = NULL;
  CHECK_FAIL (nook_mkdir_p (dfd, "", 0755, &err), &err, NULL);
}

/* ---- rm -rf ---- */

static void
make_tree (const char *top)
{
  char *t = unit_path (top);
  CHECK (mkdir (t, 0755) == 0);
  CHECK (mkdir (unit_fmt ("%s/d1", t), 0755) == 0);
  CHECK (mkdir (unit_fmt ("%s/d1/d2", t), 0755) == 0);
  CHECK (mkdir (unit_fmt ("%s/d1/d2/d3", t), 0755) == 0);
  unit_write_file (unit_fmt ("%s/f", t), "x", 1, 0644);
  unit_write_file (unit_fmt ("%s/d1/d2/d3/deep", t), "x", 1, 0000);
  CHECK (mkfifo (unit_fmt ("%s/d1/fifo", t), 0600) == 0);
  CHECK (symlink ("dangling", unit_fmt ("%s/d1/dangling", t)) == 0);
  /* Read-only directories, with content, nested.  */
  CHECK (mkdir (unit_fmt ("%s/ro", t), 0755) == 0);
  unit_write_file (unit_fmt ("%s/ro/file", t), "x", 1, 0444);
  CHECK (mkdir (unit_fmt ("%s/ro/none", t), 0755) == 0);
  unit_write_file (unit_fmt ("%s/ro/none/file", t), "x", 1, 0644);
  CHECK (mkdir (unit_fmt ("%s/ro/none/inner", t), 0755) == 0);
  CHECK (chmod (unit_fmt ("%s/ro/none/inner", t), 0000) == 0);
  CHECK (chmod (unit_fmt ("%s/ro/none", t), 0000) == 0);
  CHECK (chmod (unit_fmt ("%s/ro", t), 0500) == 0);
}

TEST (rm_tree)
{
  _cleanup_close_ int dfd = open_tmp ();
  nook_error_t err = NULL;

  make_tree ("tree");
  CHECK_OK (nook_rm_tree_at (dfd, "tree", &err), &err);
  CHECK (!unit_exists (unit_path ("tree")));
  CHECK_STR_EQ (unit_list_dir (unit_tmpdir ()), "");
  /* Missing is fine; a single file and a single symlink are removed.  */
  CHECK_OK (nook_rm_tree_at (dfd, "tree", &err), &err);
  unit_write_file (unit_path ("file"), "x", 1, 0644);
  CHECK_OK (nook_rm_tree_at (dfd, "file", &err), &err);
  CHECK (!unit_exists (unit_path ("file")));
}

TEST (rm_tree_read_only_top)
{
  _cleanup_close_ int dfd = open_tmp ();
  nook_error_t err = NULL;

  CHECK (mkdir (unit_path ("a"), 0755) == 0);
  CHECK (mkdir (unit_path ("a/b"), 0755) == 0);
  unit_write_file (unit_path ("a/b/f"), "x", 1, 0644);
  CHECK (chmod (unit_path ("a/b"), 0000) == 0);
  CHECK (chmod (unit_path ("a"), 0000) == 0);
  CHECK_OK (nook_rm_tree_at (dfd, "a", &err), &err);
  CHECK (!unit_exists (unit_path ("a")));
}

TEST (rm_tree_never_follows_symlinks)
{
  _cleanup_close_ int dfd = open_tmp ();
  nook_error_t err = NULL;
  char *out = unit_path ("outside");

  CHECK (mkdir (out, 0755) == 0);
  CHECK (mkdir (unit_path ("outside/sub"), 0755) == 0);
  unit_write_file (unit_path ("outside/keep"), "precious", 8, 0644);
  unit_write_file (unit_path ("outside/sub/keep2"), "precious", 8, 0644);
  CHECK (chmod (unit_path ("outside/sub"), 0555) == 0);

  CHECK (mkdir (unit_path ("tree"), 0755) == 0);
  CHECK (mkdir (unit_path ("tree/d"), 0755) == 0);
  CHECK (symlink (out, unit_path ("tree/abs")) == 0);
  CHECK (symlink ("../../outside", unit_path ("tree/d/rel")) == 0);
  CHECK (symlink (unit_path ("outside/keep"), unit_path ("tree/d/file-link")) == 0);
  CHECK (symlink (unit_path ("outside/sub"), unit_path ("tree/d/ro-link")) == 0);
  /* A symlink at the top is removed itself.  */
  CHECK (symlink (out, unit_path ("top-link")) == 0);

  CHECK_OK (nook_rm_tree_at (dfd, "tree", &err), &err);
  CHECK_OK (nook_rm_tree_at (dfd, "top-link", &err), &err);
  CHECK (!unit_exists (unit_path ("tree")));
  CHECK (!unit_exists (unit_path ("top-link")));
  CHECK_STR_EQ (unit_list_dir (out), "keep sub");
  CHECK_STR_EQ (unit_read_file (unit_path ("outside/keep"), NULL), "precious");
  CHECK_STR_EQ (unit_read_file (unit_path ("outside/sub/keep2"), NULL), "precious");
  /* Not even the permissions of what a link points at were touched.  */
  CHECK_INT_EQ (mode_of (unit_path ("outside/sub")), 0555);
  CHECK_INT_EQ (mode_of (unit_path ("outside/keep")), 0644);
  CHECK_INT_EQ (mode_of (out), 0755);
}

/* ---- locks and small helpers ---- */

TEST (locks)
{
  nook_error_t err = NULL;
  char *p = unit_path ("lock");
  int a, b;

  unit_write_file (p, "", 0, 0644);
  a = open (p, O_RDONLY | O_CLOEXEC);
  b = open (p, O_RDONLY | O_CLOEXEC); /* another open file description */
  CHECK (a >= 0 && b >= 0);
  CHECK_OK (nook_lock (a, true, &err), &err);
  CHECK_INT_EQ (nook_trylock (b, true, &err), 0);
  CHECK_INT_EQ (nook_trylock (b, false, &err), 0);
  close (a);
  CHECK_INT_EQ (nook_trylock (b, true, &err), 1);
  a = open (p, O_RDONLY | O_CLOEXEC);
  CHECK_INT_EQ (nook_trylock (a, false, &err), 0);
  close (b);
  /* Shared locks share.  */
  b = open (p, O_RDONLY | O_CLOEXEC);
  CHECK_INT_EQ (nook_trylock (a, false, &err), 1);
  CHECK_INT_EQ (nook_trylock (b, false, &err), 1);
  CHECK_INT_EQ (nook_trylock (b, true, &err), 0);
  CHECK_FAIL (nook_trylock (-1, true, &err), &err, "lock");
  close (a);
  close (b);
}

TEST (open_dir_and_cloexec)
{
  nook_error_t err = NULL;
  int fd;
  _cleanup_free_ char *self = NULL;

  fd = nook_open_dir (AT_FDCWD, unit_tmpdir (), &err);
  if (CHECK (fd >= 0))
    {
      CHECK (fcntl (fd, F_GETFD) & FD_CLOEXEC);
      CHECK_INT_EQ (nook_set_cloexec (fd, false), 0);
      CHECK (!(fcntl (fd, F_GETFD) & FD_CLOEXEC));
      CHECK_INT_EQ (nook_set_cloexec (fd, true), 0);
      CHECK (fcntl (fd, F_GETFD) & FD_CLOEXEC);
      close (fd);
    }
  nook_error_free (&err);
  unit_write_file (unit_path ("file"), "", 0, 0644);
  CHECK_FAIL_ERRNO (nook_open_dir (AT_FDCWD, unit_path ("file"), &err), &err, ENOTDIR, "file");
  CHECK_FAIL_ERRNO (nook_open_dir (AT_FDCWD, unit_path ("none"), &err), &err, ENOENT,
                    "No such file or directory");
  if (CHECK_OK (nook_self_dir (&self, &err), &err))
    CHECK_STR_HAS (self, "/");
}

/* ---- path cleaning ---- */

static void
check_clean (const char *path, const char *want, const char *file, int line)
{
  _cleanup_strv_ char **comps = NULL;
  nook_error_t err = NULL;
  struct nook_buf b = { 0 };

  if (nook_path_clean (path, &comps, &err) < 0)
    {
      unit_fail_ (file, line, "nook_path_clean (\"%s\") failed: %s", path, err->msg);
      nook_error_free (&err);
      return;
    }
  for (size_t i = 0; comps[i]; i++)
    {
      if (i)
        nook_buf_putc (&b, ' ');
      nook_buf_puts (&b, comps[i]);
    }
  if (!unit_check_str_ (b.data ? b.data : "", want, file, line, path, want))
    unit_note ("  cleaning \"%s\"", path);
  nook_buf_free (&b);
}
#define CHECK_CLEAN(p, w) check_clean ((p), (w), __FILE__, __LINE__)

TEST (path_clean)
{
  CHECK_CLEAN ("/a/../../b", "b");
  CHECK_CLEAN ("../../x", "x");
  CHECK_CLEAN ("./a//b/.", "a b");
  CHECK_CLEAN ("/", "");
  CHECK_CLEAN ("", "");
  CHECK_CLEAN (".", "");
  CHECK_CLEAN ("..", "");
  CHECK_CLEAN ("a/..", "");
  CHECK_CLEAN ("a/b/../c/./d/..", "a c");
  CHECK_CLEAN ("///usr///lib//", "usr lib");
  CHECK_CLEAN ("...", "...");
  CHECK_CLEAN ("..a/b..", "..a b..");
  CHECK_CLEAN (".wh..wh..opq", ".wh..wh..opq");
}

TEST (path_clean_limits)
{
  _cleanup_strv_ char **comps = NULL;
  nook_error_t err = NULL;
  char name[NAME_MAX + 2];
  char *longpath = unit_keep (xmalloc (PATH_MAX + 1));

  memset (name, 'n', NAME_MAX);
  name[NAME_MAX] = '\0';
  CHECK_CLEAN (unit_fmt ("a/%s/b", name), unit_fmt ("a %s b", name));
  name[NAME_MAX] = 'n';
  name[NAME_MAX + 1] = '\0';
  CHECK_FAIL_ERRNO (nook_path_clean (unit_fmt ("a/%s/b", name), &comps, &err), &err, ENAMETOOLONG,
                    NULL);
  CHECK (comps == NULL);
  /* A long component is refused even when ".." would drop it.  */
  CHECK_FAIL_ERRNO (nook_path_clean (unit_fmt ("%s/..", name), &comps, &err), &err, ENAMETOOLONG,
                    NULL);
  memset (longpath, 'a', PATH_MAX);
  for (size_t i = 100; i < PATH_MAX; i += 100)
    longpath[i] = '/';
  longpath[PATH_MAX] = '\0';
  CHECK_FAIL_ERRNO (nook_path_clean (longpath, &comps, &err), &err, ENAMETOOLONG, NULL);
  CHECK (comps == NULL);
}

UNIT_MAIN ()
