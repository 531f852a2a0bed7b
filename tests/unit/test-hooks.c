/* pkg/runtime hooks: the state on stdin, failures named with what the
   hook printed, timeouts that take the hook's whole process group, and
   a hook that does not read its stdin.  */
#include "unit.h"

#include "oci/oci.h"
#include "runtime/runtime-internal.h"

#include <signal.h>
#include <string.h>
#include <time.h>

/* A spec whose KIND hooks are one `sh -c SCRIPT`, TIMEOUT seconds.  */
static void
spec_with_hook (struct oci_spec *s, enum oci_hook_kind kind, const char *script, int64_t timeout)
{
  memset (s, 0, sizeof (*s));
  s->hooks[kind] = xzalloc (sizeof (struct oci_hook) * 2);
  s->hooks[kind][0].path = xstrdup ("/bin/sh");
  strv_push (&s->hooks[kind][0].args, xstrdup ("sh"));
  strv_push (&s->hooks[kind][0].args, xstrdup ("-c"));
  strv_push (&s->hooks[kind][0].args, xstrdup (script));
  strv_push (&s->hooks[kind][0].env, xstrdup ("PATH=/usr/bin:/bin"));
  s->hooks[kind][0].timeout = timeout;
  s->n_hooks[kind] = 1;
}

static double
now_s (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

TEST (state_on_stdin)
{
  struct oci_spec s;
  nook_error_t err = NULL;
  char *state, *got;
  size_t len = 0;

  spec_with_hook (&s, OCI_HOOK_PRESTART, unit_fmt ("cat > %s", unit_path ("state")), 5);
  strv_push (&s.annotations, xstrdup ("a.b=c"));
  state = unit_keep (runtime_hook_state (&s, "c1", "creating", 42, "/b"));
  CHECK_STR_EQ (state, "{\"ociVersion\":\"" OCI_VERSION "\",\"id\":\"c1\",\"status\":\"creating\","
                       "\"pid\":42,\"bundle\":\"/b\",\"annotations\":{\"a.b\":\"c\"}}");
  CHECK (runtime_hooks_any (&s, OCI_HOOK_PRESTART));
  CHECK (!runtime_hooks_any (&s, OCI_HOOK_POSTSTOP));
  CHECK_OK (runtime_hooks_run (&s, OCI_HOOK_PRESTART, state, &err), &err);
  got = unit_read_file (unit_path ("state"), &len);
  CHECK_STR_EQ (got, state);
  /* No pid once stopped.  */
  CHECK (strstr (unit_keep (runtime_hook_state (&s, "c1", "stopped", 0, "/b")), "pid") == NULL);
  oci_spec_free (&s);
}

TEST (failure_named_with_output)
{
  struct oci_spec s;
  nook_error_t err = NULL;

  spec_with_hook (&s, OCI_HOOK_CREATE_RUNTIME, "echo out; echo no way >&2; exit 7", 0);
  CHECK (runtime_hooks_run (&s, OCI_HOOK_CREATE_RUNTIME, "{}", &err) < 0);
  if (CHECK (err != NULL))
    {
      CHECK (strstr (err->msg, "hook `hooks.createRuntime[0]` (/bin/sh) failed") != NULL);
      CHECK (strstr (err->msg, "exit status 7: out\nno way") != NULL);
    }
  nook_error_free (&err);
  oci_spec_free (&s);

  spec_with_hook (&s, OCI_HOOK_PRESTART, "kill -9 $$", 0);
  CHECK (runtime_hooks_run (&s, OCI_HOOK_PRESTART, "{}", &err) < 0);
  if (CHECK (err != NULL))
    CHECK (strstr (err->msg, "killed by signal 9") != NULL);
  nook_error_free (&err);
  oci_spec_free (&s);
}

TEST (timeout_kills_the_group)
{
  struct oci_spec s;
  nook_error_t err = NULL;
  const char *pidfile = unit_path ("bg.pid");
  char *text;
  size_t len = 0;
  double t0;
  int64_t pid = 0;

  /* A child in the background, and the hook itself hanging (given time
     to write the child's pid on a loaded machine).  */
  spec_with_hook (&s, OCI_HOOK_CREATE_CONTAINER,
                  unit_fmt ("sleep 100 & echo $! > %s; exec sleep 101", pidfile), 3);
  t0 = now_s ();
  CHECK (runtime_hooks_run (&s, OCI_HOOK_CREATE_CONTAINER, "{}", &err) < 0);
  CHECK (now_s () - t0 < 10);
  if (CHECK (err != NULL))
    {
      CHECK (strstr (err->msg, "timed out after 3 s") != NULL);
      CHECK_INT_EQ (err->errnum, ETIMEDOUT);
    }
  nook_error_free (&err);
  text = unit_read_file (pidfile, &len);
  if (CHECK (text != NULL && strchr (text, '\n') != NULL && str_to_int64 (strtok (text, "\n"), &pid)
             && pid > 0))
    {
      /* Killed (a zombie of init's at worst, for a moment).  */
      for (int i = 0; i < 500 && kill ((pid_t)pid, 0) == 0 && nook_proc_alive ((pid_t)pid, 0); i++)
        usleep (10000);
      CHECK (kill ((pid_t)pid, 0) < 0 || !nook_proc_alive ((pid_t)pid, 0));
    }
  oci_spec_free (&s);
}

TEST (hook_that_does_not_read_stdin)
{
  struct oci_spec s;
  nook_error_t err = NULL;
  size_t big = 1 << 20;
  char *state = unit_keep (xmalloc (big + 1));

  /* More than a socket buffer holds: the writer must not block or die
     of SIGPIPE when the hook exits without reading.  */
  memset (state, 'x', big);
  state[big] = '\0';
  spec_with_hook (&s, OCI_HOOK_POSTSTART, "exit 0", 5);
  CHECK_OK (runtime_hooks_run (&s, OCI_HOOK_POSTSTART, state, &err), &err);
  oci_spec_free (&s);
}

TEST (hooks_run_in_order_first_failure_stops)
{
  struct oci_spec s;
  nook_error_t err = NULL;
  const char *log = unit_path ("order");
  char *text;
  size_t len = 0;

  spec_with_hook (&s, OCI_HOOK_PRESTART, unit_fmt ("echo one >> %s", log), 0);
  s.hooks[OCI_HOOK_PRESTART] = xrealloc (s.hooks[OCI_HOOK_PRESTART], sizeof (struct oci_hook) * 4);
  memset (&s.hooks[OCI_HOOK_PRESTART][1], 0, sizeof (struct oci_hook) * 3);
  s.hooks[OCI_HOOK_PRESTART][1].path = xstrdup ("/bin/false");
  s.hooks[OCI_HOOK_PRESTART][2].path = xstrdup ("/bin/true");
  s.n_hooks[OCI_HOOK_PRESTART] = 3;
  CHECK (runtime_hooks_run (&s, OCI_HOOK_PRESTART, "{}", &err) < 0);
  if (CHECK (err != NULL))
    CHECK (strstr (err->msg, "hooks.prestart[1]") != NULL);
  nook_error_free (&err);
  text = unit_read_file (log, &len);
  CHECK_STR_EQ (text, "one\n");
  oci_spec_free (&s);
}

UNIT_MAIN ()
