/* Published UDP ports under slirp4netns.

   slirp4netns's own UDP forwarding shows a client on the host's loopback
   to the container as the host (10.0.2.2), and with the host's loopback
   disabled (our default) the container's answers to it are dropped: a
   `nc -u localhost PORT` would never hear back.  So UDP is forwarded by a
   child of ours: it binds the host ports while still in the host's
   network namespace, then enters the container's, where every client
   gets a socket of its own connected to the container's port on
   127.0.0.1.  Answers go back to the client from the port it wrote to.
   Flows idle for UDP_IDLE seconds are dropped.  It dies with us.  */
#include "monitor.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#define UDP_FLOWS_MAX 256
#define UDP_IDLE      60
#define UDP_PORTS_MAX 1024

struct udp_port
{
  int fd; /* on the host */
  uint16_t ctr_port;
};

struct udp_flow
{
  int fd; /* in the container's namespace, connected to its port */
  size_t port;
  struct sockaddr_storage client;
  socklen_t client_len;
  time_t last;
};

struct udp_fwd
{
  struct udp_port ports[UDP_PORTS_MAX];
  size_t n_ports;
  struct udp_flow flows[UDP_FLOWS_MAX];
  size_t n_flows;
  char buf[65536];
};

static time_t
now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec;
}

static void
drop_flow (struct udp_fwd *f, size_t i)
{
  close (f->flows[i].fd);
  f->flows[i] = f->flows[--f->n_flows];
}

/* The flow of CLIENT on port P, made when new (the oldest one makes room).  */
static struct udp_flow *
flow_for (struct udp_fwd *f, size_t p, const struct sockaddr_storage *client, socklen_t len)
{
  struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons (f->ports[p].ctr_port) };
  struct udp_flow *fl;
  size_t oldest = 0;
  int fd;

  for (size_t i = 0; i < f->n_flows; i++)
    {
      if (f->flows[i].port == p && f->flows[i].client_len == len
          && memcmp (&f->flows[i].client, client, len) == 0)
        return &f->flows[i];
      if (f->flows[i].last < f->flows[oldest].last)
        oldest = i;
    }
  if (f->n_flows == UDP_FLOWS_MAX)
    drop_flow (f, oldest);
  to.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0 || connect (fd, (struct sockaddr *)&to, sizeof (to)) < 0)
    {
      if (fd >= 0)
        close (fd);
      return NULL;
    }
  fl = &f->flows[f->n_flows++];
  fl->fd = fd;
  fl->port = p;
  memcpy (&fl->client, client, len);
  fl->client_len = len;
  return fl;
}

static void
from_host (struct udp_fwd *f, size_t p)
{
  struct sockaddr_storage client;
  socklen_t len = sizeof (client);
  ssize_t n = recvfrom (f->ports[p].fd, f->buf, sizeof (f->buf), MSG_DONTWAIT,
                        (struct sockaddr *)&client, &len);
  struct udp_flow *fl;

  if (n < 0 || (fl = flow_for (f, p, &client, len)) == NULL)
    return;
  fl->last = now ();
  send (fl->fd, f->buf, (size_t)n, MSG_DONTWAIT);
}

static void
from_container (struct udp_fwd *f, size_t i)
{
  struct udp_flow *fl = &f->flows[i];
  ssize_t n = recv (fl->fd, f->buf, sizeof (f->buf), MSG_DONTWAIT);

  if (n < 0)
    return;
  fl->last = now ();
  sendto (f->ports[fl->port].fd, f->buf, (size_t)n, MSG_DONTWAIT, (struct sockaddr *)&fl->client,
          fl->client_len);
}

