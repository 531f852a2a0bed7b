/* nook-runtime as real root, no user namespace (skipped otherwise): the
   built binary run on a busybox bundle from the test fixtures.  What
   only root can show: devices made with mknod (mode and owner, and the
   default /dev nodes), a cgroup v2 cgroup made, the container cloned
   into it and removed by delete, CapEff exactly the spec's, the
   runtime's binary reached through /proc/PID/exe being a sealed copy
   (CVE-2019-5736, the root case it was about), seccomp loaded without
   noNewPrivileges (with CAP_SYS_ADMIN, before the capabilities go);
   and runc's whole command line as root: create, start, state, exec
   (--user switches ids with no user namespace), ps, kill, delete, list,
   hooks with the state on stdin, a read-only root, masked paths.

   The test is its containers' subreaper, as conmon or containerd-shim
   is: the init after create and the processes of `exec -d` come to it
   and are reaped while it waits for each command.  A dying pid
   namespace init waits until every process of its namespace is reaped,
   so left to a slow host init a kill would take seconds.  */
#include "unit.h"

#include "json/json.h"

#include <linux/magic.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/statfs.h>
#include <sys/wait.h>

/* Reap every child that has exited: orphans given to us.  */
static void
reap (void)
{
  while (waitpid (-1, NULL, WNOHANG) > 0)
    ;
}

/* The output of `sh -c CMD`, stdout and stderr (status in *STATUS, 255
   for a signal), kept for the test.  Through a file, not a pipe: a
   container that CMD creates keeps its stdio open.  What else exits
   meanwhile is reaped.  */
static char *
sh_out (const char *cmd, int *status)
{
  const char *path = unit_path ("sh.out");
  int st = -1, s;
  pid_t pid = fork (), w;
  char *out;

  if (pid == 0)
    {
      int in = open ("/dev/null", O_RDONLY | O_CLOEXEC);
      int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

      if (in < 0 || fd < 0 || dup2 (in, 0) < 0 || dup2 (fd, 1) < 0 || dup2 (fd, 2) < 0)
        _exit (127);
      execl ("/bin/sh", "sh", "-c", cmd, (char *)NULL);
      _exit (127);
    }
  while (pid > 0 && ((w = waitpid (-1, &s, 0)) > 0 || errno == EINTR))
    if (w == pid)
      {
        st = s;
        break;
      }
  reap ();
  if (status)
    *status = st >= 0 && WIFEXITED (st) ? WEXITSTATUS (st) : 255;
  out = unit_read_file (path, NULL);
  return out ? out : unit_fmt ("%s", "");
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
  const char *b = unit_build_dir (), *fix;
  int st = 1;

  if (geteuid () != 0)
    return "needs real root";
  if (b == NULL || !CHECK (prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0))
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

/* What a test changes in the spec: CAPS a JSON list of capabilities
   for the three; the others members added to process, root, the top
   level and linux, each text starting with ", ".  */
struct spec_extra
{
  const char *caps;
  const char *process, *root, *top, *linux_;
};

/* config.json running `sh -c CMD` (no double quotes in it) as root with
   CAP_CHOWN, CAP_KILL and CAP_NET_BIND_SERVICE, /proc and /dev (tmpfs)
   mounted, in new mount, pid, ipc and uts namespaces; X adds members.  */
static void
rt_config_with (struct rt *r, const char *cmd, struct spec_extra x)
{
  const char *caps = x.caps ? x.caps : "[\"CAP_CHOWN\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"]";
  char *text = unit_fmt (
      "{\"ociVersion\": \"1.0.2\", \"process\": {\"user\": {\"uid\": 0, \"gid\": 0},"
      " \"args\": [\"/bin/sh\", \"-c\", \"%s\"], \"env\": [\"PATH=/bin\"], \"cwd\": \"/\","
      " \"capabilities\": {\"bounding\": %s, \"effective\": %s, \"permitted\": %s}%s},"
      " \"root\": {\"path\": \"rootfs\"%s},"
      " \"mounts\": [{\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},"
      " {\"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\"}]%s,"
      " \"linux\": {\"namespaces\": [{\"type\": \"mount\"}, {\"type\": \"pid\"}, {\"type\": "
      "\"ipc\"},"
      " {\"type\": \"uts\"}]%s}}",
      cmd, caps, caps, caps, x.process ? x.process : "", x.root ? x.root : "", x.top ? x.top : "",
      x.linux_ ? x.linux_ : "");
  FILE *f = fopen (unit_fmt ("%s/config.json", r->bundle), "we");
  if (f)
    {
      fputs (text, f);
      fclose (f);
    }
}

