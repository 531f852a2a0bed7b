/* nook export: a container's root filesystem as a tar archive.  */
#include "cli.h"

#include "container/container.h"

#include <fcntl.h>
#include <string.h>

/* A container that is not running: its rootfs is mounted here, in a
   user namespace of our own, and read under a shared lock, so that rm
   waits for the export.  */
static int
export_stopped (struct nook_ctx *ctx, const struct container *c, int outfd, nook_error_t *err)
{
  _cleanup_free_ char *merged = NULL;
  _cleanup_close_ int lock = -1, rootfd = -1;
  pid_t fuse_pid = -1;
  int r;

  lock = storage_container_open (&ctx->store, c->cfg.id, err);
  if (lock < 0 || nook_lock (lock, false, err) < 0 || cli_need (ctx, NEED_USERNS, err) < 0
      || storage_overlay_mount (&ctx->store, c->cfg.id, c->cfg.layers, NULL, NULL, &fuse_pid, err)
             < 0)
    return -1;
  /* By path: the store's fds were opened before this mount namespace
     was made, and do not see its mounts.  */
  merged = xasprintf ("%s/containers/%s/merged", ctx->store.root, c->cfg.id);
  rootfd = open (merged, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  r = rootfd < 0 ? nook_error (err, errno, "open the rootfs of container %.12s", c->cfg.id)
                 : storage_tar_tree (rootfd, outfd, err);
  nook_closep (&rootfd);
  storage_overlay_unmount (&ctx->store, c->cfg.id, fuse_pid);
  return r;
}

/* A running container: its monitor has the rootfs mounted; we read it
   there.  */
static int
export_running (struct nook_ctx *ctx, const struct container *c, int outfd, nook_error_t *err)
{
  _cleanup_close_ int rootfd = -1;

  if (storage_container_rootfs_of (&ctx->store, c->cfg.id, c->state.monitor_pid, &rootfd, err) < 0)
    return nook_error_prefix (err, "container %.12s (if it just exited, export it again)",
                              c->cfg.id);
  return storage_tar_tree (rootfd, outfd, err);
}

int
cmd_export (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err)
{
  const char *output = NULL;
  const struct opt opts[] = {
    { "output", 'o', OPT_STRING, &output, "PATH",
      "Write to a specified file (default: stdout, which must be redirected)" },
    { 0 },
  };
  const struct cmd_spec spec = { "export",
                                 "[options] CONTAINER",
                                 "Export container's filesystem contents as a tar archive",
                                 opts,
                                 false,
                                 1,
                                 1 };
  struct image_output out;
  struct container c;
  char id[65];
  char **args;
  int nargs, r;

  r = cli_parse (&spec, argc, argv, &args, &nargs, err);
  if (r != 0)
    return r > 0 ? 0 : -1;
  if (output == NULL && isatty (STDOUT_FILENO))
    return nook_error (err, 0, "refusing to export to terminal. Use -o flag or redirect");
  if (output && output[0] == '\0')
    return nook_error (err, 0, "--output must name a file");
  if (storage_container_resolve (&ctx->store, args[0], id, err) < 0
      || container_load (&ctx->store, id, &c, err) < 0)
    return -1;
  /* The output is opened here, before any namespace is entered: it is
     the caller's file, made with the caller's identity.  */
  r = image_output_open (&out, output, false, err);
  if (r == 0)
    r = c.state.status == CONTAINER_RUNNING ? export_running (ctx, &c, out.fd, err)
                                            : export_stopped (ctx, &c, out.fd, err);
  if (r == 0)
    r = image_output_commit (&out, err);
  if (r < 0)
    image_output_discard (&out);
  container_free (&c);
  return r;
}
