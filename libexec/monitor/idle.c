/* The monitor at rest: most containers spend most of their life quiet,
   and then their monitor need hold almost nothing in memory.

   Once the loop has seen no event for MONITOR_IDLE_MS, it gives back everything
   that comes back by itself when used again: the resident pages of the
   code and read-only data of the libraries and of ours (read-only file
   mappings with no private page: never a page that was written, such as
   relocated data), the free heap, the read buffer's pages and the stack
   below us.  Then it waits.  The kernel maps file pages 64 KiB at a time
   ("fault-around"), so code that ran after the release (madvise's own
   wrapper, epoll_wait's, our loop) would bring much of it back at once:
   the release and the wait are therefore one small function that calls
   nothing, copied into a page of its own.  The first event after the rest
   faults back what its handling needs, from the page cache.  */
#include "monitor.h"

#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

struct idle_range
{
  uintptr_t start, len;
};

struct idle_args
{
  const struct idle_range *ranges;
  size_t n;
  uintptr_t stack_low; /* the stack mapping's bottom */
  int epfd;
  struct epoll_event *ev;
  int max;
};

/* Freestanding: no call, no global, no constant outside its own code, and
   all of it in its section (no cold part split off elsewhere), so that a
   copy runs anywhere.  */
#if defined(__clang__)
#define IDLE_NO_SPLIT
#else
#define IDLE_NO_SPLIT optimize ("no-reorder-blocks-and-partition")
#endif
#define IDLE_FN                                                                                    \
  __attribute__ ((section ("nook_idle"), noinline, used, no_stack_protector, no_sanitize_address,  \
                  no_sanitize ("undefined"), IDLE_NO_SPLIT))

/* A system call with no libc: inline, so the copy holds it.  */
__attribute__ ((always_inline)) static inline long
idle_syscall (long nr, long a, long b, long c, long d, long e, long f)
{
#if defined(__x86_64__)
  register long r10 __asm__("r10") = d;
  register long r8 __asm__("r8") = e;
  register long r9 __asm__("r9") = f;
  long ret;

  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return ret;
#elif defined(__aarch64__)
  register long x8 __asm__("x8") = nr;
  register long x0 __asm__("x0") = a;
  register long x1 __asm__("x1") = b;
  register long x2 __asm__("x2") = c;
  register long x3 __asm__("x3") = d;
  register long x4 __asm__("x4") = e;
  register long x5 __asm__("x5") = f;

  __asm__ volatile("svc #0"
                   : "+r"(x0)
                   : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
                   : "memory");
  return x0;
#else
  long ret = syscall (nr, a, b, c, d, e, f); /* runs in place: see below */
  return ret < 0 ? -errno : ret;
#endif
}

IDLE_FN static long
idle_code (const struct idle_args *a)
{
  /* Well below our own frame: nothing lives there (signals arrive on the
     signalfd, never on this stack).  */
  uintptr_t below = ((uintptr_t)__builtin_frame_address (0) - 8192) & ~(uintptr_t)4095;
  long r;

  for (size_t i = 0; i < a->n; i++)
    idle_syscall (SYS_madvise, (long)a->ranges[i].start, (long)a->ranges[i].len, MADV_DONTNEED, 0,
                  0, 0);
  if (a->stack_low && below > a->stack_low)
    idle_syscall (SYS_madvise, (long)a->stack_low, (long)(below - a->stack_low), MADV_DONTNEED, 0,
                  0, 0);
  do
    r = idle_syscall (SYS_epoll_pwait, a->epfd, (long)a->ev, a->max, -1, 0, 0);
  while (r == -EINTR);
  return r;
}

extern const char __start_nook_idle[], __stop_nook_idle[];

static void
add_range (struct monitor_idle *idle, uintptr_t start, uintptr_t end)
{
  if (idle->n == idle->cap)
    {
      idle->cap = idle->cap ? 2 * idle->cap : 32;
      idle->ranges = xrealloc (idle->ranges, idle->cap * sizeof (*idle->ranges));
    }
  idle->ranges[idle->n++] = (struct idle_range){ start, end - start };
}

/* The read-only file mappings with no private page, and the stack.  The
   list is taken once: its mappings are the program's and the libraries'
   it loaded, which nothing unloads (no dlclose), so no address in it ever
   comes to hold anything else.  */
static void
read_mappings (struct monitor_idle *idle)
{
  _cleanup_fclose_ FILE *f = fopen ("/proc/self/smaps", "re");
  unsigned long start = 0, end = 0;
  bool candidate = false;
  char line[512];

  while (f && fgets (line, sizeof (line), f))
    {
      unsigned long a, b, anon;
      char perms[5];

      if (sscanf (line, "%lx-%lx %4s", &a, &b, perms) == 3)
        {
          start = a;
          end = b;
          candidate = perms[0] == 'r' && perms[1] == '-' && perms[3] == 'p' && strchr (line, '/');
          if (strstr (line, "[stack]"))
            idle->stack_low = a;
        }
      else if (candidate && sscanf (line, "Anonymous: %lu kB", &anon) == 1)
        {
          if (anon == 0)
            add_range (idle, start, end);
          candidate = false;
        }
    }
}

void
monitor_idle_prepare (struct monitor *m)
{
  struct monitor_idle *idle = &m->idle;
  size_t size = (size_t)(__stop_nook_idle - __start_nook_idle);
  void *page;

  read_mappings (idle);
  /* The read buffer: its content is never kept between reads.  */
  uintptr_t b = ((uintptr_t)m->buf + 4095) & ~(uintptr_t)4095;
  uintptr_t e = ((uintptr_t)m->buf + m->buf_size) & ~(uintptr_t)4095;
  if (m->buf && e > b)
    add_range (idle, b, e);
  /* Where a copy cannot be made executable (a policy against it), or
     the code calls libc (no system call of our own for this machine), it
     runs where it is: correct, only less is given back.  */
  idle->code = (long (*) (const void *))idle_code;
#if !defined(__x86_64__) && !defined(__aarch64__)
  return;
#endif
  page = mmap (NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (page == MAP_FAILED)
    return;
  memcpy (page, __start_nook_idle, size);
  if (mprotect (page, size, PROT_READ | PROT_EXEC) < 0)
    {
      munmap (page, size);
      return;
    }
  idle->page = page;
  idle->page_size = size;
  idle->code
      = (long (*) (const void *)) ((char *)page + ((const char *)idle_code - __start_nook_idle));
}

int
monitor_idle_wait (struct monitor *m, struct epoll_event *ev, int max)
{
  struct monitor_idle *idle = &m->idle;
  struct idle_args a = { .ranges = idle->ranges,
                         .n = idle->n,
                         .stack_low = idle->stack_low,
                         .epfd = m->epfd,
                         .ev = ev,
                         .max = max };
  long r;

  malloc_trim (0);
  r = idle->code (&a);
  if (r < 0)
    {
      errno = (int)-r;
      return -1;
    }
  return (int)r;
}

void
monitor_idle_release (struct monitor *m)
{
  if (m->idle.page)
    munmap (m->idle.page, m->idle.page_size);
  free (m->idle.ranges);
}
