/* pkg/format: the parser of Go's text/template.  Text runs to the next
   "{{"; inside an action the parser pulls tokens from the lexer (lex.c),
   and backing up is restoring the position.  Every node is attached to
   its parent as soon as it is made, so an error frees the whole tree.  */
#include "format/internal.h"

#include <string.h>

enum term
{
  TERM_EOF,
  TERM_END,
  TERM_ELSE,
};

static int parse_pipeline (struct parser *p, const char *context, enum tok end, struct pipe **out);
static int parse_list (struct parser *p, struct list *l, enum term *term);

/* ---- variables in scope ---- */

static void
push_var (struct parser *p, const char *name)
{
  p->vars = xrealloc (p->vars, sizeof (char *) * (p->nvars + 1));
  p->vars[p->nvars++] = xstrdup (name);
}

static void
pop_vars (struct parser *p, size_t n)
{
  while (p->nvars > n)
    free (p->vars[--p->nvars]);
}

static bool
has_var (const struct parser *p, const char *name, size_t len)
{
  for (size_t i = p->nvars; i > 0; i--)
    if (strlen (p->vars[i - 1]) == len && memcmp (p->vars[i - 1], name, len) == 0)
      return true;
  return false;
}

/* ---- tree building ---- */

#define APPEND(arr, n, item)                                                                       \
  do                                                                                               \
    {                                                                                              \
      (arr) = xrealloc ((arr), sizeof (*(arr)) * ((n) + 1));                                       \
      (arr)[(n)++] = (item);                                                                       \
    }                                                                                              \
  while (0)

static struct node *
add_node (struct list *l, enum node_kind kind, size_t pos)
{
  struct node *n = xzalloc (sizeof (*n));
  n->kind = kind;
  n->pos = pos;
  APPEND (l->v, l->n, n);
  return n;
}

static void pipe_free (struct pipe *pipe);

static void
arg_free (struct arg *a)
{
  free (a->name);
  for (size_t i = 0; i < a->nfields; i++)
    free (a->fields[i]);
  free (a->fields);
  if (a->pipe)
    pipe_free (a->pipe);
  val_free (&a->lit);
  free (a);
}

static void
pipe_free (struct pipe *pipe)
{
  for (size_t i = 0; i < pipe->ndecl; i++)
    free (pipe->decl[i]);
  for (size_t i = 0; i < pipe->ncmds; i++)
    {
      for (size_t j = 0; j < pipe->cmds[i]->nargs; j++)
        arg_free (pipe->cmds[i]->args[j]);
      free (pipe->cmds[i]->args);
      free (pipe->cmds[i]);
    }
  free (pipe->cmds);
  free (pipe);
}

void
fmt_list_free (struct list *l)
{
  for (size_t i = 0; i < l->n; i++)
    {
      struct node *n = l->v[i];
      free (n->text);
      if (n->pipe)
        pipe_free (n->pipe);
      fmt_list_free (&n->body);
      fmt_list_free (&n->alt);
      free (n);
    }
  free (l->v);
  l->v = NULL;
  l->n = 0;
}

/* ---- operands, commands, pipelines ---- */

static int
parse_term_ident (struct parser *p, const struct token *t, struct arg *a)
{
  _cleanup_free_ char *name = xstrndup (p->s + t->pos, t->len);

  if (strcmp (name, "true") == 0 || strcmp (name, "false") == 0)
    {
      a->kind = A_LITERAL;
      a->lit = val_bool (name[0] == 't');
      return 0;
    }
  if (strcmp (name, "nil") == 0)
    {
      a->kind = A_NIL;
      return 0;
    }
  a->kind = A_IDENT;
  a->fn = builtin_find (name);
  if (a->fn == NULL)
    return fmt_perr (p, t->pos, "function \"%s\" not defined", name);
  a->name = steal_pointer (&name);
  return 0;
}

static int
parse_term (struct parser *p, const struct token *t, struct arg *a)
{
  switch (t->type)
    {
    case T_IDENT:
      return parse_term_ident (p, t, a);
    case T_DOT:
      a->kind = A_DOT;
      return 0;
    case T_FIELD:
      a->kind = A_FIELD;
      APPEND (a->fields, a->nfields, xstrndup (p->s + t->pos + 1, t->len - 1));
      return 0;
    case T_VAR:
      a->kind = A_VAR;
      a->name = xstrndup (p->s + t->pos, t->len);
      if (!has_var (p, a->name, t->len))
        return fmt_perr (p, t->pos, "undefined variable \"%s\"", a->name);
      return 0;
    case T_STRING:
    case T_RAWSTRING:
      a->kind = A_LITERAL;
      return fmt_parse_literal (p, t, &a->lit);
    case T_CHAR:
      a->kind = A_LITERAL;
      return fmt_parse_literal (p, t, &a->lit);
    case T_NUMBER:
      a->kind = A_LITERAL;
      return fmt_parse_literal (p, t, &a->lit);
    default:
      break;
    }
  /* T_LPAREN */
  a->kind = A_PIPE;
  if (++p->depth > FORMAT_MAX_DEPTH)
    return fmt_perr (p, t->pos, "template nested more than %d levels deep", FORMAT_MAX_DEPTH);
  if (parse_pipeline (p, "parenthesized pipeline", T_RPAREN, &a->pipe) < 0)
    return -1;
  p->depth--;
  return 0;
}

