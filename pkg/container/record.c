/* The container record: container.json (settings) and state.json.  */
#include "container/internal.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>

#define RECORD_MAX (4 << 20)

static const char *const status_names[] = { "created", "running", "exited" };

const char *
container_status_name (enum container_status s)
{
  return status_names[s];
}

void
container_config_free (struct container_config *cfg)
{
  free (cfg->name);
  free (cfg->image_id);
  free (cfg->image_name);
  strv_free (cfg->entrypoint);
  strv_free (cfg->cmd);
  strv_free (cfg->env);
  free (cfg->workdir);
  free (cfg->user);
  free (cfg->hostname);
  strv_free (cfg->layers);
  strv_free (cfg->labels);
  free (cfg->created);
  container_security_free (&cfg->sec);
  container_userns_free (&cfg->userns);
  container_mounts_free (&cfg->mounts);
  free (cfg->log_driver);
  free (cfg->log_path);
  free (cfg->restart);
  network_free (&cfg->net);
  memset (cfg, 0, sizeof (*cfg));
}

void
container_state_free (struct container_state *s)
{
  free (s->started_at);
  free (s->finished_at);
  free (s->error);
  memset (s, 0, sizeof (*s));
}

void
container_free (struct container *c)
{
  container_config_free (&c->cfg);
  container_state_free (&c->state);
}

/* Records are written compact: every `ps` reads them all, and yajl's
   lexer pays for each byte of indentation (nearly a third of
   container.json).  */
static char *
config_json (const struct container_config *cfg, size_t *len)
{
  _cleanup_json_gen_ struct json_gen *g = json_gen_new (false);

  json_gen_object_open (g);
  json_gen_kv_string (g, "id", cfg->id);
  json_gen_kv_string (g, "name", cfg->name);
  json_gen_kv_string (g, "image_id", cfg->image_id);
  json_gen_kv_string (g, "image_name", cfg->image_name);
  json_gen_kv_strv (g, "entrypoint", cfg->entrypoint);
  json_gen_kv_strv (g, "cmd", cfg->cmd);
  json_gen_kv_strv (g, "env", cfg->env);
  json_gen_kv_string (g, "workdir", cfg->workdir);
  json_gen_kv_string (g, "user", cfg->user);
  json_gen_kv_string (g, "hostname", cfg->hostname);
  json_gen_kv_strv (g, "layers", cfg->layers);
  json_gen_kv_strv (g, "labels", cfg->labels);
  json_gen_kv_string (g, "created", cfg->created);
  json_gen_kv_bool (g, "interactive", cfg->interactive);
  json_gen_kv_bool (g, "rm", cfg->rm);
  container_security_write (g, &cfg->sec);
  container_userns_write (g, &cfg->userns);
  container_mounts_write (g, &cfg->mounts);
  json_gen_kv_bool (g, "tty", cfg->tty);
  json_gen_kv_bool (g, "init", cfg->init);
  json_gen_kv_string (g, "log_driver", cfg->log_driver);
  json_gen_kv_string (g, "log_path", cfg->log_path);
  json_gen_kv_int (g, "log_max_size", cfg->log_max_size);
  json_gen_kv_int (g, "log_max_files", cfg->log_max_files);
  json_gen_kv_string (g, "restart", cfg->restart);
  json_gen_kv_int (g, "restart_max", cfg->restart_max);
  json_gen_kv_int (g, "stop_signal", cfg->stop_signal);
  json_gen_kv_int (g, "stop_timeout", cfg->stop_timeout);
  network_write (g, &cfg->net);
  json_gen_object_close (g);
  return xstrdup (json_gen_text (g, len));
}

static int
get_string (const nook_json *j, const char *key, char **out, nook_error_t *err)
{
  const char *s = NULL;
  if (json_get_str (j, key, key, false, &s, err) < 0)
    return -1;
  *out = xstrdup (s ? s : "");
  return 0;
}

/* What came with run -d and the monitor; records written before have
   none of it and get the defaults.  */
static int
config_parse_run (const nook_json *j, struct container_config *cfg, nook_error_t *err)
{
  cfg->log_max_files = 1;
  cfg->stop_signal = SIGTERM;
  cfg->stop_timeout = 10;
  if (json_get_bool (j, "tty", "tty", false, &cfg->tty, err) < 0
      || json_get_bool (j, "init", "init", false, &cfg->init, err) < 0
      || get_string (j, "log_driver", &cfg->log_driver, err) < 0
      || get_string (j, "log_path", &cfg->log_path, err) < 0
      || json_get_int (j, "log_max_size", "log_max_size", false, &cfg->log_max_size, err) < 0
      || json_get_int (j, "log_max_files", "log_max_files", false, &cfg->log_max_files, err) < 0
      || get_string (j, "restart", &cfg->restart, err) < 0
      || json_get_int (j, "restart_max", "restart_max", false, &cfg->restart_max, err) < 0
      || json_get_int (j, "stop_signal", "stop_signal", false, &cfg->stop_signal, err) < 0
      || json_get_int (j, "stop_timeout", "stop_timeout", false, &cfg->stop_timeout, err) < 0)
    return -1;
  if (!cfg->log_driver[0])
    {
      free (cfg->log_driver);
      cfg->log_driver = xstrdup ("k8s-file");
    }
  if (cfg->stop_signal < 1 || cfg->stop_signal > 64 || cfg->log_max_files < 1)
    return nook_error (err, 0, "invalid stop signal or log file count");
  return 0;
}