/* config.json running `sh -c CMD` with LINUX_EXTRA in linux.  */
static void
rt_config (struct rt *r, const char *cmd, const char *linux_extra)
{
  rt_config_with (r, cmd, (struct spec_extra){ .linux_ = linux_extra });
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

/* ---- runc's command line, verb by verb ---- */

/* `nook-runtime --root STATE ARGS`, ARGS read by the shell, stderr with
   stdout (status in *STATUS).  */
static char *__attribute__ ((format (printf, 3, 4)))
rt_cmd (struct rt *r, int *status, const char *fmt, ...)
{
  va_list ap;
  char *args = NULL;

  va_start (ap, fmt);
  if (vasprintf (&args, fmt, ap) < 0)
    abort ();
  va_end (ap);
  unit_keep (args);
  return sh_out (unit_fmt ("'%s' --root '%s' %s 2>&1", r->runtime, r->root, args), status);
}

/* The pid in FILE, 0 when there is none.  */
static pid_t
read_pid (const char *file)
{
  const char *text = unit_read_file (file, NULL);
  return text ? (pid_t)atoi (text) : 0;
}

static bool
proc_exists (pid_t pid)
{
  return pid > 0 && unit_exists (unit_fmt ("/proc/%d", (int)pid));
}

static int
count_lines (const char *s)
{
  int n = 0;

  for (; *s; s++)
    n += *s == '\n';
  return n;
}

/* Reap until process PID is gone, up to 5 s; true when it went.  */
static bool
gone (pid_t pid)
{
  for (int i = 0; i < 500; i++)
    {
      reap ();
      if (!proc_exists (pid))
        return true;
      usleep (10000);
    }
  return false;
}

/* Until FILE holds WANT, up to 5 s; what it holds then.  */
static const char *
file_becomes (const char *file, const char *want)
{
  const char *got = NULL;

  for (int i = 0; i < 500; i++)
    {
      got = unit_read_file (file, NULL);
      if (got && strcmp (got, want) == 0)
        break;
      usleep (10000);
    }
  return got;
}

/* The state ID prints: its status ("" when state failed, the output
   noted) and its pid.  */
static const char *
rt_state (struct rt *r, const char *id, int64_t *pid)
{
  _cleanup_json_ nook_json *j = NULL;
  nook_error_t err = NULL;
  int st = -1;
  char *out = rt_cmd (r, &st, "state %s", id);
  const char *status;

  *pid = -1;
  if (st != 0 || json_parse (out, strlen (out), &j, &err) < 0)
    {
      unit_note ("state %s: exit %d: %s%s", id, st, out, err ? err->msg : "");
      nook_error_free (&err);
      return "";
    }
  json_int (json_get (j, "pid"), pid);
  status = json_str (json_get (j, "status"));
  return unit_fmt ("%s", status ? status : "(none)");
}

/* Create ID from the bundle, its stdio to ID.log in the test's
   directory, its pid written to ID.pid, and start it: the pid, 0 when
   that failed (and was reported).  */
static pid_t
rt_start (struct rt *r, const char *id)
{
  int st = -1;
  char *out = rt_cmd (r, &st, "create --pid-file '%s.pid' -b '%s' %s >'%s.log'", unit_path (id),
                      r->bundle, id, unit_path (id));

  if (!CHECK_INT_EQ (st, 0) || !CHECK_STR_EQ (out, ""))
    return 0;
  out = rt_cmd (r, &st, "start %s", id);
  if (!CHECK_INT_EQ (st, 0) || !CHECK_STR_EQ (out, ""))
    return 0;
  return read_pid (unit_fmt ("%s.pid", unit_path (id)));
}

/* A process `sleep SECONDS` run in ID by exec --detach: its pid.  */
static pid_t
rt_exec_sleep (struct rt *r, const char *id, int seconds)
{
  const char *pid_file = unit_path ("exec.pid");
  int st = -1;
  char *out
      = rt_cmd (r, &st, "exec -d --pid-file '%s' %s sleep %d >/dev/null", pid_file, id, seconds);

  CHECK_INT_EQ (st, 0);
  CHECK_STR_EQ (out, "");
  return read_pid (pid_file);
}

/* End of a test: ID deleted whatever happened, and nothing of it left,
   in the state directory or among the host's mounts.  */
static void
rt_done (struct rt *r, const char *id)
{
  const char *mounts;

  rt_cmd (r, NULL, "delete --force %s", id);
  CHECK (!unit_exists (unit_fmt ("%s/%s", r->root, id)));
  mounts = unit_read_file ("/proc/self/mountinfo", NULL);
  CHECK (mounts && strstr (mounts, unit_tmpdir ()) == NULL);
}

TEST (create_start_state_list_delete_force)
{
  struct rt r;
  int64_t pid = 0;
  pid_t init, other;
  char *out;
  int st = -1;

  rt_setup (&r);
  rt_config (&r, "exec sleep 60", "");
  out = rt_cmd (&r, &st, "create --pid-file '%s' -b '%s' c1 >'%s'", unit_path ("c1.pid"), r.bundle,
                unit_path ("c1.log"));
  CHECK_INT_EQ (st, 0);
  CHECK_STR_EQ (out, "");
  init = read_pid (unit_path ("c1.pid"));
  CHECK (proc_exists (init));
  CHECK_STR_EQ (rt_state (&r, "c1", &pid), "created");
  CHECK_INT_EQ (pid, init);
  CHECK_STR_EQ (rt_cmd (&r, &st, "list -q"), "c1\n");
  out = rt_cmd (&r, &st, "list");
  CHECK_STR_HAS (out, unit_fmt ("\nc1          %-12d%-12s%s", init, "created", r.bundle));

  out = rt_cmd (&r, &st, "start c1");
  CHECK_INT_EQ (st, 0);
  CHECK_STR_EQ (out, "");
  CHECK_STR_EQ (rt_state (&r, "c1", &pid), "running");
  CHECK_INT_EQ (pid, init);
  CHECK_STR_EQ (unit_read_file (unit_fmt ("/proc/%d/comm", (int)init), NULL), "sleep\n");
  out = rt_cmd (&r, &st, "list");
  CHECK_STR_HAS (out, unit_fmt ("\nc1          %-12d%-12s%s", init, "running", r.bundle));
  other = rt_exec_sleep (&r, "c1", 61);
  CHECK (proc_exists (other));

  /* runc's: a running container is deleted only by force.  */
  out = rt_cmd (&r, &st, "delete c1");
  CHECK_INT_EQ (st, 1);
  CHECK_STR_HAS (out, "not stopped: running");
  CHECK (proc_exists (init));

  out = rt_cmd (&r, &st, "delete --force c1");
  CHECK_INT_EQ (st, 0);
  CHECK_STR_EQ (out, "");
  /* Gone when delete returns, not later: sh_out reaped what died.  */
  CHECK (!proc_exists (init));
  CHECK (!proc_exists (other));
  CHECK_STR_EQ (rt_cmd (&r, &st, "list -q"), "");
  out = rt_cmd (&r, &st, "state c1");
  CHECK_INT_EQ (st, 1);
  CHECK_STR_EQ (out, "nook-runtime: container `c1` does not exist\n");
  rt_done (&r, "c1");
}

TEST (exec_code_env_cwd_user)
{
  struct rt r;
  pid_t init;
  char *out;
  int st = -1;

  rt_setup (&r);
  rt_config (&r, "exec sleep 60", "");
  init = rt_start (&r, "ex2");
  if (init > 0)
    {
      out = rt_cmd (&r, &st, "exec ex2 sh -c 'echo out; exit 7'");
      CHECK_INT_EQ (st, 7);
      CHECK_STR_EQ (out, "out\n");
      /* In the container's pid namespace: its pid 1 is the init.  */
      out = rt_cmd (&r, &st, "exec ex2 cat /proc/1/comm");
      CHECK_INT_EQ (st, 0);
      CHECK_STR_EQ (out, "sleep\n");
      out = rt_cmd (&r, &st, "exec --env FOO=bar -e B=2 ex2 sh -c 'echo $FOO-$B-$PATH'");
      CHECK_INT_EQ (st, 0);
      CHECK_STR_EQ (out, "bar-2-/bin\n");
      out = rt_cmd (&r, &st, "exec --cwd /etc ex2 pwd");
      CHECK_INT_EQ (st, 0);
      CHECK_STR_EQ (out, "/etc\n");
      out = rt_cmd (&r, &st, "exec --user 1000:1000 ex2 sh -c 'id -u; id -g; id -G'");
      CHECK_INT_EQ (st, 0);
      CHECK_STR_EQ (out, "1000\n1000\n1000\n");
      out = rt_cmd (&r, &st, "exec --user 1001:1002 --additional-gids 1003 ex2 id -G");
      CHECK_INT_EQ (st, 0);
      CHECK_STR_EQ (out, "1002 1003\n");
    }
  rt_done (&r, "ex2");
  CHECK (gone (init));
}

TEST (ps_lists_the_container_processes)
{
  struct rt r;
  pid_t init, other;
  char *out, *line;
  int st = -1;

  rt_setup (&r);
  rt_config (&r, "exec sleep 60", "");
  init = rt_start (&r, "ps1");
  other = init > 0 ? rt_exec_sleep (&r, "ps1", 61) : 0;
  if (other > 0)
    {
      out = rt_cmd (&r, &st, "ps --format json ps1");
      CHECK_INT_EQ (st, 0);
      CHECK_STR_EQ (out, unit_fmt ("[%d,%d]\n", (int)init, (int)other));
      /* `ps -ef`'s header, then the container's two lines.  */
      out = rt_cmd (&r, &st, "ps ps1");
      CHECK_INT_EQ (st, 0);
      line = strtok (out, "\n");
      CHECK (line && strstr (line, "PID") && strstr (line, "CMD"));
      line = strtok (NULL, "\n");
      CHECK (line && strstr (line, unit_fmt (" %d ", (int)init)) && strstr (line, "sleep 60"));
      line = strtok (NULL, "\n");
      CHECK (line && strstr (line, unit_fmt (" %d ", (int)other)) && strstr (line, "sleep 61"));
      CHECK (strtok (NULL, "\n") == NULL);
      /* ps's own options, after the ID: the header and the two.  */
      out = rt_cmd (&r, &st, "ps ps1 -o pid,comm");
      CHECK_INT_EQ (st, 0);
      CHECK_STR_HAS (out, "PID COMMAND\n");
      CHECK_STR_HAS (out, unit_fmt ("%d sleep\n", (int)init));
      CHECK_STR_HAS (out, unit_fmt ("%d sleep\n", (int)other));
      CHECK_INT_EQ (count_lines (out), 3);
    }
  rt_done (&r, "ps1");
  CHECK (gone (init));
  CHECK (gone (other));
}

TEST (kill_by_name_number_and_all)
{
  struct rt r;
  const char *sig;
  int64_t pid = 0;
  pid_t init, other = 0;
  char *out;
  int st = -1;

  rt_setup (&r);
  /* The init of a pid namespace gets only the signals it handles.  */
  rt_config (&r,
             "for s in USR1 USR2 HUP; do trap \\\"echo $s >> /sig\\\" $s; done;"
             " echo ready > /ready; while :; do sleep 0.05; done",
             "");
  sig = unit_fmt ("%s/rootfs/sig", r.bundle);
  init = rt_start (&r, "k1");
  if (init > 0
      && CHECK_STR_EQ (file_becomes (unit_fmt ("%s/rootfs/ready", r.bundle), "ready\n"), "ready\n"))
    {
      CHECK_STR_EQ (rt_cmd (&r, &st, "kill k1 USR1"), "");
      CHECK_INT_EQ (st, 0);
      CHECK_STR_EQ (file_becomes (sig, "USR1\n"), "USR1\n");
      CHECK_STR_EQ (rt_cmd (&r, &st, "kill k1 SIGUSR2"), "");
      CHECK_INT_EQ (st, 0);
      CHECK_STR_EQ (file_becomes (sig, "USR1\nUSR2\n"), "USR1\nUSR2\n");
      CHECK_STR_EQ (rt_cmd (&r, &st, "kill k1 1"), "");
      CHECK_INT_EQ (st, 0);
      CHECK_STR_EQ (file_becomes (sig, "USR1\nUSR2\nHUP\n"), "USR1\nUSR2\nHUP\n");
      out = rt_cmd (&r, &st, "kill k1 NOSUCHSIG");
      CHECK_INT_EQ (st, 1);
      CHECK_STR_HAS (out, "NOSUCHSIG");

      other = rt_exec_sleep (&r, "k1", 60);
      CHECK (proc_exists (other));
      CHECK_STR_EQ (rt_cmd (&r, &st, "kill --all k1 KILL"), "");
      CHECK_INT_EQ (st, 0);
      CHECK (gone (init));
      CHECK (gone (other));
      CHECK_STR_EQ (rt_state (&r, "k1", &pid), "stopped");
      CHECK_INT_EQ (pid, 0);
      out = rt_cmd (&r, &st, "kill k1 9");
      CHECK_INT_EQ (st, 1);
      CHECK_STR_HAS (out, "not running");
      /* Stopped: deleted without --force.  */
      CHECK_STR_EQ (rt_cmd (&r, &st, "delete k1"), "");
      CHECK_INT_EQ (st, 0);
    }
  rt_done (&r, "k1");
  CHECK (gone (init));
}

/* Under a caller's umask of 077: the nodes are 0666 all the same, and the
   process gets runc's 0022 when the spec names no umask.  */
TEST (default_dev_nodes_made_with_mknod)
{
  struct rt r;
  char *out;
  int st = -1;
  mode_t old;

  rt_setup (&r);
  rt_config (&r,
             "cd /dev && stat -c '%n %F %t,%T %a %u:%g' null zero full random urandom tty;"
             " head -c 3 zero | od -An -tx1; head -c 3 null | wc -c; echo x > full; echo full=$?;"
             " umask",
             "");
  old = umask (077);
  out = rt_run (&r, "dev2", &st);
  umask (old);
  CHECK_INT_EQ (st, 0);
  CHECK_STR_EQ (out, "null character special file 1,3 666 0:0\n"
                     "zero character special file 1,5 666 0:0\n"
                     "full character special file 1,7 666 0:0\n"
                     "random character special file 1,8 666 0:0\n"
                     "urandom character special file 1,9 666 0:0\n"
                     "tty character special file 5,0 666 0:0\n"
                     " 00 00 00\n"
                     "0\n"
                     "sh: write error: No space left on device\n"
                     "full=1\n"
                     "0022\n");
  rt_done (&r, "dev2");
}

/* The state a hook wrote to FILE: id, status, pid ("-" when absent),
   bundle as one line.  */
static const char *
hook_state (const char *file)
{
  _cleanup_json_ nook_json *j = NULL;
  nook_error_t err = NULL;
  const char *text = unit_read_file (file, NULL);
  int64_t pid = -1;

  if (text == NULL || json_parse (text, strlen (text), &j, &err) < 0)
    {
      nook_error_free (&err);
      return unit_fmt ("unreadable: %s", text ? text : "(none)");
    }
  if (json_get (j, "pid") && !json_int (json_get (j, "pid"), &pid))
    return unit_fmt ("pid not a number: %s", text);
  return unit_fmt ("%s %s %s %s", json_str (json_get (j, "id")), json_str (json_get (j, "status")),
                   json_get (j, "pid") ? unit_fmt ("%lld", (long long)pid) : "-",
                   json_str (json_get (j, "bundle")));
}

TEST (prestart_and_poststop_hooks_get_the_state)
{
  struct rt r;
  pid_t init;
  char *out;
  int st = -1;

  rt_setup (&r);
  rt_config_with (
      &r, "echo main",
      (struct spec_extra){
          .top = unit_fmt (", \"hooks\": {"
                           "\"prestart\": [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\","
                           " \"cat > %s/prestart.json\"]}],"
                           " \"poststop\": [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\","
                           " \"cat > %s/poststop.json\"]}]}",
                           unit_tmpdir (), unit_tmpdir ()) });
  out = rt_cmd (&r, &st, "run --pid-file '%s' -b '%s' hk1", unit_path ("hk1.pid"), r.bundle);
  CHECK_INT_EQ (st, 0);
  CHECK_STR_EQ (out, "main\n");
  init = read_pid (unit_path ("hk1.pid"));
  CHECK (init > 0);
  CHECK_STR_EQ (hook_state (unit_path ("prestart.json")),
                unit_fmt ("hk1 creating %d %s", (int)init, r.bundle));
  /* runc's: no pid once stopped.  */
  CHECK_STR_EQ (hook_state (unit_path ("poststop.json")), unit_fmt ("hk1 stopped - %s", r.bundle));
  rt_done (&r, "hk1");
}

TEST (seccomp_without_no_new_privileges)
{
  struct rt r;
  char *out;
  int st = -1;

  rt_setup (&r);
  /* ENOMSG, which mkdir never fails with by itself.  */
  rt_config_with (
      &r,
      "grep -E '^(CapEff|NoNewPrivs|Seccomp):' /proc/self/status; mkdir /x; echo mkdir=$?;"
      " test -d /x || echo absent",
      (struct spec_extra){ .process = ", \"noNewPrivileges\": false",
                           .linux_ = ", \"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\","
                                     " \"syscalls\": [{\"names\": [\"mkdir\", \"mkdirat\"],"
                                     " \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 42}]}" });
  out = rt_run (&r, "sc1", &st);
  CHECK_INT_EQ (st, 0);
  CHECK_STR_EQ (out, "CapEff:\t0000000000000421\n"
                     "NoNewPrivs:\t0\n"
                     "Seccomp:\t2\n"
                     "mkdir: can't create directory '/x': No message of desired type\n"
                     "mkdir=1\n"
                     "absent\n");
  rt_done (&r, "sc1");
}

TEST (readonly_root_and_paths)
{
  struct rt r;
  char *out;
  int st = -1;

  rt_setup (&r);
  rt_config_with (&r,
                  "touch /x; echo root=$?; touch /dev/x && echo dev-rw;"
                  " echo nook > /proc/sys/kernel/hostname; echo sys=$?",
                  (struct spec_extra){ .root = ", \"readonly\": true",
                                       .linux_ = ", \"readonlyPaths\": [\"/proc/sys\"]" });
  out = rt_run (&r, "ro1", &st);
  CHECK_INT_EQ (st, 0);
  /* Read-only, not the EPERM of a missing CAP_SYS_ADMIN.  */
  CHECK_STR_EQ (out, "touch: /x: Read-only file system\n"
                     "root=1\n"
                     "dev-rw\n"
                     "/bin/sh: can't create /proc/sys/kernel/hostname: Read-only file system\n"
                     "sys=1\n");
  CHECK (!unit_exists (unit_fmt ("%s/rootfs/x", r.bundle)));
  rt_done (&r, "ro1");
}

TEST (masked_paths_read_empty)
{
  struct rt r;
  char *out;
  int st = -1;

  rt_setup (&r);
  /* /proc/kcore is masked where the kernel has one; a path that is not
     there is skipped, as runc does.  CAP_DAC_OVERRIDE to look into the
     directory's mode 000 tmpfs.  */
  rt_config_with (
      &r,
      "wc -c < /proc/meminfo; ls -A /proc/sys/fs | wc -l; touch /proc/sys/fs/x;"
      " echo touch=$?; if [ -e /proc/kcore ]; then wc -c < /proc/kcore; else echo 0; fi;"
      " grep -c Linux /proc/version",
      (struct spec_extra){ .caps = "[\"CAP_DAC_OVERRIDE\"]",
                           .linux_ = ", \"maskedPaths\": [\"/proc/kcore\", \"/proc/meminfo\","
                                     " \"/proc/sys/fs\", \"/no/such/path\"]" });
  out = rt_run (&r, "mp1", &st);
  CHECK_INT_EQ (st, 0);
  CHECK_STR_EQ (out, "0\n"
                     "0\n"
                     "touch: /proc/sys/fs/x: Read-only file system\n"
                     "touch=1\n"
                     "0\n"
                     "1\n");
  rt_done (&r, "mp1");
}

UNIT_MAIN ()
