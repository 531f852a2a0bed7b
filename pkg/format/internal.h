/* pkg/format internals: the parse tree, run-time values, the executor's
   state, and what the parser, the executor, the builtins and the
   printer share.  */
#ifndef NOOK_FORMAT_INTERNAL_H
#define NOOK_FORMAT_INTERNAL_H

#include "format/format.h"

/* ---- values ---- */

enum vkind
{
  V_MISSING, /* a member that is not there: prints <no value> */
  V_NULL,
  V_BOOL,
  V_INT,
  V_UINT,   /* beyond INT64_MAX */
  V_FLOAT,  /* s: the number as written in the data (NULL when computed) */
  V_STRING, /* s */
  V_JSON,   /* an array or object of the data: j, always borrowed */
  V_LIST,   /* an array made at run time (split, slice): items, n */
  V_HEADER, /* table headers: s the header (NULL at the root), path the field chain */
};

struct fval
{
  enum vkind kind;
  bool owned; /* s, path and items (with what they own) are freed with the value */
  bool b;
  int64_t i;
  uint64_t u;
  double f;
  const char *s;
  const char *path;
  const nook_json *j;
  struct fval *items;
  size_t n;
};

struct fval val_of_json (const nook_json *j);
struct fval val_string (char *s); /* takes S */
struct fval val_int (int64_t i);
struct fval val_bool (bool b);
/* A copy owning all it refers to but the data's JSON nodes.  */
struct fval val_dup (const struct fval *v);
/* The same value, owning nothing.  */
struct fval val_borrow (const struct fval *v);
void val_free (struct fval *v);
/* Move *V out, leaving V_MISSING.  */
struct fval val_take (struct fval *v);
bool val_truth (const struct fval *v);
bool val_is_string (const struct fval *v); /* a string or a header */
bool val_is_array (const struct fval *v);
/* Elements of an array, members of an object (distinct keys).  */
size_t val_count (const struct fval *v);
/* Element I of an array, borrowing from V (val_free it all the same).  */
struct fval val_elem (const struct fval *v, size_t i);
/* Go's name of V's type: "string", "int", "[]interface {}".  */
const char *val_type_name (const struct fval *v);
/* The members of object J in key order, the last of duplicate keys only.  */
size_t *val_sorted_keys (const nook_json *j, size_t *n);
/* A header value for PATH (".A.B") whose last field is NAME.  */
struct fval val_header (const char *path, const char *name, format_header_fn fn, void *data);
/* "CreatedAt" -> "CREATED AT".  */
char *fmt_default_header (const char *name);
/* Go's strings.ToUpper.  */
char *fmt_upper (const char *s);

/* ---- printing (Go's fmt) ---- */

enum
{
  FMT_EDEPTH = -1, /* a value nested deeper than FORMAT_MAX_VALUE_DEPTH */
  FMT_ESIZE = -2,  /* the buffer grew past its limit */
};

/* Append V as Go's %v prints it.  B may not grow far past LIMIT bytes.  */
int fmt_print (struct nook_buf *b, size_t limit, const struct fval *v);
/* Go's fmt.Sprintf (FORMAT, ARGS...).  */
int fmt_sprintf (struct nook_buf *b, size_t limit, const char *format, const struct fval *args,
                 size_t n);
/* Go's fmt.Sprint / Sprintln.  */
int fmt_sprint (struct nook_buf *b, size_t limit, const struct fval *args, size_t n, bool ln);
/* V as compact JSON (Go's json.Marshal without HTML escaping).  */
int fmt_json (struct nook_buf *b, const struct fval *v);
/* Length of the valid UTF-8 sequence at S (N bytes left), 0 if none.  */
size_t fmt_utf8_seq (const char *s, size_t n, uint32_t *cp);
/* Runes in S[0..N), an invalid byte counting as one (utf8.RuneCount).  */
size_t fmt_rune_count (const char *s, size_t n);
void fmt_put_rune (struct nook_buf *b, uint32_t cp);
/* Go's strconv.Quote.  */
void fmt_quote (struct nook_buf *b, const char *s, size_t n);

/* ---- the parse tree ---- */

struct pipe;

enum arg_kind
{
  A_DOT,
  A_FIELD, /* .A.B: the fields, from dot */
  A_VAR,   /* $x (name with the $), then fields */
  A_IDENT, /* a function, then fields */
  A_PIPE,  /* (pipeline), then fields */
  A_NIL,
  A_LITERAL, /* lit */
};

