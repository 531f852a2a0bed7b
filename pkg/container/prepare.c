/* In the monitor, before the runtime: the user namespace, the rootfs and
   the bundle.  */
#include "container/internal.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>

/* What the monitor adds: the terminal, and --init's nook-init as PID 1,
   bound read-only from the host as Podman binds catatonit.  */
static void
monitor_settings (const struct container *c, const struct container_host *host,
                  struct oci_spec *spec)
{
  static const char *const ro_bind[] = { "bind", "ro", "nosuid", "nodev", NULL };
  char **args;

  spec->terminal = c->cfg.tty;
  if (!c->cfg.init || host->init_path == NULL)
    return;
  oci_spec_add_mount (spec, CONTAINER_INIT_PATH, "bind", host->init_path, ro_bind);
  args = strv_dup ((char *[]){ (char *)CONTAINER_INIT_PATH, (char *)"--", NULL });
  for (size_t i = 0; spec->args && spec->args[i]; i++)
    strv_push (&args, xstrdup (spec->args[i]));
  strv_free (spec->args);
  spec->args = args;
}

/* -v, --mount, --volumes-from and the image's volumes, for the user
   the spec runs as: :U chowns to that user as the monitor's namespace
   sees it (through the container's own mapping, in a --userns mode).  */
static int
mounts_setup (struct storage *st, const struct container *c, int rootfd, struct oci_spec *spec,
              nook_error_t *err)
{
  uint32_t uid = spec->uid, gid = spec->gid;

  if (container_userns_private (&c->cfg.userns)
      && (!userns_to_host (&c->cfg.userns.uids, spec->uid, &uid)
          || !userns_to_host (&c->cfg.userns.gids, spec->gid, &gid)))
    return nook_error (err, 0, "the container's user %u:%u is not mapped in its user namespace",
                       spec->uid, spec->gid);
  return container_mounts_setup (st, &c->cfg.mounts, rootfd, c->cfg.id, &c->cfg.userns, uid, gid,
                                 spec, err);
}

/* What the runtime will look for, for container_rootfs_warm: with --init
   the program nook-init runs.  */
static void
remember_program (const struct oci_spec *spec, struct container_rootfs *r)
{
  char *const *args = spec->args;

  if (args && args[0] && str_eq (args[0], CONTAINER_INIT_PATH) && args[1] && args[2])
    args += 2;
  if (args == NULL || args[0] == NULL)
    return;
  r->program = xstrdup (args[0]);
  for (size_t i = 0; spec->env && spec->env[i]; i++)
    if (str_has_prefix (spec->env[i], "PATH="))
      {
        free (r->path);
        r->path = xstrdup (spec->env[i] + 5);
      }
}

static int
write_bundle (struct storage *st, struct container *c, int rootfd, struct container_rootfs *r,
              const struct userns_ids *ids, const struct container_host *host, nook_error_t *err)
{
  _cleanup_free_ char *dir = xasprintf ("%s/containers/%s/userdata", st->root, c->cfg.id);
  _cleanup_free_ char *text = NULL;
  _cleanup_close_ int dfd = -1, wd = -1;
  struct oci_spec spec;
  struct userns_ids view;
  size_t len;
  int ret;

  /* The working directory is made when missing, as Docker does.  */
  wd = nook_open_in_root (rootfd, c->cfg.workdir, O_PATH | O_DIRECTORY, NOOK_INROOT_DIR, err);
  if (wd < 0)
    return nook_error_prefix (err, "workdir");
  /* keep-id's user first: the spec resolves the user and HOME.  */
  if (container_userns_add_user (&c->cfg.userns, rootfd, err) < 0
      || container_spec (c, rootfd, r->merged, container_userns_ids (&c->cfg.userns, ids, &view),
                         host->seccomp_profile, &spec, err)
             < 0)
    return -1;
  monitor_settings (c, host, &spec);
  if (mounts_setup (st, c, rootfd, &spec, err) < 0)
    {
      oci_spec_free (&spec);
      return -1;
    }
  if (container_network_spec (st, c, host->netns_path, &spec, err) < 0)
    {
      oci_spec_free (&spec);
      return -1;
    }
  text = oci_spec_to_json (&spec, &len);
  remember_program (&spec, r);
  oci_spec_free (&spec);
  dfd = nook_open_dir (AT_FDCWD, dir, err);
  if (dfd < 0)
    return -1;
  ret = nook_write_file_volatile (dfd, "config.json", text, len, 0600, err);
  return ret;
}

