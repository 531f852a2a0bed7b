/* A container's security flags: checked and normalized at create as
   Podman checks them (containers/common's capabilities, go-units'
   ulimits, Podman's sysctl and mount option rules), with its messages;
   kept in the record.  */
#include "container/internal.h"

#include <ctype.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static const char *const cap_names[] = { "CHOWN",
                                         "DAC_OVERRIDE",
                                         "DAC_READ_SEARCH",
                                         "FOWNER",
                                         "FSETID",
                                         "KILL",
                                         "SETGID",
                                         "SETUID",
                                         "SETPCAP",
                                         "LINUX_IMMUTABLE",
                                         "NET_BIND_SERVICE",
                                         "NET_BROADCAST",
                                         "NET_ADMIN",
                                         "NET_RAW",
                                         "IPC_LOCK",
                                         "IPC_OWNER",
                                         "SYS_MODULE",
                                         "SYS_RAWIO",
                                         "SYS_CHROOT",
                                         "SYS_PTRACE",
                                         "SYS_PACCT",
                                         "SYS_ADMIN",
                                         "SYS_BOOT",
                                         "SYS_NICE",
                                         "SYS_RESOURCE",
                                         "SYS_TIME",
                                         "SYS_TTY_CONFIG",
                                         "MKNOD",
                                         "LEASE",
                                         "AUDIT_WRITE",
                                         "AUDIT_CONTROL",
                                         "SETFCAP",
                                         "MAC_OVERRIDE",
                                         "MAC_ADMIN",
                                         "SYSLOG",
                                         "WAKE_ALARM",
                                         "BLOCK_SUSPEND",
                                         "AUDIT_READ",
                                         "PERFMON",
                                         "BPF",
                                         "CHECKPOINT_RESTORE" };

static const char *const ulimit_names[]
    = { "core",   "cpu",   "data", "fsize",  "locks",  "memlock",    "msgqueue", "nice",
        "nofile", "nproc", "rss",  "rtprio", "rttime", "sigpending", "stack",    NULL };

void
container_security_init (struct container_security *s)
{
  memset (s, 0, sizeof (*s));
  s->read_only_tmpfs = true;
}

void
container_security_free (struct container_security *s)
{
  strv_free (s->cap_add);
  strv_free (s->cap_drop);
  strv_free (s->security_opt);
  free (s->seccomp);
  strv_free (s->mask);
  strv_free (s->unmask);
  strv_free (s->ulimits);
  strv_free (s->sysctls);
  strv_free (s->tmpfs);
  strv_free (s->devices);
  strv_free (s->group_add);
  free (s->umask);
  free (s->runtime);
  memset (s, 0, sizeof (*s));
}

char **
container_caps_all (void)
{
  _cleanup_free_ char *text = NULL;
  char **v = xzalloc (sizeof (char *));
  nook_error_t err = NULL;
  int64_t last = (int64_t)NOOK_ARRAY_SIZE (cap_names) - 1;

  /* Capabilities newer than the kernel are not in its bounding sets.  */
  if (nook_read_file_at (AT_FDCWD, "/proc/sys/kernel/cap_last_cap", 64, &text, NULL, &err) == 0)
    {
      int64_t k;
      text[strcspn (text, "\n")] = '\0';
      if (str_to_int64 (text, &k) && k >= 0 && k < last)
        last = k;
    }
  nook_error_free (&err);
  for (int64_t i = 0; i <= last; i++)
    strv_push (&v, xasprintf ("CAP_%s", cap_names[i]));
  return v;
}

/* "net_admin", "CAP_NET_ADMIN", "all" -> "CAP_NET_ADMIN", "ALL".  */
static int
normalize_caps (char *const *in, char ***out, nook_error_t *err)
{
  *out = xzalloc (sizeof (char *));
  for (size_t i = 0; in && in[i]; i++)
    {
      _cleanup_free_ char *up = xstrdup (in[i]);
      _cleanup_free_ char *name = NULL;
      bool known = false;

      for (char *p = up; *p; p++)
        *p = (char)toupper ((unsigned char)*p);
      if (strcmp (up, "ALL") == 0)
        {
          if (!strv_contains (*out, "ALL"))
            strv_push (out, xstrdup ("ALL"));
          continue;
        }
      name = str_has_prefix (up, "CAP_") ? xstrdup (up) : xasprintf ("CAP_%s", up);
      for (size_t k = 0; k < NOOK_ARRAY_SIZE (cap_names) && !known; k++)
        known = strcmp (name + 4, cap_names[k]) == 0;
      if (!known)
        return nook_error (err, 0, "\"%s\": unknown capability", name);
      if (!strv_contains (*out, name))
        strv_push (out, steal_pointer (&name));
    }
  return 0;
}

