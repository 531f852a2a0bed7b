/* config.json's `process`, also read alone (`exec --process FILE`).  */
#include "oci/internal.h"

#include <string.h>

static int
parse_user (struct oci_spec *s, const nook_json *user, nook_error_t *err)
{
  static const char *const known[] = { "uid", "gid", "umask", "additionalGids", NULL };
  nook_json *gids = NULL;
  struct oci_uint umask = { 0 };

  if (oci_check_keys (user, "process.user", known, err) < 0
      || oci_get_u32 (user, "uid", "process.user.uid", true, &s->uid, err) < 0
      || oci_get_u32 (user, "gid", "process.user.gid", true, &s->gid, err) < 0
      || oci_get_opt_uint (user, "umask", "process.user.umask", 0777, &umask, err) < 0
      || json_get_array (user, "additionalGids", "process.user.additionalGids", false, &gids, err)
             < 0)
    return -1;
  s->umask = umask.set ? (int64_t)umask.v : -1;
  s->additional_gids = xzalloc (sizeof (uint32_t) * (json_len (gids) + 1));
  for (size_t i = 0; i < json_len (gids); i++)
    {
      int64_t g;
      if (!json_int (json_at (gids, i), &g) || g < 0 || g > UINT32_MAX)
        return nook_error (err, 0, "field `process.user.additionalGids[%zu]` is not a gid", i);
      s->additional_gids[s->n_additional_gids++] = (uint32_t)g;
    }
  return 0;
}

static int
parse_caps (struct oci_spec *s, const nook_json *caps, nook_error_t *err)
{
  static const char *const known[]
      = { "bounding", "effective", "inheritable", "permitted", "ambient", NULL };
  static const char *const sets[]
      = { "bounding", "effective", "inheritable", "permitted", "ambient" };
  char ***outs[] = { &s->caps.bounding, &s->caps.effective, &s->caps.inheritable,
                     &s->caps.permitted, &s->caps.ambient };

  s->has_caps = true;
  if (oci_check_keys (caps, "process.capabilities", known, err) < 0)
    return -1;
  for (size_t i = 0; i < NOOK_ARRAY_SIZE (outs); i++)
    {
      _cleanup_free_ char *f = oci_subfield ("process.capabilities", sets[i]);
      if (json_get_strv (caps, sets[i], f, false, outs[i], err) < 0)
        return -1;
    }
  return 0;
}

static int
parse_rlimits (struct oci_spec *s, const nook_json *arr, nook_error_t *err)
{
  static const char *const known[] = { "type", "soft", "hard", NULL };
  s->rlimits = xzalloc (sizeof (*s->rlimits) * (json_len (arr) + 1));
  for (size_t i = 0; i < json_len (arr); i++)
    {
      nook_json *r = json_at (arr, i);
      const char *type = NULL;
      uint64_t soft = 0, hard = 0;
      if (!json_is_object (r) || oci_check_keys (r, "process.rlimits[]", known, err) < 0
          || json_get_str (r, "type", "process.rlimits[].type", true, &type, err) < 0
          || json_get_uint (r, "soft", "process.rlimits[].soft", true, &soft, err) < 0
          || json_get_uint (r, "hard", "process.rlimits[].hard", true, &hard, err) < 0)
        return *err ? -1 : nook_error (err, 0, "field `process.rlimits[%zu]` is not an object", i);
      s->rlimits[s->n_rlimits].type = xstrdup (type);
      s->rlimits[s->n_rlimits].soft = soft;
      s->rlimits[s->n_rlimits].hard = hard;
      s->n_rlimits++;
    }
  return 0;
}

static int
parse_console_size (struct oci_spec *s, const nook_json *c, nook_error_t *err)
{
  static const char *const known[] = { "height", "width", NULL };

  s->has_console_size = true;
  return oci_check_keys (c, "process.consoleSize", known, err) < 0
                 || oci_get_u32 (c, "height", "process.consoleSize.height", true,
                                 &s->console_height, err)
                        < 0
                 || oci_get_u32 (c, "width", "process.consoleSize.width", true, &s->console_width,
                                 err)
                        < 0
             ? -1
             : 0;
}

/* Strings where "" means none, as generators write them.  */
static int
get_label (const nook_json *p, const char *key, const char *field, char **out, nook_error_t *err)
{
  if (oci_get_dup (p, key, field, false, out, err) < 0)
    return -1;
  if (*out && **out == '\0')
    {
      free (*out);
      *out = NULL;
    }
  return 0;
}

