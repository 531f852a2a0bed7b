/* Flag parsing with Go pflag's rules, so Podman command lines parse the
   same: --name=value, --name value, -n value, -nvalue, -abc for bools,
   --flag=false, and "--" to end flags.  */
#include "cli.h"

#include <string.h>

static const struct opt help_opt = { "help", 'h', OPT_BOOL, NULL, NULL, "Help for this command" };

static const struct opt *
find_long (const struct opt *opts, const char *name, size_t len)
{
  for (const struct opt *o = opts; o && o->name; o++)
    if (strlen (o->name) == len && strncmp (o->name, name, len) == 0)
      return o;
  if (len == 4 && strncmp (name, "help", 4) == 0)
    return &help_opt;
  return NULL;
}

static const struct opt *
find_short (const struct opt *opts, char c)
{
  for (const struct opt *o = opts; o && o->name; o++)
    if (o->short_name == c)
      return o;
  return c == 'h' ? &help_opt : NULL;
}

static int
set_value (const struct cmd_spec *spec, const struct opt *o, const char *value, nook_error_t *err)
{
  switch (o->type)
    {
    case OPT_BOOL:
      if (value && strcmp (value, "true") != 0 && strcmp (value, "false") != 0)
        return nook_error (err, 0,
                           "invalid argument \"%s\" for \"--%s\" flag: strconv.ParseBool: "
                           "parsing \"%s\": invalid syntax",
                           value, o->name, value);
      if (o->dest)
        *(bool *)o->dest = value == NULL || strcmp (value, "true") == 0;
      return 0;
    case OPT_STRING:
      *(const char **)o->dest = value;
      return 0;
    case OPT_STRINGS:
      strv_push ((char ***)o->dest, xstrdup (value));
      return 0;
    case OPT_INT:
      if (!str_to_int64 (value, (int64_t *)o->dest))
        return nook_error (err, 0,
                           "invalid argument \"%s\" for \"--%s\" flag: strconv.ParseInt: "
                           "parsing \"%s\": invalid syntax",
                           value, o->name, value);
      return 0;
    }
  (void)spec;
  return 0;
}

static void
print_help (const struct cmd_spec *spec)
{
  printf ("%s\n\nUsage:\n  nook %s %s\n", spec->summary, spec->name, spec->usage);
  if (spec->opts && spec->opts->name)
    printf ("\nOptions:\n");
  for (const struct opt *o = spec->opts; o && o->name; o++)
    {
      char flag[64];
      if (o->short_name)
        snprintf (flag, sizeof (flag), "-%c, --%s%s%s", o->short_name, o->name, o->arg ? " " : "",
                  o->arg ? o->arg : "");
      else
        snprintf (flag, sizeof (flag), "    --%s%s%s", o->name, o->arg ? " " : "",
                  o->arg ? o->arg : "");
      printf ("  %-30s %s\n", flag, o->help);
    }
}

static int
unknown (const struct cmd_spec *spec, const char *what, nook_error_t *err)
{
  return nook_error (err, 0, "%s\nSee 'nook %s --help'", what, spec->name);
}

/* A long flag: ARG is "--name" or "--name=value".  */
static int
parse_long (const struct cmd_spec *spec, const char *arg, int argc, char **argv, int *i, bool *help,
            nook_error_t *err)
{
  const char *name = arg + 2, *eq = strchr (name, '=');
  size_t len = eq ? (size_t)(eq - name) : strlen (name);
  const struct opt *o = find_long (spec->opts, name, len);
  _cleanup_free_ char *msg = NULL;

  if (o == NULL)
    {
      msg = xasprintf ("unknown flag: --%.*s", (int)len, name);
      return unknown (spec, msg, err);
    }
  if (o == &help_opt)
    {
      *help = true;
      return 0;
    }
  if (eq || o->type == OPT_BOOL)
    return set_value (spec, o, eq ? eq + 1 : NULL, err);
  if (*i + 1 >= argc)
    return nook_error (err, 0, "flag needs an argument: --%s\nSee 'nook %s --help'", o->name,
                       spec->name);
  return set_value (spec, o, argv[++*i], err);
}

/* Short flags: ARG is "-abc", "-nvalue", "-n=value" or "-n value".  */
static int
parse_short (const struct cmd_spec *spec, const char *arg, int argc, char **argv, int *i,
             bool *help, nook_error_t *err)
{
  for (const char *p = arg + 1; *p; p++)
    {
      const struct opt *o = find_short (spec->opts, *p);
      if (o == NULL)
        {
          _cleanup_free_ char *msg = xasprintf ("unknown shorthand flag: '%c' in %s", *p, arg);
          return unknown (spec, msg, err);
        }
      if (o == &help_opt)
        {
          *help = true;
          return 0;
        }
      if (o->type == OPT_BOOL)
        {
          if (p[1] == '=')
            return set_value (spec, o, p + 2, err);
          if (set_value (spec, o, NULL, err) < 0)
            return -1;
          continue;
        }
      if (p[1] != '\0')
        return set_value (spec, o, p[1] == '=' ? p + 2 : p + 1, err);
      if (*i + 1 >= argc)
        return nook_error (err, 0, "flag needs an argument: '%c' in %s\nSee 'nook %s --help'", *p,
                           arg, spec->name);
      return set_value (spec, o, argv[++*i], err);
    }
  return 0;
}

int
cli_parse (const struct cmd_spec *spec, int argc, char **argv, char ***args, int *nargs,
           nook_error_t *err)
{
  /* Positional arguments are gathered in order; argv is reused for them.  */
  char **pos = xzalloc (sizeof (char *) * (size_t)(argc + 1));
  int npos = 0, i;
  bool help = false;

  for (i = 1; i < argc; i++)
    {
      const char *a = argv[i];
      int r;
      if (strcmp (a, "--") == 0)
        {
          i++;
          break;
        }
      if (a[0] != '-' || a[1] == '\0')
        {
          pos[npos++] = argv[i];
          if (spec->stop_at_arg)
            {
              i++;
              break;
            }
          continue;
        }
      r = a[1] == '-' ? parse_long (spec, a, argc, argv, &i, &help, err)
                      : parse_short (spec, a, argc, argv, &i, &help, err);
      if (r < 0)
        {
          free (pos);
          return -1;
        }
      if (help)
        {
          free (pos);
          print_help (spec);
          return 1;
        }
    }
  for (; i < argc; i++)
    pos[npos++] = argv[i];
  memcpy (argv + 1, pos, sizeof (char *) * (size_t)npos);
  argv[npos + 1] = NULL;
  free (pos);
  *args = argv + 1;
  *nargs = npos;
  if (npos < spec->min_args)
    return nook_error (err, 0,
                       "requires at least %d arg(s), only received %d\nSee 'nook %s --help'",
                       spec->min_args, npos, spec->name);
  if (spec->max_args >= 0 && npos > spec->max_args)
    return nook_error (err, 0, "accepts at most %d arg(s), received %d\nSee 'nook %s --help'",
                       spec->max_args, npos, spec->name);
  return 0;
}

struct opt *
cli_opts_join (const struct opt *const tables[])
{
  size_t n = 0, k = 0;
  struct opt *all;

  for (size_t t = 0; tables[t]; t++)
    for (const struct opt *o = tables[t]; o->name; o++)
      n++;
  all = xzalloc ((n + 1) * sizeof (*all));
  for (size_t t = 0; tables[t]; t++)
    for (const struct opt *o = tables[t]; o->name; o++)
      all[k++] = *o;
  return all;
}
