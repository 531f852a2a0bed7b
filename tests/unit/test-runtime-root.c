/* nook-runtime as real root, no user namespace (skipped otherwise): the
   built binary run on a busybox bundle from the test fixtures.  What
   only root can show: devices made with mknod (mode and owner), a
   cgroup v2 cgroup made, the container cloned into it and removed by
   delete, CapEff exactly the spec's, and the runtime's binary reached
   through /proc/PID/exe being a sealed copy (CVE-2019-5736, the root
   case it was about).  */
#include "unit.h"

#include <libgen.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/wait.h>

/* The build tree, from this test's path: BUILD/tests/unit/test-x.  */
static const char *
build_dir (void)
{
  char self[4096];
  ssize_t n = readlink ("/proc/self/exe", self, sizeof (self) - 1);
  if (n < 0)
    return NULL;
  self[n] = '\0';
  return unit_fmt ("%s/../..", dirname (self));
}

/* The output of `sh -c CMD` (status in *STATUS), kept for the test.  */
static char *
sh_out (const char *cmd, int *status)
{
  FILE *p = popen (cmd, "r");
  char *buf = unit_keep (xzalloc (65536));
  size_t n = 0, r;
  int st;

  if (p == NULL)
    return buf;
  while (n < 65535 && (r = fread (buf + n, 1, 65535 - n, p)) > 0)
    n += r;
  st = pclose (p);
  if (status)
    *status = WIFEXITED (st) ? WEXITSTATUS (st) : 255;
  return buf;
}

struct rt
{
  const char *runtime, *bundle, *root;
};

/* A bundle with busybox as rootfs; NULL when ready, else why not (""
   when that failed, already reported).  */
static const char *
rt_setup_ (struct rt *r)
{
  const char *b = build_dir (), *fix;
  int st = 1;

  if (geteuid () != 0)
    return "needs real root";
  if (b == NULL)
    return "";
  fix = getenv ("NOOK_FIXTURES") ? getenv ("NOOK_FIXTURES") : unit_fmt ("%s/fixtures", b);
  r->runtime = unit_fmt ("%s/libexec/nook/nook-runtime", b);
  r->bundle = unit_path ("bundle");
  r->root = unit_path ("state");
  if (access (r->runtime, X_OK) < 0 || access (unit_fmt ("%s/busybox.tar", fix), R_OK) < 0)
    return unit_fmt ("no built nook-runtime or fixtures under %s", b);
  sh_out (
      unit_fmt (
          "set -e; cd '%s'; mkdir -p img bundle/rootfs; tar -xf '%s/busybox.tar' -C img;"
          " for f in img/blobs/sha256/*; do if tar -tf $f 2>/dev/null | grep -qx bin/busybox; then"
          " tar -xf $f -C bundle/rootfs; fi; done; test -x bundle/rootfs/bin/busybox",
          unit_path (""), fix),
      &st);
  return CHECK_INT_EQ (st, 0) ? NULL : "";
}

/* In a TEST: set R up or leave it.  */
#define rt_setup(r)                                                                                \
  do                                                                                               \
    {                                                                                              \
      const char *why_ = rt_setup_ (r);                                                            \
      if (why_ && *why_)                                                                           \
        SKIP ("%s", why_);                                                                         \
      if (why_)                                                                                    \
        return;                                                                                    \
    }                                                                                              \
  while (0)

/* config.json running `sh -c CMD` with LINUX_EXTRA in linux.  */
static void
rt_config (struct rt *r, const char *cmd, const char *linux_extra)
{
  const char *caps = "[\"CAP_CHOWN\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"]";
  char *text = unit_fmt (
      "{\"ociVersion\": \"1.0.2\", \"process\": {\"user\": {\"uid\": 0, \"gid\": 0},"
      " \"args\": [\"/bin/sh\", \"-c\", \"%s\"], \"env\": [\"PATH=/bin\"], \"cwd\": \"/\","
      " \"capabilities\": {\"bounding\": %s, \"effective\": %s, \"permitted\": %s}},"
      " \"root\": {\"path\": \"rootfs\"},"
      " \"mounts\": [{\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},"
      " {\"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\"}],"
      " \"linux\": {\"namespaces\": [{\"type\": \"mount\"}, {\"type\": \"pid\"}, {\"type\": "
      "\"ipc\"},"
      " {\"type\": \"uts\"}]%s}}",
      cmd, caps, caps, caps, linux_extra);
  FILE *f = fopen (unit_fmt ("%s/config.json", r->bundle), "we");
  if (f)
    {
      fputs (text, f);
      fclose (f);
    }
}

