/* OCI hooks: each runs with the container's state on its stdin, its
   own process group, and is killed (the whole group) when its timeout
   passes.  Where each kind runs:

     prestart, createRuntime  the runtime (create.c), once the init has
                              done its mounts, before pivot_root
     createContainer          the init, right after those, before
                              pivot_root (init.c)
     startContainer           the init, after `start`, before execve
     poststart                `start`, after the init was let go
     poststop                 `delete`, before the state goes

   poststart and poststop are those of config.json as create saved it
   (state.c), the others those create read.

   The first four failing fail the operation (the spec: "MUST generate
   an error"); poststart and poststop only warn.  A hook's stdout and
   stderr are kept (the first HOOK_OUTPUT_MAX bytes) for the message
   when it fails; they never reach the caller's stdout, which may be a
   `state` or the container's.  */
#include "runtime/runtime-internal.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define HOOK_OUTPUT_MAX 2048

char *
runtime_hook_state (const struct oci_spec *spec, const char *id, const char *status, pid_t pid,
                    const char *bundle)
{
  _cleanup_json_gen_ struct json_gen *g = json_gen_new (false);
  size_t len;

  json_gen_object_open (g);
  json_gen_kv_string (g, "ociVersion", spec->oci_version ? spec->oci_version : OCI_VERSION);
  json_gen_kv_string (g, "id", id);
  json_gen_kv_string (g, "status", status);
  if (pid > 0)
    json_gen_kv_int (g, "pid", pid);
  json_gen_kv_string (g, "bundle", bundle);
  json_gen_key (g, "annotations");
  json_gen_object_open (g);
  for (size_t i = 0; spec->annotations && spec->annotations[i]; i++)
    {
      const char *eq = strchr (spec->annotations[i], '=');
      _cleanup_free_ char *k = xstrndup (spec->annotations[i], (size_t)(eq - spec->annotations[i]));
      json_gen_kv_string (g, k, eq + 1);
    }
  json_gen_object_close (g);
  json_gen_object_close (g);
  return xstrdup (json_gen_text (g, &len));
}

static void
hook_child (const struct oci_hook *h, int in, int out)
{
  char *argv0[] = { h->path, NULL };
  sigset_t all;

  sigfillset (&all);
  sigprocmask (SIG_UNBLOCK, &all, NULL);
  signal (SIGPIPE, SIG_DFL);
  setpgid (0, 0);
  if (dup2 (in, 0) < 0 || dup2 (out, 1) < 0 || dup2 (out, 2) < 0)
    _exit (127);
  execve (h->path, h->args && h->args[0] ? h->args : argv0, h->env ? h->env : (char *[]){ NULL });
  dprintf (2, "exec: %s", strerror (errno));
  _exit (127);
}

struct hook_io
{
  int in, out, pidfd;
  const char *state;
  size_t state_left;
  char buf[HOOK_OUTPUT_MAX + 1];
  size_t len;
};

static void
io_close (int *fd)
{
  if (*fd >= 0)
    close (*fd);
  *fd = -1;
}

/* Feed stdin and keep stdout/stderr until the hook exits; 0 when it
   did, -1 when TIMEOUT_NS (0: none) ran out first.  */
static int
hook_wait (struct hook_io *io, int64_t timeout_ns)
{
  int64_t deadline = timeout_ns ? nook_now_ns () + timeout_ns : 0;

  for (;;)
    {
      struct pollfd p[3] = { { .fd = io->pidfd, .events = POLLIN },
                             { .fd = io->out, .events = POLLIN },
                             { .fd = io->in, .events = POLLOUT } };
      int ms = -1, n;

      if (deadline)
        {
          int64_t left = deadline - nook_now_ns ();
          if (left <= 0)
            return -1;
          ms = (int)((left + 999999) / 1000000);
        }
      n = poll (p, 3, ms);
      if (n < 0 && errno != EINTR)
        return 0; /* cannot wait: reap it below, blocking */
      if (p[1].revents)
        {
          char tmp[4096];
          ssize_t r = read (io->out, tmp, sizeof (tmp));
          if (r > 0 && io->len < HOOK_OUTPUT_MAX)
            {
              size_t k
                  = (size_t)r < HOOK_OUTPUT_MAX - io->len ? (size_t)r : HOOK_OUTPUT_MAX - io->len;
              memcpy (io->buf + io->len, tmp, k);
              io->len += k;
            }
          else if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
            io_close (&io->out);
        }
      if (p[2].revents)
        {
          ssize_t w = send (io->in, io->state, io->state_left, MSG_NOSIGNAL | MSG_DONTWAIT);
          if (w > 0)
            {
              io->state += w;
              io->state_left -= (size_t)w;
            }
          if (io->state_left == 0 || (w < 0 && errno != EAGAIN && errno != EINTR))
            io_close (&io->in);
        }
      /* Exited; or, with no pidfd (before Linux 5.3), nothing left to
         watch: the caller's waitpid() blocks until it is.  */
      if (p[0].revents || (io->pidfd < 0 && io->out < 0 && !deadline))
        return 0;
    }
}