/* The rest of a whole record: the process, the security and user
   namespace settings, and what came with run -d.  */
static int
config_parse_process (const nook_json *j, struct container_config *cfg, nook_error_t *err)
{
  if (json_get_strv (j, "env", "env", false, &cfg->env, err) < 0
      || get_string (j, "workdir", &cfg->workdir, err) < 0
      || get_string (j, "user", &cfg->user, err) < 0
      || get_string (j, "hostname", &cfg->hostname, err) < 0
      || json_get_strv (j, "layers", "layers", true, &cfg->layers, err) < 0
      || json_get_bool (j, "interactive", "interactive", false, &cfg->interactive, err) < 0
      || container_userns_read (j, &cfg->userns, err) < 0
      || container_security_read (j, &cfg->sec, err) < 0)
    return -1;
  return config_parse_run (j, cfg, err);
}

/* What a listing shows (BRIEF: ps) or the whole record.  A brief one
   leaves the process, security, user namespace and run settings empty.  */
static int
config_parse (const char *text, size_t len, bool brief, struct container_config *cfg,
              nook_error_t *err)
{
  _cleanup_json_ nook_json *j = NULL;
  _cleanup_free_ char *id = NULL;

  memset (cfg, 0, sizeof (*cfg));
  if (json_parse (text, len, &j, err) < 0 || get_string (j, "id", &id, err) < 0
      || get_string (j, "name", &cfg->name, err) < 0
      || get_string (j, "image_id", &cfg->image_id, err) < 0
      || get_string (j, "image_name", &cfg->image_name, err) < 0
      || json_get_strv (j, "entrypoint", "entrypoint", false, &cfg->entrypoint, err) < 0
      || json_get_strv (j, "cmd", "cmd", false, &cfg->cmd, err) < 0
      || json_get_strv (j, "labels", "labels", false, &cfg->labels, err) < 0
      || get_string (j, "created", &cfg->created, err) < 0
      || json_get_bool (j, "rm", "rm", false, &cfg->rm, err) < 0
      || container_mounts_read (j, &cfg->mounts, err) < 0 || network_read (j, &cfg->net, err) < 0
      || (!brief && config_parse_process (j, cfg, err) < 0))
    {
      container_config_free (cfg);
      return -1;
    }
  if (strlen (id) != 64 || !nook_is_hex (id, 64))
    {
      container_config_free (cfg);
      return nook_error (err, 0, "invalid container id `%s`", id);
    }
  memcpy (cfg->id, id, 65);
  return 0;
}

int
container_state_write (int dirfd, const struct container_state *s, bool durable, nook_error_t *err)
{
  _cleanup_json_gen_ struct json_gen *g = json_gen_new (false);

  json_gen_object_open (g);
  json_gen_kv_string (g, "status", container_status_name (s->status));
  json_gen_kv_int (g, "pid", s->pid);
  json_gen_kv_int (g, "pid_start", (int64_t)s->pid_start);
  json_gen_kv_int (g, "monitor_pid", s->monitor_pid);
  json_gen_kv_int (g, "monitor_start", (int64_t)s->monitor_start);
  json_gen_kv_int (g, "fuse_pid", s->fuse_pid);
  json_gen_kv_int (g, "fuse_start", (int64_t)s->fuse_start);
  json_gen_kv_int (g, "net_pid", s->net_pid);
  json_gen_kv_int (g, "net_start", (int64_t)s->net_start);
  json_gen_kv_int (g, "exit_code", s->exit_code);
  json_gen_kv_string (g, "started_at", s->started_at);
  json_gen_kv_string (g, "finished_at", s->finished_at);
  json_gen_kv_string (g, "error", s->error);
  json_gen_kv_int (g, "restart_count", s->restart_count);
  json_gen_kv_bool (g, "stopped", s->stopped);
  json_gen_object_close (g);
  return json_gen_write_file (g, dirfd, "state.json", durable, err);
}

