/* Talking to a container's monitor: the messages of its sync pipe while
   it starts, then its socket.  The socket is named through
   /proc/self/fd/N/ID, so its path is short whatever the runroot.  */
#include "container/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int
monitor_msg_send (int fd, int type, int value, const char *msg)
{
  struct monitor_msg m = { .type = type, .value = value };
  if (msg)
    snprintf (m.msg, sizeof (m.msg), "%s", msg);
  /* Smaller than PIPE_BUF: one write, never torn.  */
  return write (fd, &m, sizeof (m)) == (ssize_t)sizeof (m) ? 0 : -1;
}

int
monitor_msg_recv (int fd, struct monitor_msg *m)
{
  size_t got = 0;
  while (got < sizeof (*m))
    {
      ssize_t r = read (fd, (char *)m + got, sizeof (*m) - got);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return -1;
      if (r == 0)
        return got == 0 ? 1 : -1;
      got += (size_t)r;
    }
  m->msg[sizeof (m->msg) - 1] = '\0';
  return 0;
}

char *
container_monitor_dir (const char *runroot)
{
  return xasprintf ("%s/monitor", runroot);
}

int
container_monitor_connect (const char *runroot, const char *id, int *fd, nook_error_t *err)
{
  _cleanup_free_ char *dir = container_monitor_dir (runroot);
  _cleanup_close_ int dfd = open (dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  _cleanup_close_ int s = -1;
  struct sockaddr_un sa = { .sun_family = AF_UNIX };

  *fd = -1;
  if (dfd < 0)
    return nook_error (err, errno, "open `%s`", dir);
  snprintf (sa.sun_path, sizeof (sa.sun_path), "/proc/self/fd/%d/%s", dfd, id);
  s = socket (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (s < 0)
    return nook_error (err, errno, "socket");
  if (connect (s, (struct sockaddr *)&sa, sizeof (sa)) < 0)
    return nook_error (err, errno, "connect to the monitor of %.12s", id);
  *fd = steal_fd (&s);
  return 0;
}

/* 1 when sent, 0 when FLAGS has MSG_DONTWAIT and the socket is full.  */
static int
monitor_send (int fd, char type, const void *data, size_t len, int flags, nook_error_t *err)
{
  char pkt[MON_PACKET_MAX + 1];

  if (len > MON_PACKET_MAX)
    return nook_error (err, EMSGSIZE, "message to the monitor");
  pkt[0] = type;
  if (len)
    memcpy (pkt + 1, data, len);
  if (send (fd, pkt, len + 1, MSG_NOSIGNAL | flags) >= 0) /* whole: a packet */
    return 1;
  if ((flags & MSG_DONTWAIT) && errno == EAGAIN)
    return 0;
  return nook_error (err, errno, "write to the monitor");
}

int
container_monitor_send (int fd, char type, const void *data, size_t len, nook_error_t *err)
{
  return monitor_send (fd, type, data, len, 0, err) < 0 ? -1 : 0;
}

int
container_monitor_try_send (int fd, char type, const void *data, size_t len, nook_error_t *err)
{
  return monitor_send (fd, type, data, len, MSG_DONTWAIT, err);
}
