/* nook — pkg/logs: container logs in the k8s-file format, as conmon writes
   them and `podman logs` reads them:

     2026-11-22T13:40:00.123456789+00:00 stdout F a whole line
     2026-11-22T13:40:00.123456789+00:00 stderr P part of a line, no newline yet

   The monitor writes (writer.c): one record per line of what the
   container wrote, a trailing piece without its newline as a P record.
   With a size limit the file is rotated by renaming (ctr.log -> ctr.log.1
   -> ctr.log.2 ...), never truncated.  `nook logs` reads (reader.c): the
   rotated files oldest first, P records joined to the line they start.  */
#ifndef NOOK_LOGS_H
#define NOOK_LOGS_H

#include "util/util.h"

enum log_stream
{
  LOG_STDOUT = 1,
  LOG_STDERR = 2,
};

struct log_writer
{
  char *path;
  int fd;
  uint64_t size;      /* bytes in the current file */
  uint64_t max_size;  /* rotate past this many bytes; 0: never */
  unsigned max_files; /* files kept, the current one included */
  /* The timestamp up to the seconds, made once a second.  */
  int64_t stamp_sec;
  char stamp_date[32];
  char stamp_zone[24];
};

/* Open (append to) PATH, 0600.  MAX_FILES < 1 counts as 1.  */
int log_writer_open (struct log_writer *w, const char *path, uint64_t max_size, unsigned max_files,
                     nook_error_t *err);
/* Write what the container wrote to STREAM, stamped NOW_NS.  */
int log_writer_write (struct log_writer *w, enum log_stream stream, const char *data, size_t len,
                      int64_t now_ns, nook_error_t *err);
void log_writer_close (struct log_writer *w);

/* The files of the log at PATH, oldest first (PATH.N ... PATH.1, PATH).  */
char **log_files (const char *path);

struct log_read_opts
{
  int64_t since, until; /* nanoseconds since the epoch; 0: no limit */
  int64_t tail;         /* the last N lines; -1: all */
  bool timestamps;      /* -t: each line starts with its time */
  const char *prefix;   /* --names: each line starts with this and a blank */
};

/* A reader of one container's log: where it got to, so that `logs -f`
   can go on from there.  */
struct log_reader
{
  char *path;
  struct log_read_opts opts;
  int fd; /* the file being read, held open; -1 before the first look */
  dev_t dev;
  ino_t ino;
  off_t offset;
  struct nook_buf partial; /* P records not finished yet */
  char partial_ts[48];     /* the time of the first of them */
  enum log_stream partial_stream;
};

void log_reader_init (struct log_reader *r, const char *path, const struct log_read_opts *o);
void log_reader_free (struct log_reader *r);
/* Print everything the log holds past where R got to: stdout records to
   OUT_FD, stderr records to ERR_FD, in order.  An unfinished line is
   kept for the next call unless FLUSH.  */
int log_reader_run (struct log_reader *r, int out_fd, int err_fd, bool flush, nook_error_t *err);

/* Podman's --since/--until: RFC 3339 (with or without the time or zone;
   local time without one), Unix seconds ("1700000000", "1700000000.5"),
   or a Go duration ("10m", "1h30m") before NOW_NS for SINCE, after it
   otherwise, as Podman reads them.  */
int log_parse_time (const char *s, int64_t now_ns, bool since, int64_t *ns, nook_error_t *err);

#endif