static __attribute__ ((noreturn)) void
serve (struct udp_fwd *f)
{
  static struct pollfd pfd[UDP_PORTS_MAX + UDP_FLOWS_MAX];

  for (;;)
    {
      size_t np = f->n_ports, nf = f->n_flows;
      time_t t = now ();

      for (size_t i = 0; i < np; i++)
        pfd[i] = (struct pollfd){ .fd = f->ports[i].fd, .events = POLLIN };
      for (size_t i = 0; i < nf; i++)
        pfd[np + i] = (struct pollfd){ .fd = f->flows[i].fd, .events = POLLIN };
      if (poll (pfd, np + nf, 1000) < 0 && errno != EINTR)
        _exit (1);
      /* Answers first: the flows' order changes when one is dropped.  */
      for (size_t i = nf; i-- > 0;)
        if (pfd[np + i].revents & POLLIN)
          from_container (f, i);
      for (size_t i = 0; i < np; i++)
        if (pfd[i].revents & POLLIN)
          from_host (f, i);
      for (size_t i = f->n_flows; i-- > 0;)
        if (t - f->flows[i].last > UDP_IDLE)
          drop_flow (f, i);
    }
}

/* The host sockets, bound here: a port in use is the start's error.  */
static int
bind_ports (struct monitor *m, struct udp_fwd *f, nook_error_t *err)
{
  const struct network_config *n = &m->c.cfg.net;

  for (size_t i = 0; i < n->n_ports; i++)
    for (uint16_t k = 0; n->ports[i].udp && k < n->ports[i].count; k++)
      {
        const struct network_port *p = &n->ports[i];
        struct sockaddr_in a;
        struct udp_port *u = &f->ports[f->n_ports];
        if (f->n_ports == UDP_PORTS_MAX)
          return nook_error (err, 0, "too many published UDP ports");
        if (monitor_net_host_addr (p->host_ip, (uint16_t)(p->host_port + k), &a, err) < 0)
          return -1;
        u->fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (u->fd < 0)
          return nook_error (err, errno, "socket");
        f->n_ports++;
        u->ctr_port = (uint16_t)(p->ctr_port + k);
        if (bind (u->fd, (struct sockaddr *)&a, sizeof (a)) < 0)
          return nook_error (err, errno, "listen udp %s:%u: bind",
                             p->host_ip[0] ? p->host_ip : "0.0.0.0", p->host_port + k);
      }
  return 0;
}

static void
close_ports (struct udp_fwd *f)
{
  for (size_t i = 0; i < f->n_ports; i++)
    close (f->ports[i].fd);
  f->n_ports = 0;
}

static int
fd_cmp (const void *a, const void *b)
{
  return *(const int *)a - *(const int *)b;
}

/* Close every fd but the host sockets and the namespace's: the child
   must hold nothing of the monitor's (nook's pipes, its terminal).  */
static void
close_others (struct udp_fwd *f, int netns_fd)
{
  int keep[UDP_PORTS_MAX + 1];
  size_t n = 0;
  unsigned lo = 0;

  for (size_t i = 0; i < f->n_ports; i++)
    keep[n++] = f->ports[i].fd;
  keep[n++] = netns_fd;
  qsort (keep, n, sizeof (int), fd_cmp);
  for (size_t i = 0; i < n; i++)
    {
      if ((unsigned)keep[i] > lo)
        syscall (SYS_close_range, lo, (unsigned)keep[i] - 1, 0);
      lo = (unsigned)keep[i] + 1;
    }
  syscall (SYS_close_range, lo, ~0U, 0);
}

int
monitor_udp_start (struct monitor *m, nook_error_t *err)
{
  _cleanup_free_ struct udp_fwd *f = xzalloc (sizeof (*f));
  pid_t pid;

  if (bind_ports (m, f, err) < 0)
    {
      close_ports (f);
      return -1;
    }
  if (f->n_ports == 0)
    return 0;
  pid = fork ();
  if (pid < 0)
    {
      close_ports (f);
      return nook_error (err, errno, "fork");
    }
  if (pid == 0)
    {
      prctl (PR_SET_PDEATHSIG, SIGKILL);
      prctl (PR_SET_NAME, "nook-udp-fwd");
      close_others (f, m->netns_fd);
      if (setns (m->netns_fd, CLONE_NEWNET) < 0)
        _exit (1);
      close (m->netns_fd);
      serve (f);
    }
  close_ports (f);
  m->udp_pid = pid;
  return 0;
}

void
monitor_udp_stop (struct monitor *m)
{
  if (m->udp_pid <= 0)
    return;
  kill (m->udp_pid, SIGKILL);
  waitpid (m->udp_pid, NULL, 0);
  m->udp_pid = 0;
}