static int
check_caps (const struct container_security *in, struct container_security *out, nook_error_t *err)
{
  if (normalize_caps (in->cap_add, &out->cap_add, err) < 0
      || normalize_caps (in->cap_drop, &out->cap_drop, err) < 0)
    return -1;
  if (strv_contains (out->cap_drop, "ALL") && strv_contains (out->cap_add, "ALL"))
    return nook_error (err, 0, "adding all caps and removing all caps not allowed");
  if (strv_contains (out->cap_add, "ALL"))
    return 0;
  for (size_t i = 0; out->cap_add[i]; i++)
    if (strv_contains (out->cap_drop, out->cap_add[i]))
      return nook_error (err, 0, "capability \"%s\" cannot be dropped and added", out->cap_add[i]);
  return 0;
}

/* strconv.ParseBool's words.  */
static int
parse_bool (const char *s, bool *out)
{
  static const char *const yes[] = { "1", "t", "T", "TRUE", "true", "True", NULL };
  static const char *const no[] = { "0", "f", "F", "FALSE", "false", "False", NULL };
  if (strv_contains ((char *const *)yes, s))
    *out = true;
  else if (strv_contains ((char *const *)no, s))
    *out = false;
  else
    return -1;
  return 0;
}

static void
push_split (char ***v, const char *list)
{
  _cleanup_free_ char *copy = xstrdup (list);
  char *save = NULL;
  for (char *p = strtok_r (copy, ":", &save); p; p = strtok_r (NULL, ":", &save))
    strv_push (v, xstrdup (p));
}

static int
check_seccomp_file (const char *path, char **out, nook_error_t *err)
{
  struct oci_spec spec = { 0 };
  char real[PATH_MAX];
  int ret;

  if (realpath (path, real) == NULL)
    return nook_error (err, errno, "opening seccomp profile failed: open `%s`", path);
  /* Read it now: a bad profile is refused at create, not at each start.  */
  spec.has_caps = true;
  spec.caps.bounding = strv_dup ((char *const *)container_default_caps);
  ret = container_seccomp_profile (&spec, real, NULL, NULL, err);
  oci_spec_free (&spec);
  if (ret < 0)
    return -1;
  *out = xstrdup (real);
  return 0;
}

/* One --security-opt, as Podman's parseSecurityOpt.  */
static int
security_opt (const char *given, struct container_security *out, nook_error_t *err)
{
  _cleanup_free_ char *opt = xstrdup (given);
  char *eq, *value;

  if (strcmp (opt, "no-new-privileges") == 0)
    {
      out->no_new_privileges = true;
      return 0;
    }
  /* Docker's "seccomp:unconfined" spelling.  */
  if (strchr (opt, '=') == NULL && strchr (opt, ':'))
    *strchr (opt, ':') = '=';
  eq = strchr (opt, '=');
  if (eq == NULL)
    return nook_error (err, 0, "invalid --security-opt 1: \"%s\"", given);
  *eq = '\0';
  value = eq + 1;
  if (strcmp (opt, "no-new-privileges") == 0)
    {
      if (parse_bool (value, &out->no_new_privileges) < 0)
        return nook_error (err, 0, "invalid --security-opt 2: \"%s\"", given);
    }
  else if (strcmp (opt, "seccomp") == 0)
    {
      free (out->seccomp);
      out->seccomp = NULL;
      if (strcmp (value, "unconfined") == 0)
        out->seccomp = xstrdup (value);
      else if (check_seccomp_file (value, &out->seccomp, err) < 0)
        return -1;
    }
  else if (strcmp (opt, "mask") == 0)
    push_split (&out->mask, value);
  else if (strcmp (opt, "unmask") == 0)
    push_split (&out->unmask, value);
  else if (strcmp (opt, "systempaths") == 0)
    {
      if (strcmp (value, "unconfined") != 0)
        return nook_error (
            err, 0, "invalid systempaths option \"%s\", only `unconfined` is supported", value);
      strv_push (&out->unmask, xstrdup ("ALL"));
    }
  /* Neither is on in a rootless container: turning them off is a no-op.  */
  else if ((strcmp (opt, "label") == 0 && strcmp (value, "disable") == 0)
           || (strcmp (opt, "apparmor") == 0 && strcmp (value, "unconfined") == 0))
    ;
  else if (strcmp (opt, "label") == 0 || strcmp (opt, "apparmor") == 0
           || strcmp (opt, "proc-opts") == 0)
    return nook_error (err, 0, "--security-opt %s: not supported by nook", given);
  else
    return nook_error (err, 0, "invalid --security-opt 2: \"%s\"", given);
  return 0;
}

