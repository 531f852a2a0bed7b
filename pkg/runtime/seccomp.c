/* Seccomp: the spec's linux.seccomp translated into a BPF program with
   libseccomp by the runtime, before it clones the init, and loaded by the
   init with seccomp(2).

   The program is cached.  Building it for Podman's default profile takes
   ~17 ms (the rules, then the BPF for x86_64, x86 and x32); reading it
   back, well under one.  ROOT/.seccomp/KEY.bpf (the dot keeps it out of
   `list`), where KEY is the sha256 of everything the program depends on:
   CACHE_FORMAT, the build of nook (its ELF build ID: a change in the
   translation below changes the program even if nobody bumps
   CACHE_FORMAT), libseccomp's version, the native architecture and the
   seccomp section as pkg/oci writes it.  Not the kernel: libseccomp does
   not look at it when it generates, and minKernel was resolved when the
   profile was converted.  The file is written whole (temp file, rename:
   two creates racing both write, the last rename wins, both are whole)
   and checked whole when read: a header with the number of instructions
   and the sha256 of the key and the program.  Anything else (short,
   long, another key's, a flipped byte) is ignored and rewritten; a
   failure to write it only costs the next container the build.  create
   keeps the key in ROOT/ID/seccomp.key: exec reads the program by it,
   without the canonical text and its hash (runtime_seccomp_reuse).

   When (init.c): with noNewPrivileges, last, right before the init
   answers READY, so only send, close, read (exec.fifo) and execve follow
   it.  Without, a filter can only be loaded with CAP_SYS_ADMIN, so it is
   loaded before the capabilities are dropped and the user switched; as
   with runc, the profile must then allow what the init still does:
   prlimit64, prctl, setgroups, setresgid, setresuid, capget, capset,
   newfstatat or statx, faccessat, fcntl, close_range, sendto, close,
   read and execve.  The default profile (contrib/seccomp.json) does.

   As runc and crun: a syscall name unknown to libseccomp is skipped;
   errnoRet defaults to EPERM (not to defaultErrnoRet, which is the
   default action's); conditions on different arguments are ANDed in one
   rule, several on the same argument become one rule each (ORed), as
   libseccomp cannot AND those.  */
#include "runtime/runtime-internal.h"

#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

