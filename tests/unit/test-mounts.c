/* pkg/container/mounts.c and pkg/volume: -v and --mount parsed as
   Podman parses them, the record's round trip, and the volume store
   (names, create/load/list/remove, filters); and the store's work dirs
   (pkg/storage/store.c) against its sweep.  */
#include "unit.h"

#include <sys/file.h>

#include "container/mounts.h"
#include "storage/storage.h"
#include "volume/volume.h"

static char *
opts_of (const struct container_mount *m)
{
  return unit_keep (strv_join (m->options, ","));
}

TEST (volume_arg_bind)
{
  struct container_mount m;
  nook_error_t err = NULL;

  if (!CHECK_OK (container_mount_parse_volume ("/src:/dst/./x/:ro,Z,nosuid", &m, &err), &err))
    return;
  CHECK_STR_EQ (m.type, "bind");
  CHECK_STR_EQ (m.source, "/src");
  CHECK_STR_EQ (m.destination, "/dst/x");
  CHECK_STR_EQ (opts_of (&m), "ro,rprivate,nosuid,rbind");
  CHECK_STR_EQ (m.mode, "Z");
  CHECK (!m.chown && !m.overlay && !m.anonymous);
  container_mount_free (&m);
  CHECK_OK (container_mount_parse_volume ("./rel:/d:U,bind,rslave,noexec,dev", &m, &err), &err);
  CHECK_STR_EQ (m.type, "bind");
  CHECK_STR_EQ (m.source, "./rel");
  CHECK_STR_EQ (opts_of (&m), "rw,rslave,dev,noexec,bind");
  CHECK (m.chown);
  container_mount_free (&m);
}

TEST (volume_arg_named_and_anonymous)
{
  struct container_mount m;
  nook_error_t err = NULL;

  CHECK_OK (container_mount_parse_volume ("data:/d", &m, &err), &err);
  CHECK_STR_EQ (m.type, "volume");
  CHECK_STR_EQ (m.source, "data");
  /* Volumes are nosuid and nodev unless told otherwise.  */
  CHECK_STR_EQ (opts_of (&m), "rw,rprivate,nosuid,nodev,rbind");
  CHECK (!m.anonymous);
  container_mount_free (&m);
  CHECK_OK (container_mount_parse_volume ("/only-dest", &m, &err), &err);
  CHECK_STR_EQ (m.type, "volume");
  CHECK_STR_EQ (m.source, "");
  CHECK_STR_EQ (m.destination, "/only-dest");
  CHECK (m.anonymous);
  container_mount_free (&m);
  CHECK_OK (container_mount_parse_volume ("/o:/d:O", &m, &err), &err);
  CHECK (m.overlay);
  container_mount_free (&m);
}

TEST (volume_arg_errors)
{
  struct container_mount m;
  nook_error_t err = NULL;

  CHECK_FAIL (container_mount_parse_volume ("rel/x:/d", &m, &err), &err,
              "creating named volume \"rel/x\": running volume create option: names must match");
  CHECK_FAIL (container_mount_parse_volume ("/s:rel", &m, &err), &err,
              "invalid container path \"rel\", must be an absolute path");
  CHECK_FAIL (container_mount_parse_volume ("/s:/d:bogus", &m, &err), &err,
              "invalid option type \"bogus\"");
  CHECK_FAIL (container_mount_parse_volume ("/s:/d:ro,rw", &m, &err), &err,
              "invalid options \"ro, rw\", can only specify 1 'rw' or 'ro' option");
  CHECK_FAIL (container_mount_parse_volume ("/s:/d:shared,rslave", &m, &err), &err,
              "can only specify 1 '[r]shared'");
  CHECK_FAIL (container_mount_parse_volume ("/s:/d:O,ro", &m, &err), &err,
              "can't use 'O' with other options");
  CHECK_FAIL (container_mount_parse_volume (":/d", &m, &err), &err,
              "host directory cannot be empty");
  CHECK_FAIL (container_mount_parse_volume ("/s:", &m, &err), &err,
              "container directory cannot be empty");
  CHECK_FAIL (container_mount_parse_volume ("a:b:c:d", &m, &err), &err,
              "a:b:c:d: incorrect volume format, should be [host-dir:]ctr-dir[:option]");
}

