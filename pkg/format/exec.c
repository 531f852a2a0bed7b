/* pkg/format: running a parsed template, as Go's text/template/exec.go
   does.  Variables live on one stack: a block marks it on entry and pops
   back on exit; "$" is its bottom.  Reading a variable copies its value,
   so a later assignment cannot pull a value from under an expression.  */
#include "format/internal.h"

#include <string.h>

enum
{
  WALK_BREAK = 1,
  WALK_CONTINUE = 2,
};

static int walk_list (struct exec *x, const struct list *l, const struct fval *dot);
static int eval_pipe (struct exec *x, const struct pipe *pipe, const struct fval *dot, bool declare,
                      struct fval *out);

/* ---- errors and limits ---- */

/* The running node's source on one line, shortened, for messages.  */
static char *
node_text (const struct exec *x)
{
  const char *s = x->t->text + x->at_pos;
  struct nook_buf b = { 0 };
  bool space = false;
  size_t i;

  nook_buf_puts (&b, "");
  for (i = 0; i < x->at_len && b.len < 60; i++)
    {
      unsigned char c = (unsigned char)s[i];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
        {
          space = true;
          continue;
        }
      if (space && b.len > 0)
        nook_buf_putc (&b, ' ');
      space = false;
      nook_buf_putc (&b, c < 0x20 || c == 0x7f ? '?' : (char)c);
    }
  if (i < x->at_len)
    nook_buf_puts (&b, "...");
  return nook_buf_steal (&b);
}

int
exec_fail (struct exec *x, const char *fmt, ...)
{
  _cleanup_free_ char *msg = NULL;
  _cleanup_free_ char *text = node_text (x);
  va_list ap;
  int line, col;

  va_start (ap, fmt);
  if (vasprintf (&msg, fmt, ap) < 0)
    msg = NULL;
  va_end (ap);
  fmt_line_col (x->t->text, x->at_pos, &line, &col);
  return nook_error (x->err, 0, "template: %d:%d: executing at <%s>: %s", line, col, text,
                     msg ? msg : "out of memory");
}

int
exec_step (struct exec *x, uint64_t n)
{
  x->steps += n;
  if (x->steps > FORMAT_MAX_STEPS)
    return nook_error (x->err, 0, "template: execution stopped after %d steps", FORMAT_MAX_STEPS);
  return 0;
}

int
exec_fmt_error (struct exec *x, int code)
{
  if (code == FMT_EDEPTH)
    return exec_fail (x, "value nested more than %d levels deep", FORMAT_MAX_VALUE_DEPTH);
  return nook_error (x->err, 0, "template: output larger than %u bytes", FORMAT_MAX_OUTPUT);
}

static size_t
out_limit (const struct exec *x)
{
  return x->base + FORMAT_MAX_OUTPUT;
}

static int
check_out (struct exec *x)
{
  return x->out->len > out_limit (x) ? exec_fmt_error (x, FMT_ESIZE) : 0;
}

static void
set_at (struct exec *x, size_t pos, size_t len)
{
  x->at_pos = pos;
  x->at_len = len;
}

/* ---- variables ---- */

static void
push_var (struct exec *x, const char *name, struct fval v)
{
  if (x->nvars == x->cap)
    {
      x->cap = x->cap ? x->cap * 2 : 16;
      x->vars = xrealloc (x->vars, sizeof (struct var) * x->cap);
    }
  x->vars[x->nvars++] = (struct var){ name, v };
}

static void
pop_vars (struct exec *x, size_t mark)
{
  while (x->nvars > mark)
    val_free (&x->vars[--x->nvars].v);
}

static struct var *
find_var (struct exec *x, const char *name)
{
  for (size_t i = x->nvars; i > 0; i--)
    if (strcmp (x->vars[i - 1].name, name) == 0)
      return &x->vars[i - 1];
  return NULL;
}

static int
set_var (struct exec *x, const char *name, const struct fval *v)
{
  struct var *var = find_var (x, name);
  struct fval copy;

  if (var == NULL)
    return exec_fail (x, "undefined variable: %s", name);
  copy = val_dup (v);
  val_free (&var->v);
  var->v = copy;
  return 0;
}

/* ---- operands ---- */

