/* The process: rlimits, groups, ids, capabilities, no_new_privs, umask,
   and finding the executable as execvp would.  */
#include "runtime/runtime-internal.h"

#include <grp.h>
#include <signal.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

static const struct
{
  const char *name;
  int resource;
} rlimit_table[] = {
  { "RLIMIT_AS", RLIMIT_AS },
  { "RLIMIT_CORE", RLIMIT_CORE },
  { "RLIMIT_CPU", RLIMIT_CPU },
  { "RLIMIT_DATA", RLIMIT_DATA },
  { "RLIMIT_FSIZE", RLIMIT_FSIZE },
  { "RLIMIT_LOCKS", RLIMIT_LOCKS },
  { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
  { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
  { "RLIMIT_NICE", RLIMIT_NICE },
  { "RLIMIT_NOFILE", RLIMIT_NOFILE },
  { "RLIMIT_NPROC", RLIMIT_NPROC },
  { "RLIMIT_RSS", RLIMIT_RSS },
  { "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
  { "RLIMIT_RTTIME", RLIMIT_RTTIME },
  { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
  { "RLIMIT_STACK", RLIMIT_STACK },
};

static int
set_rlimits (const struct oci_spec *spec, nook_error_t *err)
{
  for (size_t i = 0; i < spec->n_rlimits; i++)
    {
      const struct oci_rlimit *r = &spec->rlimits[i];
      struct rlimit lim = { .rlim_cur = r->soft, .rlim_max = r->hard };
      int res = -1;

      for (size_t k = 0; k < NOOK_ARRAY_SIZE (rlimit_table); k++)
        if (strcmp (r->type, rlimit_table[k].name) == 0)
          res = rlimit_table[k].resource;
      if (res < 0)
        return nook_error (err, 0, "config.json: unknown rlimit `%s`", r->type);
      if (setrlimit (res, &lim) < 0)
        return nook_error (err, errno, "setrlimit %s", r->type);
    }
  return 0;
}

/* Parse a capability list; names the kernel does not know are dropped
   with a warning (an older kernel), unknown names are an error.  */
static int
cap_values (char *const *names, const char *field, cap_value_t **out, size_t *n, nook_error_t *err)
{
  size_t count = strv_len (names);
  *out = xzalloc (sizeof (cap_value_t) * (count + 1));
  *n = 0;
  for (size_t i = 0; i < count; i++)
    {
      cap_value_t v;
      _cleanup_free_ char *lower = xstrdup (names[i]);
      for (char *p = lower; *p; p++)
        *p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
      if (cap_from_name (lower, &v) < 0)
        return nook_error (err, 0, "config.json: unknown capability `%s` in `%s`", names[i], field);
      if (v >= (cap_value_t)cap_max_bits ())
        {
          nook_warn ("capability `%s` is not known to this kernel", names[i]);
          continue;
        }
      (*out)[(*n)++] = v;
    }
  return 0;
}

static bool
has_cap (const cap_value_t *v, size_t n, cap_value_t c)
{
  for (size_t i = 0; i < n; i++)
    if (v[i] == c)
      return true;
  return false;
}

static int
drop_bounding (const struct oci_caps *caps, nook_error_t *err)
{
  _cleanup_free_ cap_value_t *b = NULL;
  size_t nb;

  if (cap_values (caps->bounding, "process.capabilities.bounding", &b, &nb, err) < 0)
    return -1;
  for (cap_value_t c = 0; c < (cap_value_t)cap_max_bits (); c++)
    if (!has_cap (b, nb, c) && prctl (PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
      return nook_error (err, errno, "drop capability %d from the bounding set", c);
  return 0;
}

static int
set_caps (const struct oci_caps *caps, nook_error_t *err)
{
  struct
  {
    char **names;
    const char *field;
    cap_flag_t flag;
  } sets[] = {
    { caps->effective, "process.capabilities.effective", CAP_EFFECTIVE },
    { caps->permitted, "process.capabilities.permitted", CAP_PERMITTED },
    { caps->inheritable, "process.capabilities.inheritable", CAP_INHERITABLE },
  };
  _cleanup_free_ cap_value_t *amb = NULL;
  cap_t c = cap_init ();
  size_t namb;
  int ret = 0;

  for (size_t i = 0; i < NOOK_ARRAY_SIZE (sets) && ret == 0; i++)
    {
      _cleanup_free_ cap_value_t *v = NULL;
      size_t n;
      if (cap_values (sets[i].names, sets[i].field, &v, &n, err) < 0)
        ret = -1;
      else if (n && cap_set_flag (c, sets[i].flag, (int)n, v, CAP_SET) < 0)
        ret = nook_error (err, errno, "set %s", sets[i].field);
    }
  if (ret == 0 && cap_set_proc (c) < 0)
    ret = nook_error (err, errno, "set capabilities");
  cap_free (c);
  if (ret < 0 || cap_values (caps->ambient, "process.capabilities.ambient", &amb, &namb, err) < 0)
    return -1;
  prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  for (size_t i = 0; i < namb; i++)
    if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, amb[i], 0, 0) < 0)
      return nook_error (err, errno, "raise ambient capability %d", amb[i]);
  return 0;
}

static int
set_ids (const struct oci_spec *spec, nook_error_t *err)
{
  gid_t *groups = xzalloc (sizeof (gid_t) * (spec->n_additional_gids + 1));
  int r;

  for (size_t i = 0; i < spec->n_additional_gids; i++)
    groups[i] = spec->additional_gids[i];
  r = setgroups (spec->n_additional_gids, groups);
  free (groups);
  /* With setgroups denied (a single-id user namespace) an empty list is
     what we have anyway.  */
  if (r < 0 && !(errno == EPERM && spec->n_additional_gids == 0))
    return nook_error (err, errno, "setgroups");
  if (setresgid (spec->gid, spec->gid, spec->gid) < 0)
    return nook_error (err, errno, "setgid %u (is it mapped in the user namespace?)", spec->gid);
  if (setresuid (spec->uid, spec->uid, spec->uid) < 0)
    return nook_error (err, errno, "setuid %u (is it mapped in the user namespace?)", spec->uid);
  return 0;
}

/* A signal the runtime's caller ignored stays ignored across execve
   (nohup ignores SIGHUP; a shell ignores SIGINT and SIGQUIT for a
   background job): the process starts with each at its default instead,
   as from runc and crun.  Handlers of our own go at the execve anyway.  */
static void
unignore_signals (void)
{
  for (int sig = 1; sig < NSIG; sig++)
    {
      struct sigaction sa;
      if (sigaction (sig, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN)
        signal (sig, SIG_DFL);
    }
}

int
runtime_setup_process (const struct oci_spec *spec, nook_error_t *err)
{
  unignore_signals ();
  if (set_rlimits (spec, err) < 0)
    return -1;
  if (spec->has_caps && drop_bounding (&spec->caps, err) < 0)
    return -1;
  /* Keep the permitted set across the switch of user, then set exactly
     what the spec asks.  */
  if (prctl (PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    return nook_error (err, errno, "prctl keepcaps");
  if (set_ids (spec, err) < 0)
    return -1;
  if (prctl (PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
    return nook_error (err, errno, "prctl keepcaps");
  if (spec->has_caps && set_caps (&spec->caps, err) < 0)
    return -1;
  if (spec->no_new_privileges && prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return nook_error (err, errno, "set no_new_privs");
  /* Without one in the spec, 0022 as runc and crun give: not whatever
     umask the runtime's caller had.  */
  umask (spec->umask >= 0 ? (mode_t)spec->umask : 022);
  return 0;
}

/* 0 when PATH is a regular file with an execute bit, else an errno.  */
static int
check_executable (const char *path)
{
  struct stat st;
  if (stat (path, &st) < 0)
    return errno;
  if (S_ISDIR (st.st_mode))
    return EACCES;
  if (!S_ISREG (st.st_mode) || (st.st_mode & 0111) == 0 || access (path, X_OK) < 0)
    return EACCES;
  return 0;
}

int
runtime_find_executable (const struct oci_spec *spec, char **out, nook_error_t *err)
{
  const char *arg0 = spec->args[0], *path = OCI_DEFAULT_PATH;
  int e;

  if (strchr (arg0, '/'))
    {
      e = check_executable (arg0);
      if (e == ENOENT || e == ENOTDIR)
        {
          nook_error (err, 0, "exec: \"%s\": stat %s: no such file or directory", arg0, arg0);
          return nook_error_set_errno (err, ENOENT);
        }
      if (e)
        {
          nook_error (err, 0, "exec: \"%s\": permission denied", arg0);
          return nook_error_set_errno (err, EACCES);
        }
      *out = xstrdup (arg0);
      return 0;
    }
  for (size_t i = 0; spec->env && spec->env[i]; i++)
    if (str_has_prefix (spec->env[i], "PATH="))
      path = spec->env[i] + 5;
  for (const char *p = path;;)
    {
      const char *end = strchr (p, ':');
      size_t len = end ? (size_t)(end - p) : strlen (p);
      _cleanup_free_ char *cand
          = len ? xasprintf ("%.*s/%s", (int)len, p, arg0) : xasprintf ("./%s", arg0);
      if (check_executable (cand) == 0)
        {
          *out = steal_pointer (&cand);
          return 0;
        }
      if (end == NULL)
        break;
      p = end + 1;
    }
  nook_error (err, 0, "exec: \"%s\": executable file not found in $PATH", arg0);
  return nook_error_set_errno (err, ENOENT);
}