TEST (mount_arg_forms)
{
  struct container_mount m;
  nook_error_t err = NULL;
  char *tmpfs = NULL;

  CHECK_OK (container_mount_parse_mount ("type=bind,src=/s,target=/t,readonly,"
                                         "bind-propagation=rshared,relabel=private,chown=true",
                                         &m, &tmpfs, &err),
            &err);
  CHECK (tmpfs == NULL);
  CHECK_STR_EQ (m.type, "bind");
  CHECK_STR_EQ (m.source, "/s");
  CHECK_STR_EQ (m.destination, "/t");
  CHECK_STR_EQ (opts_of (&m), "ro,rshared,rbind");
  CHECK_STR_EQ (m.mode, "Z");
  CHECK (m.chown);
  container_mount_free (&m);
  CHECK_OK (container_mount_parse_mount ("type=volume,destination=/v", &m, &tmpfs, &err), &err);
  CHECK (m.anonymous);
  CHECK_STR_EQ (opts_of (&m), "rw,rprivate,nosuid,nodev,rbind");
  container_mount_free (&m);
  CHECK_OK (
      container_mount_parse_mount ("type=volume,source=named,dst=/v,ro=false", &m, &tmpfs, &err),
      &err);
  CHECK_STR_EQ (m.source, "named");
  CHECK (strv_contains (m.options, "rw"));
  container_mount_free (&m);
  CHECK_OK (
      container_mount_parse_mount ("type=bind,src=/s,dst=/b,bind-nonrecursive", &m, &tmpfs, &err),
      &err);
  CHECK (strv_contains (m.options, "bind") && !strv_contains (m.options, "rbind"));
  container_mount_free (&m);
  /* tmpfs: a --tmpfs entry, for container_security's check.  */
  CHECK_OK (container_mount_parse_mount ("type=tmpfs,dst=/t,tmpfs-size=1m,tmpfs-mode=700,noexec",
                                         &m, &tmpfs, &err),
            &err);
  CHECK_STR_EQ (tmpfs, "/t:size=1m,mode=700,noexec");
  free (tmpfs);
  CHECK_OK (container_mount_parse_mount ("type=image,src=busybox,dst=/i", &m, &tmpfs, &err), &err);
  CHECK_STR_EQ (m.type, "image");
  CHECK_STR_EQ (m.source, "busybox");
  CHECK (strv_contains (m.options, "ro"));
  container_mount_free (&m);
  CHECK_OK (container_mount_parse_mount ("type=image,src=busybox,dst=/i,rw=true", &m, &tmpfs, &err),
            &err);
  CHECK (strv_contains (m.options, "rw"));
  container_mount_free (&m);
  CHECK_OK (container_mount_parse_mount ("type=tmpfs,dst=/t", &m, &tmpfs, &err), &err);
  CHECK_STR_EQ (tmpfs, "/t");
  free (tmpfs);
}

TEST (mount_arg_errors)
{
  struct container_mount m;
  nook_error_t err = NULL;
  char *tmpfs = NULL;

  CHECK_FAIL (container_mount_parse_mount ("src=/s,dst=/d", &m, &tmpfs, &err), &err,
              "incorrect mount format: should be --mount type=<bind|tmpfs|volume>");
  CHECK_FAIL (container_mount_parse_mount ("type=foo,dst=/d", &m, &tmpfs, &err), &err,
              "invalid filesystem type \"foo\"");
  CHECK_FAIL (container_mount_parse_mount ("type=bind,src=/s,dst=/d,bogus=1", &m, &tmpfs, &err),
              &err, "bogus: invalid mount option");
  CHECK_FAIL (container_mount_parse_mount ("type=bind,src=/s", &m, &tmpfs, &err), &err,
              "must set volume destination");
  CHECK_FAIL (container_mount_parse_mount ("type=tmpfs,src=/s,dst=/d", &m, &tmpfs, &err), &err,
              "source is not supported with tmpfs mounts");
  CHECK_FAIL (container_mount_parse_mount ("type=bind,src=/s,dst=/d,ro=maybe", &m, &tmpfs, &err),
              &err, "'readonly', 'ro', or 'rw' must be set to true or false");
  CHECK_FAIL (container_mount_parse_mount ("type=volume,src=v,dst=/d,bind-propagation=shared", &m,
                                           &tmpfs, &err),
              &err, "bind-propagation: invalid mount option");
  CHECK_FAIL (container_mount_parse_mount ("type=bind,src=/s,dst=/d,bind-propagation=foo", &m,
                                           &tmpfs, &err),
              &err, "invalid option type \"foo\"");
  CHECK_FAIL (container_mount_parse_mount ("type=volume,src=a/b,dst=/d", &m, &tmpfs, &err), &err,
              "names must match");
  CHECK_FAIL (container_mount_parse_mount ("type=image,dst=/d", &m, &tmpfs, &err), &err,
              "must set source and destination for image volume");
  CHECK (tmpfs == NULL);
}

