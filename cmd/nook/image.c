/* Image commands: tag, untag, rmi, image exists, image prune.  */
#include "cli.h"

#include "container/container.h"

#include <string.h>

int
cmd_tag (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err)
{
  const struct opt opts[] = { { 0 } };
  const struct cmd_spec spec = { "tag",
                                 "IMAGE TARGET_NAME [TARGET_NAME...]",
                                 "Add an additional name to a local image",
                                 opts,
                                 false,
                                 2,
                                 -1 };
  struct storage_image img;
  char **args;
  int nargs, r;

  r = cli_parse (&spec, argc, argv, &args, &nargs, err);
  if (r != 0)
    return r > 0 ? 0 : -1;
  if (storage_image_lookup (&ctx->store, args[0], &img, err) < 0)
    return -1;
  for (int i = 1; i < nargs && r == 0; i++)
    {
      _cleanup_free_ char *name = NULL;
      r = image_ref_local_name (args[i], &name, err);
      if (r == 0)
        r = storage_image_tag (&ctx->store, img.id, name, err);
    }
  storage_image_free (&img);
  return r;
}

int
cmd_untag (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err)
{
  const struct opt opts[] = { { 0 } };
  const struct cmd_spec spec
      = { "untag", "IMAGE [IMAGE...]", "Remove names from a local image", opts, false, 1, -1 };
  struct storage_image img;
  char **args;
  int nargs, r;

  r = cli_parse (&spec, argc, argv, &args, &nargs, err);
  if (r != 0)
    return r > 0 ? 0 : -1;
  if (storage_image_lookup (&ctx->store, args[0], &img, err) < 0)
    return -1;
  /* With no names given, every name goes.  */
  for (size_t i = 0; nargs == 1 && r == 0 && img.names[i]; i++)
    r = storage_image_untag (&ctx->store, img.names[i], err);
  for (int i = 1; i < nargs && r == 0; i++)
    {
      _cleanup_free_ char *name = NULL;
      r = image_ref_local_name (args[i], &name, err);
      if (r == 0 && !strv_contains (img.names, name))
        r = nook_error (err, 0, "%s: tag not known", args[i]);
      if (r == 0)
        r = storage_image_untag (&ctx->store, name, err);
    }
  storage_image_free (&img);
  return r;
}

int
cmd_image_exists (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err)
{
  const struct opt opts[] = { { 0 } };
  const struct cmd_spec spec
      = { "image exists", "IMAGE", "Check if an image exists in local storage", opts, false, 1, 1 };
  struct storage_image img;
  char **args;
  int nargs, r;

  r = cli_parse (&spec, argc, argv, &args, &nargs, err);
  if (r != 0)
    return r > 0 ? 0 : -1;
  r = storage_image_lookup (&ctx->store, args[0], &img, err);
  if (r == 0)
    storage_image_free (&img);
  return cli_exists_code (r, err);
}

/* Refuse to remove an image container ID uses (exit 2): Podman's message,
   with the container's name after its ID.  */
static int
refuse_in_use (struct nook_ctx *ctx, const char *id, nook_error_t *err)
{
  struct container c;
  _cleanup_free_ char *who = NULL;
  _cleanup_error_ nook_error_t ignored = NULL;

  /* The name only helps: a record that cannot be read still names the ID.  */
  if (container_load (&ctx->store, id, &c, &ignored) == 0)
    {
      who = xasprintf ("%s (%s)", id, c.cfg.name);
      container_free (&c);
    }
  nook_error (err, 0,
              "image used by %s: image is in use by a container: consider listing "
              "external containers and force-removing image",
              who ? who : id);
  return nook_error_exit (err, 2);
}

/* Remove IMG whole: its containers first when FORCE, else refuse naming
   the one that uses it.  */
static int
remove_image (struct nook_ctx *ctx, const struct storage_image *img, bool force, nook_error_t *err)
{
  _cleanup_strv_ char **users = NULL;

  if (container_image_users (&ctx->store, img->id, &users, err) < 0)
    return -1;
  if (users[0] && !force)
    return refuse_in_use (ctx, users[0], err);
  if (cli_need (ctx, NEED_USERNS, err) < 0)
    return -1;
  for (size_t i = 0; users[i]; i++)
    if (container_remove (&ctx->store, &ctx->paths, users[i], true, -1, err) < 0)
      return -1;
  if (storage_image_remove (&ctx->store, img->id, err) < 0)
    return -1;
  for (size_t i = 0; img->names[i]; i++)
    printf ("Untagged: %s\n", img->names[i]);
  printf ("Deleted: %s\n", img->id);
  return 0;
}

