/* pkg/registry: registries.conf, short-name resolution, auth.json, base64,
   registry error messages, pull policies.  */
#include "unit.h"

#include "registry/internal.h"

#include <sys/stat.h>

static bool
conf_from (struct reg_conf *c, const char *text)
{
  nook_error_t err = NULL;

  memset (c, 0, sizeof (*c));
  return CHECK_OK (reg_conf_parse (c, text, strlen (text), "test.conf", &err), &err);
}

static const char conf_text[]
    = "# a comment\n"
      "unqualified-search-registries = [\"one.example\", \"two.example:5000\"]\n"
      "\n"
      "[[registry]]\n"
      "prefix = \"one.example/ns\"\n"
      "location = \"mirror.example/other\"\n"
      "insecure = true\n"
      "[[registry.mirror]]\n"
      "location = \"fast.example/ns\"\n"
      "\n"
      "[[registry]]\n"
      "location = \"bad.example\"\n"
      "blocked = true\n"
      "\n"
      "[aliases]\n"
      "\"myapp\" = \"two.example:5000/apps/myapp\"\n";

TEST (conf_parse)
{
  struct reg_conf c;
  const struct reg_entry *e;

  if (!conf_from (&c, conf_text))
    return;
  CHECK_INT_EQ (strv_len (c.search), 2);
  CHECK_STR_EQ (c.search[1], "two.example:5000");
  e = reg_conf_find (&c, "one.example/ns/app");
  if (CHECK (e != NULL))
    {
      CHECK_STR_EQ (e->location, "mirror.example/other");
      CHECK (e->insecure);
      CHECK_INT_EQ (e->n_mirrors, 1);
    }
  CHECK (reg_conf_find (&c, "one.example/nsx/app") == NULL);
  e = reg_conf_find (&c, "bad.example/x");
  CHECK (e != NULL && e->blocked);
  CHECK_STR_EQ (reg_conf_alias (&c, "myapp"), "two.example:5000/apps/myapp");
  CHECK (reg_conf_alias (&c, "other") == NULL);
  reg_conf_free (&c);
}

TEST (conf_errors_name_the_line)
{
  struct reg_conf c = { 0 };
  nook_error_t err = NULL;
  const char *bad[] = {
    "unqualified-search-registries = [\"a\"\n",
    "[[registry]]\ninsecure = \"yes\"\n",
    "x = \"unterminated\n",
    "[[registry]\n",
  };

  for (size_t i = 0; i < NOOK_ARRAY_SIZE (bad); i++)
    {
      CHECK_FAIL (reg_conf_parse (&c, bad[i], strlen (bad[i]), "test.conf", &err), &err,
                  "test.conf");
      reg_conf_free (&c);
      memset (&c, 0, sizeof (c));
    }
}

TEST (resolve_short_names)
{
  struct reg_conf c;
  struct reg_target *t = NULL;
  size_t n = 0;
  nook_error_t err = NULL;

  if (!conf_from (&c, conf_text))
    return;
  /* The search registries, in order.  */
  if (CHECK_OK (reg_resolve (&c, "app:1", -1, &t, &n, &err), &err) && CHECK_INT_EQ (n, 2))
    {
      CHECK_STR_EQ (t[0].name, "one.example/app:1");
      CHECK_STR_EQ (t[1].name, "two.example:5000/app:1");
      CHECK_STR_EQ (t[1].sources[0].ep.host, "two.example:5000");
      CHECK_STR_EQ (t[1].sources[0].repo, "app");
    }
  reg_targets_free (t, n);
  /* An alias is used alone.  */
  if (CHECK_OK (reg_resolve (&c, "myapp", -1, &t, &n, &err), &err) && CHECK_INT_EQ (n, 1))
    CHECK_STR_EQ (t[0].name, "two.example:5000/apps/myapp:latest");
  reg_targets_free (t, n);
  /* A [[registry]] entry: mirror first, then its location, insecure.  */
  if (CHECK_OK (reg_resolve (&c, "one.example/ns/app", -1, &t, &n, &err), &err)
      && CHECK_INT_EQ (n, 1) && CHECK_INT_EQ (t[0].n_sources, 2))
    {
      CHECK_STR_EQ (t[0].sources[0].ep.host, "fast.example");
      CHECK_STR_EQ (t[0].sources[1].ep.host, "mirror.example");
      CHECK_STR_EQ (t[0].sources[1].repo, "other/app");
      CHECK (t[0].sources[1].ep.insecure);
    }
  reg_targets_free (t, n);
  /* --tls-verify wins over insecure.  */
  if (CHECK_OK (reg_resolve (&c, "one.example/ns/app", 1, &t, &n, &err), &err))
    CHECK (!t[0].sources[1].ep.insecure);
  reg_targets_free (t, n);
  if (CHECK_OK (reg_resolve (&c, "bad.example/x", -1, &t, &n, &err), &err))
    CHECK (t[0].blocked);
  reg_targets_free (t, n);
  /* docker.io is reached at registry-1.docker.io, one-component names get library/.  */
  if (CHECK_OK (reg_resolve (&c, "docker.io/alpine", -1, &t, &n, &err), &err))
    {
      CHECK_STR_EQ (t[0].sources[0].ep.host, "registry-1.docker.io");
      CHECK_STR_EQ (t[0].sources[0].repo, "library/alpine");
    }
  reg_targets_free (t, n);
  CHECK_FAIL (reg_resolve (&c, "UPPER/Case", -1, &t, &n, &err), &err, NULL);
  reg_conf_free (&c);
}