TEST (record_round_trip)
{
  struct container_mounts ms = { 0 }, back = { 0 };
  struct json_gen *g = json_gen_new (false);
  nook_json *j = NULL;
  nook_error_t err = NULL;
  const char *text;

  ms.v = xzalloc (sizeof (*ms.v) * 2);
  CHECK_OK (container_mount_parse_volume ("/s:/d:ro,U", &ms.v[0], &err), &err);
  CHECK_OK (container_mount_parse_volume ("vol:/v", &ms.v[1], &err), &err);
  ms.n = 2;
  json_gen_object_open (g);
  container_mounts_write (g, &ms);
  json_gen_object_close (g);
  text = json_gen_text (g, NULL);
  if (!CHECK_OK (json_parse (text, strlen (text), &j, &err), &err))
    return;
  if (!CHECK_OK (container_mounts_read (j, &back, &err), &err))
    return;
  CHECK_INT_EQ (back.n, 2);
  CHECK_STR_EQ (back.v[0].source, "/s");
  CHECK_STR_EQ (opts_of (&back.v[0]), "ro,rprivate,rbind");
  CHECK (back.v[0].chown);
  CHECK_STR_EQ (back.v[1].type, "volume");
  CHECK (container_mounts_use_volume (&back, "vol"));
  CHECK (!container_mounts_use_volume (&back, "s"));
  container_mounts_free (&ms);
  container_mounts_free (&back);
  json_free (j);
  json_gen_free (g);
}

TEST (record_refuses_bad_entries)
{
  static const char *const bad[] = {
    "{\"mounts\":[{\"type\":\"bind\",\"source\":\"rel\",\"destination\":\"/d\"}]}",
    "{\"mounts\":[{\"type\":\"volume\",\"source\":\"../x\",\"destination\":\"/d\"}]}",
    "{\"mounts\":[{\"type\":\"tmpfs\",\"source\":\"\",\"destination\":\"/d\"}]}",
    "{\"mounts\":[{\"type\":\"bind\",\"source\":\"/s\",\"destination\":\"d\"}]}",
  };
  for (size_t i = 0; i < NOOK_ARRAY_SIZE (bad); i++)
    {
      nook_json *j = NULL;
      struct container_mounts m;
      nook_error_t err = NULL;
      CHECK_OK (json_parse (bad[i], strlen (bad[i]), &j, &err), &err);
      CHECK_FAIL (container_mounts_read (j, &m, &err), &err, "invalid mount");
      json_free (j);
    }
}

TEST (volume_names)
{
  CHECK (volume_name_valid ("a"));
  CHECK (volume_name_valid ("my-vol_1.2"));
  CHECK (!volume_name_valid (""));
  CHECK (!volume_name_valid ("-x"));
  CHECK (!volume_name_valid (".."));
  CHECK (!volume_name_valid ("a/b"));
  CHECK (!volume_name_valid ("a b"));
}

