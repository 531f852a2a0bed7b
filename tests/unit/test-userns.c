/* pkg/userns: building the id map from subordinate ranges, parsing
   /proc/PID/uid_map, mapping ids to the host.  */
#include "unit.h"

#include "userns/userns.h"

static bool
range_is (const struct userns_map *m, size_t i, uint32_t inside, uint32_t outside, uint32_t count,
          const char *file, int line)
{
  if (i >= m->n)
    {
      unit_fail_ (file, line, "range %zu missing (the map has %zu)", i, m->n);
      return false;
    }
  if (m->r[i].inside != inside || m->r[i].outside != outside || m->r[i].count != count)
    {
      unit_fail_ (file, line, "range %zu is %u %u %u, expected %u %u %u", i, m->r[i].inside,
                  m->r[i].outside, m->r[i].count, inside, outside, count);
      return false;
    }
  return true;
}
#define CHECK_RANGE(m, i, in, out, c) range_is ((m), (i), (in), (out), (c), __FILE__, __LINE__)

/* ---- userns_build_map ---- */

TEST (build_own_id_only)
{
  struct userns_map m;
  userns_build_map (1000, NULL, 0, &m);
  CHECK_INT_EQ (m.n, 1);
  CHECK_RANGE (&m, 0, 0, 1000, 1);
  CHECK_INT_EQ (userns_map_size (&m), 1);
}

TEST (build_ranges_concatenated)
{
  /* The "inside" field of a subordinate range is ignored: ranges are laid
     end to end from 1.  */
  struct userns_range sub[] = { { 77, 100000, 65536 }, { 0, 300000, 10 }, { 0, 5, 1 } };
  struct userns_map m;
  userns_build_map (1000, sub, 3, &m);
  CHECK_INT_EQ (m.n, 4);
  CHECK_RANGE (&m, 0, 0, 1000, 1);
  CHECK_RANGE (&m, 1, 1, 100000, 65536);
  CHECK_RANGE (&m, 2, 65537, 300000, 10);
  CHECK_RANGE (&m, 3, 65547, 5, 1);
  CHECK_INT_EQ (userns_map_size (&m), 1 + 65536 + 10 + 1);
}

TEST (build_zero_counts_skipped)
{
  struct userns_range sub[]
      = { { 0, 100000, 0 }, { 0, 200000, 10 }, { 0, 9, 0 }, { 0, 300000, 5 } };
  struct userns_map m;
  userns_build_map (0, sub, 4, &m);
  CHECK_INT_EQ (m.n, 3);
  CHECK_RANGE (&m, 0, 0, 0, 1);
  CHECK_RANGE (&m, 1, 1, 200000, 10);
  CHECK_RANGE (&m, 2, 11, 300000, 5);
}

TEST (build_cut_at_the_top)
{
  /* Inside ids go up to 2^32 - 2 (4294967295 is the invalid id -1): a
     map holds at most 2^32 - 1 ids.  */
  struct userns_range huge[] = { { 0, 1000000, UINT32_MAX }, { 0, 5, 10 } };
  struct userns_range exact[] = { { 0, 1, UINT32_MAX - 1 }, { 0, 5, 10 } };
  struct userns_range two[] = { { 0, 100, 4000000000u }, { 0, 200, 4000000000u } };
  struct userns_map m;

  userns_build_map (1000, huge, 2, &m);
  CHECK_INT_EQ (m.n, 2);
  CHECK_RANGE (&m, 1, 1, 1000000, UINT32_MAX - 1);
  CHECK_INT_EQ (userns_map_size (&m), UINT32_MAX);

  /* A range that ends exactly at the top is kept whole; nothing fits
     after it.  */
  userns_build_map (1000, exact, 2, &m);
  CHECK_INT_EQ (m.n, 2);
  CHECK_RANGE (&m, 1, 1, 1, UINT32_MAX - 1);
  CHECK_INT_EQ (userns_map_size (&m), UINT32_MAX);

  userns_build_map (1000, two, 2, &m);
  CHECK_INT_EQ (m.n, 3);
  CHECK_RANGE (&m, 1, 1, 100, 4000000000u);
  CHECK_RANGE (&m, 2, 4000000001u, 200, UINT32_MAX - 4000000001u);
  CHECK_INT_EQ (userns_map_size (&m), UINT32_MAX);
  /* Nothing maps the invalid id.  */
  {
    uint32_t out;
    CHECK (!userns_to_host (&m, UINT32_MAX, &out));
    CHECK (userns_to_host (&m, UINT32_MAX - 1, &out));
  }
}

