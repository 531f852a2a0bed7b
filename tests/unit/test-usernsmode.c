/* pkg/container/usernsmode.c: --userns and --uidmap/--gidmap parsed and
   refused with Podman's messages, the record's round trip, and what the
   mappings become (fuse-overlayfs options, the OCI spec, the ids the
   spec checks users against).  */
#include "unit.h"

#include "container/container.h"

#include <string.h>

/* container_userns_check on IN with a throwaway config; the storage is
   used by auto only, which these tests do not reach.  */
static int
check (const char *mode, char **uidmap, char **gidmap, struct container_config *cfg,
       nook_error_t *err)
{
  struct container_userns in = { .mode = mode, .uidmap = uidmap, .gidmap = gidmap };
  int lock = -1;
  int r;

  memset (cfg, 0, sizeof (*cfg));
  cfg->workdir = xstrdup ("/");
  cfg->user = xstrdup ("");
  r = container_userns_check (NULL, &in, false, cfg, &lock, err);
  if (lock >= 0)
    close (lock);
  return r;
}

TEST (mode_errors_are_podmans)
{
  static const struct
  {
    const char *mode, *msg;
  } cases[] = {
    { "bogus", "unrecognized namespace mode bogus passed" },
    { "nomap:x", "unrecognized namespace mode nomap:x passed" },
    { "host:x", "unrecognized namespace mode host:x passed" },
    { "keep-id:foo=1", "unknown option specified: \"foo\"" },
    { "keep-id:uid=x", "strconv.ParseUint: parsing \"x\": invalid syntax" },
    { "keep-id:gid=-1", "strconv.ParseUint: parsing \"-1\": invalid syntax" },
    { "keep-id:uid=4294967296", "strconv.ParseUint: parsing \"4294967296\": value out of range" },
    { "auto:foo", "invalid option specified: \"foo\"" },
    { "auto:size=", "strconv.ParseUint: parsing \"\": invalid syntax" },
    { "auto:size=0", "at least 1 id" },
    { "private", "must provide at least one UID or GID mapping" },
    { "container:x", "not supported" },
  };
  struct container_config cfg;

  for (size_t i = 0; i < NOOK_ARRAY_SIZE (cases); i++)
    {
      nook_error_t err = NULL;
      CHECK_FAIL (check (cases[i].mode, NULL, NULL, &cfg, &err), &err, cases[i].msg);
      container_config_free (&cfg);
    }
}

TEST (host_and_empty_are_the_default)
{
  struct container_config cfg;
  nook_error_t err = NULL;

  CHECK_OK (check (NULL, NULL, NULL, &cfg, &err), &err);
  CHECK (cfg.userns.kind == CONTAINER_USERNS_HOST && !container_userns_private (&cfg.userns));
  CHECK (cfg.userns.uids.n == 0 && container_userns_fuse_map (&cfg.userns.uids) == NULL);
  container_config_free (&cfg);
  CHECK_OK (check ("host", NULL, NULL, &cfg, &err), &err);
  CHECK (cfg.userns.kind == CONTAINER_USERNS_HOST);
  container_config_free (&cfg);
  CHECK_OK (check ("", NULL, NULL, &cfg, &err), &err);
  CHECK (cfg.userns.kind == CONTAINER_USERNS_HOST);
  container_config_free (&cfg);
}

TEST (maps_exclude_userns)
{
  struct container_config cfg;
  nook_error_t err = NULL;
  char *map[] = { (char *)"0:1:10", NULL };

  CHECK_FAIL (check ("keep-id", map, NULL, &cfg, &err), &err,
              "--userns and --uidmap/--gidmap/--subuidname/--subgidname are mutually exclusive");
  container_config_free (&cfg);
  CHECK_FAIL (check ("host", NULL, map, &cfg, &err), &err, "mutually exclusive");
  container_config_free (&cfg);
}

TEST (malformed_maps)
{
  static const char *const bad[] = { "0:1", "x:1:2", "0:-1:5", "0:1:2:3", "", "::", "0:1:+2" };
  struct container_config cfg;

  for (size_t i = 0; i < NOOK_ARRAY_SIZE (bad); i++)
    {
      nook_error_t err = NULL;
      char *map[] = { (char *)bad[i], NULL };
      _cleanup_free_ char *want
          = xasprintf ("initializing ID mappings: UID setting is malformed expected "
                       "[\"uint32:uint32:uint32\"]: [\"%s\"]",
                       bad[i]);
      CHECK_FAIL (check (NULL, map, NULL, &cfg, &err), &err, want);
      container_config_free (&cfg);
    }
  {
    nook_error_t err = NULL;
    char *good[] = { (char *)"0:1:1", NULL }, *badg[] = { (char *)"0:1", NULL };
    CHECK_FAIL (check (NULL, good, badg, &cfg, &err), &err, "GID setting is malformed");
    container_config_free (&cfg);
  }
}

/* As real root the "from" ids are the host's: no subordinate ids are
   needed, so these run the same anywhere root runs them.  */
