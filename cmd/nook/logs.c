/* nook logs: what containers wrote, from their k8s-file logs; -f follows
   them (inotify on the log's directory, across rotation) until each
   container's monitor has gone.  */
#include "cli.h"

#include "container/container.h"
#include "container/exec.h"
#include "logs/logs.h"

#include <libgen.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>

struct followed
{
  struct log_reader r;
  int monitor; /* the monitor's socket: end of file when it is done; -1 */
  char *prefix;
};

/* With several containers each line starts with the container's short ID,
   or with --names its name, as Podman's.  */
static int
open_log (struct nook_ctx *ctx, const char *ref, const struct log_read_opts *o, bool multi,
          bool names, bool follow, struct followed *f, nook_error_t *err)
{
  struct container c;
  char id[65];
  struct log_read_opts mine = *o;
  int r = 0;

  if (storage_container_resolve (&ctx->store, ref, id, err) < 0
      || container_load (&ctx->store, id, &c, err) < 0)
    return -1;
  if (!str_eq (c.cfg.log_driver, "k8s-file"))
    r = nook_error (err, 0,
                    "failed to obtain logs for Container '%s': this container is using the '%s' "
                    "log driver, cannot read logs: this container is not using the k8s-file log "
                    "driver",
                    ref, c.cfg.log_driver);
  f->prefix = !multi ? NULL : names ? xstrdup (c.cfg.name) : xstrndup (c.cfg.id, 12);
  mine.prefix = f->prefix;
  if (r == 0)
    log_reader_init (&f->r, c.cfg.log_path, &mine);
  if (r == 0 && follow && c.state.status == CONTAINER_RUNNING
      && container_monitor_connect (ctx->paths.runroot, id, &f->monitor, err) < 0)
    nook_error_free (err); /* gone meanwhile */
  container_free (&c);
  return r;
}

static int
watch_dir (int ino, const char *path)
{
  _cleanup_free_ char *copy = xstrdup (path);
  return inotify_add_watch (ino, dirname (copy),
                            IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE);
}

/* Until every followed container's monitor is gone.  */
static int
follow (struct followed *fs, int n, nook_error_t *err)
{
  _cleanup_close_ int ino = inotify_init1 (IN_CLOEXEC | IN_NONBLOCK);
  int live = 0;

  if (ino < 0)
    return nook_error (err, errno, "inotify");
  for (int i = 0; i < n; i++)
    {
      watch_dir (ino, fs[i].r.path);
      live += fs[i].monitor >= 0;
    }
  while (live > 0)
    {
      struct pollfd p[65] = { { ino, POLLIN, 0 } };
      char buf[4096];

      for (int i = 0; i < n && i < 64; i++)
        p[i + 1] = (struct pollfd){ fs[i].monitor, POLLIN, 0 };
      if (poll (p, (nfds_t)(n < 64 ? n : 64) + 1, 1000) < 0 && errno != EINTR)
        return nook_error (err, errno, "poll");
      while (read (ino, buf, sizeof (buf)) > 0)
        ;
      for (int i = 0; i < n; i++)
        {
          if (i < 64 && p[i + 1].revents && recv (fs[i].monitor, buf, sizeof (buf), 0) <= 0)
            {
              nook_closep (&fs[i].monitor);
              live--;
            }
          if (log_reader_run (&fs[i].r, STDOUT_FILENO, STDERR_FILENO, fs[i].monitor < 0, err) < 0)
            return -1;
        }
    }
  return 0;
}

static int
parse_opts (const char *since, const char *until, int64_t tail, struct log_read_opts *o,
            nook_error_t *err)
{
  int64_t now = nook_now_ns ();

  o->tail = tail < 0 ? -1 : tail;
  if (since && log_parse_time (since, now, true, &o->since, err) < 0)
    return -1;
  if (until && log_parse_time (until, now, false, &o->until, err) < 0)
    return -1;
  return 0;
}

int
cmd_logs (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err)
{
  bool follow_ = false, names = false, latest = false;
  const char *since = NULL, *until = NULL;
  int64_t tail = -1;
  struct log_read_opts o = { 0 };
  const struct opt opts[] = {
    { "follow", 'f', OPT_BOOL, &follow_, NULL, "Follow log output" },
    { "latest", 'l', OPT_BOOL, &latest, NULL, "Act on the latest container nook is aware of" },
    { "names", 'n', OPT_BOOL, &names, NULL, "Output the container name in the log" },
    { "since", 0, OPT_STRING, &since, "TIMESTAMP", "Show logs since TIMESTAMP" },
    { "tail", 0, OPT_INT, &tail, "N",
      "Output the specified number of LINES at the end of the "
      "logs.  Defaults to -1, which prints all lines" },
    { "timestamps", 't', OPT_BOOL, &o.timestamps, NULL, "Output the timestamps in the log" },
    { "until", 0, OPT_STRING, &until, "TIMESTAMP", "Show logs until TIMESTAMP" },
    { 0 },
  };
  const struct cmd_spec spec = { "logs",
                                 "[options] CONTAINER [CONTAINER...]",
                                 "Fetch the logs of one or more containers",
                                 opts,
                                 false,
                                 0,
                                 -1 };
  _cleanup_free_ struct followed *fs = NULL;
  char last[65];
  char **args;
  int nargs, r, n = 0;

  r = cli_parse (&spec, argc, argv, &args, &nargs, err);
  if (r != 0)
    return r > 0 ? 0 : -1;
  if (latest && nargs > 0)
    return nook_error (err, 0, "--latest and containers cannot be used together");
  if (!latest && nargs == 0)
    return nook_error (err, 0, "specify at least one container name or ID to log");
  if (latest && container_latest (&ctx->store, last, err) < 0)
    return -1;
  if (parse_opts (since, until, tail, &o, err) < 0)
    return -1;
  fs = xzalloc (sizeof (*fs) * (size_t)(latest ? 1 : nargs));
  for (int i = 0; r == 0 && i < (latest ? 1 : nargs); i++, n++)
    {
      fs[i].monitor = -1;
      r = open_log (ctx, latest ? last : args[i], &o, nargs > 1, names, follow_, &fs[i], err);
    }
  for (int i = 0; r == 0 && i < n; i++)
    r = log_reader_run (&fs[i].r, STDOUT_FILENO, STDERR_FILENO, !follow_, err);
  if (r == 0 && follow_)
    r = follow (fs, n, err);
  for (int i = 0; i < n; i++)
    {
      if (fs[i].r.path)
        log_reader_free (&fs[i].r);
      nook_closep (&fs[i].monitor);
      free (fs[i].prefix);
    }
  return r;
}
