/* XDG paths.  A helper is found relative to the running executable, so an
   installed nook finds PREFIX/libexec/nook whatever PREFIX was.  */
#include "config/config.h"

#include <fcntl.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>

static char *
home_dir (void)
{
  const char *home = getenv ("HOME");
  struct passwd pw, *res = NULL;
  char buf[4096];

  if (home && home[0] == '/')
    return xstrdup (home);
  if (getpwuid_r (getuid (), &pw, buf, sizeof (buf), &res) == 0 && res && res->pw_dir)
    return xstrdup (res->pw_dir);
  return NULL;
}

/* Create DIR 0700 if missing and insist it is a real directory owned by us
   with no access for others: a runtime dir under /tmp could be planted.  */
static int
private_dir (const char *dir, nook_error_t *err)
{
  struct stat st;

  if (mkdir (dir, 0700) < 0 && errno != EEXIST)
    return nook_error (err, errno, "create `%s`", dir);
  if (lstat (dir, &st) < 0)
    return nook_error (err, errno, "stat `%s`", dir);
  if (!S_ISDIR (st.st_mode))
    return nook_error (err, 0, "`%s` is not a directory", dir);
  if (st.st_uid != geteuid ())
    return nook_error (err, 0, "`%s` is owned by uid %d, not by you (uid %d)", dir, (int)st.st_uid,
                       (int)geteuid ());
  if ((st.st_mode & 077) != 0 && chmod (dir, 0700) < 0)
    return nook_error (err, errno, "chmod `%s`", dir);
  return 0;
}

int
config_runtime_dir (char **out, nook_error_t *err)
{
  const char *xdg = getenv ("XDG_RUNTIME_DIR");
  _cleanup_free_ char *dir = NULL;
  struct stat st;

  if (nook_is_real_root ())
    dir = xstrdup ("/run/nook");
  else if (xdg && xdg[0] == '/' && stat (xdg, &st) == 0 && st.st_uid == geteuid ())
    dir = xasprintf ("%s/nook", xdg);
  else
    dir = xasprintf ("/tmp/nook-run-%d", (int)geteuid ());
  if (private_dir (dir, err) < 0)
    return -1;
  *out = steal_pointer (&dir);
  return 0;
}

int
config_paths_init (struct nook_paths *paths, const char *root, const char *runroot,
                   nook_error_t *err)
{
  _cleanup_free_ char *self = NULL;
  const char *xdg_data = getenv ("XDG_DATA_HOME");

  memset (paths, 0, sizeof (*paths));
  if (root)
    paths->storage = xstrdup (root);
  else if (nook_is_real_root ())
    paths->storage = xstrdup ("/var/lib/nook/storage");
  else if (xdg_data && xdg_data[0] == '/')
    paths->storage = xasprintf ("%s/nook/storage", xdg_data);
  else
    {
      _cleanup_free_ char *home = home_dir ();
      if (home == NULL)
        return nook_error (err, 0, "cannot find the home directory: set HOME or XDG_DATA_HOME");
      paths->storage = xasprintf ("%s/.local/share/nook/storage", home);
    }

  if (runroot)
    {
      paths->runroot = xstrdup (runroot);
      if (private_dir (runroot, err) < 0)
        return -1;
    }
  else if (config_runtime_dir (&paths->runroot, err) < 0)
    return -1;

  if (nook_self_dir (&self, err) < 0)
    return -1;
  paths->helper_dir = xasprintf ("%s/../libexec/nook", self);
  paths->data_dir = xasprintf ("%s/../share/nook", self);
  return 0;
}

void
config_paths_free (struct nook_paths *paths)
{
  free (paths->storage);
  free (paths->runroot);
  free (paths->helper_dir);
  free (paths->data_dir);
  memset (paths, 0, sizeof (*paths));
}

char *
config_helper (const struct nook_paths *paths, const char *name)
{
  return xasprintf ("%s/%s", paths->helper_dir, name);
}