int
container_upper_like_top (struct storage *st, char *const *layers, const char *upper,
                          nook_error_t *err)
{
  size_t n = strv_len (layers);
  _cleanup_free_ char *top = n ? storage_layer_diff_path (st, layers[n - 1]) : NULL;
  struct stat s;

  if (top == NULL || stat (top, &s) < 0)
    return nook_error (err, errno, "layer %.12s", n ? layers[n - 1] : "");
  if (chown (upper, s.st_uid, s.st_gid) < 0 || chmod (upper, s.st_mode & 07777) < 0)
    return nook_error (err, errno, "set up `%s`", upper);
  return 0;
}

int
container_prepare_mount (struct storage *st, struct container *c, struct container_rootfs *r,
                         nook_error_t *err)
{
  _cleanup_free_ char *upper = xasprintf ("%s/containers/%s/upper", st->root, c->cfg.id);
  _cleanup_free_ char *uidmapping = container_userns_fuse_map (&c->cfg.userns.uids);
  _cleanup_free_ char *gidmapping = container_userns_fuse_map (&c->cfg.userns.gids);

  memset (r, 0, sizeof (*r));
  r->merged = xasprintf ("%s/containers/%s/merged", st->root, c->cfg.id);
  r->bundle = xasprintf ("%s/containers/%s/userdata", st->root, c->cfg.id);
  if (container_userns_prepare_dirs (&c->cfg.userns, st->root, c->cfg.id, err) < 0
      || container_upper_like_top (st, c->cfg.layers, upper, err) < 0
      || storage_overlay_mount (st, c->cfg.id, c->cfg.layers, uidmapping, gidmapping, &r->fuse_pid,
                                err)
             < 0)
    return -1;
  nook_debug ("prepare: fuse-overlayfs started");
  return 0;
}

int
container_prepare_bundle (struct storage *st, struct container *c, const struct userns_ids *ids,
                          const struct container_host *host, struct container_rootfs *r,
                          nook_error_t *err)
{
  /* The first look into the rootfs waits for fuse-overlayfs to serve it.  */
  _cleanup_close_ int rootfd = open (r->merged, O_PATH | O_DIRECTORY | O_CLOEXEC);

  if (rootfd < 0)
    return nook_error (err, errno, "open the rootfs `%s`", r->merged);
  /* Before the bundle: its check of the working directory would make it.  */
  if (container_userns_workdir (&c->cfg.userns, rootfd, c->cfg.workdir, err) < 0)
    return -1;
  return write_bundle (st, c, rootfd, r, ids, host, err);
}

/* PATH inside ROOT, symlinks resolved as if ROOT were "/", never leaving
   it: the rootfs is the image's, and hostile.  */
static int
warm_open (int root, const char *path)
{
  return nook_open_beneath (root, path, O_PATH,
                            RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV);
}

/* The first of the PATH candidates for PROGRAM that is there, as an
   O_PATH fd: the runtime's search, so the lookups it makes are cached.  */
static int
warm_search (int root, const char *program, const char *path)
{
  int fd = -1;

  if (strchr (program, '/'))
    return warm_open (root, program);
  for (const char *p = path, *end; fd < 0 && *p; p = *end ? end + 1 : end)
    {
      end = strchrnul (p, ':');
      if (end > p)
        {
          _cleanup_free_ char *cand = xasprintf ("%.*s/%s", (int)(end - p), p, program);
          fd = warm_open (root, cand);
        }
    }
  return fd;
}

bool
container_rootfs_warm (const struct container_rootfs *r)
{
  _cleanup_close_ int root = -1, fd = -1;

  if (r->program == NULL || r->program[0] == '\0')
    return false;
  root = open (r->merged, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root >= 0)
    fd = warm_search (root, r->program, r->path ? r->path : OCI_DEFAULT_PATH);
  return fd >= 0;
}

void
container_rootfs_free (struct container_rootfs *r)
{
  free (r->merged);
  free (r->bundle);
  free (r->program);
  free (r->path);
  memset (r, 0, sizeof (*r));
}