static int
field_of (struct exec *x, const struct fval *v, const char *name, struct fval *out)
{
  *out = (struct fval){ .kind = V_MISSING };
  switch (v->kind)
    {
    case V_JSON:
      if (!json_is_object (v->j))
        break;
      if (json_get (v->j, name))
        *out = val_of_json (json_get (v->j, name));
      return 0;
    case V_MISSING:
    case V_NULL:
      /* Go's nil map: <no value>.  */
      return 0;
    case V_HEADER:
      *out = val_header (v->path ? v->path : "", name, x->header_of, x->header_data);
      return 0;
    default:
      break;
    }
  return exec_fail (x, "can't evaluate field %s in type %s", name, val_type_name (v));
}

/* BASE (taken) followed by FIELDS.  */
static int
apply_fields (struct exec *x, struct fval *base, char *const *fields, size_t n, struct fval *out)
{
  struct fval cur = val_take (base);

  for (size_t i = 0; i < n; i++)
    {
      struct fval next;
      int r = field_of (x, &cur, fields[i], &next);
      val_free (&cur);
      if (r < 0)
        return -1;
      cur = next;
    }
  *out = cur;
  return 0;
}

static int call_function (struct exec *x, const struct arg *ident, struct arg *const *args,
                          size_t nargs, const struct fval *dot, struct fval *final,
                          struct fval *out);

static int
eval_arg (struct exec *x, const struct arg *a, const struct fval *dot, struct fval *out)
{
  struct fval base = { .kind = V_MISSING };
  struct var *var;

  set_at (x, a->pos, a->len);
  switch (a->kind)
    {
    case A_DOT:
    case A_FIELD:
      base = val_borrow (dot);
      break;
    case A_NIL:
      base.kind = V_NULL;
      break;
    case A_LITERAL:
      base = val_borrow (&a->lit);
      break;
    case A_VAR:
      var = find_var (x, a->name);
      if (var == NULL)
        return exec_fail (x, "undefined variable: %s", a->name);
      base = val_dup (&var->v);
      break;
    case A_IDENT:
      if (call_function (x, a, NULL, 0, dot, NULL, &base) < 0)
        return -1;
      break;
    case A_PIPE:
      if (eval_pipe (x, a->pipe, dot, true, &base) < 0)
        return -1;
      break;
    }
  set_at (x, a->pos, a->len);
  return apply_fields (x, &base, a->fields, a->nfields, out);
}

/* ---- functions ---- */

static int
check_arity (struct exec *x, const struct builtin *fn, size_t n)
{
  if ((int)n < fn->min)
    return exec_fail (x, "wrong number of args for %s: want %s%d got %zu", fn->name,
                      fn->max == fn->min ? "" : "at least ", fn->min, n);
  if (fn->max >= 0 && (int)n > fn->max)
    return exec_fail (x, "wrong number of args for %s: want %s%d got %zu", fn->name,
                      fn->max == fn->min ? "" : "at most ", fn->max, n);
  return 0;
}

/* and, or: arguments run in turn until one decides (Go 1.18).  */
static int
call_lazy (struct exec *x, const struct builtin *fn, struct arg *const *args, size_t nargs,
           const struct fval *dot, struct fval *final, struct fval *out)
{
  bool want = strcmp (fn->name, "or") == 0;
  struct fval v = { .kind = V_MISSING };

  for (size_t i = 0; i < nargs; i++)
    {
      val_free (&v);
      if (eval_arg (x, args[i], dot, &v) < 0)
        return -1;
      if (val_truth (&v) == want)
        {
          *out = v;
          return 0;
        }
    }
  if (final)
    {
      val_free (&v);
      v = val_take (final);
    }
  *out = v;
  return 0;
}

static int
call_function (struct exec *x, const struct arg *ident, struct arg *const *args, size_t nargs,
               const struct fval *dot, struct fval *final, struct fval *out)
{
  const struct builtin *fn = ident->fn;
  size_t n = nargs + (final != NULL), pos = x->at_pos, len = x->at_len;
  struct fval *vals;
  int r = 0;

  *out = (struct fval){ .kind = V_MISSING };
  if (check_arity (x, fn, n) < 0)
    return -1;
  if (fn->lazy)
    return call_lazy (x, fn, args, nargs, dot, final, out);
  vals = xzalloc (sizeof (struct fval) * (n ? n : 1));
  for (size_t i = 0; i < nargs && r == 0; i++)
    r = eval_arg (x, args[i], dot, &vals[i]);
  if (final)
    vals[n - 1] = val_take (final);
  for (size_t i = 0; i < n; i++)
    if (vals[i].kind == V_MISSING)
      vals[i].kind = V_NULL; /* Go passes nil */
  set_at (x, pos, len);
  if (r == 0)
    r = fn->call (x, fn, vals, n, out);
  for (size_t i = 0; i < n; i++)
    val_free (&vals[i]);
  free (vals);
  return r;
}

