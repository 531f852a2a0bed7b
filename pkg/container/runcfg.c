/* create: what the monitor needs from the flags — the terminal, the log
   driver and its options, the restart policy, the stop signal and
   timeout — checked as Podman checks them.  */
#include "container/internal.h"

#include <ctype.h>
#include <signal.h>
#include <string.h>

/* Podman's units.FromHumanSize: decimal multiples, "10m" or "10MB".  */
static int
parse_size (const char *s, int64_t *out, nook_error_t *err)
{
  static const char units[] = "bkmgtp";
  char *end;
  double v = strtod (s, &end);
  int64_t mult = 1;
  const char *u;

  if (end == s || v < 0)
    return nook_error (err, 0, "invalid size: '%s'", s);
  while (*end == ' ')
    end++;
  if (*end)
    {
      u = strchr (units, tolower ((unsigned char)*end));
      if (u == NULL || (end[1] && !((end[1] == 'b' || end[1] == 'B') && !end[2] && u != units)))
        return nook_error (err, 0, "invalid size: '%s'", s);
      for (const char *p = units; p < u; p++)
        mult *= 1000;
    }
  if (v * (double)mult > (double)INT64_MAX / 2)
    return nook_error (err, 0, "invalid size: '%s'", s);
  *out = (int64_t)(v * (double)mult);
  return 0;
}

static int
log_settings (struct storage *st, const struct container_create_opts *o,
              struct container_config *cfg, nook_error_t *err)
{
  const char *d = o->log_driver ? o->log_driver : "k8s-file";

  if (!str_eq (d, "k8s-file") && !str_eq (d, "none") && !str_eq (d, "passthrough"))
    return nook_error (err, 0,
                       "invalid log driver \"%s\": only k8s-file, none and passthrough "
                       "are supported",
                       d);
  if (str_eq (d, "passthrough") && o->tty)
    return nook_error (err, 0, "the passthrough log driver cannot be used with a tty");
  cfg->log_driver = xstrdup (d);
  cfg->log_max_files = 1;
  for (size_t i = 0; o->log_opts && o->log_opts[i]; i++)
    {
      const char *opt = o->log_opts[i], *eq = strchr (opt, '=');
      const char *v = eq ? eq + 1 : "";
      int64_t n;

      if (str_has_prefix (opt, "path=") && v[0] == '/')
        {
          free (cfg->log_path);
          cfg->log_path = xstrdup (v);
        }
      else if (str_has_prefix (opt, "max-size="))
        {
          if (parse_size (v, &cfg->log_max_size, err) < 0)
            return -1;
        }
      else if (str_has_prefix (opt, "max-file=") && str_to_int64 (v, &n) && n >= 1 && n <= 1000)
        cfg->log_max_files = n;
      else
        return nook_error (err, 0,
                           "invalid log option \"%s\": path=ABSOLUTE-PATH, max-size=SIZE "
                           "and max-file=N are supported",
                           opt);
    }
  if (cfg->log_path == NULL)
    cfg->log_path = xasprintf ("%s/containers/%s/userdata/ctr.log", st->root, cfg->id);
  return 0;
}

static int
restart_settings (const struct container_create_opts *o, struct container_config *cfg,
                  nook_error_t *err)
{
  /* "" (none given) and "no" mean the same, and inspect shows which.  */
  const char *r = o->restart ? o->restart : "";
  const char *colon = strchr (r, ':');
  _cleanup_free_ char *name = colon ? xstrndup (r, (size_t)(colon - r)) : xstrdup (r);

  if (name[0] && !str_eq (name, "no") && !str_eq (name, "always") && !str_eq (name, "on-failure")
      && !str_eq (name, "unless-stopped"))
    return nook_error (err, 0, "\"%s\" is not a valid restart policy: invalid argument", r);
  if (colon && !str_eq (name, "on-failure"))
    return nook_error (err, 0,
                       "restart policy retries can only be specified with on-failure restart "
                       "policy");
  if (colon && (!str_to_int64 (colon + 1, &cfg->restart_max) || cfg->restart_max < 0))
    return nook_error (err, 0,
                       "must specify restart policy retry count as a number greater than 0");
  if (o->rm && name[0] && !str_eq (name, "no"))
    return nook_error (err, 0,
                       "the --rm option conflicts with --restart, when the restartPolicy is not "
                       "\"\" and \"no\"");
  cfg->restart = steal_pointer (&name);
  return 0;
}

int
container_run_settings (struct storage *st, const struct container_create_opts *o,
                        struct container_config *cfg, nook_error_t *err)
{
  int sig = SIGTERM;

  if (o->stop_signal && nook_signal_parse (o->stop_signal, &sig) < 0)
    return nook_error (err, 0,
                       str_to_int64 (o->stop_signal, &(int64_t){ 0 })
                           ? "valid signals are 1 through 64"
                           : "invalid signal: %s",
                       o->stop_signal);
  if (o->tty && o->log_driver && str_eq (o->log_driver, "passthrough"))
    return nook_error (err, 0, "the passthrough log driver cannot be used with a tty");
  cfg->tty = o->tty;
  cfg->init = o->init;
  cfg->stop_signal = sig;
  cfg->stop_timeout = o->stop_timeout >= 0 ? o->stop_timeout : 10;
  if (log_settings (st, o, cfg, err) < 0 || restart_settings (o, cfg, err) < 0)
    return -1;
  return 0;
}