/* The hook's output, trimmed, for a message.  */
static const char *
hook_output (struct hook_io *io)
{
  while (io->len && (io->buf[io->len - 1] == '\n' || io->buf[io->len - 1] == ' '))
    io->len--;
  io->buf[io->len] = '\0';
  return io->buf;
}

static int
run_hook (const struct oci_hook *h, const char *field, const char *state, nook_error_t *err)
{
  struct hook_io io = { .in = -1, .out = -1, .pidfd = -1, .state = state };
  int in[2], out[2], status = 0, ret = 0;
  bool timed_out;
  pid_t pid;

  nook_debug ("runtime: hook %s: %s", field, h->path);
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) < 0)
    return nook_error (err, errno, "hook `%s`: socketpair", field);
  if (pipe2 (out, O_CLOEXEC) < 0)
    {
      close (in[0]);
      close (in[1]);
      return nook_error (err, errno, "hook `%s`: pipe", field);
    }
  pid = fork ();
  if (pid == 0)
    hook_child (h, in[1], out[1]);
  close (in[1]);
  close (out[1]);
  io.in = in[0];
  io.out = out[0];
  if (pid < 0)
    {
      io_close (&io.in);
      io_close (&io.out);
      return nook_error (err, errno, "hook `%s`: fork", field);
    }
  io.state_left = strlen (state);
  io.pidfd = (int)syscall (SYS_pidfd_open, pid, 0);
  fcntl (io.out, F_SETFL, O_NONBLOCK);
  timed_out = hook_wait (&io, h->timeout * INT64_C (1000000000)) < 0;
  if (timed_out)
    kill (-pid, SIGKILL), kill (pid, SIGKILL);
  nook_waitpid (pid, &status, 0);
  /* Whatever is left in the pipe, without waiting on a grandchild that
     holds it open.  */
  if (io.out >= 0)
    {
      struct pollfd p = { .fd = io.out, .events = POLLIN };
      while (io.out >= 0 && poll (&p, 1, 0) > 0)
        {
          ssize_t r = read (io.out, io.buf + io.len, HOOK_OUTPUT_MAX - io.len);
          if (r <= 0)
            io_close (&io.out);
          else
            io.len += (size_t)r;
          if (io.len == HOOK_OUTPUT_MAX)
            break;
        }
    }
  if (timed_out)
    ret = nook_error (err, ETIMEDOUT, "hook `%s` (%s) timed out after %lld s", field, h->path,
                      (long long)h->timeout);
  else if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    {
      const char *o = hook_output (&io);
      _cleanup_free_ char *how = WIFEXITED (status)
                                     ? xasprintf ("exit status %d", WEXITSTATUS (status))
                                     : xasprintf ("killed by signal %d", WTERMSIG (status));
      ret = nook_error (err, 0, "hook `%s` (%s) failed: %s%s%s", field, h->path, how,
                        *o ? ": " : "", o);
    }
  io_close (&io.in);
  io_close (&io.out);
  io_close (&io.pidfd);
  return ret;
}

bool
runtime_hooks_any (const struct oci_spec *spec, enum oci_hook_kind kind)
{
  return spec->n_hooks[kind] > 0;
}

int
runtime_hooks_run (const struct oci_spec *spec, enum oci_hook_kind kind, const char *state,
                   nook_error_t *err)
{
  for (size_t i = 0; i < spec->n_hooks[kind]; i++)
    {
      _cleanup_free_ char *field = xasprintf ("hooks.%s[%zu]", oci_hook_names[kind], i);
      if (run_hook (&spec->hooks[kind][i], field, state, err) < 0)
        return -1;
    }
  return 0;
}

void
runtime_hooks_after (const struct runtime_state *st, enum oci_hook_kind kind)
{
  _cleanup_free_ char *state = NULL;
  struct oci_spec spec;
  nook_error_t err = NULL;

  if (runtime_load_config (st, &spec, &err) < 0)
    {
      nook_warn ("%s hooks not run: %s", oci_hook_names[kind], err->msg);
      nook_error_free (&err);
      return;
    }
  state = runtime_hook_state (&spec, st->id, kind == OCI_HOOK_POSTSTOP ? "stopped" : "running",
                              kind == OCI_HOOK_POSTSTOP ? 0 : st->pid, st->bundle);
  /* The spec: a failing poststart or poststop hook is a warning, and
     the ones after it still run.  */
  for (size_t i = 0; i < spec.n_hooks[kind]; i++)
    {
      _cleanup_free_ char *field = xasprintf ("hooks.%s[%zu]", oci_hook_names[kind], i);
      if (run_hook (&spec.hooks[kind][i], field, state, &err) < 0)
        {
          nook_warn ("%s", err->msg);
          nook_error_free (&err);
        }
    }
  oci_spec_free (&spec);
}