static int
check_security_opts (const struct container_security *in, struct container_security *out,
                     nook_error_t *err)
{
  for (size_t i = 0; in->security_opt && in->security_opt[i]; i++)
    if (security_opt (in->security_opt[i], out, err) < 0)
      return -1;
  for (size_t i = 0; out->mask && out->mask[i]; i++)
    if (out->mask[i][0] != '/')
      return nook_error (err, 0, "--security-opt mask: `%s` is not an absolute path", out->mask[i]);
  out->security_opt = strv_dup (in->security_opt ? in->security_opt : (char *[]){ NULL });
  return 0;
}

/* strconv.ParseInt's answer for a bad number.  */
static int
parse_limit (const char *s, int64_t *v, const char *opt, nook_error_t *err)
{
  if (!str_to_int64 (s, v))
    return nook_error (err, 0,
                       "ulimit option \"%s\" requires name=SOFT:HARD, failed to be parsed: "
                       "strconv.ParseInt: parsing \"%s\": invalid syntax",
                       opt, s);
  if (*v < -1)
    return nook_error (err, 0,
                       "ulimit option \"%s\" requires name=SOFT:HARD, failed to be parsed: "
                       "%" PRId64 " is negative (-1 means unlimited)",
                       opt, *v);
  return 0;
}

/* "nofile=SOFT[:HARD]" -> "nofile=SOFT:HARD".  */
static int
check_ulimit (const char *opt, char **out, nook_error_t *err)
{
  _cleanup_free_ char *copy = xstrdup (opt);
  char *eq = strchr (copy, '='), *colon;
  int64_t soft, hard;

  if (eq == NULL)
    return nook_error (err, 0,
                       "ulimit option \"%s\" requires name=SOFT:HARD, failed to be parsed: "
                       "invalid ulimit argument: %s",
                       opt, opt);
  *eq = '\0';
  if (!strv_contains ((char *const *)ulimit_names, copy))
    return nook_error (err, 0,
                       "ulimit option \"%s\" requires name=SOFT:HARD, failed to be parsed: "
                       "invalid ulimit type: %s",
                       opt, copy);
  colon = strchr (eq + 1, ':');
  if (colon && strchr (colon + 1, ':'))
    return nook_error (err, 0,
                       "ulimit option \"%s\" requires name=SOFT:HARD, failed to be parsed: too "
                       "many limit value arguments - %s, can only have up to two, `soft[:hard]`",
                       opt, eq + 1);
  if (colon)
    *colon = '\0';
  if (parse_limit (eq + 1, &soft, opt, err) < 0
      || parse_limit (colon ? colon + 1 : eq + 1, &hard, opt, err) < 0)
    return -1;
  if (hard != -1 && (soft == -1 || soft > hard))
    return nook_error (err, 0,
                       "ulimit option \"%s\" requires name=SOFT:HARD, failed to be parsed: "
                       "ulimit soft limit must be less than or equal to hard limit: %" PRId64
                       " > %" PRId64,
                       opt, soft, hard);
  *out = xasprintf ("%s=%" PRId64 ":%" PRId64, copy, soft, hard);
  return 0;
}

static int
check_ulimits (char *const *in, char ***out, nook_error_t *err)
{
  *out = xzalloc (sizeof (char *));
  /* "host": the limits nook has, none set.  */
  if (strv_contains (in, "host"))
    {
      strv_push (out, xstrdup ("host"));
      return 0;
    }
  for (size_t i = 0; in && in[i]; i++)
    {
      char *u = NULL;
      if (check_ulimit (in[i], &u, err) < 0)
        return -1;
      strv_push (out, u);
    }
  return 0;
}

