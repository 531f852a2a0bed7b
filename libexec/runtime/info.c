/* The verbs that only look: list, ps, features, spec (which writes a
   default config.json and nothing else).  Output shapes are runc's.  */
#include "cli.h"

#include <fcntl.h>
#include <string.h>
#include <sys/wait.h>

/* ---- list ---- */

/* Go's tabwriter as runc sets it up: cells at least 12 wide, 3 spaces
   of padding, the last column as it is.  */
#define LIST_COLS 6
#define LIST_MIN  12
#define LIST_PAD  3

static void
print_table (char *(*rows)[LIST_COLS], size_t n)
{
  size_t width[LIST_COLS] = { 0 };

  for (size_t r = 0; r < n; r++)
    for (size_t k = 0; k < LIST_COLS; k++)
      if (strlen (rows[r][k]) + LIST_PAD > width[k])
        width[k] = strlen (rows[r][k]) + LIST_PAD;
  for (size_t r = 0; r < n; r++)
    {
      for (size_t k = 0; k + 1 < LIST_COLS; k++)
        printf ("%-*s", (int)(width[k] < LIST_MIN ? LIST_MIN : width[k]), rows[r][k]);
      printf ("%s\n", rows[r][LIST_COLS - 1]);
    }
}

static void
list_table (const struct runtime_list_entry *l, size_t n)
{
  _cleanup_free_ char *(*rows)[LIST_COLS] = xzalloc (sizeof (*rows) * (n + 1));

  rows[0][0] = xstrdup ("ID");
  rows[0][1] = xstrdup ("PID");
  rows[0][2] = xstrdup ("STATUS");
  rows[0][3] = xstrdup ("BUNDLE");
  rows[0][4] = xstrdup ("CREATED");
  rows[0][5] = xstrdup ("OWNER");
  for (size_t i = 0; i < n; i++)
    {
      char **row = rows[i + 1];
      row[0] = xstrdup (l[i].st.id);
      row[1] = xasprintf ("%d", strcmp (l[i].status, "stopped") == 0 ? 0 : (int)l[i].st.pid);
      row[2] = xstrdup (l[i].status);
      row[3] = xstrdup (l[i].st.bundle);
      row[4] = xstrdup (l[i].st.created);
      row[5] = xstrdup (l[i].owner);
    }
  print_table (rows, n + 1);
  for (size_t r = 0; r < n + 1; r++)
    for (size_t k = 0; k < LIST_COLS; k++)
      free (rows[r][k]);
}

static void
list_json (const struct runtime_list_entry *l, size_t n)
{
  _cleanup_json_gen_ struct json_gen *g = json_gen_new (false);
  size_t len;

  json_gen_array_open (g);
  for (size_t i = 0; i < n; i++)
    {
      json_gen_object_open (g);
      json_gen_kv_string (g, "ociVersion", OCI_VERSION);
      json_gen_kv_string (g, "id", l[i].st.id);
      json_gen_kv_int (g, "pid", strcmp (l[i].status, "stopped") == 0 ? 0 : l[i].st.pid);
      json_gen_kv_string (g, "status", l[i].status);
      json_gen_kv_string (g, "bundle", l[i].st.bundle);
      json_gen_kv_string (g, "rootfs", l[i].st.rootfs);
      json_gen_kv_string (g, "created", l[i].st.created);
      json_gen_kv_string (g, "owner", l[i].owner);
      json_gen_object_close (g);
    }
  json_gen_array_close (g);
  printf ("%s\n", json_gen_text (g, &len));
}

static int
check_format (const char *format, nook_error_t *err)
{
  if (format && strcmp (format, "table") != 0 && strcmp (format, "json") != 0)
    return nook_error (err, 0, "invalid format option `%s`: table or json", format);
  return 0;
}

int
cli_list (struct cli *c, nook_error_t *err)
{
  struct runtime_list_entry *l = NULL;
  size_t n = 0;

  if (check_format (c->format, err) < 0)
    return -1;
  /* No root yet: no containers, as runc.  */
  if (access (c->root, F_OK) < 0 && errno == ENOENT)
    ;
  else if (runtime_list (c->root, &l, &n, err) < 0)
    return -1;
  if (c->quiet)
    for (size_t i = 0; i < n; i++)
      printf ("%s\n", l[i].st.id);
  else if (c->format && strcmp (c->format, "json") == 0)
    list_json (l, n);
  else
    list_table (l, n);
  runtime_list_free (l, n);
  return 0;
}