static int
state_parse (const char *text, size_t len, struct container_state *s, nook_error_t *err)
{
  _cleanup_json_ nook_json *j = NULL;
  const char *status = NULL, *started = NULL, *finished = NULL, *error = NULL;
  int64_t pid = 0, pid_start = 0, mon = 0, mon_start = 0, code = 0, fuse = 0, fuse_start = 0;
  int64_t net = 0, net_start = 0;

  memset (s, 0, sizeof (*s));
  if (json_parse (text, len, &j, err) < 0
      || json_get_str (j, "status", "status", true, &status, err) < 0
      || json_get_int (j, "pid", "pid", false, &pid, err) < 0
      || json_get_int (j, "pid_start", "pid_start", false, &pid_start, err) < 0
      || json_get_int (j, "monitor_pid", "monitor_pid", false, &mon, err) < 0
      || json_get_int (j, "monitor_start", "monitor_start", false, &mon_start, err) < 0
      || json_get_int (j, "fuse_pid", "fuse_pid", false, &fuse, err) < 0
      || json_get_int (j, "fuse_start", "fuse_start", false, &fuse_start, err) < 0
      || json_get_int (j, "net_pid", "net_pid", false, &net, err) < 0
      || json_get_int (j, "net_start", "net_start", false, &net_start, err) < 0
      || json_get_int (j, "exit_code", "exit_code", false, &code, err) < 0
      || json_get_str (j, "started_at", "started_at", false, &started, err) < 0
      || json_get_str (j, "finished_at", "finished_at", false, &finished, err) < 0
      || json_get_str (j, "error", "error", false, &error, err) < 0
      || json_get_int (j, "restart_count", "restart_count", false, &s->restart_count, err) < 0
      || json_get_bool (j, "stopped", "stopped", false, &s->stopped, err) < 0)
    return -1;
  for (size_t i = 0; i < NOOK_ARRAY_SIZE (status_names); i++)
    if (strcmp (status, status_names[i]) == 0)
      s->status = (enum container_status)i;
  s->pid = (pid_t)pid;
  s->pid_start = (uint64_t)pid_start;
  s->monitor_pid = (pid_t)mon;
  s->monitor_start = (uint64_t)mon_start;
  s->fuse_pid = (pid_t)fuse;
  s->fuse_start = (uint64_t)fuse_start;
  s->net_pid = (pid_t)net;
  s->net_start = (uint64_t)net_start;
  s->exit_code = (int)code;
  s->started_at = started ? xstrdup (started) : NULL;
  s->finished_at = finished ? xstrdup (finished) : NULL;
  s->error = error ? xstrdup (error) : NULL;
  return 0;
}

/* Read record NAME of container ID: a missing container is Podman's
   "no such container" (ENOENT).  */
static int
read_record (struct storage *st, const char *id, const char *name, char **text, size_t *len,
             nook_error_t *err)
{
  char path[128];

  if (strlen (id) != 64 || !nook_is_hex (id, 64))
    return nook_error (err, ENOENT, "no container with ID \"%s\" found: no such container", id);
  snprintf (path, sizeof (path), "%s/%s", id, name);
  return nook_read_record_at (st->containersfd, path, RECORD_MAX, text, len, err);
}

static int
load (struct storage *st, const char *id, bool brief, struct container *c, nook_error_t *err)
{
  _cleanup_free_ char *text = NULL;
  size_t len;

  memset (c, 0, sizeof (*c));
  /* A container's directory comes into place with its container.json
     (container_record_commit): no file, no container.  */
  if (read_record (st, id, "container.json", &text, &len, err) < 0)
    {
      if ((*err)->errnum != ENOENT)
        return nook_error_prefix (err, "container %.12s", id);
      nook_error_free (err);
      nook_error (err, 0, "no container with ID \"%s\" found: no such container", id);
      return nook_error_set_errno (err, ENOENT);
    }
  if (config_parse (text, len, brief, &c->cfg, err) < 0)
    return nook_error_prefix (err, "container %.12s", id);
  free (text);
  text = NULL;
  /* No state yet: created and never started.  */
  if (read_record (st, id, "state.json", &text, &len, err) < 0)
    {
      if ((*err)->errnum != ENOENT)
        {
          container_free (c);
          return nook_error_prefix (err, "container %.12s", id);
        }
      nook_error_free (err);
      c->state.status = CONTAINER_CREATED;
      return 0;
    }
  if (state_parse (text, len, &c->state, err) < 0)
    {
      container_free (c);
      return nook_error_prefix (err, "container %.12s", id);
    }
  /* The monitor writes "exited" when the container ends; if it is gone
     without doing so, the container ended with it, unseen.  */
  if (c->state.status == CONTAINER_RUNNING
      && !nook_proc_alive (c->state.monitor_pid, c->state.monitor_start))
    {
      c->state.status = CONTAINER_EXITED;
      c->state.exit_code = -1;
      if (c->state.finished_at == NULL && c->state.started_at)
        c->state.finished_at = xstrdup (c->state.started_at);
    }
  return 0;
}

