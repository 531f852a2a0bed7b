/* The container's network, held by the monitor for all of the
   container's runs.

   slirp4netns, pasta, none: we make the network namespace (a child
   made in it brings lo up; we keep its fd, and the runtime joins it
   through /proc/OUR_PID/fd/N) and start slirp4netns or pasta on it while
   the rootfs is mounted.  slirp4netns gets --exit-fd: it ends when we do,
   however we end.  Published ports are added through its API socket
   before the container starts.
   container:ID, ns:PATH: we join that namespace's owner user namespace
   (another container's) instead of making our own, and hold the
   namespace.  host: nothing.  */
#include "monitor.h"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <linux/nsfs.h>

#define SLIRP_MTU "65520"

/* ---- the namespace ---- */

static void
lo_up (void)
{
  struct ifreq ifr = { 0 };
  _cleanup_close_ int fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

  snprintf (ifr.ifr_name, sizeof (ifr.ifr_name), "lo");
  if (fd >= 0 && ioctl (fd, SIOCGIFFLAGS, &ifr) == 0)
    {
      ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
      ioctl (fd, SIOCSIFFLAGS, &ifr);
    }
}

/* A pipe whose two ends close themselves.  */
static int
pipe_pair (int *rd, int *wr, nook_error_t *err)
{
  int p[2];

  if (pipe2 (p, O_CLOEXEC) < 0)
    return nook_error (err, errno, "pipe");
  *rd = p[0];
  *wr = p[1];
  return 0;
}

/* In a new network namespace, sharing our fd table: its fd goes where
   SLOT is, and lo up.  */
