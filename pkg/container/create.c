/* create: the effective settings, computed as Podman computes them from
   the image config and the flags, then written once.  */
#include "container/internal.h"

#include <ctype.h>
#include <fcntl.h>
#include <string.h>

static const char *const adjectives[]
    = { "admiring",      "agitated",    "amazing",    "angry",     "awesome",    "beautiful",
        "blissful",      "bold",        "brave",      "busy",      "charming",   "clever",
        "compassionate", "confident",   "cool",       "dazzling",  "determined", "eager",
        "ecstatic",      "elated",      "elegant",    "epic",      "exciting",   "fervent",
        "festive",       "focused",     "friendly",   "gallant",   "gifted",     "goofy",
        "gracious",      "happy",       "hopeful",    "hungry",    "infallible", "inspiring",
        "jolly",         "jovial",      "keen",       "kind",      "laughing",   "loving",
        "lucid",         "magical",     "modest",     "musing",    "mystifying", "nervous",
        "nice",          "nifty",       "nostalgic",  "objective", "optimistic", "peaceful",
        "pensive",       "practical",   "priceless",  "quirky",    "quizzical",  "relaxed",
        "reverent",      "romantic",    "serene",     "sharp",     "silly",      "sleepy",
        "stoic",         "strange",     "suspicious", "sweet",     "tender",     "thirsty",
        "trusting",      "upbeat",      "vibrant",    "vigilant",  "vigorous",   "wizardly",
        "wonderful",     "xenodochial", "youthful",   "zealous",   "zen" };
static const char *const surnames[] = {
  "albattani", "archimedes",   "babbage",     "banach",   "bardeen",  "bell",     "bhabha",
  "borg",      "bose",         "brahmagupta", "brattain", "carson",   "cerf",     "chandrasekhar",
  "clarke",    "curie",        "darwin",      "dijkstra", "dirac",    "einstein", "elion",
  "euclid",    "euler",        "faraday",     "fermat",   "fermi",    "feynman",  "franklin",
  "galileo",   "gauss",        "goldberg",    "goodall",  "hamilton", "hawking",  "heisenberg",
  "hermann",   "hertz",        "hodgkin",     "hopper",   "hypatia",  "johnson",  "kepler",
  "knuth",     "kowalevski",   "lalande",     "lamport",  "leakey",   "liskov",   "lovelace",
  "lumiere",   "mayer",        "mccarthy",    "meitner",  "mendel",   "minsky",   "morse",
  "napier",    "newton",       "nobel",       "noether",  "pascal",   "pasteur",  "perlman",
  "pike",      "poincare",     "ptolemy",     "raman",    "ritchie",  "sammet",   "shannon",
  "shockley",  "sinoussi",     "stallman",    "swanson",  "tesla",    "thompson", "torvalds",
  "turing",    "varahamihira", "villani",     "wiles",    "williams", "wozniak",  "wright",
  "yalow",     "yonath"
};

char *
container_random_name (struct storage *st, nook_error_t *err)
{
  for (int attempt = 0; attempt < 20; attempt++)
    {
      char rnd[9], id[65];
      unsigned long r;
      char *name;

      if (nook_random_hex (rnd, 4, err) < 0)
        return NULL;
      r = strtoul (rnd, NULL, 16);
      name = xasprintf ("%s_%s", adjectives[r % NOOK_ARRAY_SIZE (adjectives)],
                        surnames[(r / NOOK_ARRAY_SIZE (adjectives)) % NOOK_ARRAY_SIZE (surnames)]);
      if (attempt > 10)
        {
          char *numbered = xasprintf ("%s%lu", name, r % 100);
          free (name);
          name = numbered;
        }
      if (storage_container_resolve (st, name, id, err) < 0)
        {
          nook_error_free (err);
          return name;
        }
      free (name);
    }
  nook_error (err, 0, "could not find a free container name");
  return NULL;
}

static int
check_name (const char *name, nook_error_t *err)
{
  size_t len = strlen (name);
  bool ok = len > 0 && len < 200 && isalnum ((unsigned char)name[0]);

  for (size_t i = 1; ok && i < len; i++)
    ok = isalnum ((unsigned char)name[i]) || name[i] == '_' || name[i] == '.' || name[i] == '-';
  if (!ok)
    return nook_error (err, 0,
                       "container name `%s` is invalid: names must match "
                       "[a-zA-Z0-9][a-zA-Z0-9_.-]*",
                       name);
  return 0;
}

/* Set KEY=VALUE in ENV, replacing an entry with the same key in place.  */
static void
env_set (char ***env, const char *kv)
{
  const char *eq = strchr (kv, '=');
  size_t klen = eq ? (size_t)(eq - kv) : strlen (kv);

  for (size_t i = 0; *env && (*env)[i]; i++)
    if (strncmp ((*env)[i], kv, klen) == 0 && (*env)[i][klen] == '=')
      {
        free ((*env)[i]);
        (*env)[i] = xstrdup (kv);
        return;
      }
  strv_push (env, xstrdup (kv));
}