/* Only the namespaced ones, as Podman's ValidateSysctls.  */
static int
check_sysctl (const char *kv, nook_error_t *err)
{
  static const char *const allowed[]
      = { "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni",          "kernel.sem", "kernel.shmall",
          "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced", NULL };
  const char *eq = strchr (kv, '=');
  _cleanup_free_ char *key = NULL;

  if (eq == NULL)
    return nook_error (err, 0, "%s is invalid, sysctl values must be in the form of KEY=VALUE", kv);
  key = xstrndup (kv, (size_t)(eq - kv));
  if (key[0] == '\0' || isspace ((unsigned char)key[0]) || isspace ((unsigned char)eq[-1])
      || isspace ((unsigned char)eq[1]) || (eq[1] && isspace ((unsigned char)kv[strlen (kv) - 1])))
    return nook_error (err, 0, "'%s' is invalid, extra spaces found", kv);
  if (strchr (key, '/') || strstr (key, ".."))
    return nook_error (err, 0, "sysctl '%s' is not allowed", key);
  if (strv_contains ((char *const *)allowed, key) || str_has_prefix (key, "net.")
      || str_has_prefix (key, "fs.mqueue."))
    return 0;
  return nook_error (err, 0, "sysctl '%s' is not allowed", key);
}

static int
check_sysctls (char *const *in, char ***out, nook_error_t *err)
{
  *out = xzalloc (sizeof (char *));
  for (size_t i = 0; in && in[i]; i++)
    {
      if (check_sysctl (in[i], err) < 0)
        return -1;
      strv_push (out, xstrdup (in[i]));
    }
  return 0;
}

static int
check_umask (const char *in, char **out, nook_error_t *err)
{
  size_t len = in ? strlen (in) : 0;
  unsigned long v;

  if (in == NULL)
    return 0;
  if (len == 0 || len > 4 || strspn (in, "01234567") != len)
    return nook_error (err, EINVAL, "invalid umask string %s", in);
  v = strtoul (in, NULL, 8);
  if (v > 0777)
    return nook_error (err, EINVAL, "invalid umask string %s", in);
  *out = xasprintf ("%04lo", v);
  return 0;
}

/* Either pair of these may appear once, as Podman's ProcessOptions.  */
static int
check_tmpfs_options (const char *opts, struct nook_buf *b, nook_error_t *err)
{
  static const char *const groups[][9] = {
    { "rw", "ro", NULL },
    { "exec", "noexec", NULL },
    { "suid", "nosuid", NULL },
    { "dev", "nodev", NULL },
    { "private", "rprivate", "slave", "rslave", "shared", "rshared", "unbindable", "runbindable",
      NULL },
    { "size", NULL },
    { "mode", NULL },
    { "tmpcopyup", "notmpcopyup", NULL },
  };
  static const char *const dupes[]
      = { "only one of 'rw' and 'ro' can be used",
          "only one of 'noexec' and 'exec' can be used",
          "only one of 'nosuid' and 'suid' can be used",
          "only one of 'nodev' and 'dev' can be used",
          "only one root propagation mode can be used",
          "only one tmpfs size can be specified",
          "only one tmpfs mode can be specified",
          "the 'tmpcopyup' or 'notmpcopyup' option can only be set once" };
  static const char *const defaults[]
      = { "rw", NULL, "nosuid", "nodev", "rprivate", NULL, NULL, "tmpcopyup" };
  bool found[NOOK_ARRAY_SIZE (groups)] = { false };
  _cleanup_free_ char *copy = xstrdup (opts ? opts : "");
  char *save = NULL;

  for (char *o = strtok_r (copy, ",", &save); o; o = strtok_r (NULL, ",", &save))
    {
      size_t name_len = strcspn (o, "=");
      size_t g = 0;
      bool hit = false;

      for (; g < NOOK_ARRAY_SIZE (groups) && !hit; g++)
        for (size_t k = 0; groups[g][k] && !hit; k++)
          hit = strlen (groups[g][k]) == name_len && strncmp (groups[g][k], o, name_len) == 0
                && ((g == 5 || g == 6) ? o[name_len] == '=' : o[name_len] == '\0');
      if (!hit)
        return nook_error (err, 0, "unknown mount option \"%s\": invalid mount option", o);
      g--;
      if (found[g])
        return nook_error (err, 0, "%s: duplicate mount option passed", dupes[g]);
      found[g] = true;
      if (strchr (o, ',') == NULL && (strcmp (o, "notmpcopyup") == 0))
        continue; /* not for the runtime */
      if (b->len)
        nook_buf_putc (b, ',');
      nook_buf_puts (b, o);
    }
  for (size_t g = 0; g < NOOK_ARRAY_SIZE (groups); g++)
    if (!found[g] && defaults[g])
      {
        if (b->len)
          nook_buf_putc (b, ',');
        nook_buf_puts (b, defaults[g]);
      }
  return 0;
}

