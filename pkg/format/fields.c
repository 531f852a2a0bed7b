/* The members of the data a template reads: a command that makes rows
   only to print them through a template can leave the rest out.  */
#include "format/internal.h"

#include <string.h>

struct fields
{
  char **names;
  bool all; /* the template may read any member */
};

static void
add (struct fields *f, const char *name)
{
  if (!strv_contains (f->names, name))
    strv_push (&f->names, xstrdup (name));
}

/* PIPE's arguments, run with dot the data itself when ROOT.  */
static void
walk_pipe (const struct pipe *p, bool root, struct fields *f)
{
  if (p == NULL)
    return;
  /* A variable may hold the data whole.  */
  if (p->ndecl)
    f->all = true;
  for (size_t i = 0; i < p->ncmds && !f->all; i++)
    for (size_t k = 0; k < p->cmds[i]->nargs; k++)
      {
        const struct arg *a = p->cmds[i]->args[k];
        if (a->kind == A_DOT && root)
          f->all = true;
        else if (a->kind == A_FIELD && root)
          add (f, a->fields[0]);
        else if (a->kind == A_VAR && strcmp (a->name, "$") == 0 && a->nfields)
          add (f, a->fields[0]);
        else if (a->kind == A_VAR)
          f->all = true;
        else if (a->kind == A_PIPE)
          walk_pipe (a->pipe, root, f);
      }
}

static void
walk_list (const struct list *l, bool root, struct fields *f)
{
  for (size_t i = 0; i < l->n && !f->all; i++)
    {
      const struct node *n = l->v[i];
      walk_pipe (n->pipe, root, f);
      /* range and with move dot in their body; their else keeps it.  */
      walk_list (&n->body, root && n->kind != N_RANGE && n->kind != N_WITH, f);
      walk_list (&n->alt, root, f);
    }
}

char **
format_fields (const struct format_template *t)
{
  struct fields f = { xzalloc (sizeof (char *)), false };

  walk_list (&t->root, true, &f);
  if (f.all)
    {
      strv_free (f.names);
      return NULL;
    }
  return f.names;
}
