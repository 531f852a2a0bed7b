/* `inspect` of a container: the document Podman prints, with Podman's
   keys in Podman's order.  What nook does not have (pods, health checks,
   checkpoints, cgroup limits) is there with Podman's empty values, so
   templates written for Podman find every key.  */
#include "container/internal.h"

#include <string.h>

#define ZERO_TIME "0001-01-01T00:00:00Z"

static void
kv_empty_array (struct json_gen *g, const char *key)
{
  json_gen_key (g, key);
  json_gen_array_open (g);
  json_gen_array_close (g);
}

static void
kv_null (struct json_gen *g, const char *key)
{
  json_gen_key (g, key);
  json_gen_null (g);
}

/* HostConfig.Tmpfs: {"/dest": "options"} from --tmpfs and --mount
   type=tmpfs ("/dest:options" each).  */
static void
gen_tmpfs (struct json_gen *g, char *const *tmpfs)
{
  json_gen_key (g, "Tmpfs");
  json_gen_object_open (g);
  for (size_t i = 0; tmpfs && tmpfs[i]; i++)
    {
      const char *colon = strchr (tmpfs[i], ':');
      _cleanup_free_ char *dest
          = colon ? xstrndup (tmpfs[i], (size_t)(colon - tmpfs[i])) : xstrdup (tmpfs[i]);
      json_gen_kv_string (g, dest, colon ? colon + 1 : "");
    }
  json_gen_object_close (g);
}

static void
kv_time (struct json_gen *g, const char *key, const char *t)
{
  json_gen_kv_string (g, key, t && *t ? t : ZERO_TIME);
}

/* Does the container's process run as root, and so hold capabilities?  */
static bool
runs_as_root (const char *user)
{
  size_t n = strcspn (user, ":");
  return n == 0 || (n == 1 && user[0] == '0') || (n == 4 && strncmp (user, "root", 4) == 0);
}

static void
gen_state (struct json_gen *g, const struct container_state *s)
{
  bool running = s->status == CONTAINER_RUNNING;

  json_gen_key (g, "State");
  json_gen_object_open (g);
  json_gen_kv_string (g, "OciVersion", OCI_VERSION);
  json_gen_kv_string (g, "Status", container_status_name (s->status));
  json_gen_kv_bool (g, "Running", running);
  json_gen_kv_bool (g, "Paused", false);
  json_gen_kv_bool (g, "Restarting", false);
  json_gen_kv_bool (g, "OOMKilled", false);
  json_gen_kv_bool (g, "Dead", false);
  json_gen_kv_int (g, "Pid", running ? s->pid : 0);
  json_gen_kv_int (g, "ConmonPid", running ? s->monitor_pid : 0);
  json_gen_kv_int (g, "ExitCode", s->status == CONTAINER_EXITED ? s->exit_code : 0);
  json_gen_kv_string (g, "Error", s->error ? s->error : "");
  kv_time (g, "StartedAt", s->started_at);
  kv_time (g, "FinishedAt", s->status == CONTAINER_EXITED ? s->finished_at : NULL);
  json_gen_key (g, "Health");
  json_gen_object_open (g);
  json_gen_kv_string (g, "Status", "");
  json_gen_kv_int (g, "FailingStreak", 0);
  kv_null (g, "Log");
  json_gen_object_close (g);
  kv_time (g, "CheckpointedAt", NULL);
  kv_time (g, "RestoredAt", NULL);
  json_gen_object_close (g);
}

