/* pkg/oci: the strict config.json parser and the generator.  */
#include "unit.h"

#include "oci/oci.h"

#include <sys/personality.h>

#define USER_ "\"user\": {\"uid\": 0, \"gid\": 0}"
#define ARGS_ "\"args\": [\"sh\"]"
#define CWD_  "\"cwd\": \"/\""

/* A config.json with PROCESS as the members of "process" and TOP_EXTRA
   at the top level ("" or ", \"key\": ...").  */
static char *
config_proc (const char *process, const char *top_extra)
{
  return unit_fmt ("{\"ociVersion\": \"1.0.2\", \"process\": {%s},"
                   " \"root\": {\"path\": \"rootfs\"}%s}",
                   process, top_extra);
}

/* A minimal valid config.json plus PROCESS_EXTRA in "process".  */
static char *
config (const char *process_extra, const char *top_extra)
{
  return config_proc (unit_fmt (USER_ ", " ARGS_ ", " CWD_ "%s", process_extra), top_extra);
}

static void
check_rejected (const char *text, const char *needle, const char *file, int line)
{
  struct oci_spec s;
  nook_error_t err = NULL;

  if (oci_spec_parse (text, strlen (text), &s, &err) >= 0)
    {
      unit_fail_ (file, line, "accepted: %s", text);
      oci_spec_free (&s);
      return;
    }
  if (err == NULL)
    unit_fail_ (file, line, "failed without an error");
  else if (strstr (err->msg, needle) == NULL)
    unit_fail_ (file, line, "the message does not name `%s`: %s", needle, err->msg);
  else if (!str_has_prefix (err->msg, "config.json"))
    unit_fail_ (file, line, "the message does not start with config.json: %s", err->msg);
  nook_error_free (&err);
}
#define CHECK_REJECTED(text, needle) check_rejected ((text), (needle), __FILE__, __LINE__)

TEST (parse_minimal)
{
  struct oci_spec s;
  nook_error_t err = NULL;
  const char *text = config ("", "");

  if (!CHECK_OK (oci_spec_parse (text, strlen (text), &s, &err), &err))
    return;
  CHECK_STR_EQ (s.oci_version, "1.0.2");
  CHECK (s.has_process);
  CHECK (!s.terminal);
  CHECK_INT_EQ (s.uid, 0);
  CHECK_INT_EQ (s.gid, 0);
  CHECK_INT_EQ (s.umask, -1);
  CHECK_INT_EQ (strv_len (s.args), 1);
  CHECK_STR_EQ (s.args[0], "sh");
  CHECK (s.env == NULL);
  CHECK_STR_EQ (s.cwd, "/");
  CHECK (!s.has_caps);
  CHECK_STR_EQ (s.root_path, "rootfs");
  CHECK (!s.root_readonly);
  CHECK (s.hostname == NULL);
  CHECK_INT_EQ (s.n_mounts, 0);
  CHECK_INT_EQ (s.n_namespaces, 0);
  CHECK (s.annotations == NULL);
  oci_spec_free (&s);
  oci_spec_free (&s); /* twice is fine */
}

TEST (parse_without_process)
{
  static const char text[] = "{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"/r\"}}";
  struct oci_spec s;
  nook_error_t err = NULL;

  if (!CHECK_OK (oci_spec_parse (text, strlen (text), &s, &err), &err))
    return;
  CHECK (!s.has_process);
  CHECK (s.args == NULL);
  oci_spec_free (&s);
}