int
oci_parse_process (struct oci_spec *s, const nook_json *p, nook_error_t *err)
{
  static const char *const known[] = { "terminal",
                                       "consoleSize",
                                       "user",
                                       "args",
                                       "env",
                                       "cwd",
                                       "capabilities",
                                       "rlimits",
                                       "noNewPrivileges",
                                       "apparmorProfile",
                                       "selinuxLabel",
                                       "oomScoreAdj",
                                       NULL };
  nook_json *user = NULL, *caps = NULL, *rlimits = NULL, *console = NULL;

  s->has_process = true;
  s->umask = -1;
  if (oci_check_keys (p, "process", known, err) < 0
      || json_get_bool (p, "terminal", "process.terminal", false, &s->terminal, err) < 0
      || json_get_object (p, "consoleSize", "process.consoleSize", false, &console, err) < 0
      || (console && parse_console_size (s, console, err) < 0)
      || json_get_object (p, "user", "process.user", true, &user, err) < 0
      || parse_user (s, user, err) < 0
      || json_get_strv (p, "args", "process.args", true, &s->args, err) < 0
      || json_get_strv (p, "env", "process.env", false, &s->env, err) < 0
      || oci_get_dup (p, "cwd", "process.cwd", true, &s->cwd, err) < 0
      || json_get_object (p, "capabilities", "process.capabilities", false, &caps, err) < 0
      || (caps && parse_caps (s, caps, err) < 0)
      || json_get_array (p, "rlimits", "process.rlimits", false, &rlimits, err) < 0
      || parse_rlimits (s, rlimits, err) < 0
      || json_get_bool (p, "noNewPrivileges", "process.noNewPrivileges", false,
                        &s->no_new_privileges, err)
             < 0
      || get_label (p, "apparmorProfile", "process.apparmorProfile", &s->apparmor_profile, err) < 0
      || get_label (p, "selinuxLabel", "process.selinuxLabel", &s->selinux_label, err) < 0
      || oci_get_opt_int (p, "oomScoreAdj", "process.oomScoreAdj", -1000, 1000, &s->oom_score_adj,
                          err)
             < 0)
    return -1;
  if (s->args[0] == NULL)
    return nook_error (err, 0, "field `process.args` must not be empty");
  if (s->cwd[0] != '/')
    return nook_error (err, 0, "field `process.cwd` must be an absolute path");
  return 0;
}

int
oci_process_parse (const nook_json *process, struct oci_spec *spec, nook_error_t *err)
{
  if (!json_is_object (process))
    return nook_error (err, 0, "field `process` is not an object");
  return oci_parse_process (spec, process, err);
}

void
oci_free_process (struct oci_spec *s)
{
  free (s->additional_gids);
  strv_free (s->args);
  strv_free (s->env);
  free (s->cwd);
  strv_free (s->caps.bounding);
  strv_free (s->caps.effective);
  strv_free (s->caps.inheritable);
  strv_free (s->caps.permitted);
  strv_free (s->caps.ambient);
  for (size_t i = 0; i < s->n_rlimits; i++)
    free (s->rlimits[i].type);
  free (s->rlimits);
  free (s->apparmor_profile);
  free (s->selinux_label);
}

/* ---- generation ---- */

static void
gen_user (struct json_gen *g, const struct oci_spec *s)
{
  json_gen_key (g, "user");
  json_gen_object_open (g);
  json_gen_kv_int (g, "uid", s->uid);
  json_gen_kv_int (g, "gid", s->gid);
  if (s->umask >= 0)
    json_gen_kv_int (g, "umask", s->umask);
  if (s->n_additional_gids)
    {
      json_gen_key (g, "additionalGids");
      json_gen_array_open (g);
      for (size_t i = 0; i < s->n_additional_gids; i++)
        json_gen_int (g, s->additional_gids[i]);
      json_gen_array_close (g);
    }
  json_gen_object_close (g);
}

static void
gen_caps (struct json_gen *g, const struct oci_caps *c)
{
  json_gen_key (g, "capabilities");
  json_gen_object_open (g);
  json_gen_kv_strv (g, "bounding", c->bounding);
  json_gen_kv_strv (g, "effective", c->effective);
  json_gen_kv_strv (g, "inheritable", c->inheritable);
  json_gen_kv_strv (g, "permitted", c->permitted);
  json_gen_kv_strv (g, "ambient", c->ambient);
  json_gen_object_close (g);
}

static void
gen_rlimits (struct json_gen *g, const struct oci_spec *s)
{
  json_gen_key (g, "rlimits");
  json_gen_array_open (g);
  for (size_t i = 0; i < s->n_rlimits; i++)
    {
      json_gen_object_open (g);
      json_gen_kv_string (g, "type", s->rlimits[i].type);
      json_gen_key (g, "soft");
      json_gen_uint (g, s->rlimits[i].soft);
      json_gen_key (g, "hard");
      json_gen_uint (g, s->rlimits[i].hard);
      json_gen_object_close (g);
    }
  json_gen_array_close (g);
}

/* The process object itself (no key).  */
void
oci_gen_process (struct json_gen *g, const struct oci_spec *s)
{
  json_gen_object_open (g);
  json_gen_kv_bool (g, "terminal", s->terminal);
  if (s->has_console_size)
    {
      json_gen_key (g, "consoleSize");
      json_gen_object_open (g);
      json_gen_kv_int (g, "height", s->console_height);
      json_gen_kv_int (g, "width", s->console_width);
      json_gen_object_close (g);
    }
  gen_user (g, s);
  json_gen_kv_strv (g, "args", s->args);
  json_gen_kv_strv (g, "env", s->env);
  json_gen_kv_string (g, "cwd", s->cwd);
  if (s->has_caps)
    gen_caps (g, &s->caps);
  if (s->n_rlimits)
    gen_rlimits (g, s);
  json_gen_kv_bool (g, "noNewPrivileges", s->no_new_privileges);
  oci_gen_opt_str (g, "apparmorProfile", s->apparmor_profile);
  oci_gen_opt_str (g, "selinuxLabel", s->selinux_label);
  oci_gen_opt_int (g, "oomScoreAdj", s->oom_score_adj);
  json_gen_object_close (g);
}

char *
oci_process_to_json (const struct oci_spec *s, size_t *len)
{
  _cleanup_json_gen_ struct json_gen *g = json_gen_new (true);
  const char *text;

  oci_gen_process (g, s);
  text = json_gen_text (g, len);
  return xstrndup (text, *len);
}
