/* pkg/registry internals shared by its files.  Not API.  */
#ifndef NOOK_REGISTRY_INTERNAL_H
#define NOOK_REGISTRY_INTERNAL_H

#include "registry/registry.h"

extern struct nook_lazy_lib nook_lib_curl; /* pkg/util/lazy-libs.c */

#define REG_TOKEN_MAX   (1 << 20) /* a token server's answer */
#define REG_ERRBODY_MAX (64 << 10)
#define REG_TAGS_MAX    (4 << 20)
#define REG_CONF_MAX    (1 << 20) /* registries.conf, auth.json */

/* ---- toml.c: the TOML subset registries.conf uses ---- */

enum toml_type
{
  TOML_STRING,
  TOML_BOOL,
  TOML_INT,
  TOML_STRINGS, /* an array of strings */
};

struct toml_value
{
  enum toml_type type;
  const char *str;
  bool b;
  int64_t i;
  char *const *strs;
};

struct toml_handler
{
  /* A [table] or [[array.table]] header; PATH is its dotted name split.  */
  int (*table) (void *data, char *const *path, bool array, int line, nook_error_t *err);
  /* KEY = VALUE inside the current table (a dotted key's leading parts
     are appended to PATH).  */
  int (*kv) (void *data, char *const *path, const char *key, const struct toml_value *v, int line,
             nook_error_t *err);
  void *data;
};

/* Parse TEXT, calling H for each header and key; errors name ORIGIN and
   the line.  Bounded: no recursion, strings and arrays limited.  */
int toml_parse (const char *text, size_t len, const char *origin, const struct toml_handler *h,
                nook_error_t *err);

/* ---- conf.c: containers-registries.conf(5) ---- */

struct reg_mirror
{
  char *location;
  bool insecure;
};

struct reg_entry
{
  char *prefix;   /* what it matches: "example.com/ns", "*.example.com" */
  char *location; /* where it is: replaces PREFIX in a matched name */
  bool insecure;
  bool blocked;
  bool mirror_by_digest_only;
  struct reg_mirror *mirrors;
  size_t n_mirrors;
};

struct reg_conf
{
  char **search; /* unqualified-search-registries */
  struct reg_entry *regs;
  size_t n_regs;
  char **alias_keys; /* [aliases]: short name -> full name */
  char **alias_values;
  char **files; /* what was read, for messages */
};

/* The system file (/etc/containers/registries.conf), or the user's
   ($XDG_CONFIG_HOME/containers/registries.conf) when it exists, or
   $CONTAINERS_REGISTRIES_CONF; then each registries.conf.d/NAME.conf drop-in
   of those places in name order.  */
int reg_conf_load (struct reg_conf *c, nook_error_t *err);
/* Merge the text of one file into C, as a drop-in does.  */
int reg_conf_parse (struct reg_conf *c, const char *text, size_t len, const char *origin,
                    nook_error_t *err);
void reg_conf_free (struct reg_conf *c);
/* The [[registry]] entry for NAME ("host/path", no tag), longest prefix.  */
const struct reg_entry *reg_conf_find (const struct reg_conf *c, const char *name);
/* The [aliases] value for the short name NAME, or NULL.  */
const char *reg_conf_alias (const struct reg_conf *c, const char *name);

/* ---- authfile.c: containers-auth.json(5) and ~/.docker/config.json ---- */

struct reg_creds
{
  char *user;
  char *password;
  char *identity_token;
};
void reg_creds_free (struct reg_creds *c);
/* Credentials for KEY ("host" or "host/ns/repo": the most specific entry
   wins) from AUTHFILE, or from $REGISTRY_AUTH_FILE,
   $XDG_RUNTIME_DIR/containers/auth.json, ~/.config/containers/auth.json
   and ~/.docker/config.json, the first that has an entry.  Returns 1
   when found, 0 when not.  */
int reg_auth_lookup (const char *authfile, const char *key, struct reg_creds *out,
                     nook_error_t *err);
/* Store, or remove (USER NULL), KEY's entry in PATH (written whole,
   0600).  Removing reports whether there was one.  */
int reg_auth_store (const char *path, const char *key, const char *user, const char *password,
                    bool *removed, nook_error_t *err);
/* Remove every entry of PATH.  */
int reg_auth_clear (const char *path, nook_error_t *err);
char *reg_base64 (const void *data, size_t len);
/* Decode; NULL on junk.  */
char *reg_base64_decode (const char *s, size_t *len);

