/* nook — pkg/util: errors, cleanup, memory, strings, files, locks,
   processes, time and lazily loaded libraries.  Everything else in pkg/
   stands on this header.  */
#ifndef NOOK_UTIL_H
#define NOOK_UTIL_H

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

/* ---- errors: describe once at the failure site, pass up, print once ---- */

struct nook_error_s
{
  int errnum;    /* errno of the failure, 0 when none */
  int exit_code; /* exit status the CLI should use, 0 for the default 125 */
  char *msg;
};
typedef struct nook_error_s *nook_error_t;

/* Fill *ERR (which must be NULL) and return -1.  The message gets
   ": strerror(ERRNUM)" appended when ERRNUM is not 0.  */
int nook_error (nook_error_t *err, int errnum, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));
/* Prefix the message already in *ERR with context; return -1.  */
int nook_error_prefix (nook_error_t *err, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));
/* Record ERRNUM in *ERR without touching the message (for callers that
   test err->errnum, as ENOENT for "no such image").  */
int nook_error_set_errno (nook_error_t *err, int errnum);
/* Mark *ERR so the CLI exits with CODE (126, 127, a container's status).  */
int nook_error_exit (nook_error_t *err, int code);
void nook_error_free (nook_error_t *err);
/* Print "Error: MSG" on stderr and return the exit code to use.  */
int nook_error_report (nook_error_t *err);

enum nook_log_level
{
  NOOK_LOG_ERROR,
  NOOK_LOG_WARN,
  NOOK_LOG_INFO,
  NOOK_LOG_DEBUG,
};
void nook_log_set_level (enum nook_log_level level);
enum nook_log_level nook_log_get_level (void);
/* Send warnings and debug lines to WRITER instead of stderr (nook-runtime's
   --log); NULL: back to stderr.  */