/* One "-e" or env-file entry: KEY=VALUE, or KEY taken from our own
   environment (skipped when we have none).  */
int
container_env_add (char ***env, const char *entry, nook_error_t *err)
{
  const char *eq = strchr (entry, '=');
  const char *host;

  if (entry[0] == '=' || entry[0] == '\0')
    return nook_error (err, 0, "invalid environment variable: \"%s\"", entry);
  if (eq)
    {
      env_set (env, entry);
      return 0;
    }
  host = getenv (entry);
  if (host)
    {
      _cleanup_free_ char *kv = xasprintf ("%s=%s", entry, host);
      env_set (env, kv);
    }
  return 0;
}

int
container_env_file_add (char ***env, const char *path, nook_error_t *err)
{
  _cleanup_free_ char *text = NULL;
  char *save = NULL;

  if (nook_read_file_at (AT_FDCWD, path, 16 << 20, &text, NULL, err) < 0)
    return nook_error_prefix (err, "env file");
  for (char *line = strtok_r (text, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      size_t len = strlen (line);
      while (len && (line[len - 1] == '\r' || line[len - 1] == ' ' || line[len - 1] == '\t'))
        line[--len] = '\0';
      while (*line == ' ' || *line == '\t')
        line++;
      if (*line == '\0' || *line == '#')
        continue;
      if (container_env_add (env, line, err) < 0)
        return nook_error_prefix (err, "env file `%s`", path);
    }
  return 0;
}

static int
compute_env (const struct container_create_opts *o, const struct image_config *img, char ***out,
             nook_error_t *err)
{
  _cleanup_strv_ char **env = xzalloc (sizeof (char *));
  bool has_path = false;

  for (size_t i = 0; img->env && img->env[i]; i++)
    env_set (&env, img->env[i]);
  for (size_t i = 0; env[i]; i++)
    has_path |= str_has_prefix (env[i], "PATH=");
  if (!has_path)
    env_set (&env, "PATH=" OCI_DEFAULT_PATH);
  env_set (&env, "container=nook");
  env_set (&env, "TERM=xterm");
  for (size_t i = 0; o->env_files && o->env_files[i]; i++)
    if (container_env_file_add (&env, o->env_files[i], err) < 0)
      return -1;
  for (size_t i = 0; o->env && o->env[i]; i++)
    if (container_env_add (&env, o->env[i], err) < 0)
      return -1;
  *out = steal_pointer (&env);
  return 0;
}

/* --entrypoint takes a JSON array, or one string kept whole.  */
static int
parse_entrypoint (const char *s, char ***out, nook_error_t *err)
{
  _cleanup_json_ nook_json *j = NULL;
  nook_error_t ignored = NULL;

  *out = xzalloc (sizeof (char *));
  if (s[0] == '\0')
    return 0;
  if (s[0] == '[' && json_parse (s, strlen (s), &j, &ignored) == 0 && json_is_array (j))
    {
      for (size_t i = 0; i < json_len (j); i++)
        {
          const char *v = json_str (json_at (j, i));
          if (v == NULL)
            return nook_error (err, 0, "--entrypoint: `%s` is not an array of strings", s);
          strv_push (out, xstrdup (v));
        }
      return 0;
    }
  nook_error_free (&ignored);
  strv_push (out, xstrdup (s));
  return 0;
}

/* As Docker and Podman: arguments replace the image's Cmd; a new
   entrypoint drops the image's Cmd too.  */
static int
compute_command (const struct container_create_opts *o, const struct image_config *img,
                 struct container_config *cfg, nook_error_t *err)
{
  if (o->entrypoint)
    {
      if (parse_entrypoint (o->entrypoint, &cfg->entrypoint, err) < 0)
        return -1;
    }
  else
    cfg->entrypoint = strv_dup (img->entrypoint ? img->entrypoint : (char *[]){ NULL });
  if (o->args && o->args[0])
    cfg->cmd = strv_dup (o->args);
  else
    cfg->cmd = strv_dup (!o->entrypoint && img->cmd ? img->cmd : (char *[]){ NULL });
  if (cfg->entrypoint[0] == NULL && cfg->cmd[0] == NULL)
    return nook_error (err, 0,
                       "no command or entrypoint provided, and no CMD or ENTRYPOINT "
                       "from image");
  return 0;
}

/* The mounts, then the security flags with --mount type=tmpfs among
   their --tmpfs entries.  */
static int
check_mounts_security (struct storage *st, const struct container_create_opts *o,
                       const struct image_config *icfg, struct container_config *cfg,
                       nook_error_t *err)
{
  const struct container_mounts_ctx mctx = { st, icfg->volumes };
  struct container_security sec = o->sec;
  _cleanup_strv_ char **tmpfs = NULL, **all = NULL;

  if (container_mounts_check (&mctx, &o->mnt, &cfg->mounts, &tmpfs, err) < 0)
    return -1;
  all = strv_dup (o->sec.tmpfs ? o->sec.tmpfs : (char *[]){ NULL });
  for (size_t i = 0; tmpfs[i]; i++)
    strv_push (&all, xstrdup (tmpfs[i]));
  sec.tmpfs = all;
  return container_security_check (&sec, &cfg->sec, err);
}

/* --network container:NAME: the record keeps its ID.  */
static int
resolve_network_container (struct storage *st, struct network_config *n, nook_error_t *err)
{
  char id[65];

  if (n->mode != NET_CONTAINER)
    return 0;
  if (storage_container_resolve (st, n->target, id, err) < 0)
    return nook_error_prefix (err, "looking up container to share net namespace with");
  free (n->target);
  n->target = xstrdup (id);
  return 0;
}

static int
compute_settings (struct storage *st, const struct container_create_opts *o,
                  const struct storage_image *img, const struct image_config *icfg,
                  struct container *c, nook_error_t *err)
{
  struct container_config *cfg = &c->cfg;
  const char *workdir = o->workdir ? o->workdir : icfg->workdir ? icfg->workdir : "/";

  if (o->name && check_name (o->name, err) < 0)
    return -1;
  cfg->name = o->name ? xstrdup (o->name) : container_random_name (st, err);
  if (cfg->name == NULL)
    return -1;
  if (workdir[0] != '/')
    return nook_error (err, 0, "workdir \"%s\" must be absolute", workdir);
  /* It goes into /etc/hosts and /etc/hostname: one word.  */
  if (o->hostname && (strlen (o->hostname) > 64 || strpbrk (o->hostname, "/ \t\n\r#")))
    return nook_error (err, 0, "invalid hostname `%s`", o->hostname);
  if (compute_command (o, icfg, cfg, err) < 0 || compute_env (o, icfg, &cfg->env, err) < 0)
    return -1;
  cfg->workdir = xstrdup (workdir);
  cfg->user = xstrdup (o->user ? o->user : icfg->user ? icfg->user : "");
  cfg->hostname = o->hostname && o->hostname[0] ? xstrdup (o->hostname) : xstrndup (cfg->id, 12);
  cfg->image_id = xstrdup (img->id);
  cfg->image_name = img->names && img->names[0] ? xstrdup (img->names[0]) : xstrdup (img->id);
  cfg->layers = strv_dup (img->layers);
  cfg->labels = strv_dup (icfg->labels ? icfg->labels : (char *[]){ NULL });
  cfg->created = nook_time_format (nook_now_ns ());
  cfg->interactive = o->interactive;
  cfg->rm = o->rm;
  if (check_mounts_security (st, o, icfg, cfg, err) < 0
      || container_run_settings (st, o, cfg, err) < 0
      || network_check (&o->net, icfg->exposed_ports, &cfg->net, err) < 0
      || resolve_network_container (st, &cfg->net, err) < 0)
    return -1;
  c->state.status = CONTAINER_CREATED;
  return 0;
}

int
container_create (struct storage *st, const struct container_create_opts *o, struct container *c,
                  nook_error_t *err)
{
  if (container_create_unsynced (st, o, c, err) < 0)
    return -1;
  container_record_sync (st);
  return 0;
}

int
container_create_unsynced (struct storage *st, const struct container_create_opts *o,
                           struct container *c, nook_error_t *err)
{
  struct storage_image img;
  struct image_config icfg;
  _cleanup_close_ int userns_lock = -1; /* --userns=auto: until the record is written */
  int ret;

  memset (c, 0, sizeof (*c));
  if (storage_image_lookup (st, o->image, &img, err) < 0)
    return -1;
  ret = storage_image_read_config (st, img.id, &icfg, err);
  if (ret == 0)
    {
      ret = nook_random_hex (c->cfg.id, 32, err);
      if (ret == 0)
        ret = compute_settings (st, o, &img, &icfg, c, err);
      if (ret == 0)
        ret = container_userns_check (st, &o->userns, o->user != NULL, &c->cfg, &userns_lock, err);
      if (ret == 0)
        ret = container_record_commit (st, c, err);
      image_config_free (&icfg);
    }
  storage_image_free (&img);
  if (ret < 0)
    {
      /* The anonymous volumes made for it go with it.  */
      container_mounts_remove_anonymous (st, &c->cfg.mounts);
      container_free (c);
    }
  return ret;
}