struct builtin;

struct arg
{
  enum arg_kind kind;
  size_t pos, len;
  char *name;
  const struct builtin *fn;
  struct pipe *pipe;
  char **fields;
  size_t nfields;
  struct fval lit;
};

struct cmd
{
  size_t pos, len;
  struct arg **args;
  size_t nargs;
};

struct pipe
{
  size_t pos, len;
  char *decl[2]; /* variables declared or assigned, with the $ */
  size_t ndecl;
  bool assign; /* = rather than := */
  struct cmd **cmds;
  size_t ncmds;
};

enum node_kind
{
  N_TEXT,
  N_ACTION,
  N_IF,
  N_RANGE,
  N_WITH,
  N_BREAK,
  N_CONTINUE,
};

struct node;

struct list
{
  struct node **v;
  size_t n;
};

struct node
{
  enum node_kind kind;
  size_t pos;
  char *text; /* N_TEXT */
  size_t len;
  struct pipe *pipe;
  struct list body, alt; /* alt: the else branch */
};

struct format_template
{
  char *text; /* the source, for positions in messages */
  struct list root;
};

void fmt_list_free (struct list *l);
/* Line and column (from 1) of byte POS of S.  */
void fmt_line_col (const char *s, size_t pos, int *line, int *col);

/* ---- the lexer (lex.c) and the parser (parse.c) ---- */

enum tok
{
  T_EOF,
  T_RDELIM,
  T_SPACE,
  T_LPAREN,
  T_RPAREN,
  T_PIPE,
  T_COMMA,
  T_DECLARE,
  T_ASSIGN,
  T_STRING,
  T_RAWSTRING,
  T_CHAR,
  T_NUMBER,
  T_DOT,
  T_FIELD,
  T_VAR,
  T_IDENT,
};

struct token
{
  enum tok type;
  size_t pos, len;
  bool trim; /* T_RDELIM: " -}}" */
};

struct parser
{
  const char *s;
  size_t len, pos;
  int depth;
  int in_range;
  bool trim_next; /* the last action ended with " -}}" */
  size_t term_pos;
  char **vars; /* variables in scope */
  size_t nvars;
  nook_error_t *err;
};

int fmt_perr (struct parser *p, size_t pos, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));
/* Fail with "unexpected TOKEN in CONTEXT".  */
int fmt_unexpected (struct parser *p, const struct token *t, const char *context);
bool fmt_tok_is (const struct parser *p, const struct token *t, const char *word);
bool fmt_tok_is_keyword (const struct parser *p, const struct token *t);
bool fmt_is_space (int c);
int fmt_char_at (const struct parser *p, size_t pos);
/* "}}" or the trim-marked " -}}" at POS.  */
bool fmt_at_rdelim (const struct parser *p, size_t pos, bool *trim);
int fmt_lex (struct parser *p, struct token *t);
int fmt_next_nonspace (struct parser *p, struct token *t);
int fmt_peek_nonspace (struct parser *p, struct token *t);
/* The value of a string, raw string, character or number token.  */
int fmt_parse_literal (struct parser *p, const struct token *t, struct fval *out);

/* ---- execution ---- */

struct var
{
  const char *name;
  struct fval v;
};

struct exec
{
  const struct format_template *t;
  struct nook_buf *out;
  size_t base;
  struct var *vars;
  size_t nvars, cap;
  uint64_t steps;
  format_header_fn header_of;
  void *header_data;
  size_t at_pos, at_len; /* the node running, for messages */
  nook_error_t *err;
};

/* Fail with "template: L:C: executing at <NODE>: MSG".  */
int exec_fail (struct exec *x, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
/* One more step; fails past FORMAT_MAX_STEPS.  */
int exec_step (struct exec *x, uint64_t n);
/* Turn a FMT_E* code into an error.  */
int exec_fmt_error (struct exec *x, int code);

/* ---- builtins ---- */

struct builtin
{
  const char *name;
  int min, max; /* arguments; max -1: any */
  bool lazy;    /* and, or: arguments run one at a time (exec.c) */
  /* ARGS are the caller's: a builtin may take them (val_take).  */
  int (*call) (struct exec *x, const struct builtin *fn, struct fval *args, size_t n,
               struct fval *out);
};

const struct builtin *builtin_find (const char *name);
int fn_fail (struct exec *x, const struct builtin *fn, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

#endif