TEST (parse_full)
{
  const char *text = config (
      ", \"env\": [\"A=1\", \"PATH=/bin\"], \"noNewPrivileges\": true,"
      " \"capabilities\": {\"bounding\": [\"CAP_CHOWN\"], \"effective\": [],"
      " \"permitted\": [\"CAP_CHOWN\"]},"
      " \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 1024, \"hard\": 4096}]",
      ", \"hostname\": \"box\", \"domainname\": \"example.com\","
      " \"mounts\": [{\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},"
      " {\"destination\": \"/data\", \"source\": \"/srv\", \"options\": [\"rbind\", \"ro\"]}],"
      " \"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"network\","
      " \"path\": \"/proc/1/ns/net\"}, {\"type\": \"mount\", \"path\": \"\"}],"
      " \"uidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 1}],"
      " \"maskedPaths\": [\"/proc/kcore\"], \"readonlyPaths\": [\"/proc/sys\"],"
      " \"rootfsPropagation\": \"rslave\"},"
      " \"annotations\": {\"io.nook.a\": \"b\", \"k\": \"v=w\"}");
  struct oci_spec s;
  nook_error_t err = NULL;

  if (!CHECK_OK (oci_spec_parse (text, strlen (text), &s, &err), &err))
    return;
  CHECK_INT_EQ (strv_len (s.env), 2);
  CHECK (s.no_new_privileges);
  CHECK (s.has_caps);
  CHECK_INT_EQ (strv_len (s.caps.bounding), 1);
  CHECK (s.caps.effective != NULL && s.caps.effective[0] == NULL);
  CHECK (s.caps.ambient == NULL);
  CHECK_INT_EQ (s.n_rlimits, 1);
  CHECK_STR_EQ (s.rlimits[0].type, "RLIMIT_NOFILE");
  CHECK_INT_EQ (s.rlimits[0].soft, 1024);
  CHECK_INT_EQ (s.rlimits[0].hard, 4096);
  CHECK_STR_EQ (s.hostname, "box");
  CHECK_STR_EQ (s.domainname, "example.com");
  CHECK_INT_EQ (s.n_mounts, 2);
  CHECK_STR_EQ (s.mounts[0].type, "proc");
  CHECK (s.mounts[0].options == NULL);
  CHECK_STR_EQ (s.mounts[1].type, "bind"); /* the default */
  CHECK_STR_EQ (s.mounts[1].source, "/srv");
  CHECK_INT_EQ (strv_len (s.mounts[1].options), 2);
  CHECK_INT_EQ (s.n_namespaces, 3);
  CHECK (oci_spec_namespace (&s, "pid") && oci_spec_namespace (&s, "pid")->path == NULL);
  CHECK_STR_EQ (oci_spec_namespace (&s, "network")->path, "/proc/1/ns/net");
  CHECK (oci_spec_namespace (&s, "mount")->path == NULL); /* "" is none */
  CHECK (oci_spec_namespace (&s, "user") == NULL);
  CHECK_INT_EQ (s.n_uid_mappings, 1);
  CHECK_INT_EQ (s.uid_mappings[0].host_id, 1000);
  CHECK_INT_EQ (s.n_gid_mappings, 0);
  CHECK_STR_EQ (s.masked_paths[0], "/proc/kcore");
  CHECK_STR_EQ (s.readonly_paths[0], "/proc/sys");
  CHECK_STR_EQ (s.rootfs_propagation, "rslave");
  CHECK_INT_EQ (strv_len (s.annotations), 2);
  CHECK_STR_EQ (s.annotations[0], "io.nook.a=b");
  CHECK_STR_EQ (s.annotations[1], "k=v=w");
  oci_spec_free (&s);
}

TEST (unsupported_fields_named)
{
  CHECK_REJECTED (config ("", ", \"hooks\": {\"prestop\": []}"), "`hooks.prestop`");
  CHECK_REJECTED (config ("", ", \"solaris\": {}"), "`solaris`");
  CHECK_REJECTED (config (", \"ioPriority\": {\"class\": \"IOPRIO_CLASS_IDLE\"}", ""),
                  "`process.ioPriority`");
  CHECK_REJECTED (config (", \"scheduler\": {\"policy\": \"SCHED_OTHER\"}", ""),
                  "`process.scheduler`");
  CHECK_REJECTED (config (", \"consoleSize\": {\"height\": 1, \"depth\": 1}", ""),
                  "`process.consoleSize.depth`");
  CHECK_REJECTED (
      config ("", ", \"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"x\": 1}}"),
      "`linux.seccomp.x`");
  CHECK_REJECTED (config ("", ", \"linux\": {\"resources\": {\"x\": {}}}"), "`linux.resources.x`");
  CHECK_REJECTED (config ("", ", \"linux\": {\"intelRdt\": {}}"), "`linux.intelRdt`");
  CHECK_REJECTED (config ("", ", \"linux\": {\"timeOffsets\": {}}"), "`linux.timeOffsets`");
  CHECK_REJECTED (config ("", ", \"mounts\": [{\"destination\": \"/x\", \"uidMappings\": []}]"),
                  "`mounts[].uidMappings`");
  CHECK_REJECTED (
      config_proc ("\"user\": {\"uid\": 0, \"gid\": 0, \"username\": \"x\"}, " ARGS_ ", " CWD_, ""),
      "`process.user.username`");
  CHECK_REJECTED ("{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"r\", \"extra\": 1}}",
                  "`root.extra`");
  CHECK_REJECTED (config ("", ", \"linux\": {\"namespaces\": [{\"type\": \"pid\", \"x\": 1}]}"),
                  "`linux.namespaces[].x`");
  CHECK_REJECTED (
      config (", \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 1, \"hard\": 1, \"x\": 0}]",
              ""),
      "`process.rlimits[].x`");
  CHECK_REJECTED (config (", \"capabilities\": {\"bounding\": [], \"other\": []}", ""),
                  "`process.capabilities.other`");
}