static void
gen_graph_driver (struct json_gen *g, struct storage *st, const struct container_config *cfg)
{
  size_t n = strv_len (cfg->layers);
  struct nook_buf lower = { 0 };
  _cleanup_free_ char *dir = xasprintf ("%s/containers/%s", st->root, cfg->id);
  _cleanup_free_ char *upper = xasprintf ("%s/upper", dir);
  _cleanup_free_ char *work = xasprintf ("%s/work", dir);
  _cleanup_free_ char *merged = xasprintf ("%s/merged", dir);

  for (size_t i = n; i > 0; i--)
    {
      _cleanup_free_ char *p = storage_layer_diff_path (st, cfg->layers[i - 1]);
      if (lower.len)
        nook_buf_putc (&lower, ':');
      nook_buf_puts (&lower, p);
    }
  json_gen_key (g, "GraphDriver");
  json_gen_object_open (g);
  json_gen_kv_string (g, "Name", "overlay");
  json_gen_key (g, "Data");
  json_gen_object_open (g);
  json_gen_kv_string (g, "LowerDir", lower.len ? lower.data : "");
  json_gen_kv_string (g, "MergedDir", merged);
  json_gen_kv_string (g, "UpperDir", upper);
  json_gen_kv_string (g, "WorkDir", work);
  json_gen_object_close (g);
  json_gen_object_close (g);
  nook_buf_free (&lower);
}

static void
gen_network_settings (struct json_gen *g, const struct network_config *n)
{
  static const char *const strings[]
      = { "EndpointID", "Gateway", "IPAddress", "IPv6Gateway", "GlobalIPv6Address", NULL };

  json_gen_key (g, "NetworkSettings");
  json_gen_object_open (g);
  for (size_t i = 0; strings[i]; i++)
    json_gen_kv_string (g, strings[i], "");
  json_gen_kv_int (g, "IPPrefixLen", 0);
  json_gen_kv_int (g, "GlobalIPv6PrefixLen", 0);
  json_gen_kv_string (g, "MacAddress", "");
  json_gen_kv_string (g, "Bridge", "");
  json_gen_kv_string (g, "SandboxID", "");
  json_gen_kv_bool (g, "HairpinMode", false);
  json_gen_kv_string (g, "LinkLocalIPv6Address", "");
  json_gen_kv_int (g, "LinkLocalIPv6PrefixLen", 0);
  json_gen_key (g, "Ports");
  network_inspect_ports (g, n);
  json_gen_kv_string (g, "SandboxKey", "");
  json_gen_object_close (g);
}

/* "key=value" strings as an object (null when there are none, as Podman).  */
static void
kv_labels (struct json_gen *g, const char *key, char *const *labels)
{
  json_gen_key (g, key);
  if (labels == NULL || labels[0] == NULL)
    {
      json_gen_null (g);
      return;
    }
  json_gen_object_open (g);
  for (size_t i = 0; labels[i]; i++)
    {
      const char *eq = strchr (labels[i], '=');
      _cleanup_free_ char *k
          = eq ? xstrndup (labels[i], (size_t)(eq - labels[i])) : xstrdup (labels[i]);
      json_gen_kv_string (g, k, eq ? eq + 1 : "");
    }
  json_gen_object_close (g);
}

static void
gen_config (struct json_gen *g, const struct container_config *cfg)
{
  _cleanup_free_ char *entrypoint = strv_join (cfg->entrypoint, " ");

  json_gen_key (g, "Config");
  json_gen_object_open (g);
  json_gen_kv_string (g, "Hostname", cfg->hostname);
  json_gen_kv_string (g, "Domainname", "");
  json_gen_kv_string (g, "User", cfg->user);
  json_gen_kv_bool (g, "AttachStdin", cfg->interactive);
  json_gen_kv_bool (g, "AttachStdout", true);
  json_gen_kv_bool (g, "AttachStderr", true);
  json_gen_kv_bool (g, "Tty", cfg->tty);
  json_gen_kv_bool (g, "OpenStdin", cfg->interactive);
  json_gen_kv_bool (g, "StdinOnce", false);
  json_gen_kv_strv (g, "Env", cfg->env);
  json_gen_kv_strv (g, "Cmd", cfg->cmd);
  json_gen_kv_string (g, "Image", cfg->image_name);
  kv_null (g, "Volumes");
  json_gen_kv_string (g, "WorkingDir", cfg->workdir);
  json_gen_kv_string (g, "Entrypoint", entrypoint);
  kv_null (g, "OnBuild");
  kv_labels (g, "Labels", cfg->labels);
  json_gen_key (g, "Annotations");
  json_gen_object_open (g);
  json_gen_kv_string (g, "io.podman.annotations.autoremove", cfg->rm ? "TRUE" : "FALSE");
  json_gen_object_close (g);
  json_gen_kv_int (g, "StopSignal", cfg->stop_signal);
  json_gen_kv_string (g, "HealthcheckOnFailureAction", "none");
  json_gen_kv_string (g, "Umask", "0022");
  json_gen_kv_int (g, "Timeout", 0);
  json_gen_kv_int (g, "StopTimeout", cfg->stop_timeout);
  json_gen_kv_bool (g, "Passwd", true);
  json_gen_object_close (g);
}

