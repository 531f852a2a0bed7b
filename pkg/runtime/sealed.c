/* CVE-2019-5736: nook-runtime runs from a sealed copy of itself.

   A process of the container can reach the runtime's binary through
   /proc/PID/exe: the init's own (an entrypoint of /proc/self/exe runs
   the runtime inside the container), or an `exec` that joined its
   namespaces.  Opened there and written once we exit, it would replace
   nook-runtime on the host for the next caller, root included.  So
   before main() nook-runtime copies itself into a memfd, seals it
   (no write, grow, shrink, or further seals) and re-executes from it:
   /proc/PID/exe is then that copy, which no one can write.  It costs a
   copy of the binary (~0.5 MB) and an execve per call.

   A constructor, so it happens before the command line opens anything
   (a console socket, a --log file) that the re-exec would close.  It
   acts only in nook-runtime, known by a symbol its main.c defines (not
   by argv[0]: a symlink named runc is nook-runtime too), not in the
   other programs libnook links into (nook, the monitor, the unit tests).
   It fails closed: every command line is sealed but those whose verb is
   known to put no runtime process in a container (state, start, kill,
   delete, list, ps, features, spec, or no verb at all: --help,
   --version), found by reading the global options as main.c's parser
   does; those stay as fast as they were.  An option it does not know
   seals too, however the parser would take it.

   Nor is anything sealed when nobody here could write the binary anyway:
   not group- or world-writable, and owned by someone we are not and
   cannot act for (rootless, the binary installed by root: its owner is
   another user, or unmapped in our user namespace); a container, made by
   us with at most our rights over host files, cannot either.  That is
   the usual rootless case, and saves it an execve and a copy (~5 ms of
   CPU).  Any failure to seal is fatal: running unsealed would be
   silently unsafe.  */
#include "runtime/runtime-internal.h"

#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

static bool
fd_sealed (int fd)
{
  int seals = fcntl (fd, F_GET_SEALS);
  return seals >= 0 && (seals & SEALS) == SEALS;
}

bool
runtime_exe_sealed (void)
{
  _cleanup_close_ int fd = open ("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  return fd >= 0 && fd_sealed (fd);
}

/* Whether the process could open ST, the binary, for writing.  */
static bool
writable_by_us (const struct stat *st)
{
  char buf[32] = "";
  _cleanup_close_ int fd = open ("/proc/sys/kernel/overflowuid", O_RDONLY | O_CLOEXEC);
  uid_t overflow = 65534;
  int64_t v;

  if (fd >= 0 && read (fd, buf, sizeof (buf) - 1) > 0 && str_to_int64 (strtok (buf, "\n"), &v))
    overflow = (uid_t)v;
  if (st->st_mode & (S_IWGRP | S_IWOTH))
    return true;
  if (st->st_uid == geteuid ())
    return true;
  /* Root here may write any file whose owner is mapped here; one shown
     as the overflow uid is not.  */
  return geteuid () == 0 && st->st_uid != overflow;
}

static void
die (const char *what)
{
  dprintf (STDERR_FILENO, "nook-runtime: run from a sealed copy: %s: %s\n", what, strerror (errno));
  _exit (1);
}

static void
copy_fd (int from, int to, off_t size)
{
  off_t off = 0;
  while (off < size)
    {
      ssize_t n = sendfile (to, from, &off, (size_t)(size - off));
      if (n <= 0)
        die ("copy the binary");
    }
}

/* Defined by nook-runtime's main.c alone.  A weak reference: null in
   every other program libnook is linked into.  */
extern const bool runtime_seals_itself __attribute__ ((weak));

/* Whether the first LEN bytes of NAME are one of NAMES.  */
static bool
name_in (const char *const *names, const char *name, size_t len)
{
  for (; *names; names++)
    if (strlen (*names) == len && strncmp (*names, name, len) == 0)
      return true;
  return false;
}

/* The verb of nook-runtime's command line, found the way options.c's
   cli_parse finds it with main.c's global options (Go's flag rules: one
   dash or two, the value after '=' or as the next word, "--" ends the
   options).  NULL when there is none; "" when the parser would refuse
   the line (an option it does not know, a value missing), so sealed as
   anything this cannot vouch for.  */
static const char *
verb_of (char **argv)
{
  static const char *const with_value[] = { "root", "log", "log-format", "rootless", "criu", NULL };
  static const char *const flags[]
      = { "debug", "systemd-cgroup", "version", "v", "help", "h", NULL };

  for (int i = 1; argv[i]; i++)
    {
      const char *a = argv[i], *name;
      size_t len;

      if (strcmp (a, "--") == 0)
        return argv[i + 1];
      if (a[0] != '-' || a[1] == '\0')
        return a;
      name = a + (a[1] == '-' ? 2 : 1);
      len = strcspn (name, "=");
      if (name_in (with_value, name, len))
        {
          if (name[len] == '\0' && argv[++i] == NULL)
            return "";
        }
      else if (!name_in (flags, name, len))
        return "";
    }
  return NULL;
}

/* Whether ARGV runs a verb that may put a process of ours in a
   container.  */
static bool
needs_seal (char **argv)
{
  static const char *const unsealed[]
      = { "state", "start", "kill", "delete", "list", "ps", "features", "spec", NULL };
  const char *verb = verb_of (argv);

  return verb && !strv_contains ((char *const *)unsealed, verb);
}

/* Priority 101, the first a program may use: before any other
   constructor does anything the re-exec would throw away.  */
__attribute__ ((constructor (101))) static void
reexec_sealed (int argc, char **argv, char **envp)
{
  _cleanup_close_ int self = -1, copy = -1;
  struct stat st;

  (void)argc;
  if (&runtime_seals_itself == NULL || argv == NULL || argv[0] == NULL || !needs_seal (argv))
    return;
  self = open ("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (self < 0)
    die ("open /proc/self/exe");
  if (fd_sealed (self))
    return;
  if (fstat (self, &st) < 0)
    die ("fstat /proc/self/exe");
  if (!writable_by_us (&st))
    return;
  copy = memfd_create ("nook-runtime", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (copy < 0)
    die ("memfd_create");
  copy_fd (self, copy, st.st_size);
  if (fcntl (copy, F_ADD_SEALS, SEALS) < 0)
    die ("seal the copy");
  syscall (SYS_execveat, copy, "", argv, envp, AT_EMPTY_PATH);
  die ("execveat");
}
