/* pkg/container/prepare.c: the look-up of the program made while the
   runtime sets the container up.  It follows the runtime's PATH search,
   and a hostile rootfs cannot lead it outside.  */
#include "unit.h"

#include "container/container.h"

#include <sys/stat.h>

static void
make_file (const char *path)
{
  int fd = open (path, O_WRONLY | O_CREAT | O_CLOEXEC, 0755);
  CHECK (fd >= 0);
  close (fd);
}

static bool
warm (const char *root, const char *program, const char *path)
{
  struct container_rootfs r
      = { .merged = (char *)root, .program = (char *)program, .path = (char *)path };
  return container_rootfs_warm (&r);
}

TEST (warm_follows_path)
{
  const char *root = unit_path ("root");

  CHECK_INT_EQ (mkdir (root, 0755), 0);
  CHECK_INT_EQ (mkdir (unit_path ("root/bin"), 0755), 0);
  CHECK_INT_EQ (mkdir (unit_path ("root/opt"), 0755), 0);
  make_file (unit_path ("root/bin/prog"));
  make_file (unit_path ("root/opt/other"));
  /* The runtime's default PATH ends in /bin.  */
  CHECK (warm (root, "prog", NULL));
  CHECK (warm (root, "prog", "/nope::/usr/bin:/bin"));
  CHECK (!warm (root, "prog", "/opt:/usr/bin"));
  CHECK (!warm (root, "other", NULL));
  CHECK (warm (root, "other", "/opt"));
  CHECK (warm (root, "/opt/other", "/nope"));
  CHECK (!warm (root, "/bin/missing", NULL));
  CHECK (!warm (root, NULL, NULL));
  CHECK (!warm (root, "", NULL));
  CHECK (!warm (unit_path ("no-root"), "prog", NULL));
}

/* Symlinks in the image resolve inside the rootfs, as the container sees
   them: never to the host file of the same name.  */
TEST (warm_stays_in_root)
{
  const char *root = unit_path ("root");
  _cleanup_free_ char *outside = xasprintf ("%s/bin", unit_path ("outside"));

  CHECK_INT_EQ (mkdir (root, 0755), 0);
  CHECK_INT_EQ (mkdir (unit_path ("outside"), 0755), 0);
  CHECK_INT_EQ (mkdir (outside, 0755), 0);
  make_file (unit_path ("outside/bin/prog"));
  CHECK_INT_EQ (symlink ("../outside/bin", unit_path ("root/rel")), 0);
  CHECK_INT_EQ (symlink (outside, unit_path ("root/abs")), 0);
  CHECK_INT_EQ (symlink (unit_path ("outside/bin/prog"), unit_path ("root/link")), 0);
  CHECK (!warm (root, "prog", "/rel:/abs"));
  CHECK (!warm (root, "/link", NULL));
  CHECK (!warm (root, "/rel/prog", NULL));
  /* The same links, once what they name is in the rootfs, are followed.  */
  CHECK_INT_EQ (mkdir (unit_path ("root/outside"), 0755), 0);
  CHECK_INT_EQ (mkdir (unit_path ("root/outside/bin"), 0755), 0);
  make_file (unit_path ("root/outside/bin/prog"));
  CHECK (warm (root, "prog", "/rel"));
}

UNIT_MAIN ()