int
container_load (struct storage *st, const char *id, struct container *c, nook_error_t *err)
{
  return load (st, id, false, c, err);
}

int
container_state_update (struct storage *st, const char *id, const struct container_state *s,
                        bool durable, nook_error_t *err)
{
  _cleanup_close_ int dfd = storage_container_open (st, id, err);
  if (dfd < 0 || nook_lock (dfd, true, err) < 0)
    return -1;
  return container_state_write (dfd, s, durable, err);
}

static int
created_cmp (const void *pa, const void *pb)
{
  const struct container *a = pa, *b = pb;
  return -strcmp (a->cfg.created, b->cfg.created);
}

static int
list (struct storage *st, bool brief, struct container **out, size_t *n, nook_error_t *err)
{
  _cleanup_strv_ char **ids = NULL;
  struct container *cs;
  size_t k = 0;

  if (storage_container_ids (st, &ids, err) < 0)
    return -1;
  cs = xzalloc (sizeof (*cs) * (strv_len (ids) + 1));
  for (size_t i = 0; ids[i]; i++)
    {
      nook_error_t e = NULL;
      /* A container removed meanwhile drops out of the list.  */
      if (load (st, ids[i], brief, &cs[k], &e) < 0)
        {
          nook_debug ("%s", e->msg);
          nook_error_free (&e);
          continue;
        }
      k++;
    }
  /* RFC 3339 times in one zone sort as strings.  */
  qsort (cs, k, sizeof (*cs), created_cmp);
  *out = cs;
  *n = k;
  return 0;
}

int
container_list (struct storage *st, struct container **out, size_t *n, nook_error_t *err)
{
  return list (st, false, out, n, err);
}

int
container_list_brief (struct storage *st, struct container **out, size_t *n, nook_error_t *err)
{
  return list (st, true, out, n, err);
}

void
container_list_free (struct container *cs, size_t n)
{
  for (size_t i = 0; i < n; i++)
    container_free (&cs[i]);
  free (cs);
}

int
container_image_users (struct storage *st, const char *image_id, char ***ids, nook_error_t *err)
{
  struct container *cs = NULL;
  size_t n = 0;

  *ids = xzalloc (sizeof (char *));
  if (container_list (st, &cs, &n, err) < 0)
    return -1;
  for (size_t i = 0; i < n; i++)
    if (strcmp (cs[i].cfg.image_id, image_id) == 0
        || container_mounts_use_image (&cs[i].cfg.mounts, image_id))
      strv_push (ids, xstrdup (cs[i].cfg.id));
  container_list_free (cs, n);
  return 0;
}

char *
container_command_string (const struct container_config *cfg)
{
  _cleanup_strv_ char **command = container_full_command (cfg);
  return strv_join (command, " ");
}

char **
container_full_command (const struct container_config *cfg)
{
  char **v = strv_dup (cfg->entrypoint);
  for (size_t i = 0; cfg->cmd && cfg->cmd[i]; i++)
    strv_push (&v, xstrdup (cfg->cmd[i]));
  return v;
}

void
container_record_sync (struct storage *st)
{
  fsync (st->containersfd);
}

/* Stage the record in tmp/ (its file on disk before its name is: a
   crash never shows a torn record), reserve the name, rename it into
   place; container_record_sync puts the rename on disk.  */
int
container_record_commit (struct storage *st, const struct container *c, nook_error_t *err)
{
  static const char *const dirs[] = { "upper", "work", "merged", "userdata" };
  struct storage_tmp tmp;
  _cleanup_free_ char *text = NULL;
  size_t len;

  if (storage_tmp_create (st, "ctr", &tmp, err) < 0)
    return -1;
  text = config_json (&c->cfg, &len);
  if (nook_write_file_atomic (tmp.fd, "container.json", text, len, 0600, err) < 0)
    goto fail;
  for (size_t i = 0; i < NOOK_ARRAY_SIZE (dirs); i++)
    if (mkdirat (tmp.fd, dirs[i], 0700) < 0)
      {
        nook_error (err, errno, "create container directory `%s`", dirs[i]);
        goto fail;
      }
  if (storage_container_name_reserve (st, c->cfg.name, c->cfg.id, err) < 0)
    goto fail;
  if (renameat (st->tmpfd, tmp.name, st->containersfd, c->cfg.id) < 0)
    {
      nook_error (err, errno, "commit container %.12s", c->cfg.id);
      storage_container_name_release (st, c->cfg.name, c->cfg.id);
      goto fail;
    }
  nook_closep (&tmp.fd);
  free (tmp.name);
  return 0;

fail:
  storage_tmp_discard (st, &tmp);
  return -1;
}

bool
container_monitor_alive (const struct container_state *s)
{
  return s->monitor_pid > 0 && nook_proc_alive (s->monitor_pid, s->monitor_start);
}