static char *
rt_run (struct rt *r, const char *id, int *status)
{
  return sh_out (
      unit_fmt ("'%s' --root '%s' run -b '%s' %s 2>&1", r->runtime, r->root, r->bundle, id),
      status);
}

TEST (devices_made_with_mknod)
{
  struct rt r;
  char *out;
  int st = -1;

  rt_setup (&r);
  rt_config (&r, "ls -ln /dev/mynull /dev/myfifo",
             ", \"devices\": [{\"path\": \"/dev/mynull\", \"type\": \"c\", \"major\": 1,"
             " \"minor\": 3, \"fileMode\": 416, \"uid\": 1000, \"gid\": 1001},"
             " {\"path\": \"/dev/myfifo\", \"type\": \"p\", \"fileMode\": 384}]");
  out = rt_run (&r, "dev1", &st);
  CHECK_INT_EQ (st, 0);
  CHECK (strstr (out, "crw-r-----") != NULL);
  CHECK (strstr (out, "1000     1001") != NULL);
  CHECK (strstr (out, "prw-------") != NULL);
  unit_note ("%s", out);
}

TEST (capeff_is_the_spec_set)
{
  struct rt r;
  char *out;
  int st = -1;

  rt_setup (&r);
  rt_config (&r, "grep -E \\\"^Cap(Eff|Prm|Bnd|Amb)\\\" /proc/self/status", "");
  out = rt_run (&r, "cap1", &st);
  CHECK_INT_EQ (st, 0);
  /* CHOWN 0, KILL 5, NET_BIND_SERVICE 10.  */
  CHECK (strstr (out, "CapEff:\t0000000000000421") != NULL);
  CHECK (strstr (out, "CapPrm:\t0000000000000421") != NULL);
  CHECK (strstr (out, "CapBnd:\t0000000000000421") != NULL);
  CHECK (strstr (out, "CapAmb:\t0000000000000000") != NULL);
}

TEST (cgroup_v2_made_joined_removed)
{
  static const char *const mounts[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" };
  const char *mnt = NULL;
  const char *name = unit_fmt ("nook-unit-%d", (int)getpid ());
  struct statfs sf;
  struct rt r;
  char *out;
  int st = -1;

  rt_setup (&r);
  for (size_t i = 0; i < NOOK_ARRAY_SIZE (mounts) && mnt == NULL; i++)
    if (statfs (mounts[i], &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC)
      mnt = mounts[i];
  if (mnt == NULL)
    {
      SKIP ("no cgroup v2 mount");
      return;
    }
  rt_config (&r, "grep ^0:: /proc/self/cgroup", unit_fmt (", \"cgroupsPath\": \"/%s/c1\"", name));
  out = rt_run (&r, "cg1", &st);
  CHECK_INT_EQ (st, 0);
  CHECK (strstr (out, unit_fmt ("0::/%s/c1", name)) != NULL);
  /* `run` deleted it: the cgroup went with it (its parent stays, as
     runc's does).  */
  CHECK (access (unit_fmt ("%s/%s/c1", mnt, name), F_OK) < 0);
  rmdir (unit_fmt ("%s/%s", mnt, name));
  unit_note ("%s", out);
}

TEST (runtime_binary_is_sealed_in_the_container)
{
  struct rt r;
  char *out;
  int st = -1;

  rt_setup (&r);
  rt_config (&r, "sleep 30", "");
  out = sh_out (unit_fmt ("set -e; '%s' --root '%s' create --pid-file '%s/pid' -b '%s' ex1;"
                          " pid=$(cat '%s/pid'); readlink /proc/$pid/exe;"
                          " (echo x >> /proc/$pid/exe) 2>/dev/null && echo WROTE;"
                          " '%s' --root '%s' delete -f ex1",
                          r.runtime, r.root, unit_path (""), r.bundle, unit_path (""), r.runtime,
                          r.root),
                &st);
  CHECK (str_has_prefix (out, "/memfd:nook-runtime"));
  CHECK (strstr (out, "WROTE") == NULL);
  unit_note ("%s", out);
}

UNIT_MAIN ()