TEST (maps_as_root)
{
  struct container_config cfg;
  nook_error_t err = NULL;
  char *uid[] = { (char *)"0:100000:1000", (char *)"1000:0:1", NULL };
  char *gid[] = { (char *)"0:200000:10", NULL };
  char *overlap[] = { (char *)"0:100000:10", (char *)"5:300000:10", NULL };
  char *zero[] = { (char *)"0:1:0", NULL };
  _cleanup_free_ char *fuse = NULL;
  struct oci_spec spec = { 0 };
  struct userns_ids buf;
  const struct userns_ids *ids;

  if (!nook_is_real_root ())
    SKIP ("as root only: the rootless check needs /etc/subuid");
  CHECK_OK (check (NULL, uid, gid, &cfg, &err), &err);
  CHECK (cfg.userns.kind == CONTAINER_USERNS_MAPPED);
  fuse = container_userns_fuse_map (&cfg.userns.uids);
  CHECK_STR_EQ (fuse, "0:100000:1000:1000:0:1");
  container_userns_apply (&cfg.userns, &spec);
  CHECK (oci_spec_namespace (&spec, "user") != NULL);
  CHECK_INT_EQ (spec.n_uid_mappings, 2);
  CHECK_INT_EQ (spec.uid_mappings[1].container_id, 1000);
  CHECK_INT_EQ (spec.uid_mappings[1].host_id, 0);
  CHECK_INT_EQ (spec.n_gid_mappings, 1);
  CHECK_INT_EQ (spec.gid_mappings[0].host_id, 200000);
  oci_spec_free (&spec);
  ids = container_userns_ids (&cfg.userns, NULL, &buf);
  CHECK (ids == &buf && !ids->single && ids->uids.n == 2);
  container_config_free (&cfg);
  /* Only --uidmap: the gids take the same map.  */
  CHECK_OK (check (NULL, uid, NULL, &cfg, &err), &err);
  CHECK_INT_EQ (cfg.userns.gids.n, 2);
  container_config_free (&cfg);
  CHECK_FAIL (check (NULL, overlap, NULL, &cfg, &err), &err, "overlap");
  container_config_free (&cfg);
  CHECK_FAIL (check (NULL, zero, NULL, &cfg, &err), &err, "the amount must be at least 1");
  container_config_free (&cfg);
  CHECK_FAIL (check ("keep-id", NULL, NULL, &cfg, &err), &err,
              "keep-id is only supported in rootless mode");
  container_config_free (&cfg);
  CHECK_FAIL (check ("nomap", NULL, NULL, &cfg, &err), &err,
              "nomap is only supported in rootless mode");
  container_config_free (&cfg);
}

TEST (record_round_trip)
{
  struct container_userns u = { 0 }, back;
  _cleanup_json_gen_ struct json_gen *g = json_gen_new (false);
  _cleanup_json_ nook_json *j = NULL;
  nook_error_t err = NULL;
  const char *text;
  size_t len;

  u.kind = CONTAINER_USERNS_KEEP_ID;
  u.mode = xstrdup ("keep-id:uid=5");
  u.uids = (struct userns_map){ .r = { { 0, 1, 5 }, { 5, 0, 1 }, { 6, 6, 100 } }, .n = 3 };
  u.gids = (struct userns_map){ .r = { { 0, 1, 7 } }, .n = 1 };
  u.passwd = xstrdup ("me:*:5:7::/:/bin/sh");
  u.group = xstrdup ("me:x:7:me");
  json_gen_object_open (g);
  container_userns_write (g, &u);
  json_gen_object_close (g);
  text = json_gen_text (g, &len);
  if (!CHECK_OK (json_parse (text, len, &j, &err), &err))
    return;
  if (!CHECK_OK (container_userns_read (j, &back, &err), &err))
    return;
  CHECK (back.kind == CONTAINER_USERNS_KEEP_ID);
  CHECK_STR_EQ (back.mode, "keep-id:uid=5");
  CHECK_INT_EQ (back.uids.n, 3);
  CHECK_INT_EQ (back.uids.r[2].count, 100);
  CHECK_INT_EQ (back.gids.r[0].inside, 0);
  CHECK_INT_EQ (back.gids.r[0].outside, 1);
  CHECK_STR_EQ (back.passwd, "me:*:5:7::/:/bin/sh");
  CHECK_STR_EQ (back.group, "me:x:7:me");
  container_userns_free (&back);
  container_userns_free (&u);
}

TEST (record_absent_or_bad)
{
  static const char *const bad[] = {
    "{\"userns\":{\"kind\":\"what\"}}", "{\"userns\":{\"kind\":\"keep-id\"}}", /* no map */
    "{\"userns\":{\"kind\":\"nomap\",\"uids\":[\"0:1\"],\"gids\":[]}}",        /* malformed */
  };
  struct container_userns u;
  nook_error_t err = NULL;
  _cleanup_json_ nook_json *j = NULL;

  CHECK_OK (json_parse ("{}", 2, &j, &err), &err);
  CHECK_OK (container_userns_read (j, &u, &err), &err);
  CHECK (u.kind == CONTAINER_USERNS_HOST);
  container_userns_free (&u);
  for (size_t i = 0; i < NOOK_ARRAY_SIZE (bad); i++)
    {
      _cleanup_json_ nook_json *b = NULL;
      if (!CHECK_OK (json_parse (bad[i], strlen (bad[i]), &b, &err), &err))
        continue;
      CHECK_FAIL (container_userns_read (b, &u, &err), &err, "userns");
    }
}

UNIT_MAIN ()