/* "/dest[:opts]" -> "/dest:opts" with Podman's defaults added.  */
static int
check_tmpfs (char *const *in, char ***out, nook_error_t *err)
{
  *out = xzalloc (sizeof (char *));
  for (size_t i = 0; in && in[i]; i++)
    {
      const char *colon = strchr (in[i], ':');
      _cleanup_free_ char *dest
          = colon ? xstrndup (in[i], (size_t)(colon - in[i])) : xstrdup (in[i]);
      struct nook_buf b = { 0 };

      if (dest[0] != '/')
        return nook_error (err, 0, "invalid container path \"%s\", must be an absolute path", dest);
      if (check_tmpfs_options (colon ? colon + 1 : NULL, &b, err) < 0)
        {
          nook_buf_free (&b);
          return -1;
        }
      strv_push (out, xasprintf ("%s:%s", dest, b.data));
      nook_buf_free (&b);
    }
  return 0;
}

static bool
device_mode_ok (const char *m)
{
  bool seen[3] = { false };
  if (*m == '\0')
    return false;
  for (; *m; m++)
    {
      const char *p = strchr ("rwm", *m);
      if (p == NULL || *m == '\0' || seen[p - "rwm"])
        return false;
      seen[p - "rwm"] = true;
    }
  return true;
}

/* SRC[:DST][:PERM], as Podman's ParseDevice.  */
static int
parse_device (const char *spec, char **src, char **dst, char **perm, nook_error_t *err)
{
  _cleanup_strv_ char **parts = xzalloc (sizeof (char *));
  const char *p = spec;
  size_t n;

  for (const char *c; (c = strchr (p, ':')) != NULL; p = c + 1)
    strv_push (&parts, xstrndup (p, (size_t)(c - p)));
  strv_push (&parts, xstrdup (p));
  n = strv_len (parts);
  if (n > 3)
    return nook_error (err, 0, "invalid device specification: %s", spec);
  *perm = xstrdup ("rwm");
  *dst = NULL;
  if (n == 3)
    {
      if (!device_mode_ok (parts[2]))
        return nook_error (err, 0, "invalid device mode: %s", parts[2]);
      free (*perm);
      *perm = xstrdup (parts[2]);
    }
  if (n >= 2)
    {
      if (device_mode_ok (parts[1]) && n == 2)
        {
          free (*perm);
          *perm = xstrdup (parts[1]);
        }
      else if (parts[1][0] != '/')
        return nook_error (err, 0, "invalid device mode: %s", parts[1]);
      else
        *dst = xstrdup (parts[1]);
    }
  *src = xstrdup (parts[0]);
  if (*dst == NULL)
    *dst = xstrdup (parts[0]);
  return 0;
}

void
container_devices_under (const char *dir, const char *dst, const char *perm, char ***out)
{
  static const char *const skip[]
      = { "pts", "shm", "fd", "mqueue", ".lxc", ".lxd-mounts", ".udev", "console", NULL };
  _cleanup_strv_ char **names = NULL;
  _cleanup_close_ int dfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  nook_error_t err = NULL;

  if (dfd < 0 || nook_list_dir (dfd, NULL, &names, &err) < 0)
    {
      nook_error_free (&err);
      return;
    }
  for (size_t i = 0; names[i]; i++)
    {
      _cleanup_free_ char *s = xasprintf ("%s/%s", dir, names[i]);
      _cleanup_free_ char *d = xasprintf ("%s/%s", dst, names[i]);
      struct stat st;
      if (strv_contains ((char *const *)skip, names[i]) || lstat (s, &st) < 0)
        continue;
      if (S_ISDIR (st.st_mode))
        container_devices_under (s, d, perm, out);
      else if (S_ISCHR (st.st_mode) || S_ISBLK (st.st_mode))
        strv_push (out, xasprintf ("%s:%s:%s", s, d, perm));
    }
}

