/* nook — pkg/registry: pull and push over the OCI distribution API
   (libcurl, loaded on first use), its auth schemes (anonymous, Basic,
   Bearer tokens), and the files Podman users already have:
   containers-registries.conf(5) and containers-auth.json(5).

   Every byte a registry sends is hostile: manifests, configs, tokens and
   error bodies are read up to a fixed limit, every blob is streamed
   through sha256 and refused when its size or digest differ from what
   its descriptor says, and a pulled image goes through storage_import
   like a loaded one (so nothing is visible before it is whole).  */
#ifndef NOOK_REGISTRY_H
#define NOOK_REGISTRY_H

#include "image/image.h"
#include "storage/storage.h"

/* What pull, push and login share: Podman's flags of the same names.  */
struct registry_opts
{
  int tls_verify;       /* --tls-verify: -1 as registries.conf says, 0 no, 1 yes */
  const char *cert_dir; /* --cert-dir: CA (*.crt) and client (*.cert, *.key) files */
  const char *authfile; /* --authfile, else $REGISTRY_AUTH_FILE and the usual places */
  const char *creds;    /* --creds USER[:PASSWORD] */
  FILE *progress;       /* progress and status lines; NULL: quiet (-q) */
};

/* ---- pull ---- */

enum registry_pull_policy
{
  REGISTRY_PULL_MISSING,
  REGISTRY_PULL_ALWAYS,
  REGISTRY_PULL_NEVER,
  REGISTRY_PULL_NEWER,
};
/* "always", "missing", "never", "newer" (and Podman's aliases "true",
   "false", "ifmissing", "ifnewer").  */
int registry_pull_policy_parse (const char *s, enum registry_pull_policy *out, nook_error_t *err);

struct registry_pull_opts
{
  struct registry_opts r;
  struct image_platform platform; /* fields NULL: this machine's */
  const char *digestfile;         /* --digestfile: write the manifest digest there */
};

/* Pull NAME (a short name is resolved by registries.conf, never by
   asking) into ST.  *ID gets the image ID.  Layers are extracted, so
   the caller is in the user namespace (see registry_pull_for_create).  */
int registry_pull (struct storage *st, const char *name, const struct registry_pull_opts *o,
                   const struct apply_opts *aopts, char id[65], nook_error_t *err);
/* Pull every tag of NAME's repository (--all-tags); one line per image
   on stdout as it is stored.  */
int registry_pull_all_tags (struct storage *st, const char *name,
                            const struct registry_pull_opts *o, const struct apply_opts *aopts,
                            nook_error_t *err);

/* What `run` and `create` call before looking IMAGE up: find it in ST
   (short names as registries.conf resolves them) and pull it as POLICY
   says: missing (pull when not found), always, never (not found is an
   ENOENT error "IMAGE: image not known"), newer (pull; a registry that
   cannot be reached leaves the local image).  The pull runs in a child
   that enters the user namespace (the caller stays where it is), or in
   this process when the caller is inside it already.  Progress goes to
   O->r.progress (NULL: quiet).  *ID gets the ID of the image to use.  */
int registry_pull_for_create (struct storage *st, const char *image,
                              enum registry_pull_policy policy, const struct registry_pull_opts *o,
                              char id[65], nook_error_t *err);

/* ---- push ---- */

struct registry_push_opts
{
  struct registry_opts r;
  const char *format;      /* "oci", "v2s2", NULL: the manifest as stored */
  const char *compression; /* "gzip", "zstd", NULL: layers as stored */
  const char *digestfile;  /* --digestfile */
};

/* Push IMAGE from ST to DEST (NULL: IMAGE's own name).  */
int registry_push (struct storage *st, const char *image, const char *dest,
                   const struct registry_push_opts *o, nook_error_t *err);

/* ---- login, logout ---- */

/* Check USER/PASSWORD against REGISTRY (host[:port][/repo]) and store them
   in the auth file, 0600, only when they work.  */
int registry_login (const char *registry, const char *user, const char *password,
                    const struct registry_opts *o, nook_error_t *err);
/* The user name stored for REGISTRY (--get-login); ENOENT-errors when none.  */
int registry_login_user (const char *registry, const char *authfile, char **user,
                         nook_error_t *err);
/* Remove REGISTRY's credentials (ALL: every one) from the auth file.  */
int registry_logout (const char *registry, bool all, const char *authfile, nook_error_t *err);
/* Where login writes: --authfile, $REGISTRY_AUTH_FILE, else
   ~/.config/containers/auth.json (it survives a reboot).  */
char *registry_authfile_for_write (const char *authfile);

#endif