TEST (build_too_many_ranges)
{
  struct userns_range sub[40];
  struct userns_map m;

  for (size_t i = 0; i < NOOK_ARRAY_SIZE (sub); i++)
    sub[i] = (struct userns_range){ 0, (uint32_t)(100000 + 1000 * i), 10 };
  userns_build_map (1000, sub, NOOK_ARRAY_SIZE (sub), &m);
  CHECK_INT_EQ (m.n, USERNS_MAX_RANGES);
  CHECK_RANGE (&m, 0, 0, 1000, 1);
  CHECK_RANGE (&m, 1, 1, 100000, 10);
  CHECK_RANGE (&m, USERNS_MAX_RANGES - 1, 1 + 10 * (USERNS_MAX_RANGES - 2),
               100000 + 1000 * (USERNS_MAX_RANGES - 2), 10);
  CHECK_INT_EQ (userns_map_size (&m), 1 + 10 * (USERNS_MAX_RANGES - 1));
}

TEST (build_clears_the_output)
{
  struct userns_map m;
  memset (&m, 0xab, sizeof (m));
  userns_build_map (5, NULL, 0, &m);
  CHECK_INT_EQ (m.n, 1);
  CHECK (m.r[1].count == 0 && m.r[USERNS_MAX_RANGES - 1].count == 0);
}

/* ---- userns_parse_map ---- */

TEST (parse_proc_format)
{
  /* As the kernel prints it: right-aligned in columns of 10.  */
  static const char text[] = "         0       1000          1\n"
                             "         1     100000      65536\n";
  struct userns_map m;
  nook_error_t err = NULL;

  if (!CHECK_OK (userns_parse_map (text, &m, &err), &err))
    return;
  CHECK_INT_EQ (m.n, 2);
  CHECK_RANGE (&m, 0, 0, 1000, 1);
  CHECK_RANGE (&m, 1, 1, 100000, 65536);
  CHECK_INT_EQ (userns_map_size (&m), 65537);
}

TEST (parse_identity_and_edges)
{
  struct userns_map m;
  nook_error_t err = NULL;

  CHECK_OK (userns_parse_map ("         0          0 4294967295\n", &m, &err), &err);
  CHECK_INT_EQ (m.n, 1);
  CHECK_RANGE (&m, 0, 0, 0, UINT32_MAX);
  CHECK_INT_EQ (userns_map_size (&m), UINT32_MAX);
  /* Empty text: an empty map (a namespace not mapped yet).  */
  CHECK_OK (userns_parse_map ("", &m, &err), &err);
  CHECK_INT_EQ (m.n, 0);
  CHECK_OK (userns_parse_map ("\n", &m, &err), &err);
  CHECK_INT_EQ (m.n, 0);
  /* No final newline.  */
  CHECK_OK (userns_parse_map ("0 1000 1", &m, &err), &err);
  CHECK_INT_EQ (m.n, 1);
  CHECK_RANGE (&m, 0, 0, 1000, 1);
}

TEST (parse_max_lines)
{
  struct nook_buf b = { 0 };
  struct userns_map m;
  nook_error_t err = NULL;

  for (int i = 0; i < USERNS_MAX_RANGES; i++)
    nook_buf_printf (&b, "%10d %10d %10d\n", i * 10, 100000 + i * 10, 10);
  CHECK_OK (userns_parse_map (b.data, &m, &err), &err);
  CHECK_INT_EQ (m.n, USERNS_MAX_RANGES);
  nook_buf_printf (&b, "%10d %10d %10d\n", 9999, 9999, 1);
  CHECK_FAIL (userns_parse_map (b.data, &m, &err), &err, NULL);
  nook_buf_free (&b);
}

TEST (parse_junk)
{
  struct userns_map m;
  nook_error_t err = NULL;

  CHECK_FAIL (userns_parse_map ("junk\n", &m, &err), &err, "junk");
  CHECK_FAIL (userns_parse_map ("0 1000\n", &m, &err), &err, NULL);
  CHECK_FAIL (userns_parse_map ("0 1000 1\nabc 1 2\n", &m, &err), &err, "abc");
  CHECK_FAIL (userns_parse_map ("0 1000 1x\n", &m, &err), &err, NULL);
  CHECK_FAIL (userns_parse_map ("0 4294967296 1\n", &m, &err), &err, NULL);
  CHECK_FAIL (userns_parse_map ("4294967296 0 1\n", &m, &err), &err, NULL);
  CHECK_FAIL (userns_parse_map ("0 0 4294967296\n", &m, &err), &err, NULL);
  CHECK_FAIL (userns_parse_map ("0 -1 1\n", &m, &err), &err, NULL);
  CHECK_FAIL (userns_parse_map ("0 99999999999999999999999 1\n", &m, &err), &err, NULL);
}

