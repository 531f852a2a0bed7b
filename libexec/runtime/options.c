/* The option parser, table-driven, with runc's (Go's flag) rules: a
   long name takes one dash or two (--bundle, -bundle), a value follows
   as the next argument or after '=' (--bundle DIR, --bundle=DIR, -b DIR),
   a boolean takes =true or =false, and "--" ends the options.  */
#include "cli.h"

#include <string.h>

static const struct cli_option help_option
    = CLI_OPT ("help", 'h', OPT_BOOL, help, NULL, "show this help");

static const struct cli_option *
find_option (const struct cli_option *options, const char *name, size_t len)
{
  for (const struct cli_option *o = options; o->name; o++)
    if ((strlen (o->name) == len && strncmp (o->name, name, len) == 0)
        || (len == 1 && o->short_name == name[0]))
      return o;
  if ((len == 4 && strncmp (name, "help", 4) == 0) || (len == 1 && name[0] == 'h'))
    return &help_option;
  return NULL;
}

/* Go's strconv.ParseBool.  */
static int
parse_bool (const char *flag, const char *v, bool *out, nook_error_t *err)
{
  static const char *const yes[] = { "1", "t", "T", "true", "TRUE", "True", NULL };
  static const char *const no[] = { "0", "f", "F", "false", "FALSE", "False", NULL };

  if (v == NULL || strv_contains ((char *const *)yes, v))
    *out = true;
  else if (strv_contains ((char *const *)no, v))
    *out = false;
  else
    return nook_error (err, 0, "invalid boolean value `%s` for flag %s", v, flag);
  return 0;
}

static int
set_value (struct cli *c, const struct cli_option *o, const char *flag, const char *v,
           nook_error_t *err)
{
  void *field = (char *)c + o->offset;
  int64_t n;

  switch (o->type)
    {
    case OPT_BOOL:
      return parse_bool (flag, v, (bool *)field, err);
    case OPT_STRING:
      *(const char **)field = v;
      return 0;
    case OPT_LIST:
      if (*(char ***)field == NULL)
        *(char ***)field = xzalloc (sizeof (char *));
      strv_push ((char ***)field, xstrdup (v));
      return 0;
    case OPT_UINT:
      if (!str_to_int64 (v, &n) || n < 0 || n > 1024)
        return nook_error (err, 0, "invalid value `%s` for flag %s: a number from 0 to 1024", v,
                           flag);
      *(uint64_t *)field = (uint64_t)n;
      return 0;
    }
  return 0;
}

static int
parse_option (struct cli *c, const struct cli_option *options, int argc, char **argv, int *i,
              nook_error_t *err)
{
  const char *arg = argv[*i], *name = arg + (arg[1] == '-' ? 2 : 1);
  const char *eq = strchr (name, '=');
  size_t len = eq ? (size_t)(eq - name) : strlen (name);
  _cleanup_free_ char *flag = xstrndup (arg, (size_t)(name - arg) + len);
  const struct cli_option *o = find_option (options, name, len);
  const char *v = NULL;

  if (o == NULL || len == 0)
    return nook_error (err, 0, "flag provided but not defined: %s", flag);
  if (eq)
    v = eq + 1;
  else if (o->type != OPT_BOOL)
    {
      if (*i + 1 >= argc)
        return nook_error (err, 0, "flag needs an argument: %s", flag);
      v = argv[++*i];
    }
  return set_value (c, o, flag, v, err);
}

int
cli_parse (struct cli *c, const struct cli_option *options, bool options_first, bool stop_at_arg,
           int argc, char **argv, nook_error_t *err)
{
  bool only_args = false;

  if (c->args == NULL)
    c->args = xzalloc (sizeof (char *));
  for (int i = 1; i < argc; i++)
    {
      const char *a = argv[i];

      if (!only_args && strcmp (a, "--") == 0)
        {
          if (stop_at_arg)
            return i + 1;
          only_args = true;
          continue;
        }
      if (only_args || a[0] != '-' || a[1] == '\0')
        {
          if (stop_at_arg)
            return i;
          strv_push (&c->args, xstrdup (a));
          only_args = only_args || options_first;
          continue;
        }
      if (parse_option (c, options, argc, argv, &i, err) < 0)
        return -1;
    }
  return argc;
}

void
cli_print_options (FILE *out, const struct cli_option *options)
{
  for (const struct cli_option *o = options;; o++)
    {
      const struct cli_option *p = o->name ? o : &help_option;
      char head[64];

      snprintf (head, sizeof (head), "%c%c%s --%s%s%s", p->short_name ? '-' : ' ',
                p->short_name ? p->short_name : ' ', p->short_name ? "," : " ", p->name,
                p->value_name ? " " : "", p->value_name ? p->value_name : "");
      fprintf (out, "  %-30s %s\n", head, p->help);
      if (o->name == NULL)
        break;
    }
}