/* ---- ps ---- */

/* The output of `ps ARGS`, whole.  */
static int
run_ps (char *const *args, char **out, nook_error_t *err)
{
  _cleanup_strv_ char **argv = xzalloc (sizeof (char *));
  _cleanup_close_ int rd = -1, wr = -1;
  struct nook_buf b = { 0 };
  char buf[8192];
  int fds[2], status;
  ssize_t n;
  pid_t pid;

  strv_push (&argv, xstrdup ("ps"));
  for (size_t i = 0; args && args[i]; i++)
    strv_push (&argv, xstrdup (args[i]));
  if (argv[1] == NULL)
    strv_push (&argv, xstrdup ("-ef"));
  if (pipe2 (fds, O_CLOEXEC) < 0)
    return nook_error (err, errno, "pipe");
  rd = fds[0];
  wr = fds[1];
  {
    struct nook_spawn s = {
      .argv = (const char *const *)argv, .stdin_fd = -1, .stdout_fd = wr, .stderr_fd = STDERR_FILENO
    };
    if (nook_spawn (&s, &pid, err) < 0)
      return -1;
  }
  close (steal_fd (&wr));
  while ((n = read (rd, buf, sizeof (buf))) > 0 || (n < 0 && errno == EINTR))
    if (n > 0)
      nook_buf_append (&b, buf, (size_t)n);
  nook_waitpid (pid, &status, 0);
  nook_buf_putc (&b, '\0');
  *out = b.data;
  if (status != 0)
    return nook_error (err, 0, "ps: exit status %d", nook_exit_code (status));
  return 0;
}

/* Field I (from 0) of a line split at blanks, or NULL.  */
static char *
field (const char *line, int i)
{
  const char *p = line;
  size_t len;

  for (;;)
    {
      p += strspn (p, " \t");
      len = strcspn (p, " \t");
      if (len == 0)
        return NULL;
      if (i-- == 0)
        return xstrndup (p, len);
      p += len;
    }
}

/* The column headed PID, counted from 0.  */
static int
pid_column (const char *header)
{
  for (int i = 0;; i++)
    {
      _cleanup_free_ char *f = field (header, i);
      if (f == NULL)
        return -1;
      if (strcmp (f, "PID") == 0)
        return i;
    }
}

static bool
line_pid_in (const char *line, int col, const pid_t *pids, size_t n)
{
  _cleanup_free_ char *f = field (line, col);
  int64_t pid;

  if (f == NULL || !str_to_int64 (f, &pid))
    return false;
  for (size_t i = 0; i < n; i++)
    if (pids[i] == pid)
      return true;
  return false;
}

static int
ps_table (char *const *args, const pid_t *pids, size_t n, nook_error_t *err)
{
  _cleanup_free_ char *out = NULL;
  char *line, *save = NULL;
  int col;

  if (run_ps (args, &out, err) < 0)
    return -1;
  line = strtok_r (out, "\n", &save);
  if (line == NULL || (col = pid_column (line)) < 0)
    return nook_error (err, 0, "ps: no PID column in its output");
  printf ("%s\n", line);
  while ((line = strtok_r (NULL, "\n", &save)) != NULL)
    if (line_pid_in (line, col, pids, n))
      printf ("%s\n", line);
  return 0;
}

int
cli_ps (struct cli *c, nook_error_t *err)
{
  struct runtime_state st;
  _cleanup_free_ pid_t *pids = NULL;
  size_t n = 0;
  int ret;

  if (check_format (c->format, err) < 0 || runtime_state_read (c->root, c->args[0], &st, err) < 0)
    return -1;
  ret = runtime_container_pids (c->root, &st, &pids, &n, err);
  runtime_state_free (&st);
  if (ret < 0)
    return -1;
  if (c->format && strcmp (c->format, "json") == 0)
    {
      printf ("[");
      for (size_t i = 0; i < n; i++)
        printf ("%s%d", i ? "," : "", (int)pids[i]);
      printf ("]\n");
      return 0;
    }
  return ps_table (c->args + 1, pids, n, err) < 0 ? -1 : 0;
}

/* ---- features, spec ---- */

int
cli_features (struct cli *c, nook_error_t *err)
{
  _cleanup_free_ char *text = runtime_features_json ();
  printf ("%s\n", text);
  return 0;
}

int
cli_spec (struct cli *c, nook_error_t *err)
{
  return runtime_spec_write (c->bundle ? c->bundle : ".", c->rootless, err) < 0 ? -1 : 0;
}