TEST (missing_fields)
{
  static const char no_args[]
      = "{\"ociVersion\": \"1.0.2\", \"process\": {\"user\": {\"uid\": 0, \"gid\": 0},"
        " \"cwd\": \"/\"}, \"root\": {\"path\": \"r\"}}";
  static const char no_root_path[]
      = "{\"ociVersion\": \"1.0.2\", \"process\": {\"user\": {\"uid\": 0, \"gid\": 0},"
        " \"args\": [\"sh\"], \"cwd\": \"/\"}, \"root\": {}}";
  static const char no_root[] = "{\"ociVersion\": \"1.0.2\"}";
  static const char no_version[] = "{\"root\": {\"path\": \"r\"}}";
  static const char no_cwd[]
      = "{\"ociVersion\": \"1.0.2\", \"process\": {\"user\": {\"uid\": 0, \"gid\": 0},"
        " \"args\": [\"sh\"]}, \"root\": {\"path\": \"r\"}}";
  static const char no_user[] = "{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": [\"sh\"],"
                                " \"cwd\": \"/\"}, \"root\": {\"path\": \"r\"}}";

  CHECK_REJECTED (no_args, "process.args");
  CHECK_REJECTED (no_root_path, "root.path");
  CHECK_REJECTED (no_root, "root");
  CHECK_REJECTED (no_version, "ociVersion");
  CHECK_REJECTED (no_cwd, "process.cwd");
  CHECK_REJECTED (no_user, "process.user");
  CHECK_REJECTED (config_proc (USER_ ", \"args\": [], " CWD_, ""), "process.args");
}

TEST (bad_values)
{
  CHECK_REJECTED ("[]", "config.json");
  CHECK_REJECTED ("{", "config.json");
  CHECK_REJECTED (config_proc (USER_ ", " ARGS_ ", \"cwd\": \"tmp\"", ""), "process.cwd");
  CHECK_REJECTED (config_proc (USER_ ", " ARGS_ ", \"cwd\": \"\"", ""), "process.cwd");
  CHECK_REJECTED (config_proc (USER_ ", \"args\": \"sh\", " CWD_, ""), "process.args");
  CHECK_REJECTED (config_proc (USER_ ", \"args\": [\"sh\", 1], " CWD_, ""), "process.args[1]");
  CHECK_REJECTED (config_proc ("\"user\": {\"uid\": -1, \"gid\": 0}, " ARGS_ ", " CWD_, ""),
                  "process.user.uid");
  CHECK_REJECTED (config_proc ("\"user\": {\"uid\": 4294967296, \"gid\": 0}, " ARGS_ ", " CWD_, ""),
                  "process.user.uid");
  CHECK_REJECTED (
      config_proc (
          "\"user\": {\"uid\": 0, \"gid\": 0, \"additionalGids\": [1, -2]}, " ARGS_ ", " CWD_, ""),
      "process.user.additionalGids[1]");
  CHECK_REJECTED (config (", \"terminal\": \"yes\"", ""), "process.terminal");
  CHECK_REJECTED (config ("", ", \"mounts\": [{\"destination\": \"rel\"}]"), "rel");
  CHECK_REJECTED (config ("", ", \"mounts\": [\"x\"]"), "mounts[0]");
  CHECK_REJECTED (config ("", ", \"mounts\": [{\"type\": \"bind\"}]"), "mounts[].destination");
  CHECK_REJECTED (config ("", ", \"annotations\": {\"a\": 1}"), "`a`");
  CHECK_REJECTED (config ("", ", \"hostname\": 5"), "hostname");
}

TEST (namespaces_checked)
{
  CHECK_REJECTED (config ("", ", \"linux\": {\"namespaces\": [{\"type\": \"foo\"}]}"), "`foo`");
  CHECK_REJECTED (config ("", ", \"linux\": {\"namespaces\": [{\"type\": \"time\"}]}"), "`time`");
  CHECK_REJECTED (config ("", ", \"linux\": {\"namespaces\": [{\"type\": \"pid\"},"
                              " {\"type\": \"net\"}]}"),
                  "`net`");
  CHECK_REJECTED (config ("", ", \"linux\": {\"namespaces\": [{\"type\": \"pid\"},"
                              " {\"type\": \"mount\"}, {\"type\": \"pid\"}]}"),
                  "`pid` listed twice");
  CHECK_REJECTED (config ("", ", \"linux\": {\"namespaces\": [{\"path\": \"/x\"}]}"),
                  "linux.namespaces[].type");
  CHECK_REJECTED (config ("", ", \"linux\": {\"namespaces\": [\"pid\"]}"), "namespaces");
  CHECK_REJECTED (config ("", ", \"linux\": {\"uidMappings\": [{\"containerID\": 0,"
                              " \"hostID\": 0}]}"),
                  "linux.uidMappings");
}

/* ---- round trip ---- */

static void
build_spec (struct oci_spec *s)
{
  static const char *const opts[] = { "rbind", "ro", NULL };
  static const char *const none[] = { NULL };

  memset (s, 0, sizeof (*s));
  s->umask = 022;
  s->has_process = true;
  s->uid = 1000;
  s->gid = 1001;
  s->n_additional_gids = 2;
  s->additional_gids = xzalloc (2 * sizeof (uint32_t));
  s->additional_gids[0] = 10;
  s->additional_gids[1] = 4294967294u;
  strv_push (&s->args, xstrdup ("/bin/sh"));
  strv_push (&s->args, xstrdup ("-c"));
  strv_push (&s->args, xstrdup ("echo \"quoted\" \\ 'and' \xc3\xa9"));
  strv_push (&s->env, xstrdup ("PATH=/usr/bin:/bin"));
  strv_push (&s->env, xstrdup ("EMPTY="));
  s->cwd = xstrdup ("/work dir");
  s->has_caps = true;
  strv_push (&s->caps.bounding, xstrdup ("CAP_CHOWN"));
  strv_push (&s->caps.bounding, xstrdup ("CAP_KILL"));
  s->caps.effective = strv_dup ((char *const *)none);
  strv_push (&s->caps.permitted, xstrdup ("CAP_CHOWN"));
  s->no_new_privileges = true;
  s->n_rlimits = 1;
  s->rlimits = xzalloc (sizeof (*s->rlimits));
  s->rlimits[0].type = xstrdup ("RLIMIT_NOFILE");
  s->rlimits[0].soft = 1024;
  s->rlimits[0].hard = 524288;
  s->root_path = xstrdup ("/var/lib/nook/merged");
  s->root_readonly = true;
  s->hostname = xstrdup ("box");
  s->domainname = xstrdup ("example.com");
  oci_spec_add_mount (s, "/proc", "proc", "proc", NULL);
  oci_spec_add_mount (s, "/data", "bind", "/srv/data", opts);
  oci_spec_add_mount (s, "/dev", "tmpfs", "tmpfs", none);
  oci_spec_add_namespace (s, "pid", NULL);
  oci_spec_add_namespace (s, "network", "/proc/42/ns/net");
  oci_spec_add_namespace (s, "mount", NULL);
  s->n_uid_mappings = 2;
  s->uid_mappings = xzalloc (2 * sizeof (struct oci_idmap));
  s->uid_mappings[0] = (struct oci_idmap){ 0, 1000, 1 };
  s->uid_mappings[1] = (struct oci_idmap){ 1, 100000, 65536 };
  s->n_gid_mappings = 1;
  s->gid_mappings = xzalloc (sizeof (struct oci_idmap));
  s->gid_mappings[0] = (struct oci_idmap){ 0, 1001, 1 };
  strv_push (&s->masked_paths, xstrdup ("/proc/kcore"));
  strv_push (&s->readonly_paths, xstrdup ("/proc/sys"));
  s->rootfs_propagation = xstrdup ("rprivate");
  strv_push (&s->annotations, xstrdup ("io.nook.name=web"));
  strv_push (&s->annotations, xstrdup ("k=v=w"));
}

static void
check_strv (char *const *a, char *const *b, const char *what)
{
  if (strv_len (a) != strv_len (b))
    {
      unit_fail_ (__FILE__, __LINE__, "%s: %zu strings, expected %zu", what, strv_len (a),
                  strv_len (b));
      return;
    }
  for (size_t i = 0; a && a[i]; i++)
    if (!CHECK_STR_EQ (a[i], b[i]))
      unit_note ("  in %s[%zu]", what, i);
}

TEST (round_trip)
{
  struct oci_spec in, out;
  nook_error_t err = NULL;
  size_t len = 0;
  char *text;

  build_spec (&in);
  text = unit_keep (oci_spec_to_json (&in, &len));
  CHECK_INT_EQ (strlen (text), len);
  if (!CHECK_OK (oci_spec_parse (text, len, &out, &err), &err))
    {
      unit_note ("%s", text);
      oci_spec_free (&in);
      return;
    }
  CHECK_STR_EQ (out.oci_version, OCI_VERSION);
  CHECK (out.has_process);
  CHECK_INT_EQ (out.uid, 1000);
  CHECK_INT_EQ (out.gid, 1001);
  CHECK_INT_EQ (out.umask, 022);
  CHECK_INT_EQ (out.n_additional_gids, 2);
  if (out.n_additional_gids == 2)
    CHECK (out.additional_gids[0] == 10 && out.additional_gids[1] == 4294967294u);
  check_strv (out.args, in.args, "args");
  check_strv (out.env, in.env, "env");
  CHECK_STR_EQ (out.cwd, "/work dir");
  CHECK (out.has_caps);
  check_strv (out.caps.bounding, in.caps.bounding, "bounding");
  check_strv (out.caps.effective, in.caps.effective, "effective");
  check_strv (out.caps.permitted, in.caps.permitted, "permitted");
  CHECK (out.caps.inheritable == NULL && out.caps.ambient == NULL);
  CHECK (out.no_new_privileges);
  CHECK_INT_EQ (out.n_rlimits, 1);
  if (out.n_rlimits == 1)
    {
      CHECK_STR_EQ (out.rlimits[0].type, "RLIMIT_NOFILE");
      CHECK_INT_EQ (out.rlimits[0].soft, 1024);
      CHECK_INT_EQ (out.rlimits[0].hard, 524288);
    }
  CHECK_STR_EQ (out.root_path, "/var/lib/nook/merged");
  CHECK (out.root_readonly);
  CHECK_STR_EQ (out.hostname, "box");
  CHECK_STR_EQ (out.domainname, "example.com");
  CHECK_INT_EQ (out.n_mounts, 3);
  for (size_t i = 0; i < out.n_mounts && i < in.n_mounts; i++)
    {
      CHECK_STR_EQ (out.mounts[i].destination, in.mounts[i].destination);
      CHECK_STR_EQ (out.mounts[i].type, in.mounts[i].type);
      CHECK_STR_EQ (out.mounts[i].source, in.mounts[i].source);
      check_strv (out.mounts[i].options, in.mounts[i].options, "mount options");
    }
  CHECK_INT_EQ (out.n_namespaces, 3);
  for (size_t i = 0; i < out.n_namespaces && i < in.n_namespaces; i++)
    {
      CHECK_STR_EQ (out.namespaces[i].type, in.namespaces[i].type);
      CHECK_STR_EQ (out.namespaces[i].path, in.namespaces[i].path);
    }
  CHECK_INT_EQ (out.n_uid_mappings, 2);
  CHECK_INT_EQ (out.n_gid_mappings, 1);
  if (out.n_uid_mappings == 2)
    CHECK (memcmp (out.uid_mappings, in.uid_mappings, 2 * sizeof (struct oci_idmap)) == 0);
  if (out.n_gid_mappings == 1)
    CHECK (memcmp (out.gid_mappings, in.gid_mappings, sizeof (struct oci_idmap)) == 0);
  check_strv (out.masked_paths, in.masked_paths, "maskedPaths");
  check_strv (out.readonly_paths, in.readonly_paths, "readonlyPaths");
  CHECK_STR_EQ (out.rootfs_propagation, "rprivate");
  check_strv (out.annotations, in.annotations, "annotations");

  /* And once more: the text is stable.  */
  {
    size_t len2 = 0;
    char *text2 = unit_keep (oci_spec_to_json (&out, &len2));
    CHECK_STR_EQ (text2, text);
  }
  oci_spec_free (&out);
  oci_spec_free (&in);
}

TEST (round_trip_minimal)
{
  struct oci_spec in, out;
  nook_error_t err = NULL;
  size_t len = 0;
  char *text;

  memset (&in, 0, sizeof (in));
  in.umask = -1;
  in.root_path = xstrdup ("rootfs");
  text = unit_keep (oci_spec_to_json (&in, &len));
  if (CHECK_OK (oci_spec_parse (text, len, &out, &err), &err))
    {
      CHECK (!out.has_process);
      CHECK_STR_EQ (out.root_path, "rootfs");
      CHECK_INT_EQ (out.n_mounts, 0);
      CHECK_INT_EQ (out.n_namespaces, 0);
      CHECK_INT_EQ (out.umask, -1);
      oci_spec_free (&out);
    }
  oci_spec_free (&in);
}

TEST (rlimit_infinity_is_uint64)
{
  /* Regression, fixed — it used to be that rlimits are uint64 in the OCI schema, but oci_spec_to_json
     (pkg/oci/spec.c, gen_process) writes them with json_gen_int as int64,
     so RLIM_INFINITY comes out as -1, which runc and other runtimes
     refuse ("cannot unmarshal number -1 into ... uint64"); and the
     parser (parse_rlimits, json_get_int) refuses the spec's own
     18446744073709551615 ("must be an integer").  container_spec copies
     the caller's hard RLIMIT_NPROC/NOFILE, which is "unlimited" on many
     systems.  Expected: 18446744073709551615 written and read.  */
  struct oci_spec in, out;
  nook_error_t err = NULL;
  size_t len = 0;
  char *text;
  const char *parsed
      = config (", \"rlimits\": [{\"type\": \"RLIMIT_NPROC\", \"soft\": 18446744073709551615,"
                " \"hard\": 18446744073709551615}]",
                "");

  build_spec (&in);
  in.rlimits[0].soft = UINT64_MAX;
  in.rlimits[0].hard = UINT64_MAX;
  text = unit_keep (oci_spec_to_json (&in, &len));
  if (!CHECK (strstr (text, "18446744073709551615") != NULL) && strstr (text, "\"rlimits\""))
    unit_note ("generated: %.160s", strstr (text, "\"rlimits\""));
  if (CHECK_OK (oci_spec_parse (text, len, &out, &err), &err))
    {
      CHECK (out.n_rlimits == 1 && out.rlimits[0].hard == UINT64_MAX);
      oci_spec_free (&out);
    }
  oci_spec_free (&in);
  if (CHECK_OK (oci_spec_parse (parsed, strlen (parsed), &out, &err), &err))
    {
      CHECK (out.n_rlimits == 1 && out.rlimits[0].soft == UINT64_MAX);
      oci_spec_free (&out);
    }
}

TEST (add_helpers)
{
  struct oci_spec s;
  static const char *const opts[] = { "nosuid", NULL };

  memset (&s, 0, sizeof (s));
  oci_spec_add_mount (&s, "/a", "bind", "/src", opts);
  oci_spec_add_mount (&s, "/b", "tmpfs", "tmpfs", NULL);
  CHECK_INT_EQ (s.n_mounts, 2);
  CHECK_STR_EQ (s.mounts[0].options[0], "nosuid");
  CHECK (s.mounts[0].options[1] == NULL);
  CHECK (s.mounts[1].options != NULL && s.mounts[1].options[0] == NULL);
  oci_spec_add_namespace (&s, "user", NULL);
  oci_spec_add_namespace (&s, "network", "/proc/1/ns/net");
  CHECK_INT_EQ (s.n_namespaces, 2);
  CHECK (oci_spec_namespace (&s, "user") == &s.namespaces[0]);
  CHECK (oci_spec_namespace (&s, "user")->path == NULL);
  CHECK_STR_EQ (oci_spec_namespace (&s, "network")->path, "/proc/1/ns/net");
  CHECK (oci_spec_namespace (&s, "pid") == NULL);
  oci_spec_free (&s);
}

/* `exec --process FILE`: the process object alone, the same parser.  */
static int
parse_process_text (const char *text, struct oci_spec *s, nook_error_t *err)
{
  _cleanup_json_ nook_json *j = NULL;

  memset (s, 0, sizeof (*s));
  if (json_parse (text, strlen (text), &j, err) < 0)
    return -1;
  return oci_process_parse (j, s, err);
}

TEST (process_alone)
{
  static const char text[]
      = "{\"terminal\": true, \"consoleSize\": {\"height\": 24, \"width\": 80},"
        " \"user\": {\"uid\": 5, \"gid\": 6, \"umask\": 18}, \"args\": [\"ls\", \"-l\"],"
        " \"env\": [\"A=b\"], \"cwd\": \"/tmp\", \"noNewPrivileges\": true,"
        " \"oomScoreAdj\": -17, \"apparmorProfile\": \"p\", \"selinuxLabel\": \"l\","
        " \"capabilities\": {\"bounding\": [\"CAP_KILL\"]},"
        " \"rlimits\": [{\"type\": \"RLIMIT_CORE\", \"soft\": 0, \"hard\": 0}]}";
  struct oci_spec s, again;
  nook_error_t err = NULL;
  _cleanup_json_ nook_json *j = NULL;
  size_t len = 0;
  char *out;

  if (!CHECK_OK (parse_process_text (text, &s, &err), &err))
    {
      oci_spec_free (&s);
      return;
    }
  CHECK (s.has_process && s.terminal && s.has_console_size);
  CHECK_INT_EQ (s.console_height, 24);
  CHECK_INT_EQ (s.console_width, 80);
  CHECK_INT_EQ (s.uid, 5);
  CHECK_INT_EQ (s.umask, 18);
  CHECK_STR_EQ (s.args[1], "-l");
  CHECK_STR_EQ (s.cwd, "/tmp");
  CHECK (s.oom_score_adj.set && s.oom_score_adj.v == -17);
  CHECK_STR_EQ (s.apparmor_profile, "p");
  CHECK_STR_EQ (s.selinux_label, "l");
  CHECK_INT_EQ (s.n_rlimits, 1);
  out = unit_keep (oci_process_to_json (&s, &len));
  CHECK_INT_EQ (strlen (out), len);
  if (CHECK_OK (parse_process_text (out, &again, &err), &err))
    {
      size_t len2 = 0;
      CHECK_STR_EQ (unit_keep (oci_process_to_json (&again, &len2)), out);
    }
  oci_spec_free (&again);
  oci_spec_free (&s);

  /* Messages name the field, with no file name in front.  */
  CHECK (parse_process_text ("{\"user\": {\"uid\": 0, \"gid\": 0}, \"cwd\": \"/\"}", &s, &err) < 0);
  if (CHECK (err != NULL))
    CHECK_STR_EQ (err->msg, "missing field `process.args`");
  nook_error_free (&err);
  oci_spec_free (&s);
  CHECK (parse_process_text ("[]", &s, &err) < 0);
  nook_error_free (&err);
  oci_spec_free (&s);
}

/* Parse TEXT, which must be valid, into S (a failure is reported).  */
static bool
parse_ok (const char *text, struct oci_spec *s, const char *file, int line)
{
  nook_error_t err = NULL;
  if (oci_spec_parse (text, strlen (text), s, &err) == 0)
    return true;
  unit_fail_ (file, line, "rejected: %s: %s", err ? err->msg : "?", text);
  nook_error_free (&err);
  return false;
}
#define PARSE_OK(text, s) parse_ok ((text), (s), __FILE__, __LINE__)

/* Generated, parsed again, generated: the same text.  */
static void
check_round_trip (const struct oci_spec *s)
{
  struct oci_spec again;
  size_t len = 0, len2 = 0;
  char *text = unit_keep (oci_spec_to_json (s, &len));
  if (PARSE_OK (text, &again))
    {
      CHECK_STR_EQ (unit_keep (oci_spec_to_json (&again, &len2)), text);
      oci_spec_free (&again);
    }
}

TEST (hooks_parsed)
{
  const char *text
      = config ("", ", \"hooks\": {\"prestart\": [{\"path\": \"/a\", \"args\": [\"a\", \"1\"],"
                    " \"env\": [\"X=1\"], \"timeout\": 5}, {\"path\": \"/b\"}],"
                    " \"poststop\": [{\"path\": \"/c\"}], \"startContainer\": []}");
  struct oci_spec s;

  if (!PARSE_OK (text, &s))
    return;
  CHECK_INT_EQ (s.n_hooks[OCI_HOOK_PRESTART], 2);
  CHECK_STR_EQ (s.hooks[OCI_HOOK_PRESTART][0].path, "/a");
  CHECK_STR_EQ (s.hooks[OCI_HOOK_PRESTART][0].args[1], "1");
  CHECK_STR_EQ (s.hooks[OCI_HOOK_PRESTART][0].env[0], "X=1");
  CHECK_INT_EQ (s.hooks[OCI_HOOK_PRESTART][0].timeout, 5);
  CHECK_INT_EQ (s.hooks[OCI_HOOK_PRESTART][1].timeout, 0);
  CHECK (s.hooks[OCI_HOOK_PRESTART][1].args == NULL);
  CHECK_INT_EQ (s.n_hooks[OCI_HOOK_POSTSTOP], 1);
  CHECK_INT_EQ (s.n_hooks[OCI_HOOK_START_CONTAINER], 0);
  CHECK_INT_EQ (s.n_hooks[OCI_HOOK_CREATE_RUNTIME], 0);
  check_round_trip (&s);
  oci_spec_free (&s);

  CHECK_REJECTED (config ("", ", \"hooks\": {\"prestart\": [{\"path\": \"rel\"}]}"),
                  "hooks.prestart[0].path");
  CHECK_REJECTED (config ("", ", \"hooks\": {\"poststart\": [{\"path\": \"/a\", \"timeout\": 0}]}"),
                  "hooks.poststart[0].timeout");
  CHECK_REJECTED (
      config ("", ", \"hooks\": {\"poststart\": [{\"path\": \"/a\", \"timeout\": -3}]}"),
      "hooks.poststart[0].timeout");
  CHECK_REJECTED (config ("", ", \"hooks\": {\"createRuntime\": [{\"args\": []}]}"),
                  "hooks.createRuntime[0].path");
  CHECK_REJECTED (config ("", ", \"hooks\": {\"createRuntime\": [{\"path\": \"/a\", \"x\": 1}]}"),
                  "hooks.createRuntime[0].x");
  CHECK_REJECTED (config ("", ", \"hooks\": {\"poststop\": {}}"), "hooks.poststop");
}

TEST (linux_extras_parsed)
{
  const char *text = config (
      ", \"consoleSize\": {\"height\": 24, \"width\": 80}, \"oomScoreAdj\": -500",
      ", \"linux\": {\"devices\": [{\"path\": \"/dev/fuse\", \"type\": \"c\", \"major\": 10,"
      " \"minor\": 229, \"fileMode\": 438, \"uid\": 0, \"gid\": 0},"
      " {\"path\": \"/dev/fifo\", \"type\": \"p\"}],"
      " \"sysctl\": {\"net.ipv4.ip_forward\": \"1\", \"kernel.shmmax\": \"65536\"},"
      " \"personality\": {\"domain\": \"LINUX32\", \"flags\": [\"ADDR_NO_RANDOMIZE\"]},"
      " \"cgroupsPath\": \"/nook/c1\"}");
  struct oci_spec s;
  unsigned long p = 0;
  nook_error_t err = NULL;

  if (!PARSE_OK (text, &s))
    return;
  CHECK (s.has_console_size);
  CHECK_INT_EQ (s.console_width, 80);
  CHECK (s.oom_score_adj.set && s.oom_score_adj.v == -500);
  CHECK_INT_EQ (s.n_devices, 2);
  CHECK_STR_EQ (s.devices[0].type, "c");
  CHECK_INT_EQ (s.devices[0].major, 10);
  CHECK_INT_EQ (s.devices[0].minor, 229);
  CHECK (s.devices[0].file_mode.set && s.devices[0].file_mode.v == 0666);
  CHECK (!s.devices[1].file_mode.set);
  CHECK_INT_EQ (strv_len (s.sysctl), 2);
  CHECK_STR_EQ (s.sysctl[0], "net.ipv4.ip_forward=1");
  CHECK (s.has_personality);
  if (CHECK_OK (oci_personality (&s, &p, &err), &err))
    CHECK_INT_EQ (p, PER_LINUX32 | ADDR_NO_RANDOMIZE);
  CHECK_STR_EQ (s.cgroups_path, "/nook/c1");
  check_round_trip (&s);
  oci_spec_free (&s);

  CHECK_REJECTED (config (", \"oomScoreAdj\": 1001", ""), "process.oomScoreAdj");
  CHECK_REJECTED (
      config ("", ", \"linux\": {\"devices\": [{\"path\": \"/dev/x\", \"type\": \"c\"}]}"),
      "linux.devices[0].major");
  CHECK_REJECTED (config ("", ", \"linux\": {\"devices\": [{\"path\": \"/dev/x\", \"type\": \"z\","
                              " \"major\": 1, \"minor\": 1}]}"),
                  "linux.devices[0].type");
  CHECK_REJECTED (config ("", ", \"linux\": {\"devices\": [{\"path\": \"x\", \"type\": \"p\"}]}"),
                  "linux.devices[0].path");
  CHECK_REJECTED (config ("", ", \"linux\": {\"sysctl\": {\"a\": 1}}"), "linux.sysctl.a");
  CHECK_REJECTED (config ("", ", \"linux\": {\"personality\": {\"domain\": \"LINUX64\"}}"),
                  "linux.personality.domain");
  CHECK_REJECTED (config ("", ", \"linux\": {\"personality\": {\"domain\": \"LINUX\","
                              " \"flags\": [\"NOPE\"]}}"),
                  "linux.personality.flags[0]");
  CHECK_REJECTED (config ("", ", \"linux\": {\"rootfsPropagation\": \"sideways\"}"),
                  "linux.rootfsPropagation");
}

TEST (resources_parsed)
{
  const char *text = config (
      "", ", \"linux\": {\"resources\": {\"devices\": [{\"allow\": false, \"access\": \"rwm\"}],"
          " \"memory\": {\"limit\": 67108864, \"swap\": -1},"
          " \"cpu\": {\"shares\": 512, \"quota\": 50000, \"period\": 100000, \"cpus\": \"0-1\"},"
          " \"pids\": {\"limit\": 100},"
          " \"blockIO\": {\"weight\": 500, \"throttleReadBpsDevice\": [{\"major\": 8,"
          " \"minor\": 0, \"rate\": 1048576}]},"
          " \"hugepageLimits\": [{\"pageSize\": \"2MB\", \"limit\": 0}],"
          " \"unified\": {\"memory.high\": \"max\"}}}");
  struct oci_spec s;
  char *first;

  if (!PARSE_OK (text, &s))
    return;
  CHECK (s.has_resources);
  CHECK_INT_EQ (s.resources.n_devices, 1);
  CHECK (!s.resources.devices[0].allow);
  CHECK (s.resources.memory.limit.set && s.resources.memory.limit.v == 67108864);
  CHECK (s.resources.memory.swap.set && s.resources.memory.swap.v == -1);
  CHECK (s.resources.cpu.shares.set && s.resources.cpu.shares.v == 512);
  CHECK_STR_EQ (s.resources.cpu.cpus, "0-1");
  CHECK (s.resources.pids.limit.v == 100);
  CHECK_INT_EQ (s.resources.block_io.n_throttle_read_bps, 1);
  CHECK_INT_EQ (s.resources.block_io.throttle_read_bps[0].rate.v, 1048576);
  CHECK_INT_EQ (s.resources.n_hugepage_limits, 1);
  CHECK_STR_EQ (s.resources.unified[0], "memory.high=max");
  first = unit_keep (oci_resources_first_limit (&s.resources));
  CHECK_STR_EQ (first, "linux.resources.memory.limit");
  check_round_trip (&s);
  oci_spec_free (&s);

  /* Device rules alone are not limits.  */
  text = config ("", ", \"linux\": {\"resources\": {\"devices\": [{\"allow\": true}]}}");
  if (PARSE_OK (text, &s))
    {
      CHECK (oci_resources_first_limit (&s.resources) == NULL);
      oci_spec_free (&s);
    }
  CHECK_REJECTED (config ("", ", \"linux\": {\"resources\": {\"memory\": {\"limit\": \"1g\"}}}"),
                  "linux.resources.memory.limit");
  CHECK_REJECTED (config ("", ", \"linux\": {\"resources\": {\"blockIO\": {\"weight\": 70000}}}"),
                  "linux.resources.blockIO.weight");
}

UNIT_MAIN ()