void nook_log_set_writer (void (*writer) (enum nook_log_level level, const char *msg));
void nook_warn (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
void nook_debug (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
/* Print "Error: ..." and exit 125; for short-lived helpers only.  */
void nook_die (int errnum, const char *fmt, ...) __attribute__ ((format (printf, 2, 3), noreturn));

/* ---- cleanup attributes ---- */

#define _cleanup_(f)       __attribute__ ((cleanup (f)))
#define _cleanup_free_     _cleanup_ (nook_freep)
#define _cleanup_close_    _cleanup_ (nook_closep)
#define _cleanup_fclose_   _cleanup_ (nook_fclosep)
#define _cleanup_closedir_ _cleanup_ (nook_closedirp)
#define _cleanup_strv_     _cleanup_ (nook_strvp)
#define _cleanup_error_    _cleanup_ (nook_error_free)
#define _cleanup_buf_      _cleanup_ (nook_buf_free)

void nook_freep (void *p);
void nook_closep (int *fd);
void nook_fclosep (FILE **f);
void nook_closedirp (DIR **d);
void nook_strvp (char ***v);

#define steal_pointer(pp)                                                                          \
  ({                                                                                               \
    __typeof__ (*(pp)) _stolen = *(pp);                                                            \
    *(pp) = NULL;                                                                                  \
    _stolen;                                                                                       \
  })

static inline int
steal_fd (int *fd)
{
  int r = *fd;
  *fd = -1;
  return r;
}

#define NOOK_ARRAY_SIZE(a) (sizeof (a) / sizeof ((a)[0]))

/* ---- memory and strings: allocation failure aborts ---- */

void *xmalloc (size_t n);
void *xzalloc (size_t n);
void *xrealloc (void *p, size_t n);
char *xstrdup (const char *s);
char *xstrndup (const char *s, size_t n);
char *xasprintf (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

bool str_has_prefix (const char *s, const char *prefix);
bool str_has_suffix (const char *s, const char *suffix);
bool str_eq (const char *a, const char *b); /* NULL-safe */
/* Parse a whole decimal number into *OUT; false on junk or overflow.  */
bool str_to_int64 (const char *s, int64_t *out);

/* NULL-terminated string vectors.  */
size_t strv_len (char *const *v);
char **strv_dup (char *const *v);
void strv_free (char **v);
/* Append S (ownership taken) to *V.  */
void strv_push (char ***v, char *s);
bool strv_contains (char *const *v, const char *s);
/* The strings of V with SEP between them ("" for none).  */
char *strv_join (char *const *v, const char *sep);
/* The first N of V.  */
char *strv_join_n (char *const *v, size_t n, const char *sep);

/* A growable byte buffer, always NUL-terminated.  */
struct nook_buf
{
  char *data;
  size_t len;
  size_t cap;
};
void nook_buf_append (struct nook_buf *b, const void *data, size_t len);
void nook_buf_puts (struct nook_buf *b, const char *s);
void nook_buf_putc (struct nook_buf *b, char c);
void nook_buf_printf (struct nook_buf *b, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));
char *nook_buf_steal (struct nook_buf *b);
void nook_buf_free (struct nook_buf *b);

/* ---- files ---- */

/* Write DATA whole to DIRFD/NAME: temp file, fsync, rename, fsync dir.
   A crash leaves the old file or the new one, never a torn one.  */
int nook_write_file_atomic (int dirfd, const char *name, const void *data, size_t len, mode_t mode,
                            nook_error_t *err);
/* The same without the fsyncs: atomic against a crash of the process but
   not of the machine.  For volatile state (the runtime's, pid files,
   bundles) that a reboot discards anyway.  */
int nook_write_file_volatile (int dirfd, const char *name, const void *data, size_t len,
                              mode_t mode, nook_error_t *err);
/* Read DIRFD/NAME whole, refusing more than MAX bytes; *OUT is NUL-terminated.  */
int nook_read_file_at (int dirfd, const char *name, size_t max, char **out, size_t *len,
                       nook_error_t *err);
/* The same for a small metadata file of nook's own at PATH below DIRFD
   (no symlink on the way, none above DIRFD), in three system calls: a
   read shorter than asked is taken as its end.  */
int nook_read_record_at (int dirfd, const char *path, size_t max, char **out, size_t *len,
                         nook_error_t *err);
/* Write all of LEN bytes, retrying short writes and EINTR.  */
int nook_write_all (int fd, const void *data, size_t len);
/* A regular file we may execute.  */
bool nook_is_executable (const char *path);
/* NAME in $PATH (absolute directories only), or NULL.  */
char *nook_search_path (const char *name);
/* mkdir -p of PATH (relative to DIRFD); existing directories are fine.  */
int nook_mkdir_p (int dirfd, const char *path, mode_t mode, nook_error_t *err);
/* Remove DIRFD/NAME recursively, never following a symlink; missing is fine.  */
int nook_rm_tree_at (int dirfd, const char *name, nook_error_t *err);
/* Open DIRFD/PATH for readdir with a file description of its own (a
   dup'ed fd would share the read position with its original).  */
DIR *nook_opendir_at (int dirfd, const char *path, nook_error_t *err);
/* The names in DIRFD for which KEEP says true ("." and ".." never).  */
int nook_list_dir (int dirfd, bool (*keep) (const char *name), char ***out, nook_error_t *err);
/* Open a directory (O_DIRECTORY|O_CLOEXEC) or fail with a message.  */
int nook_open_dir (int dirfd, const char *path, nook_error_t *err);
/* Split NAME into components: empty and "." dropped, ".." pops one but
   never above the root ("/a/../../b" is "b").  */
int nook_path_clean (const char *name, char ***out, nook_error_t *err);
/* Open the directory at COMPS[0..N) inside ROOTFD, resolving symlinks as
   if ROOTFD were "/" and creating missing directories (0755) when CREATE.
   *OUT is an O_PATH fd; *RESOLVED (optional) gets the real path below
   ROOTFD.  */
int nook_resolve_dir (int rootfd, char *const *comps, size_t n, bool create, int *out,
                      char **resolved, nook_error_t *err);
enum nook_inroot_create
{
  NOOK_INROOT_NONE,
  NOOK_INROOT_FILE, /* create a missing final component as an empty file */
  NOOK_INROOT_DIR,  /* ... as a directory */
};
/* Open PATH inside ROOTFD as nook_resolve_dir walks, a symlink at the end
   followed inside the root too; FLAGS for the final openat (O_NOFOLLOW is
   added).  Missing parents are created when CREATE is not NONE.  */
int nook_open_in_root (int rootfd, const char *path, int flags, enum nook_inroot_create create,
                       nook_error_t *err);
/* openat2 with RESOLVE flags (RESOLVE_BENEATH, ...); -1 and errno on failure.  */
int nook_open_beneath (int dirfd, const char *path, int flags, uint64_t resolve);
/* Set FD's O_CLOEXEC flag on or off.  */
int nook_set_cloexec (int fd, bool on);
/* Add to *TOTAL the bytes of the regular files and symlinks under
   AT/NAME (apparent sizes, as Podman counts a container's SizeRw).  */
int nook_disk_usage_at (int at, const char *name, int64_t *total, nook_error_t *err);
/* Directory that holds the running executable (from /proc/self/exe).  */
int nook_self_dir (char **out, nook_error_t *err);

/* ---- locks: flock on an object's own fd ---- */

int nook_lock (int fd, bool exclusive, nook_error_t *err);
/* 1 when taken, 0 when someone else holds it.  */
int nook_trylock (int fd, bool exclusive, nook_error_t *err);

/* ---- processes ---- */

/* From /proc/PID/stat: the state (field 3), the parent (4) and the start
   time (22), each unless NULL.  */
int nook_proc_stat (pid_t pid, char *state, pid_t *ppid, uint64_t *start);
/* Start time of PID in clock ticks since boot (field 22 of /proc/PID/stat).  */
int nook_proc_start_time (pid_t pid, uint64_t *out);
/* True when PID is alive (not a zombie) and still the process that started
   at START (0: any).  */
bool nook_proc_alive (pid_t pid, uint64_t start);
/* True in the initial user namespace (the identity uid map).  */
bool nook_userns_is_initial (void);
/* True for uid 0 in the initial user namespace (not root in a userns).  */
bool nook_is_real_root (void);
/* A signal by name or number ("TERM", "SIGTERM", "15", "RTMIN+3"):
   0 with *OUT set, -1 when it is none.  */
int nook_signal_parse (const char *v, int *out);
/* Exit status as a shell shows it: the code, or 128 + the signal.  */
int nook_exit_code (int wait_status);
/* waitpid, retrying EINTR.  */
pid_t nook_waitpid (pid_t pid, int *status, int flags);

struct nook_spawn
{
  const char *const *argv; /* argv[0] is the path (or a name looked up in PATH) */
  const char *const *envp; /* NULL: inherit */
  int stdin_fd;            /* -1: /dev/null; otherwise dup'ed onto 0 */
  int stdout_fd;
  int stderr_fd;
  const int *keep_fds; /* fds that stay open across the exec, -1 terminated */
  int pdeathsig;       /* signal the child gets when the spawner dies, 0 none */
  bool new_session;    /* setsid: no controlling terminal, no job control */
};
/* Start ARGV with the given stdio, signals reset and unblocked.  */
int nook_spawn (const struct nook_spawn *s, pid_t *pid, nook_error_t *err);
/* Run ARGV to completion; its stderr (with OUT, its stdout too) is read,
   up to 64 KiB: the error's message on a non-zero exit, else *OUT.  */
int nook_run_command (const char *const *argv, char **out, nook_error_t *err);

/* ---- time ---- */

int64_t nook_now_ns (void);
/* Sleep MS milliseconds (a signal may end it sooner).  */
void nook_sleep_ms (int64_t ms);
/* RFC 3339 with nanoseconds, trailing zeros trimmed, local offset: as Go's
   time.RFC3339Nano.  */
char *nook_time_format (int64_t ns);
/* RFC 3339 ("YYYY-MM-DDTHH:MM:SS[.F](Z|+HH:MM)", fixed width, as Go
   writes it): nanoseconds since the epoch.  -1 for anything else.  */
int nook_time_parse (const char *s, int64_t *ns);
/* The same for the LEN bytes at S, which need no NUL after them.  */
bool nook_time_parse_n (const char *s, size_t len, int64_t *ns);
/* "3 minutes", "About an hour": as Go's units.HumanDuration.  */
char *nook_human_duration (int64_t seconds);
/* "8.83 MB": as Go's units.HumanSizeWithPrecision(size, 3).  */
char *nook_human_size (double size);

/* ---- ids ---- */

/* 2*NBYTES random hex digits plus NUL into OUT.  */
int nook_random_hex (char *out, size_t nbytes, nook_error_t *err);

/* ---- sha256 (libcrypto) and digests ---- */

struct nook_sha256
{
  void *ctx;
};
int nook_sha256_init (struct nook_sha256 *h, nook_error_t *err);
void nook_sha256_update (struct nook_sha256 *h, const void *data, size_t len);
/* Write 64 hex digits and a NUL; frees the context.  */
void nook_sha256_final (struct nook_sha256 *h, char hex[65]);
void nook_sha256_free (struct nook_sha256 *h);
int nook_sha256_hex (const void *data, size_t len, char hex[65], nook_error_t *err);
/* The same in plain C, for a few kilobytes on a start-up path, where
   loading libcrypto would cost more than the hashing.  */
struct nook_sha256_small
{
  uint32_t h[8];
  uint64_t len;
  unsigned char buf[64];
  size_t fill;
};
void nook_sha256_small_init (struct nook_sha256_small *s);
void nook_sha256_small_update (struct nook_sha256_small *s, const void *data, size_t len);
void nook_sha256_small_final (struct nook_sha256_small *s, char hex[65]);
/* True when S is exactly LEN lowercase hex digits.  */
bool nook_is_hex (const char *s, size_t len);
/* Check "sha256:<64 hex>" and point *HEX at the hex part.  */
int nook_digest_hex (const char *digest, const char **hex, nook_error_t *err);

/* ---- lazily loaded libraries: heavy ones cost milliseconds per exec ---- */

struct nook_lazy_lib
{
  const char *soname;
  const char *package; /* Debian package providing it, for the error */
  void *handle;
};
/* Load LIB now, or fail with an error naming the package.  */
int nook_lazy_load (struct nook_lazy_lib *lib, nook_error_t *err);
/* Resolve SYM in LIB, loading it on first use; aborts with a message when
   the library is missing (callers check with nook_lazy_load first).  */
void *nook_lazy_sym (struct nook_lazy_lib *lib, const char *sym);

extern struct nook_lazy_lib nook_lib_archive, nook_lib_crypto, nook_lib_subid;

#define NOOK_LAZY_FN(lib, ret, name, params, args)                                                 \
  ret name params                                                                                  \
  {                                                                                                \
    static __typeof__ (&name) fn;                                                                  \
    if (fn == NULL)                                                                                \
      fn = (__typeof__ (&name))nook_lazy_sym (&lib, #name);                                        \
    return fn args;                                                                                \
  }
#define NOOK_LAZY_VOID(lib, name, params, args)                                                    \
  void name params                                                                                 \
  {                                                                                                \
    static __typeof__ (&name) fn;                                                                  \
    if (fn == NULL)                                                                                \
      fn = (__typeof__ (&name))nook_lazy_sym (&lib, #name);                                        \
    fn args;                                                                                       \
  }

#endif