/* rmi of one argument: a name of an image that has other names only
   untags it; an ID, or an image's last name, removes the image.  */
static int
rmi_one (struct nook_ctx *ctx, const char *ref, bool force, nook_error_t *err)
{
  struct storage_image img;
  int r;

  if (storage_image_lookup (&ctx->store, ref, &img, err) < 0)
    return -1;
  if (img.matched && strv_len (img.names) > 1)
    {
      r = storage_image_untag (&ctx->store, img.matched, err);
      if (r == 0)
        printf ("Untagged: %s\n", img.matched);
    }
  else if (img.matched == NULL && strv_len (img.names) > 1 && !force)
    r = nook_error (err, 0,
                    "unable to delete image \"%s\" by ID with more than one tag: please "
                    "force removal",
                    img.id);
  else
    r = remove_image (ctx, &img, force, err);
  storage_image_free (&img);
  return r;
}

int
cmd_rmi (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err)
{
  bool all = false, force = false;
  const struct opt opts[] = {
    { "all", 'a', OPT_BOOL, &all, NULL, "Remove all images" },
    { "force", 'f', OPT_BOOL, &force, NULL, "Force removal of the image and its containers" },
    { 0 },
  };
  const struct cmd_spec spec = { "rmi",
                                 "[options] IMAGE [IMAGE...]",
                                 "Remove one or more images from local storage",
                                 opts,
                                 false,
                                 0,
                                 -1 };
  struct storage_image *imgs = NULL;
  size_t n = 0;
  char **args;
  int nargs, r, code = 0;

  r = cli_parse (&spec, argc, argv, &args, &nargs, err);
  if (r != 0)
    return r > 0 ? 0 : -1;
  if (nargs == 0 && !all)
    return nook_error (err, 0, "image name or ID must be specified");
  if (all && storage_image_list (&ctx->store, &imgs, &n, err) < 0)
    return -1;
  for (size_t i = 0; i < (all ? n : (size_t)nargs); i++)
    {
      nook_error_t e = NULL;
      if (rmi_one (ctx, all ? imgs[i].id : args[i], force || all, &e) < 0)
        {
          int c = e->errnum == ENOENT ? 1 : e->exit_code ? e->exit_code : 125;
          code = code == 0 || c > code ? c : code;
          fprintf (stderr, "Error: %s\n", e->msg);
          nook_error_free (&e);
        }
    }
  storage_image_list_free (imgs, n);
  return code;
}

static bool
confirm (const char *what)
{
  char line[16] = "";
  fprintf (stderr, "WARNING! This command removes %s.\nAre you sure you want to continue? [y/N] ",
           what);
  return fgets (line, sizeof (line), stdin) && (line[0] == 'y' || line[0] == 'Y');
}

int
cmd_image_prune (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err)
{
  bool all = false, force = false;
  const struct opt opts[] = {
    { "all", 'a', OPT_BOOL, &all, NULL,
      "Remove all images not in use by containers, not just dangling ones" },
    { "force", 'f', OPT_BOOL, &force, NULL, "Do not prompt for confirmation" },
    { 0 },
  };
  const struct cmd_spec spec
      = { "image prune", "[options]", "Remove unused images", opts, false, 0, 0 };
  struct storage_image *imgs = NULL;
  size_t n = 0;
  char **args;
  int nargs, r;

  r = cli_parse (&spec, argc, argv, &args, &nargs, err);
  if (r != 0)
    return r > 0 ? 0 : -1;
  if (!force
      && !confirm (all ? "all images without at least one container associated with them"
                       : "all dangling images"))
    return 0;
  if (storage_image_list (&ctx->store, &imgs, &n, err) < 0)
    return -1;
  for (size_t i = 0; i < n && r == 0; i++)
    {
      _cleanup_strv_ char **users = NULL;
      if ((!all && imgs[i].names[0])
          || container_image_users (&ctx->store, imgs[i].id, &users, err) < 0)
        {
          r = *err ? -1 : 0;
          continue;
        }
      if (users[0])
        continue;
      r = cli_need (ctx, NEED_USERNS, err);
      if (r == 0)
        r = storage_image_remove (&ctx->store, imgs[i].id, err);
      if (r == 0)
        printf ("%s\n", imgs[i].id);
    }
  storage_image_list_free (imgs, n);
  return r;
}
