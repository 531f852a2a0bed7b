/* `spec`: a default config.json, runc's starter file trimmed to what
   nook-runtime runs (no linux.resources, no cgroup mount: neither is
   applied), and with --rootless runc's changes for a user without
   privileges: a user namespace mapping root to the caller, no network
   namespace, no gid= option on devpts, /sys bound from the host.  */
#include "runtime/runtime.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const char *const caps[] = { "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE", NULL };

static const char *const masked[] = { "/proc/acpi",
                                      "/proc/asound",
                                      "/proc/kcore",
                                      "/proc/keys",
                                      "/proc/latency_stats",
                                      "/proc/timer_list",
                                      "/proc/timer_stats",
                                      "/proc/sched_debug",
                                      "/sys/firmware",
                                      "/proc/scsi",
                                      NULL };

static const char *const readonly[]
    = { "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL };

static void
gen_strv (struct json_gen *g, const char *key, const char *const *v)
{
  json_gen_kv_strv (g, key, (char *const *)v);
}

static void
gen_process (struct json_gen *g)
{
  static const char *const args[] = { "sh", NULL };
  static const char *const env[] = { "PATH=" OCI_DEFAULT_PATH, "TERM=xterm", NULL };

  json_gen_key (g, "process");
  json_gen_object_open (g);
  json_gen_kv_bool (g, "terminal", true);
  json_gen_key (g, "user");
  json_gen_object_open (g);
  json_gen_kv_int (g, "uid", 0);
  json_gen_kv_int (g, "gid", 0);
  json_gen_object_close (g);
  gen_strv (g, "args", args);
  gen_strv (g, "env", env);
  json_gen_kv_string (g, "cwd", "/");
  json_gen_key (g, "capabilities");
  json_gen_object_open (g);
  gen_strv (g, "bounding", caps);
  gen_strv (g, "effective", caps);
  gen_strv (g, "permitted", caps);
  json_gen_object_close (g);
  json_gen_key (g, "rlimits");
  json_gen_array_open (g);
  json_gen_object_open (g);
  json_gen_kv_string (g, "type", "RLIMIT_NOFILE");
  json_gen_kv_int (g, "hard", 1024);
  json_gen_kv_int (g, "soft", 1024);
  json_gen_object_close (g);
  json_gen_array_close (g);
  json_gen_kv_bool (g, "noNewPrivileges", true);
  json_gen_object_close (g);
}

static void
gen_mount (struct json_gen *g, const char *dest, const char *type, const char *source,
           const char *const *options)
{
  json_gen_object_open (g);
  json_gen_kv_string (g, "destination", dest);
  json_gen_kv_string (g, "type", type);
  json_gen_kv_string (g, "source", source);
  if (options)
    gen_strv (g, "options", options);
  json_gen_object_close (g);
}

static void
gen_mounts (struct json_gen *g, bool rootless)
{
  static const char *const dev[] = { "nosuid", "strictatime", "mode=755", "size=65536k", NULL };
  static const char *const pts[]
      = { "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5", NULL };
  static const char *const shm[]
      = { "nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL };
  static const char *const mqueue[] = { "nosuid", "noexec", "nodev", NULL };
  static const char *const sys[] = { "nosuid", "noexec", "nodev", "ro", NULL };
  static const char *const sys_bind[] = { "rbind", "nosuid", "noexec", "nodev", "ro", NULL };
  const char *pts_opts[NOOK_ARRAY_SIZE (pts)];
  size_t n = 0;

  /* Rootless, group 5 is not mapped: devpts would refuse gid=5.  */
  for (size_t i = 0; pts[i]; i++)
    if (!rootless || !str_has_prefix (pts[i], "gid="))
      pts_opts[n++] = pts[i];
  pts_opts[n] = NULL;
  json_gen_key (g, "mounts");
  json_gen_array_open (g);
  gen_mount (g, "/proc", "proc", "proc", NULL);
  gen_mount (g, "/dev", "tmpfs", "tmpfs", dev);
  gen_mount (g, "/dev/pts", "devpts", "devpts", pts_opts);
  gen_mount (g, "/dev/shm", "tmpfs", "shm", shm);
  gen_mount (g, "/dev/mqueue", "mqueue", "mqueue", mqueue);
  if (rootless)
    gen_mount (g, "/sys", "none", "/sys", sys_bind);
  else
    gen_mount (g, "/sys", "sysfs", "sysfs", sys);
  json_gen_array_close (g);
}

static void
gen_idmap (struct json_gen *g, const char *key, unsigned int host)
{
  json_gen_key (g, key);
  json_gen_array_open (g);
  json_gen_object_open (g);
  json_gen_kv_int (g, "containerID", 0);
  json_gen_kv_int (g, "hostID", host);
  json_gen_kv_int (g, "size", 1);
  json_gen_object_close (g);
  json_gen_array_close (g);
}

static void
gen_linux (struct json_gen *g, bool rootless)
{
  static const char *const ns[] = { "pid", "network", "ipc", "uts", "mount", NULL };
  static const char *const ns_rootless[] = { "pid", "ipc", "uts", "mount", "user", NULL };
  const char *const *types = rootless ? ns_rootless : ns;

  json_gen_key (g, "linux");
  json_gen_object_open (g);
  if (rootless)
    {
      gen_idmap (g, "uidMappings", (unsigned int)geteuid ());
      gen_idmap (g, "gidMappings", (unsigned int)getegid ());
    }
  json_gen_key (g, "namespaces");
  json_gen_array_open (g);
  for (size_t i = 0; types[i]; i++)
    {
      json_gen_object_open (g);
      json_gen_kv_string (g, "type", types[i]);
      json_gen_object_close (g);
    }
  json_gen_array_close (g);
  gen_strv (g, "maskedPaths", masked);
  gen_strv (g, "readonlyPaths", readonly);
  json_gen_object_close (g);
}

char *
runtime_spec_default (bool rootless)
{
  _cleanup_json_gen_ struct json_gen *g = json_gen_new_indent ("\t");
  size_t len;

  json_gen_object_open (g);
  json_gen_kv_string (g, "ociVersion", OCI_VERSION);
  gen_process (g);
  json_gen_key (g, "root");
  json_gen_object_open (g);
  json_gen_kv_string (g, "path", "rootfs");
  json_gen_kv_bool (g, "readonly", true);
  json_gen_object_close (g);
  json_gen_kv_string (g, "hostname", "nook");
  gen_mounts (g, rootless);
  gen_linux (g, rootless);
  json_gen_object_close (g);
  return xstrdup (json_gen_text (g, &len));
}

int
runtime_spec_write (const char *bundle, bool rootless, nook_error_t *err)
{
  _cleanup_free_ char *text = runtime_spec_default (rootless);
  _cleanup_free_ char *tmp = xasprintf (".config.json.%d", (int)getpid ());
  _cleanup_close_ int dir = open (bundle, O_PATH | O_DIRECTORY | O_CLOEXEC);
  _cleanup_close_ int fd = -1;
  size_t len = strlen (text);

  if (dir < 0)
    return nook_error (err, errno, "bundle `%s`", bundle);
  if (faccessat (dir, "config.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
    return nook_error (err, 0, "file `%s/config.json` exists: remove it first", bundle);
  fd = openat (dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0)
    return nook_error (err, errno, "create `%s/%s`", bundle, tmp);
  if (nook_write_all (fd, text, len) < 0 || nook_write_all (fd, "\n", 1) < 0 || fsync (fd) < 0)
    {
      nook_error (err, errno, "write `%s/%s`", bundle, tmp);
      unlinkat (dir, tmp, 0);
      return -1;
    }
  /* Whole, and never over a config.json made meanwhile.  */
  if (renameat2 (dir, tmp, dir, "config.json", RENAME_NOREPLACE) < 0
      && (errno != EINVAL || linkat (dir, tmp, dir, "config.json", 0) < 0))
    {
      int e = errno;
      unlinkat (dir, tmp, 0);
      if (e == EEXIST)
        return nook_error (err, 0, "file `%s/config.json` exists: remove it first", bundle);
      return nook_error (err, e, "rename to `%s/config.json`", bundle);
    }
  unlinkat (dir, tmp, 0); /* after linkat; gone already after renameat2 */
  return 0;
}