/* ---- client.c: one registry, its auth, requests ---- */

struct reg_client;

struct reg_endpoint
{
  char *host;    /* as in URLs: "127.0.0.1:5000"; docker.io becomes registry-1.docker.io */
  char *name;    /* the registry's name in references and auth.json: "docker.io" */
  bool insecure; /* allow http and skip TLS verification */
};

/* A client for EP; credentials are looked up for REPO there (NULL: the
   registry's), or taken from O->creds.  */
int reg_client_new (const struct reg_endpoint *ep, const char *repo, const struct registry_opts *o,
                    struct reg_client **out, nook_error_t *err);
/* Does C have credentials (login checks them)?  */
bool reg_client_has_creds (const struct reg_client *c);
/* Check C's credentials: a token with them, or /v2/ with Basic.  */
int reg_client_check_login (struct reg_client *c, nook_error_t *err);
void reg_client_free (struct reg_client *c);
void reg_client_freep (struct reg_client **c);
#define _cleanup_client_ _cleanup_ (reg_client_freep)
const char *reg_client_name (const struct reg_client *c);

struct reg_response
{
  long status;
  char *body; /* up to the request's limit */
  size_t body_len;
  char *content_type;
  char *docker_digest; /* Docker-Content-Digest */
  char *location;
  char *link; /* Link: the next page of a tag list */
};
void reg_response_free (struct reg_response *r);

struct reg_request
{
  const char *method; /* "GET", "HEAD", "PUT", "POST", "PATCH" */
  const char *path;   /* "/v2/..." or an absolute URL (an upload Location) */
  const char *repo;   /* the repository, for the token's scope; NULL: none */
  bool push;          /* ask for pull,push */
  const char *accept; /* Accept: header, or NULL */
  const char *content_type;
  const void *body; /* PUT/POST body from memory ... */
  size_t body_len;
  int body_fd; /* ... or from this fd (body_size bytes), -1 none */
  int64_t body_size;
  size_t max;       /* largest response body kept (2xx) */
  const char *what; /* for messages: "manifest latest in 127.0.0.1:5000/x" */
};

/* Check the registry answers (GET /v2/), choose https or (insecure) http,
   and remember how it wants to be authenticated.  */
int reg_client_ping (struct reg_client *c, nook_error_t *err);
/* Send R with the right credentials (fetching a token on a challenge),
   retrying transient failures.  A non-2xx answer is an error naming
   R->what, unless OK_STATUS accepts it (NULL: 2xx only).  */
int reg_client_do (struct reg_client *c, const struct reg_request *r,
                   bool (*ok_status) (long status), struct reg_response *resp, nook_error_t *err);
/* The message of an error answer: the registry's own words when its body
   has them ("manifest unknown: ..."), else the HTTP status.  */
char *reg_status_message (long status, const char *body, size_t len);

/* What client.c lends blobs.c: an easy handle set up for C (TLS, limits,
   redirects, the captured headers in *HDRS), and the Authorization
   header for REPO (NULL when none is needed), fetching a token when
   FORCE or none is cached.  */
struct reg_headers
{
  long status;
  char *www_authenticate;
  char *content_type;
  char *docker_digest;
  char *location;
  char *link;
  char *retry_after;
  int64_t content_length; /* -1: not given */
};
void reg_headers_reset (struct reg_headers *h);
void *reg_easy_new (struct reg_client *c, const char *url, struct reg_headers *hdrs, char *errbuf);
int reg_client_authorization (struct reg_client *c, const char *repo, bool push, bool force,
                              char **header, nook_error_t *err);
/* The URL of PATH on C ("https://host/v2/...").  */
char *reg_client_url (const struct reg_client *c, const char *path);
/* Is this curl result or HTTP status worth another try?  */
bool reg_transient (int curl_code, long status);
/* Sleep before try ATTEMPT (1, 2, ...).  */
void reg_backoff (int attempt);
/* "reading blob ...: MESSAGE" for a failed transfer.  */
int reg_transfer_error (int curl_code, const char *errbuf, long status, const char *body,
                        size_t len, const char *what, nook_error_t *err);
#define REG_TRIES 4

/* Blob downloads (blobs.c), several at a time on the caller's thread.  */
struct reg_download
{
  const struct image_descriptor *d;
  int dirfd;   /* written as .part-HEX, renamed to HEX once verified */
  size_t line; /* its progress line */
};