/* ---- commands and pipelines ---- */

static int
eval_cmd (struct exec *x, const struct cmd *c, const struct fval *dot, struct fval *final,
          struct fval *out)
{
  const struct arg *a = c->args[0];

  *out = (struct fval){ .kind = V_MISSING };
  if (exec_step (x, 1) < 0)
    return -1;
  set_at (x, c->pos, c->len);
  if (a->kind == A_IDENT && a->nfields == 0)
    return call_function (x, a, c->args + 1, c->nargs - 1, dot, final, out);
  set_at (x, a->pos, a->len);
  if ((c->nargs > 1 || final != NULL) && a->nfields > 0)
    return exec_fail (x, "%s has arguments but cannot be invoked as function",
                      a->fields[a->nfields - 1]);
  if (c->nargs > 1 || final != NULL)
    return exec_fail (x, "can't give argument to non-function %.*s", (int)a->len,
                      x->t->text + a->pos);
  if (a->kind == A_NIL)
    return exec_fail (x, "nil is not a command");
  return eval_arg (x, a, dot, out);
}

static int
eval_pipe (struct exec *x, const struct pipe *pipe, const struct fval *dot, bool declare,
           struct fval *out)
{
  struct fval v = { .kind = V_MISSING };

  for (size_t i = 0; i < pipe->ncmds; i++)
    {
      struct fval next;
      int r = eval_cmd (x, pipe->cmds[i], dot, i ? &v : NULL, &next);
      val_free (&v);
      if (r < 0)
        {
          val_free (&next);
          return -1;
        }
      v = next;
    }
  for (size_t i = 0; i < pipe->ndecl && declare; i++)
    {
      if (!pipe->assign)
        push_var (x, pipe->decl[i], val_dup (&v));
      else if (set_var (x, pipe->decl[i], &v) < 0)
        {
          val_free (&v);
          return -1;
        }
    }
  *out = v;
  return 0;
}

/* ---- nodes ---- */

static int
walk_action (struct exec *x, const struct node *n, const struct fval *dot)
{
  struct fval v;
  int r = 0;

  if (eval_pipe (x, n->pipe, dot, true, &v) < 0)
    return -1;
  if (n->pipe->ndecl == 0)
    {
      set_at (x, n->pipe->pos, n->pipe->len);
      r = fmt_print (x->out, out_limit (x), &v);
      r = r < 0 ? exec_fmt_error (x, r) : 0;
    }
  val_free (&v);
  return r;
}

static int
walk_cond (struct exec *x, const struct node *n, const struct fval *dot)
{
  size_t mark = x->nvars;
  struct fval v;
  int r = -1;

  if (eval_pipe (x, n->pipe, dot, true, &v) == 0)
    {
      if (val_truth (&v))
        r = walk_list (x, &n->body, n->kind == N_WITH ? &v : dot);
      else
        r = walk_list (x, &n->alt, dot);
      val_free (&v);
    }
  pop_vars (x, mark);
  return r;
}

/* One pass of a range body with ELEM as dot; the declared variables are
   the stack slots from SLOT.  */
static int
range_once (struct exec *x, const struct node *n, size_t slot, const struct fval *key,
            const struct fval *elem)
{
  size_t inner = x->nvars;
  int r;

  if (exec_step (x, 1) < 0)
    return -1;
  if (n->pipe->ndecl == 2)
    {
      val_free (&x->vars[slot].v);
      x->vars[slot++].v = val_dup (key);
    }
  if (n->pipe->ndecl > 0)
    {
      val_free (&x->vars[slot].v);
      x->vars[slot].v = val_dup (elem);
    }
  r = walk_list (x, &n->body, elem);
  pop_vars (x, inner);
  return r == WALK_CONTINUE ? 0 : r;
}