static int
after_term (struct parser *p, const struct token *t, const struct arg *a)
{
  _cleanup_buf_ struct nook_buf b = { 0 };
  fmt_quote (&b, p->s + a->pos, t->pos - a->pos);
  return fmt_perr (p, t->pos, "unexpected . after term %s", b.data);
}

/* Fields after a term: (x).A.B, $x.A, .A.B.  */
static int
parse_chain (struct parser *p, struct arg *a)
{
  for (;;)
    {
      size_t save = p->pos;
      struct token t;

      if (fmt_lex (p, &t) < 0)
        return -1;
      if (t.type != T_FIELD)
        {
          p->pos = save;
          return 0;
        }
      if (a->kind == A_LITERAL || a->kind == A_NIL || a->kind == A_DOT)
        return after_term (p, &t, a);
      APPEND (a->fields, a->nfields, xstrndup (p->s + t.pos + 1, t.len - 1));
    }
}

static bool
starts_operand (enum tok type)
{
  return type == T_STRING || type == T_RAWSTRING || type == T_CHAR || type == T_NUMBER
         || type == T_DOT || type == T_FIELD || type == T_VAR || type == T_IDENT
         || type == T_LPAREN;
}

/* One operand into C; *GOT false when the next token is not one.  */
static int
parse_operand (struct parser *p, struct cmd *c, bool *got)
{
  size_t save = p->pos;
  struct token t;
  struct arg *a;

  *got = false;
  if (fmt_next_nonspace (p, &t) < 0)
    return -1;
  if (!starts_operand (t.type) || fmt_tok_is_keyword (p, &t))
    {
      p->pos = save;
      return 0;
    }
  a = xzalloc (sizeof (*a));
  a->pos = t.pos;
  APPEND (c->args, c->nargs, a);
  if (parse_term (p, &t, a) < 0)
    return -1;
  a->len = p->pos - a->pos;
  if (parse_chain (p, a) < 0)
    return -1;
  a->len = p->pos - a->pos;
  *got = true;
  return 0;
}

static int
parse_command (struct parser *p, struct pipe *pipe, bool *piped)
{
  struct cmd *c = xzalloc (sizeof (*c));
  struct token t;

  APPEND (pipe->cmds, pipe->ncmds, c);
  c->pos = p->pos;
  *piped = false;
  for (;;)
    {
      bool got;
      if (parse_operand (p, c, &got) < 0)
        return -1;
      if (got)
        c->len = p->pos - c->pos;
      if (fmt_lex (p, &t) < 0)
        return -1;
      if (t.type == T_SPACE)
        continue;
      if (t.type == T_PIPE)
        *piped = true;
      else if (t.type == T_RDELIM || t.type == T_RPAREN || t.type == T_EOF)
        p->pos = t.pos;
      else
        return fmt_unexpected (p, &t, "operand");
      break;
    }
  if (c->nargs == 0)
    return fmt_perr (p, c->pos, "empty command");
  return 0;
}

static void
add_decl (struct parser *p, struct pipe *pipe, const struct token *t)
{
  pipe->decl[pipe->ndecl++] = xstrndup (p->s + t->pos, t->len);
}

/* "$x :=", "$x =", "$i, $e :=" at the start of a pipeline.  */
static int
parse_decl (struct parser *p, const char *context, struct pipe *pipe)
{
  for (;;)
    {
      size_t save = p->pos;
      struct token v, t = { 0 };

      if (fmt_next_nonspace (p, &v) < 0 || (v.type == T_VAR && fmt_next_nonspace (p, &t) < 0))
        return -1;
      if (v.type == T_VAR && (t.type == T_DECLARE || t.type == T_ASSIGN))
        {
          add_decl (p, pipe, &v);
          pipe->assign = t.type == T_ASSIGN;
          for (size_t i = 0; i < pipe->ndecl && pipe->assign; i++)
            if (!has_var (p, pipe->decl[i], strlen (pipe->decl[i])))
              return fmt_perr (p, v.pos, "undefined variable \"%s\"", pipe->decl[i]);
          return 0;
        }
      if (v.type == T_VAR && t.type == T_COMMA)
        {
          if (strcmp (context, "range") != 0 || pipe->ndecl > 0)
            return fmt_perr (p, t.pos, "too many declarations in %s", context);
          add_decl (p, pipe, &v);
          continue;
        }
      if (pipe->ndecl > 0)
        return fmt_perr (p, v.pos, "range can only initialize variables");
      p->pos = save;
      return 0;
    }
}