static int
netns_child (void *arg)
{
  int slot = *(const int *)arg;
  int fd = open ("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);

  if (fd < 0 || dup3 (fd, slot, O_CLOEXEC) < 0)
    _exit (1);
  lo_up ();
  _exit (0);
}

/* The child of make_netns, gone when this returns.  It runs on a stack
   of its own in our memory, as nook_spawn's (no page tables copied:
   most of a fork's cost on a virtual machine).  AddressSanitizer builds
   fork it on our stack instead, as nook_spawn does; the fd table is
   shared either way.  */
static pid_t
clone_netns_child (int *slot)
{
  const int flags = CLONE_NEWNET | CLONE_FILES | CLONE_VFORK | SIGCHLD;
#if defined(__SANITIZE_ADDRESS__)
  pid_t pid = (pid_t)syscall (SYS_clone, flags, NULL, NULL, NULL, 0);

  if (pid == 0)
    netns_child (slot);
#else
  const size_t size = 16384;
  void *stack
      = mmap (NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  pid_t pid;

  if (stack == MAP_FAILED)
    return -1;
  pid = clone (netns_child, (char *)stack + size, flags | CLONE_VM, slot);
  munmap (stack, size);
#endif
  return pid;
}

/* A new network namespace with lo up: a child made in it opens it into a
   slot we hold.  */
static int
make_netns (struct monitor *m, nook_error_t *err)
{
  _cleanup_close_ int slot = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  sigset_t all, ours;
  int status = 0, e;
  pid_t pid;

  if (slot < 0)
    return nook_error (err, errno, "open /dev/null");
  /* No handler of ours may run in the child, in our memory.  */
  sigfillset (&all);
  sigprocmask (SIG_SETMASK, &all, &ours);
  pid = clone_netns_child (&slot);
  e = errno;
  sigprocmask (SIG_SETMASK, &ours, NULL);
  if (pid < 0)
    return nook_error (err, e, "create the network namespace");
  if (nook_waitpid (pid, &status, 0) < 0 || !WIFEXITED (status) || WEXITSTATUS (status) != 0)
    return nook_error (err, 0, "create the network namespace: its child failed");
  m->netns_fd = steal_fd (&slot);
  return 0;
}

/* The namespace of container:ID or ns:PATH, opened where we are.  */
static int
open_target (struct monitor *m, nook_error_t *err)
{
  const struct network_config *n = &m->c.cfg.net;
  _cleanup_free_ char *path = NULL;
  struct container other;

  if (n->mode == NET_NS)
    path = xstrdup (n->target);
  else
    {
      if (container_load (&m->st, n->target, &other, err) < 0)
        return nook_error_prefix (err, "the container whose network to join");
      if (other.state.status == CONTAINER_RUNNING && other.state.pid > 0)
        path = xasprintf ("/proc/%d/ns/net", (int)other.state.pid);
      else
        nook_error (err, 0, "cannot join the network of container %s: it is not running",
                    other.cfg.name);
      container_free (&other);
      if (path == NULL)
        return -1;
    }
  m->netns_fd = open (path, O_RDONLY | O_CLOEXEC);
  if (m->netns_fd < 0)
    return nook_error (err, errno, "open the network namespace `%s`", path);
  return 0;
}

/* Join USERNS (the owner of a namespace we join) and a mount namespace
   of our own, as userns_enter would have made.  */
static int
join_userns (int userns, nook_error_t *err)
{
  if (setns (userns, CLONE_NEWUSER) < 0)
    return nook_error (err, errno, "join the user namespace of the network to join");
  if (unshare (CLONE_NEWNS) < 0 || mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    return nook_error (err, errno, "make a mount namespace");
  return 0;
}

int
monitor_net_join_userns (struct monitor *m, nook_error_t *err)
{
  _cleanup_close_ int owner = -1, self = -1;
  struct stat a, b;

  if (m->c.cfg.net.mode != NET_CONTAINER && m->c.cfg.net.mode != NET_NS)
    return 0;
  if (open_target (m, err) < 0)
    return -1;
  owner = ioctl (m->netns_fd, NS_GET_USERNS);
  self = open ("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
  /* Owned by the namespace we are in (the host's): a new one of ours,
     and the runtime will be refused the join if it may not.  */
  if (owner < 0 || self < 0 || fstat (owner, &a) < 0 || fstat (self, &b) < 0
      || (a.st_ino == b.st_ino && a.st_dev == b.st_dev))
    return 0;
  return join_userns (owner, err) < 0 ? -1 : 1;
}

/* Does slirp4netns at PATH have --enable-sandbox and --enable-seccomp?
   Its --help says; the answer is kept in RUNROOT per binary.  */
static void
slirp_features (struct monitor *m, const char *path, bool *sandbox, bool *seccomp)
{
  _cleanup_free_ char *cache = xasprintf ("%s/monitor/slirp4netns.features", m->runroot);
  _cleanup_free_ char *key = NULL, *text = NULL, *help = NULL;
  nook_error_t err = NULL;
  struct stat st;
  _cleanup_close_ int dirfd = -1;

  *sandbox = *seccomp = false;
  if (stat (path, &st) < 0)
    return;
  key = xasprintf ("%lu %lu %lld %lld\n", (unsigned long)st.st_dev, (unsigned long)st.st_ino,
                   (long long)st.st_mtime, (long long)st.st_size);
  if (nook_read_file_at (AT_FDCWD, cache, 4096, &text, NULL, &err) == 0
      && str_has_prefix (text, key))
    {
      *sandbox = strstr (text + strlen (key), "sandbox") != NULL;
      *seccomp = strstr (text + strlen (key), "seccomp") != NULL;
      return;
    }
  nook_error_free (&err);
  if (nook_run_command ((const char *const[]){ path, "--help", NULL }, &help, &err) < 0)
    {
      nook_error_free (&err);
      return;
    }
  *sandbox = strstr (help, "--enable-sandbox") != NULL;
  *seccomp = strstr (help, "--enable-seccomp") != NULL;
  free (text);
  text = xasprintf ("%s%s %s\n", key, *sandbox ? "sandbox" : "", *seccomp ? "seccomp" : "");
  dirfd = nook_open_dir (AT_FDCWD, m->runroot, &err);
  if (dirfd < 0
      || nook_write_file_volatile (dirfd, "monitor/slirp4netns.features", text, strlen (text), 0600,
                                   &err)
             < 0)
    nook_error_free (&err);
}

static char *
helper_path (const char *name, const char *package, nook_error_t *err)
{
  char *path = nook_search_path (name);

  if (path == NULL)
    nook_error (err, 0, "could not find %s in $PATH: install the Debian package %s", name, package);
  return path;
}

static void
push_flag (char ***argv, const char *flag, const char *value)
{
  strv_push (argv, xstrdup (flag));
  if (value)
    strv_push (argv, xstrdup (value));
}

static char **
slirp_argv (struct monitor *m, const char *path, int ready_wr, int exit_rd)
{
  const struct network_config *n = &m->c.cfg.net;
  const char *mtu = network_option (n, "mtu");
  _cleanup_free_ char *ready = xasprintf ("%d", ready_wr), *exitfd = xasprintf ("%d", exit_rd);
  _cleanup_free_ char *ns = xasprintf ("/proc/%d/fd/%d", (int)getpid (), m->netns_fd);
  char **argv = xzalloc (sizeof (char *));
  bool sandbox, seccomp;

  slirp_features (m, path, &sandbox, &seccomp);
  push_flag (&argv, path, NULL);
  push_flag (&argv, "--mtu", mtu ? mtu : SLIRP_MTU);
  push_flag (&argv, "--ready-fd", ready);
  push_flag (&argv, "--exit-fd", exitfd);
  push_flag (&argv, "--api-socket", m->net_api);
  push_flag (&argv, "--configure", NULL);
  if (!str_eq (network_option (n, "allow_host_loopback"), "true"))
    push_flag (&argv, "--disable-host-loopback", NULL);
  if (str_eq (network_option (n, "enable_ipv6"), "true"))
    push_flag (&argv, "--enable-ipv6", NULL);
  if (network_option (n, "cidr"))
    push_flag (&argv, "--cidr", network_option (n, "cidr"));
  if (network_option (n, "outbound_addr"))
    push_flag (&argv, "--outbound-addr", network_option (n, "outbound_addr"));
  if (network_option (n, "outbound_addr6"))
    push_flag (&argv, "--outbound-addr6", network_option (n, "outbound_addr6"));
  if (sandbox)
    push_flag (&argv, "--enable-sandbox", NULL);
  if (seccomp)
    push_flag (&argv, "--enable-seccomp", NULL);
  push_flag (&argv, "--netns-type=path", NULL);
  push_flag (&argv, ns, NULL);
  push_flag (&argv, "tap0", NULL);
  return argv;
}

static int
start_slirp (struct monitor *m, nook_error_t *err)
{
  _cleanup_free_ char *path = helper_path ("slirp4netns", "slirp4netns", err);
  _cleanup_strv_ char **argv = NULL;
  _cleanup_close_ int log = -1, ready_rd = -1, ready_wr = -1, exit_rd = -1, exit_wr = -1;
  int keep[3];
  struct nook_spawn s = { .stdin_fd = -1, .keep_fds = keep };

  if (path == NULL || pipe_pair (&ready_rd, &ready_wr, err) < 0
      || pipe_pair (&exit_rd, &exit_wr, err) < 0)
    return -1;
  m->net_api = xasprintf ("/proc/%d/fd/%d/%.12s.net", (int)getpid (), m->net_dirfd, m->id);
  argv = slirp_argv (m, path, ready_wr, exit_rd);
  log = open (m->net_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  s.argv = (const char *const *)argv;
  s.stdout_fd = s.stderr_fd = log;
  keep[0] = ready_wr;
  keep[1] = exit_rd;
  keep[2] = -1;
  if (nook_spawn (&s, &m->net_pid, err) < 0)
    return -1;
  m->net_ready_fd = steal_fd (&ready_rd);
  m->net_exit_fd = steal_fd (&exit_wr);
  return 0;
}

/* slirp4netns has configured tap0: it wrote "1" on the ready fd.  */
static int
slirp_wait_ready (struct monitor *m)
{
  char c = 0;
  ssize_t r;

  do
    r = read (m->net_ready_fd, &c, 1);
  while (r < 0 && errno == EINTR);
  nook_closep (&m->net_ready_fd);
  return r == 1 && c == '1' ? 0 : -1;
}

/* One request on the API socket, and its answer.  */
static int
slirp_api (struct monitor *m, const char *request, char *answer, size_t size, nook_error_t *err)
{
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  _cleanup_close_ int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  size_t got = 0;
  ssize_t r;

  snprintf (sa.sun_path, sizeof (sa.sun_path), "%s", m->net_api);
  if (fd < 0 || connect (fd, (struct sockaddr *)&sa, sizeof (sa)) < 0
      || nook_write_all (fd, request, strlen (request)) < 0)
    return nook_error (err, errno, "the slirp4netns API socket");
  shutdown (fd, SHUT_WR);
  while (got < size - 1 && (r = read (fd, answer + got, size - 1 - got)) != 0)
    {
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return nook_error (err, errno, "read from the slirp4netns API socket");
      got += (size_t)r;
    }
  answer[got] = '\0';
  return 0;
}

int
monitor_net_host_addr (const char *ip, uint16_t port, struct sockaddr_in *a, nook_error_t *err)
{
  memset (a, 0, sizeof (*a));
  a->sin_family = AF_INET;
  a->sin_port = htons (port);
  if (ip[0] && inet_pton (AF_INET, ip, &a->sin_addr) != 1)
    return nook_error (err, 0,
                       "cannot publish on `%s`: slirp4netns forwards IPv4 addresses only (pasta "
                       "forwards IPv6)",
                       ip);
  return 0;
}

/* Is TCP PORT on IP free?  slirp4netns's own answer would not say why
   not.  */
static int
check_free (const char *ip, uint16_t port, nook_error_t *err)
{
  struct sockaddr_in a;
  _cleanup_close_ int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;

  if (monitor_net_host_addr (ip, port, &a, err) < 0)
    return -1;
  /* As slirp4netns binds: a port in TIME_WAIT is not in use.  */
  setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof (one));
  if (fd < 0 || bind (fd, (struct sockaddr *)&a, sizeof (a)) < 0)
    return nook_error (err, errno, "listen tcp %s:%u: bind", ip[0] ? ip : "0.0.0.0", port);
  return 0;
}

/* TCP port P + K, forwarded by slirp4netns to GUEST.  */
static int
add_hostfwd (struct monitor *m, const struct network_port *p, uint16_t k, const char *guest,
             nook_error_t *err)
{
  char answer[4096];
  _cleanup_free_ char *req = NULL;
  uint16_t host = (uint16_t)(p->host_port + k);

  if (check_free (p->host_ip, host, err) < 0)
    return -1;
  req = xasprintf ("{\"execute\": \"add_hostfwd\", \"arguments\": {\"proto\": \"tcp\", "
                   "\"host_addr\": \"%s\", \"host_port\": %u, \"guest_addr\": \"%s\", "
                   "\"guest_port\": %u}}",
                   p->host_ip[0] ? p->host_ip : "0.0.0.0", host, guest, p->ctr_port + k);
  if (slirp_api (m, req, answer, sizeof (answer), err) < 0)
    return -1;
  if (strstr (answer, "\"return\"") == NULL)
    return nook_error (err, 0, "publish port %u: slirp4netns: %s", host, answer);
  return 0;
}

static int
slirp_ports (struct monitor *m, nook_error_t *err)
{
  const struct network_config *n = &m->c.cfg.net;
  struct network_addrs a;

  if (network_addrs (n, &a, err) < 0)
    return -1;
  /* TCP through slirp4netns; UDP by our own forwarder (udpfwd.c).  */
  for (size_t i = 0; i < n->n_ports; i++)
    for (uint16_t k = 0; !n->ports[i].udp && k < n->ports[i].count; k++)
      if (add_hostfwd (m, &n->ports[i], k, a.ip, err) < 0)
        return -1;
  return monitor_udp_start (m, err);
}

/* ---- pasta ---- */

/* "-t IP/HOST-END:CTR-END" for each port of one protocol, "none" when
   there is none.  */
static void
pasta_ports (const struct network_config *n, bool udp, char ***argv)
{
  bool any = false;

  for (size_t i = 0; i < n->n_ports; i++)
    {
      const struct network_port *p = &n->ports[i];
      if (p->udp != udp)
        continue;
      push_flag (argv, udp ? "-u" : "-t", NULL);
      strv_push (argv,
                 xasprintf ("%s%s%u-%u:%u-%u", p->host_ip, p->host_ip[0] ? "/" : "", p->host_port,
                            p->host_port + p->count - 1, p->ctr_port, p->ctr_port + p->count - 1));
      any = true;
    }
  if (!any)
    push_flag (argv, udp ? "-u" : "-t", "none");
}

/* What a helper wrote to its log, for an error.  */
static char *
net_log_text (struct monitor *m)
{
  nook_error_t err = NULL;
  char *log = NULL;

  if (nook_read_file_at (AT_FDCWD, m->net_log, 4096, &log, NULL, &err) < 0)
    nook_error_free (&err);
  return log ? log : xstrdup ("");
}

/* pasta goes to the background once the namespace is set up: we wait for
   the first process, and its daemon (ours, as we are the subreaper)
   writes its pid.  It is given our namespace fd to open as its own: it
   drops its capabilities before, and could not open ours.  */
static int
run_pasta (struct monitor *m, char **argv, const char *pidfile, nook_error_t *err)
{
  _cleanup_close_ int log = open (m->net_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  _cleanup_free_ char *pid = NULL;
  int keep[2] = { m->netns_fd, -1 }, status;
  struct nook_spawn s = { .argv = (const char *const *)argv,
                          .stdin_fd = -1,
                          .stdout_fd = log,
                          .stderr_fd = log,
                          .keep_fds = keep };
  pid_t child;
  int64_t v;

  if (nook_set_cloexec (m->netns_fd, false) < 0 || nook_spawn (&s, &child, err) < 0)
    return -1;
  nook_set_cloexec (m->netns_fd, true);
  if (nook_waitpid (child, &status, 0) < 0 || status != 0)
    {
      _cleanup_free_ char *text = net_log_text (m);
      return nook_error (err, 0, "pasta failed: %s", text);
    }
  if (nook_read_file_at (AT_FDCWD, pidfile, 64, &pid, NULL, err) < 0)
    return -1;
  unlink (pidfile);
  pid[strcspn (pid, "\n")] = '\0';
  if (!str_to_int64 (pid, &v) || v <= 0)
    return nook_error (err, 0, "pasta: invalid pid file");
  m->net_pid = (pid_t)v;
  return 0;
}

static int
start_pasta (struct monitor *m, nook_error_t *err)
{
  const struct network_config *n = &m->c.cfg.net;
  _cleanup_free_ char *path = helper_path ("pasta", "passt", err);
  _cleanup_free_ char *ns = xasprintf ("/proc/self/fd/%d", m->netns_fd);
  _cleanup_free_ char *pidfile = xasprintf ("%s.pid", m->net_log);
  _cleanup_strv_ char **argv = xzalloc (sizeof (char *));

  if (path == NULL)
    return -1;
  push_flag (&argv, path, NULL);
  push_flag (&argv, "--config-net", NULL);
  push_flag (&argv, "--quiet", NULL);
  push_flag (&argv, "--dns-forward", "169.254.1.1");
  push_flag (&argv, "--pid", pidfile);
  pasta_ports (n, false, &argv);
  pasta_ports (n, true, &argv);
  push_flag (&argv, "-T", "none");
  push_flag (&argv, "-U", "none");
  for (size_t i = 0; n->options && n->options[i]; i++)
    push_flag (&argv, n->options[i], NULL);
  push_flag (&argv, "--netns", ns);
  return run_pasta (m, argv, pidfile, err);
}

/* ---- the steps ---- */

/* In the state: whoever finds our monitor dead ends it (rm).  */
static void
record_helper (struct monitor *m)
{
  m->c.state.net_pid = m->net_pid;
  nook_proc_start_time (m->net_pid, &m->c.state.net_start);
}

int
monitor_net_start (struct monitor *m, nook_error_t *err)
{
  enum network_mode mode = m->c.cfg.net.mode;
  _cleanup_free_ char *dir = container_monitor_dir (m->runroot);

  if (mode == NET_HOST
      || (m->netns_fd < 0 && mode != NET_SLIRP4NETNS && mode != NET_PASTA && mode != NET_NONE))
    return 0;
  if (m->netns_fd < 0 && make_netns (m, err) < 0)
    return -1;
  m->netns_path = xasprintf ("/proc/%d/fd/%d", (int)getpid (), m->netns_fd);
  if (mode != NET_SLIRP4NETNS && mode != NET_PASTA)
    return 0;
  m->net_log = xasprintf ("%s/%s.net.log", dir, m->id);
  if (mode == NET_PASTA)
    {
      if (start_pasta (m, err) < 0)
        return -1;
      record_helper (m);
      return 0;
    }
  m->net_dirfd = open (dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (m->net_dirfd < 0)
    return nook_error (err, errno, "open `%s`", dir);
  if (start_slirp (m, err) < 0)
    return -1;
  record_helper (m);
  return 0;
}

int
monitor_net_ready (struct monitor *m, nook_error_t *err)
{
  if (m->net_ready_fd < 0)
    return 0;
  nook_debug ("monitor: waiting for slirp4netns");
  if (slirp_wait_ready (m) < 0)
    {
      _cleanup_free_ char *log = net_log_text (m);
      return nook_error (err, 0, "slirp4netns failed: %s", log);
    }
  nook_debug ("monitor: slirp4netns ready");
  return slirp_ports (m, err);
}

void
monitor_net_stop (struct monitor *m)
{
  monitor_udp_stop (m);
  if (m->net_pid > 0)
    {
      /* Nothing of theirs to keep: the ports are free once it is gone.  */
      nook_closep (&m->net_exit_fd);
      kill (m->net_pid, SIGKILL);
      waitpid (m->net_pid, NULL, 0);
      m->net_pid = 0;
      m->c.state.net_pid = 0;
    }
  if (m->net_log)
    unlink (m->net_log);
  if (m->net_api && m->net_dirfd >= 0)
    {
      _cleanup_free_ char *name = xasprintf ("%.12s.net", m->id);
      unlinkat (m->net_dirfd, name, 0);
    }
}

void
monitor_net_release (struct monitor *m)
{
  nook_closep (&m->netns_fd);
  nook_closep (&m->net_ready_fd);
  nook_closep (&m->net_exit_fd);
  nook_closep (&m->net_dirfd);
  free (m->netns_path);
  free (m->net_api);
  free (m->net_log);
}