static void
gen_host_config (struct json_gen *g, const struct container_config *cfg)
{
  _cleanup_free_ char *size
      = cfg->log_max_size > 0 ? nook_human_size ((double)cfg->log_max_size) : xstrdup ("0B");
  char *blank = strchr (size, ' ');

  /* units.HumanSize: "10MB", no blank.  */
  if (blank)
    memmove (blank, blank + 1, strlen (blank));
  json_gen_key (g, "HostConfig");
  json_gen_object_open (g);
  json_gen_key (g, "Binds");
  container_mounts_binds (&cfg->mounts, g);
  json_gen_kv_string (g, "CgroupManager", "");
  json_gen_kv_string (g, "CgroupMode", "host");
  json_gen_kv_string (g, "ContainerIDFile", "");
  json_gen_key (g, "LogConfig");
  json_gen_object_open (g);
  json_gen_kv_string (g, "Type", cfg->log_driver);
  kv_null (g, "Config");
  json_gen_kv_string (g, "Path", str_eq (cfg->log_driver, "k8s-file") ? cfg->log_path : "");
  json_gen_kv_string (g, "Tag", "");
  json_gen_kv_string (g, "Size", size);
  json_gen_object_close (g);
  {
    _cleanup_free_ char *mode = network_mode_string (&cfg->net);
    json_gen_kv_string (g, "NetworkMode", mode);
  }
  json_gen_key (g, "PortBindings");
  network_inspect_ports (g, &cfg->net);
  json_gen_kv_bool (g, "PublishAllPorts", cfg->net.publish_all);
  json_gen_key (g, "RestartPolicy");
  json_gen_object_open (g);
  json_gen_kv_string (g, "Name", cfg->restart);
  json_gen_kv_int (g, "MaximumRetryCount", cfg->restart_max);
  json_gen_object_close (g);
  json_gen_kv_bool (g, "AutoRemove", cfg->rm);
  json_gen_kv_bool (g, "Init", cfg->init);
  json_gen_kv_string (g, "VolumeDriver", "");
  json_gen_key (g, "VolumesFrom");
  container_mounts_volumes_from (&cfg->mounts, g);
  kv_empty_array (g, "CapAdd");
  json_gen_key (g, "CapDrop");
  json_gen_array_open (g);
  json_gen_string (g, "CAP_AUDIT_WRITE");
  json_gen_string (g, "CAP_MKNOD");
  json_gen_string (g, "CAP_NET_RAW");
  json_gen_array_close (g);
  json_gen_kv_strv (g, "Dns", cfg->net.dns);
  json_gen_kv_strv (g, "DnsOptions", cfg->net.dns_option);
  json_gen_kv_strv (g, "DnsSearch", cfg->net.dns_search);
  json_gen_kv_strv (g, "ExtraHosts", cfg->net.add_host);
  kv_empty_array (g, "GroupAdd");
  json_gen_kv_string (g, "IpcMode", "private");
  json_gen_kv_int (g, "OomScoreAdj", 0);
  json_gen_kv_string (g, "PidMode", "private");
  json_gen_kv_bool (g, "Privileged", false);
  json_gen_kv_bool (g, "ReadonlyRootfs", false);
  kv_empty_array (g, "SecurityOpt");
  gen_tmpfs (g, cfg->sec.tmpfs);
  json_gen_kv_string (g, "UTSMode", "private");
  container_userns_inspect (g, &cfg->userns);
  json_gen_kv_string (g, "Runtime", "oci");
  kv_empty_array (g, "Devices");
  kv_empty_array (g, "Ulimits");
  json_gen_object_close (g);
}

