/* The lifecycle verbs: create, start, run, state, kill, delete.  Each
   checks what runc checks, with runc's words where a caller may match
   on them, and leaves the work to pkg/runtime.  */
#include "cli.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

/* --console-socket, connected above the fds that go to the container.  */
static int
connect_console (struct cli *c, int *fd, nook_error_t *err)
{
  *fd = -1;
  if (c->console_socket == NULL)
    return 0;
  return runtime_console_connect (c->console_socket, 3 + (int)c->preserve_fds, fd, err);
}

static void
create_opts (struct cli *c, struct runtime_create_opts *o, int console_fd)
{
  *o = (struct runtime_create_opts){
    .bundle = c->bundle,
    .pid_file = c->pid_file,
    .preserve_fds = (int)c->preserve_fds,
    .no_pivot = c->no_pivot,
    .console_fd = console_fd,
  };
}

int
cli_create (struct cli *c, nook_error_t *err)
{
  struct runtime_create_opts o;
  _cleanup_close_ int console = -1;

  /* A terminal with no socket, or a socket with no terminal, is refused
     by the container's init, which knows process.terminal.  */
  if (connect_console (c, &console, err) < 0)
    return -1;
  create_opts (c, &o, console);
  return runtime_create (c->root, c->args[0], &o, err) < 0 ? -1 : 0;
}

int
cli_start (struct cli *c, nook_error_t *err)
{
  return runtime_start (c->root, c->args[0], err) < 0 ? -1 : 0;
}

int
cli_state (struct cli *c, nook_error_t *err)
{
  struct runtime_state st;
  _cleanup_free_ char *text = NULL;

  if (runtime_state_read (c->root, c->args[0], &st, err) < 0)
    return -1;
  text = runtime_state_json (c->root, &st);
  runtime_state_free (&st);
  printf ("%s\n", text);
  return 0;
}

int
cli_kill (struct cli *c, nook_error_t *err)
{
  int sig = SIGTERM;

  if (c->args[1] && runtime_parse_signal (c->args[1], &sig, err) < 0)
    return -1;
  return runtime_kill (c->root, c->args[0], sig, c->all, err) < 0 ? -1 : 0;
}

int
cli_delete (struct cli *c, nook_error_t *err)
{
  return runtime_delete (c->root, c->args[0], c->force, err) < 0 ? -1 : 0;
}

/* ---- run ---- */

/* The terminal of a run in the foreground with no --console-socket is
   ours: its master comes back over a socket pair.  */
static int
own_console (struct cli *c, int *ours, int *theirs, nook_error_t *err)
{
  _cleanup_free_ char *bundle = xstrdup (c->bundle ? c->bundle : ".");
  bool terminal = false;

  *ours = *theirs = -1;
  if (c->console_socket)
    {
      if (!c->detach)
        return nook_error (err, 0,
                           "cannot use console socket if runc will not detach or "
                           "allocate tty");
      return 0;
    }
  if (c->detach)
    return 0;
  if (runtime_bundle_terminal (bundle, &terminal, err) < 0)
    return -1;
  if (!terminal)
    return 0;
  if (runtime_console_pair (ours, theirs, err) < 0)
    return -1;
  /* Above the preserved fds, as a --console-socket would be.  */
  if (*theirs < 3 + (int)c->preserve_fds)
    {
      int fd = fcntl (*theirs, F_DUPFD_CLOEXEC, 3 + (int)c->preserve_fds);
      close (*theirs);
      *theirs = fd;
      if (fd < 0)
        return nook_error (err, errno, "fcntl");
    }
  return 0;
}

/* Wait for the container's process in the foreground, then delete it
   (unless --keep); its exit code is ours.  */
static int
run_foreground (struct cli *c, int master, nook_error_t *err)
{
  struct runtime_state st;
  nook_error_t e2 = NULL;
  int status = 0, ret;

  if (runtime_state_read (c->root, c->args[0], &st, err) < 0)
    return -1;
  ret = runtime_attach (st.pid, master, &status, err);
  runtime_state_free (&st);
  if (ret < 0)
    return -1;
  if (!c->keep && runtime_delete (c->root, c->args[0], true, &e2) < 0)
    {
      nook_warn ("delete `%s`: %s", c->args[0], e2->msg);
      nook_error_free (&e2);
    }
  return nook_exit_code (status);
}

/* run --go-fd: started ahead of its bundle, we wait for the word.  The
   fd is closed either way: nothing of it reaches the container.  */
static int
wait_go (int fd, nook_error_t *err)
{
  char b;
  ssize_t r;

  if (fd < 3)
    return nook_error (err, 0, "--go-fd %d: not one of the standard streams", fd);
  do
    r = read (fd, &b, 1);
  while (r < 0 && errno == EINTR);
  close (fd);
  if (r != 1)
    return nook_error (err, r < 0 ? errno : 0, "--go-fd: called off before the start");
  return 0;
}

int
cli_run (struct cli *c, nook_error_t *err)
{
  struct runtime_create_opts o;
  _cleanup_close_ int console = -1, ours = -1, theirs = -1, master = -1;
  nook_error_t e2 = NULL;

  if (c->go_fd && wait_go ((int)c->go_fd, err) < 0)
    return -1;
  if (connect_console (c, &console, err) < 0 || own_console (c, &ours, &theirs, err) < 0)
    return -1;
  /* Orphans of a container without a pid namespace come to us.  */
  if (!c->detach && !c->no_subreaper)
    prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  create_opts (c, &o, console >= 0 ? console : theirs);
  if (runtime_create (c->root, c->args[0], &o, err) < 0)
    return -1;
  if (ours >= 0 && runtime_recv_fd (ours, &master, err) < 0)
    goto fail;
  if (runtime_start (c->root, c->args[0], err) < 0)
    goto fail;
  if (c->detach)
    return 0;
  return run_foreground (c, master, err);

fail:
  if (runtime_delete (c->root, c->args[0], true, &e2) < 0)
    nook_error_free (&e2);
  return -1;
}