static int
range_object (struct exec *x, const struct node *n, size_t slot, const struct fval *coll)
{
  size_t count;
  _cleanup_free_ size_t *keys = val_sorted_keys (coll->j, &count);
  int r = 0;

  for (size_t i = 0; i < count && r == 0; i++)
    {
      struct fval key = { .kind = V_STRING, .s = json_key_at (coll->j, keys[i]) };
      struct fval elem = val_of_json (json_at (coll->j, keys[i]));
      r = range_once (x, n, slot, &key, &elem);
      val_free (&elem);
    }
  return r == WALK_BREAK ? 0 : r;
}

static int
range_array (struct exec *x, const struct node *n, size_t slot, const struct fval *coll)
{
  size_t count = val_count (coll);
  int r = 0;

  for (size_t i = 0; i < count && r == 0; i++)
    {
      struct fval key = val_int ((int64_t)i);
      struct fval elem = val_elem (coll, i);
      r = range_once (x, n, slot, &key, &elem);
      val_free (&elem);
    }
  return r == WALK_BREAK ? 0 : r;
}

static int
range_over (struct exec *x, const struct node *n, size_t slot, const struct fval *coll,
            const struct fval *dot)
{
  struct fval zero = val_int (0);
  struct nook_buf b = { 0 };
  int r;

  if (val_count (coll) > 0 && val_is_array (coll))
    return range_array (x, n, slot, coll);
  if (val_count (coll) > 0)
    return range_object (x, n, slot, coll);
  if (coll->kind == V_HEADER && coll->s != NULL)
    {
      /* A column's header: once, with the header as dot.  */
      r = range_once (x, n, slot, &zero, coll);
      return r == WALK_BREAK ? 0 : r;
    }
  if (coll->kind == V_JSON || coll->kind == V_LIST || coll->kind == V_HEADER || coll->kind == V_NULL
      || coll->kind == V_MISSING)
    return walk_list (x, &n->alt, dot);
  set_at (x, n->pipe->pos, n->pipe->len);
  fmt_print (&b, 200, coll);
  r = exec_fail (x, "range can't iterate over %.200s", b.data ? b.data : "");
  nook_buf_free (&b);
  return r;
}

static int
walk_range (struct exec *x, const struct node *n, const struct fval *dot)
{
  size_t mark = x->nvars;
  struct fval coll;
  int r;

  if (eval_pipe (x, n->pipe, dot, false, &coll) < 0)
    return -1;
  for (size_t i = 0; i < n->pipe->ndecl; i++)
    push_var (x, n->pipe->decl[i], (struct fval){ .kind = V_MISSING });
  r = range_over (x, n, mark, &coll, dot);
  val_free (&coll);
  pop_vars (x, mark);
  return r;
}

static int
walk_node (struct exec *x, const struct node *n, const struct fval *dot)
{
  if (exec_step (x, 1) < 0)
    return -1;
  switch (n->kind)
    {
    case N_TEXT:
      nook_buf_append (x->out, n->text, n->len);
      return check_out (x);
    case N_ACTION:
      return walk_action (x, n, dot);
    case N_IF:
    case N_WITH:
      return walk_cond (x, n, dot);
    case N_RANGE:
      return walk_range (x, n, dot);
    case N_BREAK:
      return WALK_BREAK;
    case N_CONTINUE:
      return WALK_CONTINUE;
    }
  return 0;
}

static int
walk_list (struct exec *x, const struct list *l, const struct fval *dot)
{
  for (size_t i = 0; i < l->n; i++)
    {
      int r = walk_node (x, l->v[i], dot);
      if (r != 0)
        return r;
    }
  return 0;
}

static int
run (struct exec *x, const struct fval *root)
{
  int r;

  x->base = x->out->len;
  push_var (x, "$", val_borrow (root));
  r = walk_list (x, &x->t->root, root);
  pop_vars (x, 0);
  free (x->vars);
  if (r < 0)
    {
      x->out->len = x->base;
      if (x->out->data)
        x->out->data[x->base] = '\0';
      return -1;
    }
  return 0;
}

int
format_execute (const struct format_template *t, const nook_json *data, struct nook_buf *out,
                nook_error_t *err)
{
  struct exec x = { .t = t, .out = out, .err = err };
  struct fval root = val_of_json (data);
  int r = run (&x, &root);

  val_free (&root);
  return r;
}

int
format_table_header (const struct format_template *t, format_header_fn header_of, void *data,
                     struct nook_buf *out, nook_error_t *err)
{
  struct exec x = { .t = t, .out = out, .err = err, .header_of = header_of, .header_data = data };
  struct fval root = { .kind = V_HEADER, .path = "" };

  return run (&x, &root);
}