int
container_inspect (struct storage *st, const struct container *c, struct json_gen *g,
                   nook_error_t *err)
{
  const struct container_config *cfg = &c->cfg;
  _cleanup_strv_ char **command = container_full_command (cfg);
  _cleanup_free_ char *userdata = xasprintf ("%s/containers/%s/userdata", st->root, cfg->id);
  _cleanup_free_ char *config_path = xasprintf ("%s/config.json", userdata);
  struct storage_image img;
  bool root = runs_as_root (cfg->user);

  /* The image may be gone (rmi -f removes its containers first, but a
     record can outlive it after a crash): print what the record says.  */
  memset (&img, 0, sizeof (img));
  if (storage_image_lookup (st, cfg->image_id, &img, err) < 0)
    nook_error_free (err);

  json_gen_object_open (g);
  json_gen_kv_string (g, "Id", cfg->id);
  json_gen_kv_string (g, "Created", cfg->created);
  json_gen_kv_string (g, "Path", command && command[0] ? command[0] : "");
  json_gen_key (g, "Args");
  json_gen_array_open (g);
  for (size_t i = 1; command && command[0] && command[i]; i++)
    json_gen_string (g, command[i]);
  json_gen_array_close (g);
  gen_state (g, &c->state);
  json_gen_kv_string (g, "Image", cfg->image_id);
  json_gen_kv_string (g, "ImageDigest", img.digest ? img.digest : "");
  json_gen_kv_string (g, "ImageName", cfg->image_name);
  json_gen_kv_string (g, "Rootfs", "");
  json_gen_kv_string (g, "Pod", "");
  json_gen_kv_string (g, "ResolvConfPath", "");
  json_gen_kv_string (g, "HostnamePath", "");
  json_gen_kv_string (g, "HostsPath", "");
  json_gen_kv_string (g, "StaticDir", userdata);
  json_gen_kv_string (g, "OCIConfigPath", config_path);
  json_gen_kv_string (g, "OCIRuntime", cfg->sec.runtime ? cfg->sec.runtime : "nook-runtime");
  json_gen_kv_string (g, "ConmonPidFile", "");
  json_gen_kv_string (g, "PidFile", "");
  json_gen_kv_string (g, "Name", cfg->name);
  json_gen_kv_int (g, "RestartCount", c->state.restart_count);
  json_gen_kv_string (g, "Driver", "overlay");
  json_gen_kv_string (g, "MountLabel", "");
  json_gen_kv_string (g, "ProcessLabel", "");
  json_gen_kv_string (g, "AppArmorProfile", "");
  json_gen_key (g, "EffectiveCaps");
  json_gen_strv (g, root ? (char *const *)container_default_caps : NULL);
  json_gen_kv_strv (g, "BoundingCaps", (char *const *)container_default_caps);
  kv_empty_array (g, "ExecIDs");
  gen_graph_driver (g, st, cfg);
  json_gen_key (g, "Mounts");
  container_mounts_inspect (st, &cfg->mounts, g);
  kv_empty_array (g, "Dependencies");
  gen_network_settings (g, &cfg->net);
  json_gen_kv_string (g, "Namespace", "");
  json_gen_kv_bool (g, "IsInfra", false);
  json_gen_kv_bool (g, "IsService", false);
  gen_config (g, cfg);
  gen_host_config (g, cfg);
  json_gen_object_close (g);
  storage_image_free (&img);
  return 0;
}