static int
check_pipeline (struct parser *p, struct pipe *pipe, const char *context, bool piped)
{
  if (pipe->ncmds == 0)
    return fmt_perr (p, pipe->pos, "missing value for %s", context);
  if (piped)
    return fmt_perr (p, p->pos, "missing command after | in %s", context);
  for (size_t i = 1; i < pipe->ncmds; i++)
    {
      const struct arg *a = pipe->cmds[i]->args[0];
      if ((a->kind == A_LITERAL || a->kind == A_DOT || a->kind == A_NIL) && a->nfields == 0)
        return fmt_perr (p, a->pos, "non executable command in pipeline stage %zu", i + 1);
    }
  for (size_t i = 0; i < pipe->ndecl && !pipe->assign; i++)
    push_var (p, pipe->decl[i]);
  return 0;
}

static int
parse_pipeline (struct parser *p, const char *context, enum tok end, struct pipe **out)
{
  struct pipe *pipe = *out = xzalloc (sizeof (*pipe));
  bool piped = false;
  struct token t;

  if (fmt_peek_nonspace (p, &t) < 0)
    return -1;
  pipe->pos = t.pos;
  if (parse_decl (p, context, pipe) < 0)
    return -1;
  for (;;)
    {
      if (fmt_next_nonspace (p, &t) < 0)
        return -1;
      if (t.type == end)
        break;
      if (t.type == T_EOF || (t.type == T_RDELIM && end == T_RPAREN))
        return fmt_perr (p, t.pos, end == T_RDELIM ? "unclosed action" : "unclosed left paren");
      if (!starts_operand (t.type) || (pipe->ncmds > 0 && !piped))
        return fmt_unexpected (p, &t, context);
      p->pos = t.pos;
      if (parse_command (p, pipe, &piped) < 0)
        return -1;
    }
  if (end == T_RDELIM)
    p->trim_next = t.trim;
  pipe->len = t.pos - pipe->pos;
  return check_pipeline (p, pipe, context, piped);
}

/* ---- actions and control structures ---- */

static int
expect_rdelim (struct parser *p, const char *context)
{
  struct token t;
  if (fmt_next_nonspace (p, &t) < 0)
    return -1;
  if (t.type == T_EOF)
    return fmt_perr (p, t.pos, "unclosed action");
  if (t.type != T_RDELIM)
    return fmt_unexpected (p, &t, context);
  p->trim_next = t.trim;
  return 0;
}

static int parse_control (struct parser *p, struct list *l, enum node_kind kind,
                          const char *keyword, size_t pos);

/* After {{else: "if"/"with" chains (the nested one takes the {{end}}),
   or the else branch up to {{end}}.  */
static int
parse_else (struct parser *p, struct node *n, const char *keyword)
{
  enum term term;
  struct token t;

  if (fmt_peek_nonspace (p, &t) < 0)
    return -1;
  if ((n->kind == N_IF || n->kind == N_WITH) && fmt_tok_is (p, &t, keyword))
    {
      fmt_next_nonspace (p, &t);
      return parse_control (p, &n->alt, n->kind, keyword, t.pos);
    }
  if (expect_rdelim (p, "else") < 0 || parse_list (p, &n->alt, &term) < 0)
    return -1;
  if (term == TERM_ELSE)
    return fmt_perr (p, p->term_pos, "expected end; found {{else}}");
  if (term == TERM_EOF)
    return fmt_perr (p, p->len, "unexpected EOF");
  return 0;
}

static int
parse_control (struct parser *p, struct list *l, enum node_kind kind, const char *keyword,
               size_t pos)
{
  struct node *n = add_node (l, kind, pos);
  size_t outer = p->nvars, declared;
  enum term term;
  int r;

  if (++p->depth > FORMAT_MAX_DEPTH)
    return fmt_perr (p, pos, "template nested more than %d levels deep", FORMAT_MAX_DEPTH);
  if (parse_pipeline (p, keyword, T_RDELIM, &n->pipe) < 0)
    return -1;
  declared = p->nvars;
  p->in_range += kind == N_RANGE;
  r = parse_list (p, &n->body, &term);
  p->in_range -= kind == N_RANGE;
  if (r < 0)
    return -1;
  if (term == TERM_EOF)
    return fmt_perr (p, p->len, "unexpected EOF");
  if (term == TERM_ELSE)
    {
      pop_vars (p, declared);
      if (parse_else (p, n, keyword) < 0)
        return -1;
    }
  pop_vars (p, outer);
  p->depth--;
  return 0;
}