static int
check_devices (char *const *in, char ***out, nook_error_t *err)
{
  *out = xzalloc (sizeof (char *));
  for (size_t i = 0; in && in[i]; i++)
    {
      _cleanup_free_ char *src = NULL, *dst = NULL, *perm = NULL;
      char real[PATH_MAX];
      struct stat st;
      size_t before = strv_len (*out);

      if (parse_device (in[i], &src, &dst, &perm, err) < 0)
        return -1;
      if (realpath (src, real) == NULL || stat (real, &st) < 0)
        return nook_error (err, errno, "stat %s", src);
      if (dst[0] != '/')
        return nook_error (err, 0, "invalid device mode: %s", dst);
      if (S_ISDIR (st.st_mode))
        {
          container_devices_under (real, dst, perm, out);
          if (strv_len (*out) == before)
            return nook_error (err, 0, "no devices found in %s", src);
          continue;
        }
      if (!S_ISCHR (st.st_mode) && !S_ISBLK (st.st_mode))
        return nook_error (err, 0, "%s is not a valid device: not a device node", src);
      strv_push (out, xasprintf ("%s:%s:%s", real, dst, perm));
    }
  return 0;
}

static int
check_group_add (char *const *in, char ***out, nook_error_t *err)
{
  *out = xzalloc (sizeof (char *));
  for (size_t i = 0; in && in[i]; i++)
    {
      if (strcmp (in[i], "keep-groups") == 0)
        {
          if (strv_len (in) > 1)
            return nook_error (err, 0,
                               "the '--group-add keep-groups' option is not allowed with any "
                               "other --group-add options");
          return nook_error (err, 0, "--group-add keep-groups is not supported by nook");
        }
      if (in[i][0] == '\0' || strchr (in[i], ':') || strchr (in[i], '\n'))
        return nook_error (err, 0, "invalid group `%s`", in[i]);
      strv_push (out, xstrdup (in[i]));
    }
  return 0;
}

int
container_security_check (const struct container_security *in, struct container_security *out,
                          nook_error_t *err)
{
  memset (out, 0, sizeof (*out));
  out->privileged = in->privileged;
  out->read_only = in->read_only;
  out->read_only_tmpfs = in->read_only_tmpfs;
  out->runtime = in->runtime ? xstrdup (in->runtime) : NULL;
  if (check_caps (in, out, err) < 0 || check_security_opts (in, out, err) < 0
      || check_ulimits (in->ulimits, &out->ulimits, err) < 0
      || check_sysctls (in->sysctls, &out->sysctls, err) < 0
      || check_tmpfs (in->tmpfs, &out->tmpfs, err) < 0
      || check_devices (in->devices, &out->devices, err) < 0
      || check_group_add (in->group_add, &out->group_add, err) < 0
      || check_umask (in->umask, &out->umask, err) < 0)
    {
      container_security_free (out);
      return -1;
    }
  /* The runtime is looked for now, as Podman does, and again at start.  */
  if (out->runtime)
    {
      struct container_config cfg = { .sec = *out };
      _cleanup_free_ char *path = container_runtime_resolve (&cfg, NULL, err);
      if (path == NULL)
        {
          container_security_free (out);
          return -1;
        }
    }
  return 0;
}

void
container_security_write (struct json_gen *g, const struct container_security *s)
{
  json_gen_key (g, "security");
  json_gen_object_open (g);
  json_gen_kv_strv (g, "cap_add", s->cap_add);
  json_gen_kv_strv (g, "cap_drop", s->cap_drop);
  json_gen_kv_bool (g, "privileged", s->privileged);
  json_gen_kv_strv (g, "security_opt", s->security_opt);
  if (s->seccomp)
    json_gen_kv_string (g, "seccomp", s->seccomp);
  json_gen_kv_bool (g, "no_new_privileges", s->no_new_privileges);
  json_gen_kv_strv (g, "mask", s->mask);
  json_gen_kv_strv (g, "unmask", s->unmask);
  json_gen_kv_bool (g, "read_only", s->read_only);
  json_gen_kv_bool (g, "read_only_tmpfs", s->read_only_tmpfs);
  json_gen_kv_strv (g, "ulimits", s->ulimits);
  json_gen_kv_strv (g, "sysctls", s->sysctls);
  json_gen_kv_strv (g, "tmpfs", s->tmpfs);
  json_gen_kv_strv (g, "devices", s->devices);
  json_gen_kv_strv (g, "group_add", s->group_add);
  if (s->umask)
    json_gen_kv_string (g, "umask", s->umask);
  if (s->runtime)
    json_gen_kv_string (g, "runtime", s->runtime);
  json_gen_object_close (g);
}