TEST (parse_own_map)
{
  /* This process's map parses, whatever namespace the test runs in.  */
  _cleanup_free_ char *text = NULL;
  struct userns_map m;
  nook_error_t err = NULL;
  uint32_t out = 0;

  if (!CHECK_OK (nook_read_file_at (AT_FDCWD, "/proc/self/uid_map", 4096, &text, NULL, &err), &err))
    return;
  if (!CHECK_OK (userns_parse_map (text, &m, &err), &err))
    return;
  CHECK (m.n >= 1);
  CHECK (userns_to_host (&m, (uint32_t)getuid (), &out));
}

/* ---- userns_to_host ---- */

TEST (to_host)
{
  struct userns_range sub[] = { { 0, 100000, 65536 }, { 0, 300000, 10 } };
  struct userns_map m;
  uint32_t out = 12345;

  userns_build_map (1000, sub, 2, &m);
  CHECK (userns_to_host (&m, 0, &out) && out == 1000);
  CHECK (userns_to_host (&m, 1, &out) && out == 100000);
  CHECK (userns_to_host (&m, 65536, &out) && out == 165535);
  CHECK (userns_to_host (&m, 65537, &out) && out == 300000);
  CHECK (userns_to_host (&m, 65546, &out) && out == 300009);
  out = 12345;
  CHECK (!userns_to_host (&m, 65547, &out));
  CHECK (!userns_to_host (&m, UINT32_MAX, &out));
  CHECK_INT_EQ (out, 12345);
}

TEST (to_host_unsorted_and_empty)
{
  struct userns_map m;
  nook_error_t err = NULL;
  uint32_t out = 0;

  /* The kernel allows the lines in any order.  */
  CHECK_OK (userns_parse_map ("1 100000 100\n0 1000 1\n", &m, &err), &err);
  CHECK (userns_to_host (&m, 0, &out) && out == 1000);
  CHECK (userns_to_host (&m, 100, &out) && out == 100099);
  CHECK (!userns_to_host (&m, 101, &out));
  memset (&m, 0, sizeof (m));
  CHECK (!userns_to_host (&m, 0, &out));
  CHECK_INT_EQ (userns_map_size (&m), 0);
}

UNIT_MAIN ()

/* The ids nook hands its helpers come back whole; anything else is
   refused.  */
TEST (ids_format_parse)
{
  struct userns_range sub[] = { { 0, 100000, 65536 }, { 0, 300000, 10 } };
  _cleanup_userns_ids_ struct userns_ids ids = { .uid = 1001, .gid = 1002, .user = "nook-test" };
  _cleanup_userns_ids_ struct userns_ids back = { 0 };
  _cleanup_free_ char *text = NULL;
  nook_error_t err = NULL;
  static const char *const bad[] = {
    "",
    "1001:1002:0:u:0-1001-1",
    "1001:1002:0::0-1001-1:0-1002-1",
    "1001:1002:2:u:0-1001-1:0-1002-1",
    "1001:1002:0:u:0-1001-0:0-1002-1",
    "1001:1002:0:u:0-1001-1:0-1002-1:",
    "1001:1002:0:u:0-1001-1,:0-1002-1",
    "4294967296:1002:0:u:0-1001-1:0-1002-1",
    "1001:1002:0:u:0-1001:0-1002-1",
    "-1:1002:0:u:0-1001-1:0-1002-1",
  };

  userns_build_map (1001, sub, 2, &ids.uids);
  userns_build_map (1002, sub, 1, &ids.gids);
  ids.user = xstrdup (ids.user);
  text = userns_ids_format (&ids);
  CHECK_STR_EQ (text, "1001:1002:0:nook-test:0-1001-1,1-100000-65536,65537-300000-10:0-1002-1,"
                      "1-100000-65536");
  if (!CHECK_OK (userns_ids_parse (text, &back, &err), &err))
    return;
  CHECK (back.uid == 1001 && back.gid == 1002 && !back.single);
  CHECK_STR_EQ (back.user, "nook-test");
  CHECK (memcmp (&back.uids, &ids.uids, sizeof (ids.uids)) == 0);
  CHECK (memcmp (&back.gids, &ids.gids, sizeof (ids.gids)) == 0);
  for (size_t i = 0; i < NOOK_ARRAY_SIZE (bad); i++)
    {
      struct userns_ids none;
      if (!CHECK (userns_ids_parse (bad[i], &none, &err) < 0))
        unit_note ("parsed: %s", bad[i]);
      else
        CHECK (none.user == NULL);
      nook_error_free (&err);
    }
}