TEST (resolve_without_search_registries)
{
  struct reg_conf c;
  struct reg_target *t = NULL;
  size_t n = 0;
  nook_error_t err = NULL;

  if (!conf_from (&c, "[aliases]\n\"a\" = \"x.example/a\"\n"))
    return;
  CHECK_FAIL (reg_resolve (&c, "nothere", -1, &t, &n, &err), &err, "short-name \"nothere\"");
  reg_conf_free (&c);
}

TEST (auth_store_and_lookup)
{
  const char *path = unit_path ("auth.json");
  struct reg_creds cr = { 0 };
  nook_error_t err = NULL;
  struct stat st;
  bool removed = false;

  if (!CHECK_OK (reg_auth_store (path, "reg.example", "me", "pa:ss", NULL, &err), &err)
      || !CHECK_OK (reg_auth_store (path, "reg.example/team/app", "teamuser", "t", NULL, &err),
                    &err))
    return;
  CHECK (stat (path, &st) == 0 && (st.st_mode & 0777) == 0600);
  CHECK_INT_EQ (reg_auth_lookup (path, "reg.example/other/x", &cr, &err), 1);
  CHECK_STR_EQ (cr.user, "me");
  CHECK_STR_EQ (cr.password, "pa:ss");
  reg_creds_free (&cr);
  /* The most specific entry wins.  */
  CHECK_INT_EQ (reg_auth_lookup (path, "reg.example/team/app", &cr, &err), 1);
  CHECK_STR_EQ (cr.user, "teamuser");
  reg_creds_free (&cr);
  CHECK_INT_EQ (reg_auth_lookup (path, "else.example", &cr, &err), 0);
  reg_creds_free (&cr);
  CHECK_OK (reg_auth_store (path, "reg.example", NULL, NULL, &removed, &err), &err);
  CHECK (removed);
  CHECK_OK (reg_auth_store (path, "reg.example", NULL, NULL, &removed, &err), &err);
  CHECK (!removed);
  CHECK_INT_EQ (reg_auth_lookup (path, "reg.example/team/app", &cr, &err), 1);
  reg_creds_free (&cr);
  CHECK_OK (reg_auth_clear (path, &err), &err);
  CHECK_INT_EQ (reg_auth_lookup (path, "reg.example/team/app", &cr, &err), 0);
  reg_creds_free (&cr);
}

TEST (auth_file_hostile)
{
  const char *path = unit_path ("bad.json");
  struct reg_creds cr = { 0 };
  nook_error_t err = NULL;
  static const char *const docs[] = {
    "{\"auths\":{\"r.example\":{\"auth\":\"!!!notbase64\"}}}",
    "{\"auths\":{\"r.example\":{\"auth\":\"bm9jb2xvbg==\"}}}", /* "nocolon" */
    "[1,2,3]",
  };

  for (size_t i = 0; i < NOOK_ARRAY_SIZE (docs); i++)
    {
      int r;
      if (!CHECK_OK (nook_write_file_atomic (AT_FDCWD, path, docs[i], strlen (docs[i]), 0600, &err),
                     &err))
        return;
      r = reg_auth_lookup (path, "r.example", &cr, &err);
      CHECK (r < 0 || (r == 0 && cr.user == NULL));
      nook_error_free (&err);
      reg_creds_free (&cr);
    }
}

TEST (base64)
{
  size_t len = 0;
  _cleanup_free_ char *e = reg_base64 ("user:pass\xff", 10);
  _cleanup_free_ char *d = reg_base64_decode (e, &len);
  _cleanup_free_ char *junk = reg_base64_decode ("a*b=", &len);

  CHECK_STR_EQ (e, "dXNlcjpwYXNz/w==");
  CHECK_MEM_EQ (d, len, "user:pass\xff", 10);
  CHECK (junk == NULL);
}

TEST (status_messages)
{
  static const char body[] = "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":"
                             "\"manifest\\nunknown\\u001b[2J\"}]}";
  _cleanup_free_ char *m = reg_status_message (404, body, strlen (body));
  _cleanup_free_ char *m401 = reg_status_message (401, "<html>", 6);
  _cleanup_free_ char *m500 = reg_status_message (500, NULL, 0);

  CHECK_STR_EQ (m, "manifest unknown: manifest unknown [2J");
  CHECK_STR_EQ (m401, "authentication required");
  CHECK_STR_HAS (m500, "500 Internal Server Error");
}

TEST (pull_policy)
{
  enum registry_pull_policy p;
  nook_error_t err = NULL;

  CHECK_OK (registry_pull_policy_parse ("always", &p, &err), &err);
  CHECK (p == REGISTRY_PULL_ALWAYS);
  CHECK_OK (registry_pull_policy_parse ("ifnewer", &p, &err), &err);
  CHECK (p == REGISTRY_PULL_NEWER);
  CHECK_OK (registry_pull_policy_parse ("false", &p, &err), &err);
  CHECK (p == REGISTRY_PULL_NEVER);
  CHECK_FAIL (registry_pull_policy_parse ("sometimes", &p, &err), &err, "sometimes");
}

UNIT_MAIN ()