static int
get_opt_string (const nook_json *j, const char *key, const char *field, char **out,
                nook_error_t *err)
{
  const char *s = NULL;
  if (json_get_str (j, key, field, false, &s, err) < 0)
    return -1;
  *out = s ? xstrdup (s) : NULL;
  return 0;
}

int
container_security_read (const nook_json *top, struct container_security *s, nook_error_t *err)
{
  static const struct
  {
    const char *key, *field;
    size_t off;
  } lists[] = {
#define LIST(k) { #k, "security." #k, offsetof (struct container_security, k) }
    LIST (cap_add), LIST (cap_drop), LIST (security_opt), LIST (mask),    LIST (unmask),
    LIST (ulimits), LIST (sysctls),  LIST (tmpfs),        LIST (devices), LIST (group_add),
#undef LIST
  };
  nook_json *j = NULL;

  container_security_init (s);
  if (json_get_object (top, "security", "security", false, &j, err) < 0)
    return -1;
  if (j == NULL)
    return 0;
  for (size_t i = 0; i < NOOK_ARRAY_SIZE (lists); i++)
    if (json_get_strv (j, lists[i].key, lists[i].field, false, (char ***)((char *)s + lists[i].off),
                       err)
        < 0)
      goto fail;
  if (json_get_bool (j, "privileged", "security.privileged", false, &s->privileged, err) < 0
      || json_get_bool (j, "no_new_privileges", "security.no_new_privileges", false,
                        &s->no_new_privileges, err)
             < 0
      || json_get_bool (j, "read_only", "security.read_only", false, &s->read_only, err) < 0
      || json_get_bool (j, "read_only_tmpfs", "security.read_only_tmpfs", false,
                        &s->read_only_tmpfs, err)
             < 0
      || get_opt_string (j, "seccomp", "security.seccomp", &s->seccomp, err) < 0
      || get_opt_string (j, "umask", "security.umask", &s->umask, err) < 0
      || get_opt_string (j, "runtime", "security.runtime", &s->runtime, err) < 0)
    goto fail;
  return 0;

fail:
  container_security_free (s);
  return -1;
}

char *
container_runtime_resolve (const struct container_config *cfg, const char *self_dir,
                           nook_error_t *err)
{
  /* containers.conf's default [engine.runtimes] entries.  */
  static const char *const dirs[]
      = { "/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin", "/sbin", "/bin", NULL };
  static const char *const known[]
      = { "crun", "runc", "runj", "kata", "runsc", "youki", "krun", "ocijail", NULL };
  const char *name = cfg->sec.runtime;

  if (name == NULL || strcmp (name, "nook-runtime") == 0 || strcmp (name, "nook") == 0)
    return self_dir ? xasprintf ("%s/nook-runtime", self_dir) : xstrdup ("nook-runtime");
  if (strchr (name, '/'))
    {
      if (!nook_is_executable (name))
        {
          nook_error (err, EINVAL, "no valid executable found for OCI runtime %s", name);
          return NULL;
        }
      return xstrdup (name);
    }
  if (strv_contains ((char *const *)known, name))
    for (size_t i = 0; dirs[i]; i++)
      {
        char *p = xasprintf ("%s/%s", dirs[i], name);
        if (nook_is_executable (p))
          return p;
        free (p);
      }
  {
    char *p = nook_search_path (name);
    if (p)
      return p;
  }
  if (strv_contains ((char *const *)known, name))
    nook_error (err, EINVAL, "no valid executable found for OCI runtime %s", name);
  else
    nook_error (err, EINVAL, "default OCI runtime \"%s\" not found", name);
  return NULL;
}