TEST (volume_store)
{
  struct storage st;
  struct volume v, *vs = NULL;
  size_t n = 0;
  nook_error_t err = NULL;
  char *labels[] = { (char *)"team=a", NULL };
  bool match = false;

  if (!CHECK_OK (storage_open (&st, unit_path ("store"), &err), &err))
    return;
  CHECK_OK (volume_create (&st, "v1", labels, NULL, false, &v, &err), &err);
  CHECK_STR_EQ (v.name, "v1");
  CHECK (v.needs_copy);
  CHECK (str_has_suffix (v.created, "Z"));
  volume_free (&v);
  CHECK_FAIL_ERRNO (volume_create (&st, "v1", NULL, NULL, false, NULL, &err), &err, EEXIST,
                    "volume with name v1 already exists: volume already exists");
  CHECK_FAIL (volume_create (&st, "../x", NULL, NULL, false, NULL, &err), &err, "names must match");
  CHECK_OK (volume_create (&st, NULL, NULL, NULL, true, &v, &err), &err);
  CHECK (nook_is_hex (v.name, 64));
  CHECK (v.anonymous);
  volume_free (&v);
  CHECK_OK (volume_list (&st, &vs, &n, &err), &err);
  CHECK_INT_EQ (n, 2);
  CHECK_STR_EQ (vs[1].name, "v1");
  CHECK_OK (volume_filter_match (&vs[1], "label=team=a", false, &match, &err), &err);
  CHECK (match);
  CHECK_OK (volume_filter_match (&vs[1], "label=team=b", false, &match, &err), &err);
  CHECK (!match);
  CHECK_OK (volume_filter_match (&vs[1], "name=^v", false, &match, &err), &err);
  CHECK (match);
  CHECK_OK (volume_filter_match (&vs[1], "dangling=true", true, &match, &err), &err);
  CHECK (!match);
  CHECK_FAIL (volume_filter_match (&vs[1], "bogus=1", false, &match, &err), &err,
              "bogus is an invalid volume filter");
  volume_list_free (vs, n);
  CHECK_OK (volume_remove (&st, "v1", &err), &err);
  CHECK_FAIL_ERRNO (volume_load (&st, "v1", &v, &err), &err, ENOENT,
                    "no volume with name \"v1\" found: no such volume");
  /* A name that is a path never reaches the file system.  */
  CHECK_FAIL_ERRNO (volume_load (&st, "../../etc", &v, &err), &err, ENOENT, "no such volume");
  storage_close (&st);
}

/* ---- the store's work dirs ---- */

TEST (tmp_sweep_takes_only_the_dead)
{
  struct storage st;
  struct storage_tmp live;
  nook_error_t err = NULL;
  int held;

  if (!CHECK_OK (storage_open (&st, unit_path ("store"), &err), &err))
    return;
  /* Killed between its mkdir and its lock; killed at work; alive at work;
     alive between its lock and its rename.  */
  mkdir (unit_path ("store/tmp/.load-0000000000000001"), 0700);
  mkdir (unit_path ("store/tmp/load-0000000000000002"), 0700);
  unit_write_file (unit_path ("store/tmp/load-0000000000000002/blob"), "x", 1, 0600);
  CHECK_OK (storage_tmp_create (&st, "load", &live, &err), &err);
  mkdir (unit_path ("store/tmp/.pull-0000000000000003"), 0700);
  held = open (unit_path ("store/tmp/.pull-0000000000000003"), O_RDONLY | O_DIRECTORY);
  CHECK (held >= 0 && flock (held, LOCK_EX) == 0);
  storage_tmp_sweep (&st);
  CHECK (!unit_exists (unit_path ("store/tmp/.load-0000000000000001")));
  CHECK (!unit_exists (unit_path ("store/tmp/load-0000000000000002")));
  CHECK (unit_exists (unit_fmt ("%s/tmp/%s", st.root, live.name)));
  CHECK (unit_exists (unit_path ("store/tmp/.pull-0000000000000003")));
  close (held);
  storage_tmp_discard (&st, &live);
  storage_close (&st);
}

/* A sweep running all along never takes a work dir from its maker, and
   the maker, its dot dir taken, makes another.  */
