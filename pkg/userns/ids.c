/* Whose ids a user namespace maps: the user's own, and their
   subordinate ranges in /etc/subuid and /etc/subgid (or libsubid's
   source).  Apart from the namespace code (userns.c): the lookups go
   through NSS and may load libsubid, which nook's static helpers
   (nook-monitor, nook-runtime) must not do; they are handed the ids.  */
#include "userns/userns.h"

#include <pwd.h>
#include <shadow/subid.h>
#include <stdio.h>
#include <string.h>

/* Does /etc/nsswitch.conf send the subid database anywhere but the
   files?  Then only libsubid knows the answer.  */
static bool
subid_from_nss (void)
{
  _cleanup_fclose_ FILE *f = fopen ("/etc/nsswitch.conf", "re");
  char line[512];

  while (f && fgets (line, sizeof (line), f))
    {
      char *p = line + strspn (line, " \t");
      if (strncmp (p, "subid:", 6) == 0)
        {
          p += 6;
          p += strspn (p, " \t");
          return !(strncmp (p, "files", 5) == 0 && strspn (p + 5, " \t\n") == strlen (p + 5));
        }
    }
  return false;
}

/* /etc/subuid or /etc/subgid lines "owner:start:count", the owner a name
   or a uid: what libsubid itself reads when nss has no subid source.  */
static void
subid_file_ranges (const char *path, const char *user, uid_t uid, struct userns_range *out,
                   size_t *n)
{
  _cleanup_fclose_ FILE *f = fopen (path, "re");
  char line[512], uidstr[16];

  snprintf (uidstr, sizeof (uidstr), "%u", (unsigned)uid);
  *n = 0;
  while (f && fgets (line, sizeof (line), f) && *n < USERNS_MAX_RANGES - 1)
    {
      char *owner = line, *start, *count, *end;
      unsigned long long s, c;
      if (line[0] == '#' || (start = strchr (owner, ':')) == NULL)
        continue;
      *start++ = '\0';
      if ((count = strchr (start, ':')) == NULL)
        continue;
      *count++ = '\0';
      if (strcmp (owner, user) != 0 && strcmp (owner, uidstr) != 0)
        continue;
      errno = 0;
      s = strtoull (start, &end, 10);
      if (errno || *end != '\0')
        continue;
      c = strtoull (count, &end, 10);
      if (errno || (*end != '\0' && *end != '\n') || s > UINT32_MAX || c > UINT32_MAX || c == 0)
        continue;
      out[(*n)++] = (struct userns_range){ 0, (uint32_t)s, (uint32_t)c };
    }
}

static int
subid_ranges (const char *user, uid_t uid, bool gid, struct userns_range *out, size_t *n,
              nook_error_t *err)
{
  struct subid_range *ranges = NULL;
  int got;

  /* libsubid costs milliseconds to load (PAM, audit, SELinux): read the
     files ourselves when they are what it would read.  */
  if (!subid_from_nss ())
    {
      subid_file_ranges (gid ? "/etc/subgid" : "/etc/subuid", user, uid, out, n);
      return 0;
    }
  if (nook_lazy_load (&nook_lib_subid, err) < 0)
    return -1;
  subid_init ("nook", NULL); /* errors are ours to report, not its */
  got = gid ? subid_get_gid_ranges (user, &ranges) : subid_get_uid_ranges (user, &ranges);
  *n = 0;
  for (int i = 0; i < got && *n < USERNS_MAX_RANGES - 1; i++)
    {
      if (ranges[i].start > UINT32_MAX || ranges[i].count > UINT32_MAX)
        continue;
      out[(*n)++]
          = (struct userns_range){ 0, (uint32_t)ranges[i].start, (uint32_t)ranges[i].count };
    }
  free (ranges);
  return 0;
}

int
userns_ids_for_user (struct userns_ids *ids, nook_error_t *err)
{
  if (userns_ids_for (getuid (), getgid (), ids, err) < 0)
    return -1;
  if (ids->single)
    nook_warn ("no subordinate ids for user `%s` in /etc/subuid and /etc/subgid: only your "
               "own id is mapped, files owned by other ids in images are owned by root",
               ids->user);
  return 0;
}

int
userns_ids_for (uid_t uid, gid_t gid, struct userns_ids *ids, nook_error_t *err)
{
  struct passwd pw, *res = NULL;
  char buf[4096];
  struct userns_range sub[USERNS_MAX_RANGES];
  size_t nu = 0, ng = 0;

  memset (ids, 0, sizeof (*ids));
  ids->uid = uid;
  ids->gid = gid;
  if (getpwuid_r (ids->uid, &pw, buf, sizeof (buf), &res) != 0 || res == NULL)
    return nook_error (err, 0, "no user name for uid %d in the password database", (int)ids->uid);
  ids->user = xstrdup (pw.pw_name);

  if (subid_ranges (ids->user, uid, false, sub, &nu, err) < 0)
    return -1;
  userns_build_map (ids->uid, sub, nu, &ids->uids);
  if (subid_ranges (ids->user, uid, true, sub, &ng, err) < 0)
    return -1;
  userns_build_map (ids->gid, sub, ng, &ids->gids);
  ids->single = nu == 0 || ng == 0;
  if (ids->single)
    ids->uids.n = ids->gids.n = 1;
  return 0;
}
