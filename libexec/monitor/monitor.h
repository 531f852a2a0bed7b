/* nook-monitor internals: main.c runs the container's life, io.c its
   stdio, log and attach clients in one epoll loop, idle.c what it gives
   back while the container is quiet, net.c and udpfwd.c the network.  */
#ifndef NOOK_MONITOR_H
#define NOOK_MONITOR_H

#include "container/container.h"
#include "container/tty.h"
#include "logs/logs.h"

#define MONITOR_MAX_CLIENTS 16

struct monitor_client
{
  int fd;
  bool attached;   /* gets the output */
  bool stdin_ok;   /* may write to the container's stdin */
  bool wants_exit; /* stop and wait: told the exit code */
};

/* idle.c: what the monitor gives back while the container is quiet.  */
struct idle_range;
struct monitor_idle
{
  struct idle_range *ranges; /* released at rest */
  size_t n, cap;
  uintptr_t stack_low;
  void *page; /* the copy of the code that releases and waits */
  size_t page_size;
  long (*code) (const void *);
};

struct monitor
{
  struct storage st;
  struct container c;
  struct container_rootfs rootfs;
  struct container_runtime rt;
  struct userns_ids ids;
  struct userns_ids given_ids; /* --ids: nook's lookup, taken into ids when we map */
  char *runroot, *runtime_path, *runtime_root, *runtime_log, *pid_file;
  char *seccomp_profile; /* PREFIX/share/nook/seccomp.json */
  char *init_path;       /* PREFIX/libexec/nook/nook-init */
  char *gone;            /* the removed record, under tmp/, to delete last */
  char id[65];
  int id_fd;   /* from nook: the ID, then control messages */
  int sync_fd; /* to nook: PID, EXIT, ERROR */
  int sigfd;
  int epfd;
  int timerfd; /* stop timeout and restart back-off */
  int listen_fd;
  bool attached; /* --attach: fds 0-2 are nook's, the user's terminal or pipes */
  int fg_in, fg_out, fg_err;
  struct tty_detach_keys detach_keys;
  struct tty_detach_matcher detach;
  int out_rd, err_rd; /* the container's stdout and stderr (out_rd: the pty) */
  int in_wr;          /* the container's stdin (-i), or the pty */
  /* What in_wr did not take yet: its sources (nook's terminal, the
     attach clients that send stdin) are not read until it has.  */
  char *in_buf;
  size_t in_len;
  bool in_close; /* closed once in_buf is written */
  struct log_writer log;
  bool logging;
  struct monitor_client clients[MONITOR_MAX_CLIENTS];
  /* The first run's runtime, started early (nook-runtime run --go-fd),
     with the console socket made for it.  */
  struct container_early_run early;
  char *early_console;
  int early_console_fd;
  bool loaded;       /* the record is read */
  bool created;      /* the runtime knows the container */
  bool exited;       /* the container's init is gone */
  bool killing;      /* stop's timeout armed */
  bool backoff;      /* waiting to restart */
  bool backoff_done; /* the wait is over */
  int exit_code;
  char *buf; /* reads from the container */
  size_t buf_size;
  /* net.c */
  bool late_userns;        /* --late-userns: joins a network's owner user namespace */
  bool userns_from_parent; /* --userns-from-parent: nook maps the one we make */
  int netns_fd;            /* the network namespace we hold for all runs */
  char *netns_path;        /* /proc/OUR_PID/fd/N, for the runtime */
  pid_t net_pid;           /* slirp4netns or pasta */
  pid_t udp_pid;           /* udpfwd.c's forwarder */
  int net_ready_fd, net_exit_fd, net_dirfd;
  char *net_api, *net_log;
  struct monitor_idle idle;
};

/* io.c */
/* Make the container's stdio for a start: STDIO gets the container's
   ends (the caller closes them once the runtime has them).  For -t there
   is no stdio: CONSOLE gets the path of a socket the runtime sends the
   pty to, *CONSOLE_FD its listening end.  */
int monitor_io_prepare (struct monitor *m, int stdio[3], char **console, int *console_fd,
                        nook_error_t *err);
/* Take the pty the runtime sent on CONSOLE_FD.  */
int monitor_io_take_pty (struct monitor *m, int console_fd, nook_error_t *err);
/* The attach socket, the log and the epoll set.  */
int monitor_io_open (struct monitor *m, nook_error_t *err);
/* Register the container's stdio with the loop.  */
int monitor_io_watch (struct monitor *m, nook_error_t *err);
/* Run the loop until the container has exited and its output is drained
   (or, in a back-off, until the timer or a stop).  ON_SIGNAL handles the
   signalfd, ON_TIMER the timerfd.  */
int monitor_io_loop (struct monitor *m, void (*on_signal) (struct monitor *),
                     void (*on_timer) (struct monitor *), nook_error_t *err);
/* Close the container's stdio of the last run.  */
void monitor_io_close_run (struct monitor *m);
/* Tell the clients waiting for it the exit code; at the end, close all.  */
void monitor_io_exit (struct monitor *m, int code, bool last);
void monitor_io_release (struct monitor *m);
/* The detach keys were typed on nook's terminal.  */
void monitor_detach_nook (struct monitor *m);
/* Send SIG to the container's init (and with ALL to all its processes).  */
int monitor_kill (struct monitor *m, int sig);
/* Stop: the stop signal now, SIGKILL after TIMEOUT seconds.  */
void monitor_stop (struct monitor *m, int sig, int timeout);

/* idle.c */
/* After this long with no event the loop rests (monitor_idle_wait).  */
#define MONITOR_IDLE_MS 250
/* Once set up, with the read buffer: find what can be given back.  */
void monitor_idle_prepare (struct monitor *m);
/* Give back what comes back by itself, then epoll_wait (m->epfd) with no
   time limit.  */
struct epoll_event;
int monitor_idle_wait (struct monitor *m, struct epoll_event *ev, int max);
void monitor_idle_release (struct monitor *m);

/* net.c */
/* container:ID and ns:PATH: join the user namespace that owns the
   namespace to join.  1 when joined; 0 when the caller makes its own (no
   such mode, or the owner is the host's); -1 on an error.  */
int monitor_net_join_userns (struct monitor *m, nook_error_t *err);
/* Make or open the network namespace and start slirp4netns or pasta on
   it: before the rootfs is mounted, which runs meanwhile.  */
int monitor_net_start (struct monitor *m, nook_error_t *err);
/* Wait until slirp4netns is up and publish the ports: before the
   container starts.  */
int monitor_net_ready (struct monitor *m, nook_error_t *err);
/* End slirp4netns or pasta (the ports are free after this).  */
void monitor_net_stop (struct monitor *m);
void monitor_net_release (struct monitor *m);
/* The host's side of a published port: IP ("": all) and PORT; IPv6 is
   refused (slirp4netns forwards IPv4 only).  */
struct sockaddr_in;
int monitor_net_host_addr (const char *ip, uint16_t port, struct sockaddr_in *a, nook_error_t *err);
/* udpfwd.c: published UDP ports under slirp4netns, forwarded by a child
   of ours (the host ports are bound before this returns).  */
int monitor_udp_start (struct monitor *m, nook_error_t *err);
void monitor_udp_stop (struct monitor *m);

#endif