static int
parse_comment (struct parser *p)
{
  const char *end = memmem (p->s + p->pos + 2, p->len - p->pos - 2, "*/", 2);
  size_t at;
  bool trim;

  if (end == NULL)
    return fmt_perr (p, p->pos, "unclosed comment");
  at = (size_t)(end - p->s) + 2;
  if (!fmt_at_rdelim (p, at, &trim))
    return fmt_perr (p, at, "comment ends before closing delimiter");
  p->pos = at + (trim ? 4 : 2);
  p->trim_next = trim;
  return 0;
}

static int
parse_keyword (struct parser *p, struct list *l, const struct token *t, enum term *term)
{
  static const struct
  {
    const char *word;
    enum node_kind kind;
  } controls[] = { { "if", N_IF }, { "range", N_RANGE }, { "with", N_WITH } };
  _cleanup_free_ char *word = xstrndup (p->s + t->pos, t->len);

  for (size_t i = 0; i < NOOK_ARRAY_SIZE (controls); i++)
    if (strcmp (word, controls[i].word) == 0)
      return parse_control (p, l, controls[i].kind, controls[i].word, t->pos);
  p->term_pos = t->pos;
  if (strcmp (word, "end") == 0)
    {
      *term = TERM_END;
      return expect_rdelim (p, "end") < 0 ? -1 : 1;
    }
  if (strcmp (word, "else") == 0)
    {
      *term = TERM_ELSE;
      return 1;
    }
  if (strcmp (word, "break") == 0 || strcmp (word, "continue") == 0)
    {
      if (p->in_range == 0)
        return fmt_perr (p, t->pos, "{{%s}} outside {{range}}", word);
      add_node (l, word[0] == 'b' ? N_BREAK : N_CONTINUE, t->pos);
      return expect_rdelim (p, word);
    }
  return fmt_perr (p, t->pos, "{{%s}} is not supported", word);
}

/* The action after "{{": 0 to go on, 1 at {{end}} or {{else}}.  */
static int
parse_action (struct parser *p, struct list *l, enum term *term)
{
  struct token t;
  struct node *n;

  if (p->pos + 1 < p->len && p->s[p->pos] == '/' && p->s[p->pos + 1] == '*')
    return parse_comment (p);
  if (fmt_peek_nonspace (p, &t) < 0)
    return -1;
  if (fmt_tok_is_keyword (p, &t))
    {
      p->pos = t.pos + t.len;
      return parse_keyword (p, l, &t, term);
    }
  n = add_node (l, N_ACTION, t.pos);
  return parse_pipeline (p, "command", T_RDELIM, &n->pipe);
}

static void
add_text (struct parser *p, struct list *l, size_t start, size_t end, bool ltrim)
{
  struct node *n;

  if (p->trim_next)
    while (start < end && fmt_is_space (p->s[start]))
      start++;
  if (ltrim)
    while (end > start && fmt_is_space (p->s[end - 1]))
      end--;
  p->trim_next = false;
  if (end == start)
    return;
  n = add_node (l, N_TEXT, start);
  n->text = xstrndup (p->s + start, end - start);
  n->len = end - start;
}

static int
parse_list (struct parser *p, struct list *l, enum term *term)
{
  for (;;)
    {
      const char *open = memmem (p->s + p->pos, p->len - p->pos, "{{", 2);
      size_t at = open ? (size_t)(open - p->s) : p->len;
      bool ltrim = open && fmt_char_at (p, at + 2) == '-' && fmt_is_space (fmt_char_at (p, at + 3));
      int r;

      add_text (p, l, p->pos, at, ltrim);
      if (open == NULL)
        {
          p->pos = p->len;
          *term = TERM_EOF;
          return 0;
        }
      p->pos = at + (ltrim ? 4 : 2);
      r = parse_action (p, l, term);
      if (r != 0)
        return r < 0 ? -1 : 0;
    }
}

int
format_parse (const char *text, struct format_template **out, nook_error_t *err)
{
  _cleanup_format_ struct format_template *t = xzalloc (sizeof (*t));
  struct parser p = { 0 };
  enum term term;
  int r;

  t->text = xstrdup (text);
  p.s = t->text;
  p.len = strlen (text);
  p.err = err;
  push_var (&p, "$");
  r = parse_list (&p, &t->root, &term);
  if (r == 0 && term != TERM_EOF)
    r = fmt_perr (&p, p.term_pos, term == TERM_END ? "unexpected {{end}}" : "unexpected {{else}}");
  pop_vars (&p, 0);
  free (p.vars);
  if (r < 0)
    return -1;
  *out = steal_pointer (&t);
  return 0;
}

void
format_free (struct format_template *t)
{
  if (t == NULL)
    return;
  fmt_list_free (&t->root);
  free (t->text);
  free (t);
}

void
format_freep (struct format_template **t)
{
  format_free (*t);
}