struct reg_progress;
/* Download the N blobs of DL from REPO, at most a few at a time, each
   streamed through sha256 and refused past its descriptor's size,
   transient failures retried.  The first failure stops them all; what
   was not verified is removed.  */
int reg_fetch_blobs (struct reg_client *c, const char *repo, const struct reg_download *dl,
                     size_t n, struct reg_progress *p, nook_error_t *err);
/* The same on a thread of its own: reg_fetch_wait returns once DL[I] is
   verified (or the downloads failed: their error); reg_fetch_finish
   (CANCEL: stop what still runs) waits for the thread and returns the
   downloads' error.  DL, C and P stay the thread's until then; the caller
   uses none of them meanwhile.  */
struct reg_fetch;
int reg_fetch_start (struct reg_client *c, const char *repo, const struct reg_download *dl,
                     size_t n, struct reg_progress *p, struct reg_fetch **out, nook_error_t *err);
int reg_fetch_wait (struct reg_fetch *f, size_t i, nook_error_t *err);
int reg_fetch_finish (struct reg_fetch *f, bool cancel, nook_error_t *err);

/* Fetch one small blob (a config) whole, verified, up to MAX bytes.  */
int reg_fetch_small (struct reg_client *c, const char *repo, const struct image_descriptor *d,
                     size_t max, char **out, size_t *len, nook_error_t *err);

/* ---- recompress.c ---- */

/* Write the layer blob IN_FD (gzip, zstd or plain) again compressed with
   COMPRESSION ("gzip", "zstd") as NAME in DIRFD; *OUT describes it (with
   MEDIA_TYPE), *OUT_FD reads it.  */
int reg_recompress (int in_fd, const char *compression, int dirfd, const char *name,
                    const char *media_type, struct image_descriptor *out, int *out_fd,
                    nook_error_t *err);

/* ---- progress.c ---- */

/* Lines as Podman prints them ("Copying blob sha256:... done"), or on a
   terminal one line per blob updated in place with bytes and rate.  */
struct reg_progress *reg_progress_new (FILE *out);
void reg_progress_free (struct reg_progress *p);
void reg_progress_line (struct reg_progress *p, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));
/* Blob I (of a fixed set) with DIGEST and SIZE: started, moved on to GOT
   bytes, finished (or skipped: already present).  */
void reg_progress_blob (struct reg_progress *p, size_t i, const char *digest, int64_t size);
void reg_progress_update (struct reg_progress *p, size_t i, int64_t got);
void reg_progress_done (struct reg_progress *p, size_t i);
void reg_progress_skipped (struct reg_progress *p, size_t i);
/* Redraw now if enough time has passed since the last time.  */
void reg_progress_tick (struct reg_progress *p, bool force);

/* ---- resolve.c: from a name to where to pull it ---- */

struct reg_source
{
  struct reg_endpoint ep;
  char *repo; /* the repository path on that registry */
  char *full; /* "host/repo:tag@digest" as pulled from, for messages */
};

struct reg_target
{
  char *name; /* the canonical name it is stored as: "registry/repo:tag" */
  char *tag;  /* NULL with a digest */
  char *digest;
  bool blocked;               /* registries.conf says so: pulling it is an error */
  struct reg_source *sources; /* mirrors, then the registry itself */
  size_t n_sources;
};
void reg_target_free (struct reg_target *t);
void reg_targets_free (struct reg_target *t, size_t n);

/* The candidates for NAME: one for a fully qualified name, one for an
   alias, else one per unqualified-search registry in order.  TLS_VERIFY
   (>= 0) overrides registries.conf's insecure.  */
int reg_resolve (const struct reg_conf *c, const char *name, int tls_verify,
                 struct reg_target **out, size_t *n, nook_error_t *err);
/* The one destination of a push (NAME must name its registry, or be a
   local name that does).  */
int reg_resolve_push (const struct reg_conf *c, const char *name, int tls_verify,
                      struct reg_target *out, nook_error_t *err);
/* The registry endpoint for HOST (login), with registries.conf's
   insecure and location.  */
int reg_resolve_host (const struct reg_conf *c, const char *host, int tls_verify,
                      struct reg_endpoint *ep, nook_error_t *err);
void reg_endpoint_free (struct reg_endpoint *ep);

#endif