static const struct
{
  const char *name;
  enum scmp_compare op;
} op_table[] = {
  { "SCMP_CMP_NE", SCMP_CMP_NE },
  { "SCMP_CMP_LT", SCMP_CMP_LT },
  { "SCMP_CMP_LE", SCMP_CMP_LE },
  { "SCMP_CMP_EQ", SCMP_CMP_EQ },
  { "SCMP_CMP_GE", SCMP_CMP_GE },
  { "SCMP_CMP_GT", SCMP_CMP_GT },
  { "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
};

static const struct
{
  const char *name;
  uint32_t action;
} action_table[] = {
  { "SCMP_ACT_KILL", SCMP_ACT_KILL },
  { "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS },
  { "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD },
  { "SCMP_ACT_TRAP", SCMP_ACT_TRAP },
  { "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW },
  { "SCMP_ACT_LOG", SCMP_ACT_LOG },
};

static int
action_value (const char *name, bool has_errno, uint32_t errno_ret, uint32_t *out,
              nook_error_t *err)
{
  uint32_t e = has_errno ? errno_ret : EPERM;

  if (strcmp (name, "SCMP_ACT_ERRNO") == 0)
    *out = SCMP_ACT_ERRNO (e);
  else if (strcmp (name, "SCMP_ACT_TRACE") == 0)
    *out = SCMP_ACT_TRACE (e);
  else
    {
      for (size_t i = 0; i < NOOK_ARRAY_SIZE (action_table); i++)
        if (strcmp (name, action_table[i].name) == 0)
          {
            *out = action_table[i].action;
            return 0;
          }
      return nook_error (err, 0, "seccomp action `%s` is not supported", name);
    }
  return 0;
}

static int
add_arches (scmp_filter_ctx ctx, char *const *arches, nook_error_t *err)
{
  for (size_t i = 0; arches && arches[i]; i++)
    {
      char name[32];
      uint32_t token;
      size_t k;
      int rc;

      if (!str_has_prefix (arches[i], "SCMP_ARCH_") || strlen (arches[i]) >= 10 + sizeof (name))
        return nook_error (err, 0, "unknown seccomp architecture `%s`", arches[i]);
      /* libseccomp's names are the lower-case suffixes: x86_64, aarch64.  */
      for (k = 0; arches[i][10 + k]; k++)
        name[k] = (char)(arches[i][10 + k] >= 'A' && arches[i][10 + k] <= 'Z'
                             ? arches[i][10 + k] - 'A' + 'a'
                             : arches[i][10 + k]);
      name[k] = '\0';
      token = seccomp_arch_resolve_name (name);
      if (token == 0)
        {
          nook_debug ("seccomp: architecture %s is unknown to libseccomp %d.%d.%d: skipped",
                      arches[i], SCMP_VER_MAJOR, SCMP_VER_MINOR, SCMP_VER_MICRO);
          continue;
        }
      rc = seccomp_arch_add (ctx, token);
      if (rc < 0 && rc != -EEXIST)
        return nook_error (err, -rc, "seccomp: add architecture %s", arches[i]);
    }
  return 0;
}

static int
add_rule (scmp_filter_ctx ctx, const struct oci_seccomp_syscall *sys, uint32_t default_action,
          nook_error_t *err)
{
  _cleanup_free_ struct scmp_arg_cmp *cmp = xzalloc (sizeof (*cmp) * (sys->n_args + 1));
  unsigned seen = 0;
  bool same_arg = false;
  uint32_t action;

  if (action_value (sys->action, sys->has_errno_ret, sys->errno_ret, &action, err) < 0)
    return -1;
  /* libseccomp refuses (EACCES) a rule that does what the default does.  */
  if (action == default_action)
    return 0;
  for (size_t k = 0; k < sys->n_args; k++)
    {
      const struct oci_seccomp_arg *a = &sys->args[k];
      size_t o;

      for (o = 0; o < NOOK_ARRAY_SIZE (op_table); o++)
        if (strcmp (a->op, op_table[o].name) == 0)
          break;
      if (o == NOOK_ARRAY_SIZE (op_table))
        return nook_error (err, 0, "unknown seccomp operator `%s`", a->op);
      if (a->index > 5)
        return nook_error (err, 0, "seccomp argument index %u out of range", a->index);
      same_arg |= (seen & (1U << a->index)) != 0;
      seen |= 1U << a->index;
      /* MASKED_EQ: (arg & value) == valueTwo.  */
      cmp[k] = (struct scmp_arg_cmp){
        .arg = a->index, .op = op_table[o].op, .datum_a = a->value, .datum_b = a->value_two
      };
    }
  for (size_t i = 0; sys->names && sys->names[i]; i++)
    {
      int nr = seccomp_syscall_resolve_name (sys->names[i]);
      int rc = 0;

      if (nr == __NR_SCMP_ERROR)
        {
          nook_debug ("seccomp: syscall %s is unknown to libseccomp: skipped", sys->names[i]);
          continue;
        }
      if (!same_arg)
        rc = seccomp_rule_add_array (ctx, action, nr, (unsigned)sys->n_args, cmp);
      else
        for (size_t k = 0; k < sys->n_args && rc == 0; k++)
          rc = seccomp_rule_add_array (ctx, action, nr, 1, &cmp[k]);
      if (rc < 0)
        return nook_error (err, -rc, "seccomp: add the rule for %s", sys->names[i]);
    }
  return 0;
}

/* The flags the spec may ask for; libseccomp's SCMP_FLTATR_CTL_TSYNC,
   _LOG and _SSB set the same ones.  WAIT_KILLABLE_RECV only applies to
   a notifying filter (SCMP_ACT_NOTIFY), which nook does not support.  */
static const struct
{
  const char *name;
  unsigned int flag;
} flag_table[] = {
  { "SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC },
  { "SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG },
  { "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW },
};

/* A flag the kernel knows makes seccomp() fail on the NULL program with
   EFAULT; an unknown one with EINVAL (libseccomp probes the same way).  */
static int
kernel_flags (char *const *flags, unsigned int *out, nook_error_t *err)
{
  *out = 0;
  for (size_t i = 0; flags && flags[i]; i++)
    {
      size_t k;

      if (strcmp (flags[i], "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV") == 0)
        return nook_error (
            err, 0, "seccomp flag `%s` needs SCMP_ACT_NOTIFY, which is not supported", flags[i]);
      for (k = 0; k < NOOK_ARRAY_SIZE (flag_table); k++)
        if (strcmp (flags[i], flag_table[k].name) == 0)
          break;
      if (k == NOOK_ARRAY_SIZE (flag_table))
        return nook_error (err, 0, "unknown seccomp flag `%s`", flags[i]);
      if (syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, flag_table[k].flag, NULL) == 0
          || errno != EFAULT)
        return nook_error (err, errno == EINVAL ? EOPNOTSUPP : errno,
                           "seccomp flag `%s` is not supported by the kernel", flags[i]);
      *out |= flag_table[k].flag;
    }
  return 0;
}

static void
release_filter (scmp_filter_ctx *ctx)
{
  if (*ctx)
    seccomp_release (*ctx);
}

static int
make_filter (const struct oci_seccomp *sc, scmp_filter_ctx *out, nook_error_t *err)
{
  _cleanup_ (release_filter) scmp_filter_ctx ctx = NULL;
  uint32_t def;
  int rc;

  if (action_value (sc->default_action, sc->has_default_errno_ret, sc->default_errno_ret, &def, err)
      < 0)
    return -1;
  ctx = seccomp_init (def);
  if (ctx == NULL)
    return nook_error (err, 0, "seccomp: cannot make a filter with default action %s",
                       sc->default_action);
  /* The kernel's own errno, not ECANCELED, when something fails.  */
  if ((rc = seccomp_attr_set (ctx, SCMP_FLTATR_API_SYSRAWRC, 1)) < 0)
    return nook_error (err, -rc, "seccomp: set the filter attributes");
  if (add_arches (ctx, sc->architectures, err) < 0)
    return -1;
  for (size_t i = 0; i < sc->n_syscalls; i++)
    if (add_rule (ctx, &sc->syscalls[i], def, err) < 0)
      return -1;
  *out = steal_pointer (&ctx);
  return 0;
}

/* libseccomp 2.5 exports only to a file descriptor: a memfd, read back.  */
static int
build_program (const struct oci_seccomp *sc, struct sock_filter **insns, size_t *n,
               nook_error_t *err)
{
  _cleanup_ (release_filter) scmp_filter_ctx ctx = NULL;
  _cleanup_close_ int fd = -1;
  _cleanup_free_ struct sock_filter *buf = NULL;
  struct stat st;
  int rc;

  if (make_filter (sc, &ctx, err) < 0)
    return -1;
  fd = memfd_create ("nook-seccomp", MFD_CLOEXEC);
  if (fd < 0)
    return nook_error (err, errno, "seccomp: memfd_create");
  if ((rc = seccomp_export_bpf (ctx, fd)) < 0)
    return nook_error (err, -rc, "seccomp: generate the filter");
  if (fstat (fd, &st) < 0)
    return nook_error (err, errno, "seccomp: stat the filter");
  if (st.st_size == 0 || st.st_size % sizeof (struct sock_filter) != 0)
    return nook_error (err, EINVAL, "seccomp: libseccomp made a filter of %lld bytes",
                       (long long)st.st_size);
  if (st.st_size > (off_t)(BPF_MAXINSNS * sizeof (struct sock_filter)))
    return nook_error (err, E2BIG, "seccomp: the filter has %lld instructions, the kernel takes %d",
                       (long long)(st.st_size / (off_t)sizeof (struct sock_filter)), BPF_MAXINSNS);
  buf = xmalloc ((size_t)st.st_size);
  if (pread (fd, buf, (size_t)st.st_size, 0) != st.st_size)
    return nook_error (err, errno ? errno : EIO, "seccomp: read the filter back");
  *n = (size_t)st.st_size / sizeof (struct sock_filter);
  *insns = steal_pointer (&buf);
  return 0;
}

/* ---- the cache key ---- */

/* Bump when what this file makes of a profile changes in a way the build
   ID would not catch (it catches everything compiled in), or when the
   file layout below changes.  */
#define CACHE_FORMAT 1

struct build_id
{
  const unsigned char *data;
  size_t len;
};

static int
find_build_id (struct dl_phdr_info *info, size_t size, void *data)
{
  struct build_id *id = data;

  for (int i = 0; i < info->dlpi_phnum; i++)
    {
      const ElfW (Phdr) *ph = &info->dlpi_phdr[i];
      const char *p = (const char *)(info->dlpi_addr + ph->p_vaddr), *end = p + ph->p_memsz;
      size_t align = ph->p_align == 8 ? 8 : 4;

      if (ph->p_type != PT_NOTE)
        continue;
      while (p + sizeof (ElfW (Nhdr)) <= end)
        {
          const ElfW (Nhdr) *nh = (const void *)p;
          const char *name = p + sizeof (*nh);
          const char *desc = name + ((nh->n_namesz + align - 1) & ~(align - 1));

          if (desc + nh->n_descsz > end)
            break;
          if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 && memcmp (name, "GNU", 4) == 0)
            {
              *id = (struct build_id){ (const unsigned char *)desc, nh->n_descsz };
              return 1;
            }
          p = desc + ((nh->n_descsz + align - 1) & ~(align - 1));
        }
    }
  return 1; /* the first object is the executable, the only one we look at */
}

int
runtime_seccomp_key (const struct oci_seccomp *sc, char hex[65], nook_error_t *err)
{
  struct oci_spec only = { .root_path = (char *)"", .seccomp = (struct oci_seccomp *)sc };
  const struct scmp_version *v = seccomp_version ();
  struct build_id id = { NULL, 0 };
  struct nook_sha256_small h;
  _cleanup_free_ char *json = NULL;
  char head[128];
  size_t len;
  int n;

  /* The section alone, inside a spec that has nothing else: the
     generator's canonical text, whatever config.json looked like.  */
  json = oci_spec_to_json (&only, &len);
  dl_iterate_phdr (find_build_id, &id);
  n = snprintf (head, sizeof (head),
                "nook seccomp cache %d\nlibseccomp %u.%u.%u\narch %u\nbuild %zu\n", CACHE_FORMAT,
                v->major, v->minor, v->micro, seccomp_arch_native (), id.len);
  /* Not libcrypto: loading it costs more than the rest of the cache hit.  */
  nook_sha256_small_init (&h);
  nook_sha256_small_update (&h, head, (size_t)n);
  nook_sha256_small_update (&h, id.data ? (const void *)id.data : "", id.len);
  nook_sha256_small_update (&h, json, len);
  nook_sha256_small_final (&h, hex);
  return 0;
}

/* ---- the cache file: header, then the instructions ---- */

#define CACHE_MAGIC "nookbpf"

struct cache_header
{
  char magic[8];
  uint32_t format;
  uint32_t n_insns;
  char digest[64]; /* sha256 (hex) of the key and the instructions */
};

_Static_assert(sizeof (struct cache_header) % sizeof (struct sock_filter) == 0,
               "the file stays a whole number of instructions");

static void
cache_digest (const char *key, const struct sock_filter *insns, size_t n, char hex[65])
{
  struct nook_sha256_small h;

  nook_sha256_small_init (&h);
  nook_sha256_small_update (&h, key, 64);
  nook_sha256_small_update (&h, insns, n * sizeof (*insns));
  nook_sha256_small_final (&h, hex);
}

static bool
miss (const char **why, const char *reason)
{
  *why = reason;
  return false;
}

/* True when PATH holds the whole program of KEY; false (and *WHY) when it
   does not: missing, or not what cache_write wrote.  */
static bool
cache_read (const char *path, const char *key, struct runtime_seccomp *out, const char **why)
{
  const size_t max = sizeof (struct cache_header) + BPF_MAXINSNS * sizeof (struct sock_filter);
  _cleanup_close_ int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  _cleanup_free_ unsigned char *buf = NULL;
  struct cache_header hd;
  struct stat st;
  size_t size, n;
  char digest[65];

  if (fd < 0)
    return miss (why, errno == ENOENT ? "none yet" : strerror (errno));
  if (fstat (fd, &st) < 0 || !S_ISREG (st.st_mode))
    return miss (why, "not a regular file");
  if (st.st_size < (off_t)(sizeof (hd) + sizeof (struct sock_filter)) || st.st_size > (off_t)max
      || st.st_size % sizeof (struct sock_filter) != 0)
    return miss (why, "wrong size");
  size = (size_t)st.st_size;
  buf = xmalloc (size + 1);
  /* A byte more than the size: a file that grew meanwhile is not whole.  */
  if (read (fd, buf, size + 1) != (ssize_t)size)
    return miss (why, "short read");
  memcpy (&hd, buf, sizeof (hd));
  n = (size - sizeof (hd)) / sizeof (struct sock_filter);
  if (memcmp (hd.magic, CACHE_MAGIC, sizeof (hd.magic)) != 0 || hd.format != CACHE_FORMAT
      || hd.n_insns != n)
    return miss (why, "bad header");
  cache_digest (key, (const struct sock_filter *)(buf + sizeof (hd)), n, digest);
  if (memcmp (digest, hd.digest, sizeof (hd.digest)) != 0)
    return miss (why, "bad digest");
  out->insns = xmalloc (n * sizeof (struct sock_filter));
  memcpy (out->insns, buf + sizeof (hd), n * sizeof (struct sock_filter));
  out->n_insns = n;
  return true;
}

static int
cache_write (const char *dir, const char *name, const char *key, const struct runtime_seccomp *p,
             nook_error_t *err)
{
  struct cache_header hd = { .magic = CACHE_MAGIC, .format = CACHE_FORMAT };
  size_t len = p->n_insns * sizeof (struct sock_filter);
  _cleanup_free_ unsigned char *buf = xmalloc (sizeof (hd) + len);
  _cleanup_free_ char *path = xasprintf ("%s/%s", dir, name);
  char digest[65];

  hd.n_insns = (uint32_t)p->n_insns;
  cache_digest (key, p->insns, p->n_insns, digest);
  memcpy (hd.digest, digest, sizeof (hd.digest));
  memcpy (buf, &hd, sizeof (hd));
  memcpy (buf + sizeof (hd), p->insns, len);
  if (nook_mkdir_p (AT_FDCWD, dir, 0700, err) < 0)
    return -1;
  /* Volatile: a file lost to a crash is rebuilt; one cut short is refused.  */
  return nook_write_file_volatile (AT_FDCWD, path, buf, sizeof (hd) + len, 0600, err);
}

/* ---- what create and the init call ---- */

int
runtime_seccomp_prepare (const char *root, const struct oci_seccomp *sc,
                         struct runtime_seccomp *out, nook_error_t *err)
{
  _cleanup_free_ char *dir = NULL, *path = NULL;
  const char *why = "no cache";
  char key[65], name[72];

  memset (out, 0, sizeof (*out));
  if (kernel_flags (sc->flags, &out->flags, err) < 0)
    return -1;
  if (root)
    {
      if (runtime_seccomp_key (sc, key, err) < 0)
        return -1;
      snprintf (name, sizeof (name), "%s.bpf", key);
      dir = xasprintf ("%s/.seccomp", root);
      path = xasprintf ("%s/%s", dir, name);
      memcpy (out->key, key, sizeof (out->key));
      if (cache_read (path, key, out, &why))
        {
          nook_debug ("seccomp: %zu instructions from %s", out->n_insns, path);
          out->from_cache = true;
          return 0;
        }
    }
  nook_debug ("seccomp: building the filter (cache: %s)", why);
  if (build_program (sc, &out->insns, &out->n_insns, err) < 0)
    return -1;
  nook_debug ("seccomp: built %zu instructions", out->n_insns);
  if (root)
    {
      nook_error_t e2 = NULL;
      if (cache_write (dir, name, key, out, &e2) < 0)
        {
          nook_debug ("seccomp: not cached: %s", e2->msg);
          nook_error_free (&e2);
        }
    }
  return 0;
}

bool
runtime_seccomp_reuse (const char *root, const char *dir, const struct oci_seccomp *sc,
                       struct runtime_seccomp *out)
{
  _cleanup_free_ char *kpath = xasprintf ("%s/seccomp.key", dir);
  _cleanup_free_ char *text = NULL, *path = NULL;
  struct runtime_seccomp r = { 0 };
  nook_error_t e = NULL;
  const char *why = NULL;
  size_t len;

  if (nook_read_file_at (AT_FDCWD, kpath, 64, &text, &len, &e) < 0
      || kernel_flags (sc->flags, &r.flags, &e) < 0)
    {
      nook_debug ("seccomp: %s", e->msg);
      nook_error_free (&e);
      return false;
    }
  if (len != 64 || !nook_is_hex (text, 64))
    return false;
  path = xasprintf ("%s/.seccomp/%s.bpf", root, text);
  if (!cache_read (path, text, &r, &why))
    {
      nook_debug ("seccomp: the container's filter is not cached: %s", why);
      return false;
    }
  nook_debug ("seccomp: %zu instructions from %s, the container's", r.n_insns, path);
  r.from_cache = true;
  memcpy (r.key, text, sizeof (r.key));
  *out = r;
  return true;
}

int
runtime_seccomp_remember (const char *dir, const struct runtime_seccomp *p, nook_error_t *err)
{
  _cleanup_free_ char *path = xasprintf ("%s/seccomp.key", dir);

  if (p->key[0] == '\0')
    return 0;
  return nook_write_file_volatile (AT_FDCWD, path, p->key, 64, 0600, err);
}

void
runtime_seccomp_release (struct runtime_seccomp *p)
{
  free (p->insns);
  p->insns = NULL;
  p->n_insns = 0;
}

int
runtime_seccomp_load (const struct runtime_seccomp *p, nook_error_t *err)
{
  struct sock_fprog prog = { .len = (unsigned short)p->n_insns, .filter = p->insns };
  long rc = syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, p->flags, &prog);

  if (rc < 0)
    return nook_error (err, errno, "load the seccomp filter%s",
                       errno == EACCES ? " (without noNewPrivileges it needs CAP_SYS_ADMIN)" : "");
  /* TSYNC: the id of a thread that could not take the filter.  */
  if (rc > 0)
    return nook_error (err, ESRCH, "load the seccomp filter: thread %ld cannot be synchronized",
                       rc);
  return 0;
}
