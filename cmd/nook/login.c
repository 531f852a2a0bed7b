/* nook login: credentials checked, then kept in the auth file.  */
#include "cli.h"
#include "registry/registry.h"

#include <string.h>
#include <termios.h>

/* One line from FD without its newline; ECHO_OFF for a password typed on a
   terminal.  */
static int
read_line (FILE *in, const char *prompt, bool echo_off, char **out, nook_error_t *err)
{
  struct termios old, quiet;
  bool restore = false;
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;

  if (prompt)
    {
      fputs (prompt, stdout);
      fflush (stdout);
    }
  if (echo_off && tcgetattr (fileno (in), &old) == 0)
    {
      quiet = old;
      quiet.c_lflag &= ~(tcflag_t)ECHO;
      restore = tcsetattr (fileno (in), TCSAFLUSH, &quiet) == 0;
    }
  len = getline (&line, &cap, in);
  if (restore)
    {
      tcsetattr (fileno (in), TCSAFLUSH, &old);
      fputc ('\n', stdout);
    }
  if (len < 0)
    {
      free (line);
      return nook_error (err, 0, "reading %s: end of input", prompt ? prompt : "stdin");
    }
  while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
    line[--len] = '\0';
  *out = line;
  return 0;
}

int
cmd_login (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err)
{
  struct registry_opts o = { 0 };
  const char *user = NULL, *password = NULL;
  bool password_stdin = false, get_login = false, tls = true, verbose = false;
  _cleanup_free_ char *typed_user = NULL, *typed_password = NULL, *stored = NULL;
  const struct opt opts[] = {
    { "authfile", 0, OPT_STRING, &o.authfile, "PATH", "path of the authentication file" },
    { "cert-dir", 0, OPT_STRING, &o.cert_dir, "PATH",
      "use certificates at the specified path to access the registry" },
    { "get-login", 0, OPT_BOOL, &get_login, NULL,
      "Return the current login user for the registry" },
    { "password", 'p', OPT_STRING, &password, "PASSWORD", "Password for registry" },
    { "password-stdin", 0, OPT_BOOL, &password_stdin, NULL, "Take the password from stdin" },
    { "tls-verify", 0, OPT_BOOL, &tls, NULL,
      "require HTTPS and verify certificates when contacting registries" },
    { "username", 'u', OPT_STRING, &user, "USERNAME", "Username for registry" },
    { "verbose", 'v', OPT_BOOL, &verbose, NULL, "Write more detailed information to stdout" },
    { 0 },
  };
  const struct cmd_spec spec
      = { "login", "[options] REGISTRY", "Log in to a container registry", opts, false, 1, 1 };
  char **args;
  bool tls_given;
  int nargs, r;

  (void)ctx;
  tls_given = cli_flag_given (argc, argv, "tls-verify");
  r = cli_parse (&spec, argc, argv, &args, &nargs, err);
  if (r != 0)
    return r > 0 ? 0 : -1;
  o.tls_verify = tls_given ? tls : -1;
  if (get_login)
    {
      if (registry_login_user (args[0], o.authfile, &stored, err) < 0)
        return -1;
      printf ("%s\n", stored);
      return cli_flush (err);
    }
  if (password && password_stdin)
    return nook_error (err, 0, "--password and --password-stdin are mutually exclusive");
  if (password_stdin && user == NULL)
    return nook_error (err, 0, "must provide --username with --password-stdin");
  if (user == NULL)
    {
      if (read_line (stdin, "Username: ", false, &typed_user, err) < 0)
        return -1;
      user = typed_user;
    }
  if (password == NULL)
    {
      if (!password_stdin && !isatty (STDIN_FILENO))
        return nook_error (err, 0, "no password given: use --password-stdin or --password");
      if (read_line (stdin, password_stdin ? NULL : "Password: ", !password_stdin, &typed_password,
                     err)
          < 0)
        return -1;
      password = typed_password;
    }
  r = registry_login (args[0], user, password, &o, err);
  if (typed_password)
    explicit_bzero (typed_password, strlen (typed_password));
  if (r < 0)
    return -1;
  printf ("Login Succeeded!\n");
  return cli_flush (err);
}
