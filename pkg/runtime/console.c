/* The console of a process with `process.terminal` (runc semantics).

   Inside the container, once its /dev/pts is mounted: open /dev/ptmx,
   make the slave the process's stdio and controlling terminal, and send
   the master to whoever waits on --console-socket, over SCM_RIGHTS.  The
   container keeps no copy of the master.

   Nothing in the container's /dev is trusted: /dev/ptmx must turn out to
   be a pty master (a FIFO put there would block an open, so O_NONBLOCK),
   and the slave is taken from the master itself (TIOCGPTPEER), not by a
   path in /dev/pts.  */
#include "runtime/runtime-internal.h"

#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO ('T', 0x41)
#endif

/* The pty pair: MASTER from /dev/ptmx, checked; SLAVE its peer.  */
static int
open_pty (int *master, int *slave, nook_error_t *err)
{
  _cleanup_close_ int m = -1, s = -1;
  unsigned int n;
  int unlock = 0;
  struct stat st;

  m = open ("/dev/ptmx", O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (m < 0)
    return nook_error (err, errno,
                       "open /dev/ptmx in the container (is devpts mounted on /dev/pts?)");
  if (fstat (m, &st) < 0 || !S_ISCHR (st.st_mode) || ioctl (m, TIOCGPTN, &n) < 0)
    return nook_error (err, 0, "/dev/ptmx in the container is not a pty master");
  if (ioctl (m, TIOCSPTLCK, &unlock) < 0)
    return nook_error (err, errno, "unlock the pty");
  s = ioctl (m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (s < 0)
    {
      /* Before Linux 4.13: by name, refusing anything but a pty slave.  */
      char path[64];
      snprintf (path, sizeof (path), "/dev/pts/%u", n);
      s = open (path, O_RDWR | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC);
      if (s < 0)
        return nook_error (err, errno, "open `%s`", path);
      if (fstat (s, &st) < 0 || !S_ISCHR (st.st_mode) || !isatty (s))
        return nook_error (err, 0, "`%s` in the container is not a pty", path);
    }
  /* The receiver gets the same file description: blocking, as runc's.  */
  if (fcntl (m, F_SETFL, fcntl (m, F_GETFL) & ~O_NONBLOCK) < 0)
    return nook_error (err, errno, "fcntl on the pty master");
  *master = steal_fd (&m);
  *slave = steal_fd (&s);
  return 0;
}

int
runtime_send_fd (int sock, int fd, const char *name, nook_error_t *err)
{
  char cbuf[CMSG_SPACE (sizeof (int))];
  struct iovec iov = { .iov_base = (void *)name, .iov_len = strlen (name) };
  struct msghdr msg
      = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof (cbuf) };
  struct cmsghdr *c;
  ssize_t n;

  memset (cbuf, 0, sizeof (cbuf));
  c = CMSG_FIRSTHDR (&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN (sizeof (int));
  memcpy (CMSG_DATA (c), &fd, sizeof (int));
  do
    n = sendmsg (sock, &msg, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return nook_error (err, errno, "send the pty master to the console socket");
  return 0;
}

int
runtime_recv_fd (int sock, int *fd, nook_error_t *err)
{
  char cbuf[CMSG_SPACE (sizeof (int) * 4)], name[256];
  struct iovec iov = { .iov_base = name, .iov_len = sizeof (name) };
  struct msghdr msg
      = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof (cbuf) };
  int got = -1;
  ssize_t n;

  do
    n = recvmsg (sock, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return nook_error (err, errno, "receive the pty master");
  for (struct cmsghdr *c = CMSG_FIRSTHDR (&msg); c; c = CMSG_NXTHDR (&msg, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
      for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN (0)) / sizeof (int); i++)
        {
          int f;
          memcpy (&f, CMSG_DATA (c) + i * sizeof (int), sizeof (int));
          if (got < 0)
            got = f;
          else
            close (f);
        }
  if (got < 0)
    return nook_error (err, 0, "no pty master came from the container");
  *fd = got;
  return 0;
}

int
runtime_console_setup (const struct oci_spec *spec, int sock, nook_error_t *err)
{
  _cleanup_close_ int socket_fd = sock, master = -1, slave = -1;

  if (!spec->terminal)
    {
      if (sock >= 0)
        return nook_error (err, 0, "a console socket was given but process.terminal is false");
      return 0;
    }
  if (sock < 0)
    return nook_error (err, 0,
                       "process.terminal is true: a console socket is needed (--console-socket)");
  if (open_pty (&master, &slave, err) < 0)
    return -1;
  if (spec->has_console_size)
    {
      struct winsize ws = { .ws_row = (unsigned short)spec->console_height,
                            .ws_col = (unsigned short)spec->console_width };
      if (ioctl (slave, TIOCSWINSZ, &ws) < 0)
        return nook_error (err, errno, "set the console size");
    }
  if (setsid () < 0)
    return nook_error (err, errno, "setsid");
  if (ioctl (slave, TIOCSCTTY, 0) < 0)
    return nook_error (err, errno, "make the pty the controlling terminal");
  for (int fd = 0; fd < 3; fd++)
    if (dup2 (slave, fd) < 0)
      return nook_error (err, errno, "dup the pty onto fd %d", fd);
  return runtime_send_fd (socket_fd, master, "/dev/ptmx", err);
}

/* ---- the other end: a terminal of our own for the container's ---- */

int
runtime_console_pair (int *ours, int *theirs, nook_error_t *err)
{
  int sv[2];
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
    return nook_error (err, errno, "socketpair");
  *ours = sv[0];
  *theirs = sv[1];
  return 0;
}

int
runtime_bundle_terminal (const char *bundle, bool *terminal, nook_error_t *err)
{
  _cleanup_free_ char *path = xasprintf ("%s/config.json", bundle);
  _cleanup_free_ char *text = NULL;
  _cleanup_json_ nook_json *j = NULL;
  nook_json *process;
  size_t len;

  /* create reads it again and says what is wrong with it.  */
  *terminal = false;
  if (nook_read_file_at (AT_FDCWD, path, OCI_CONFIG_MAX, &text, &len, err) < 0
      || json_parse (text, len, &j, err) < 0)
    return nook_error_prefix (err, "%s", path);
  process = json_get (j, "process");
  if (process && json_get (process, "terminal"))
    json_bool (json_get (process, "terminal"), terminal);
  return 0;
}

int
runtime_console_connect (const char *path, int min_fd, int *fd, nook_error_t *err)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  _cleanup_close_ int s = -1;

  if (strlen (path) >= sizeof (addr.sun_path))
    return nook_error (err, 0, "console socket `%s`: path too long", path);
  strcpy (addr.sun_path, path);
  s = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0)
    return nook_error (err, errno, "socket");
  if (connect (s, (struct sockaddr *)&addr, sizeof (addr)) < 0)
    return nook_error (err, errno, "connect to the console socket `%s`", path);
  /* Above the fds that cross into the container (--preserve-fds).  */
  *fd = fcntl (s, F_DUPFD_CLOEXEC, min_fd);
  if (*fd < 0)
    return nook_error (err, errno, "fcntl");
  return 0;
}
