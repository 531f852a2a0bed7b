/* mkdata: the content of bench/images.sh's test image, from a seeded PRNG,
   so that every run (and every machine) builds the same bytes without
   /dev/urandom, and fast: a shell loop would fork once per file.

     mkdata files DIR PREFIX COUNT SEED
         writes COUNT small files under DIR, 100 to a directory, ten
         directories to a parent (DIR/d00/d0/f00000.txt ...), each 1024 to
         8192 bytes of lowercase hex lines: text that gzip halves, as it
         does a typical mix of sources, scripts and binaries.  Prints the
         mktar(1) spec of the tree on stdout, names under PREFIX, in the
         order written (a directory before what it holds).
     mkdata blob FILE BYTES SEED
         writes BYTES pseudo-random bytes to FILE: incompressible, like a
         compressed archive or a model file in a real image.

   The generator is splitmix64: tiny, fast and the same everywhere.  */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static uint64_t state;

static uint64_t
next (void)
{
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);

  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static void
die (const char *what, const char *name)
{
  fprintf (stderr, "mkdata: %s `%s`: %s\n", what, name, strerror (errno));
  exit (1);
}

static unsigned long long
number (const char *s, const char *what)
{
  char *end;
  unsigned long long v;

  errno = 0;
  v = strtoull (s, &end, 10);
  if (!*s || *end || errno)
    {
      fprintf (stderr, "mkdata: bad %s `%s`\n", what, s);
      exit (2);
    }
  return v;
}

static void
write_all (int fd, const char *buf, size_t len, const char *name)
{
  while (len > 0)
    {
      ssize_t n = write (fd, buf, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        die ("write", name);
      buf += n;
      len -= (size_t)n;
    }
}

static void
make_dir (const char *path)
{
  if (mkdir (path, 0755) < 0 && errno != EEXIST)
    die ("mkdir", path);
}

static int
files (const char *dir, const char *prefix, unsigned long long count)
{
  static const char hex[] = "0123456789abcdef";
  char path[4096], buf[8192];

  make_dir (dir);
  for (unsigned long long i = 0; i < count; i++)
    {
      unsigned long long top = i / 1000, sub = i / 100 % 10;
      size_t size = 1024 + next () % (8192 - 1024 + 1);
      int fd;

      if (i % 1000 == 0)
        {
          snprintf (path, sizeof path, "%s/d%02llu", dir, top);
          make_dir (path);
          printf ("dir %s/d%02llu 0755 0 0\n", prefix, top);
        }
      if (i % 100 == 0)
        {
          snprintf (path, sizeof path, "%s/d%02llu/d%llu", dir, top, sub);
          make_dir (path);
          printf ("dir %s/d%02llu/d%llu 0755 0 0\n", prefix, top, sub);
        }
      /* 63 hex digits and a newline per line.  */
      for (size_t j = 0; j < size; j++)
        buf[j] = (j % 64 == 63) ? '\n' : hex[next () & 15];
      snprintf (path, sizeof path, "%s/d%02llu/d%llu/f%05llu.txt", dir, top, sub, i);
      fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (fd < 0)
        die ("open", path);
      write_all (fd, buf, size, path);
      if (close (fd) < 0)
        die ("close", path);
      printf ("file %s/d%02llu/d%llu/f%05llu.txt 0644 0 0 %s\n", prefix, top, sub, i, path);
    }
  if (fflush (stdout) != 0 || ferror (stdout))
    die ("write", "stdout");
  return 0;
}

static int
blob (const char *file, unsigned long long bytes)
{
  static unsigned char buf[1 << 20];
  int fd = open (file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

  if (fd < 0)
    die ("open", file);
  while (bytes > 0)
    {
      size_t n = bytes < sizeof buf ? (size_t)bytes : sizeof buf;

      /* Little-endian whatever the host, so the bytes are the same
         everywhere.  */
      for (size_t j = 0; j < n; j += 8)
        {
          uint64_t v = next ();

          for (size_t k = 0; k < 8; k++)
            buf[j + k] = (unsigned char)(v >> (8 * k));
        }
      write_all (fd, (const char *)buf, n, file);
      bytes -= n;
    }
  if (close (fd) < 0)
    die ("close", file);
  return 0;
}

int
main (int argc, char **argv)
{
  if (argc == 6 && strcmp (argv[1], "files") == 0)
    {
      state = number (argv[5], "SEED");
      return files (argv[2], argv[3], number (argv[4], "COUNT"));
    }
  if (argc == 5 && strcmp (argv[1], "blob") == 0)
    {
      state = number (argv[4], "SEED");
      return blob (argv[2], number (argv[3], "BYTES"));
    }
  fprintf (stderr, "usage: mkdata files DIR PREFIX COUNT SEED\n"
                   "       mkdata blob FILE BYTES SEED\n");
  return 2;
}