TEST (tmp_create_races_the_sweep)
{
  struct storage st;
  nook_error_t err = NULL;
  pid_t pid;
  int status;

  if (!CHECK_OK (storage_open (&st, unit_path ("store"), &err), &err))
    return;
  pid = fork ();
  if (pid == 0)
    for (;;)
      storage_tmp_sweep (&st);
  for (int i = 0; i < 300; i++)
    {
      struct storage_tmp t;
      if (!CHECK_OK (storage_tmp_create (&st, "race", &t, &err), &err))
        break;
      CHECK (unit_exists (unit_fmt ("%s/tmp/%s", st.root, t.name)));
      CHECK (mkdirat (t.fd, "work", 0700) == 0);
      storage_tmp_discard (&st, &t);
    }
  kill (pid, SIGKILL);
  waitpid (pid, &status, 0);
  storage_close (&st);
}

/* ---- the monitor's walks ---- */

static uid_t
owner_of (const char *path)
{
  struct stat st;
  return lstat (path, &st) == 0 ? st.st_uid : (uid_t)-1;
}

TEST (chown_tree_never_follows_a_symlink)
{
  nook_error_t err = NULL;
  char *src = unit_path ("src"), *out = unit_path ("outside");
  uid_t me = getuid ();

  if (me != 0)
    SKIP ("chown to another uid needs root (run the unit tests as root)");
  mkdir (src, 0755);
  mkdir (out, 0755);
  mkdir (unit_fmt ("%s/sub", src), 0755);
  unit_write_file (unit_fmt ("%s/file", out), "x", 1, 0644);
  unit_write_file (unit_fmt ("%s/sub/inside", src), "y", 1, 0644);
  symlink (unit_fmt ("%s/file", out), unit_fmt ("%s/filelink", src));
  symlink (out, unit_fmt ("%s/dirlink", src));
  symlink ("/", unit_fmt ("%s/sub/root", src));
  if (!CHECK_OK (container_mounts_chown_tree (src, 4321, 4321, &err), &err))
    return;
  CHECK_INT_EQ (owner_of (src), 4321);
  CHECK_INT_EQ (owner_of (unit_fmt ("%s/sub/inside", src)), 4321);
  CHECK_INT_EQ (owner_of (unit_fmt ("%s/filelink", src)), 4321);
  CHECK_INT_EQ (owner_of (out), 0);
  CHECK_INT_EQ (owner_of (unit_fmt ("%s/file", out)), 0);
  CHECK_INT_EQ (owner_of ("/"), 0);
  /* The source itself a symlink: refused, nothing changed.  */
  CHECK_FAIL (container_mounts_chown_tree (unit_fmt ("%s/dirlink", src), 4321, 4321, &err), &err,
              "a symlink is not followed");
  CHECK_INT_EQ (owner_of (out), 0);
}

TEST (copy_tree_keeps_links_as_links)
{
  nook_error_t err = NULL;
  char *src = unit_path ("src"), *dst = unit_path ("dst");
  _cleanup_close_ int sfd = -1, dfd = -1;
  struct stat st;

  mkdir (src, 0755);
  mkdir (dst, 0755);
  mkdir (unit_fmt ("%s/d", src), 0700);
  unit_write_file (unit_fmt ("%s/d/f", src), "content", 7, 0640);
  chmod (unit_fmt ("%s/d/f", src), 0640);
  symlink ("/etc/passwd", unit_fmt ("%s/link", src));
  mkfifo (unit_fmt ("%s/fifo", src), 0600);
  sfd = open (src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  dfd = open (dst, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (!CHECK_OK (container_mounts_copy_tree (sfd, dfd, &err), &err))
    return;
  CHECK_STR_EQ (unit_read_file (unit_fmt ("%s/d/f", dst), NULL), "content");
  CHECK (lstat (unit_fmt ("%s/d/f", dst), &st) == 0 && (st.st_mode & 07777) == 0640);
  CHECK (lstat (unit_fmt ("%s/d", dst), &st) == 0 && (st.st_mode & 07777) == 0700);
  CHECK (lstat (unit_fmt ("%s/link", dst), &st) == 0 && S_ISLNK (st.st_mode));
  CHECK (lstat (unit_fmt ("%s/fifo", dst), &st) == 0 && S_ISFIFO (st.st_mode));
  /* Into a directory that is not empty, an entry is never overwritten.  */
  nook_closep (&dfd);
  dfd = open (dst, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  CHECK_FAIL (container_mounts_copy_tree (sfd, dfd, &err), &err, NULL);
}

UNIT_MAIN ()
