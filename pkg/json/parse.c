/* The parse tree: yajl's event parser builds yajl_tree's nodes (the
   struct the accessors in json.c read), but every node, string and
   member array of one document lives in one arena, freed at once.
   yajl_tree_parse makes three allocations per value (a 1 KB record takes
   some 450); this makes a handful per document, which is most of what
   reading 100 container records for `ps` costs.  */
#include "json/internal.h"

#include <errno.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>
#include <yajl/yajl_tree.h>

/* Deeper documents are refused: our walkers recurse, and no config,
   manifest or record nests anywhere near this.  */
#define JSON_MAX_DEPTH 256

struct arena_block
{
  struct arena_block *next;
  size_t used, cap;
  alignas (max_align_t) char data[];
};

/* What json_parse hands out is the root inside this: json_free finds the
   arena from it.  */
struct json_doc
{
  struct arena_block *blocks;
  struct yajl_val_s root;
};

/* A value made and not yet placed in its array or object.  */
struct pending
{
  const char *key;
  yajl_val value;
};

struct json_builder
{
  struct json_doc *doc;
  size_t block_size;
  struct pending *pending; /* the members of every open container */
  size_t npending, cap;
  /* Per open container: where its members start, its kind, its key.  */
  size_t open[JSON_MAX_DEPTH + 1];
  bool is_object[JSON_MAX_DEPTH + 1];
  const char *open_key[JSON_MAX_DEPTH + 1];
  size_t depth;
  const char *key; /* the key just read, for the next value */
  bool have_root;
};

static void *
arena_alloc (struct json_builder *b, size_t size)
{
  struct arena_block *blk = b->doc->blocks;

  size = (size + alignof (max_align_t) - 1) & ~(alignof (max_align_t) - 1);
  if (blk == NULL || blk->cap - blk->used < size)
    {
      size_t cap = size > b->block_size ? size : b->block_size;
      blk = xmalloc (sizeof (*blk) + cap);
      blk->used = 0;
      blk->cap = cap;
      blk->next = b->doc->blocks;
      b->doc->blocks = blk;
      b->block_size *= 2;
    }
  blk->used += size;
  return blk->data + blk->used - size;
}

static char *
arena_strndup (struct json_builder *b, const void *s, size_t len)
{
  char *p = arena_alloc (b, len + 1);
  memcpy (p, s, len);
  p[len] = '\0';
  return p;
}

static yajl_val
node (struct json_builder *b, yajl_type type)
{
  yajl_val v = arena_alloc (b, sizeof (*v));
  memset (v, 0, sizeof (*v));
  v->type = type;
  return v;
}

/* V is whole: a member of the open container, or the document.  */
static int
place (struct json_builder *b, yajl_val v)
{
  if (b->depth == 0)
    {
      b->doc->root = *v;
      b->have_root = true;
      return 1;
    }
  if (b->npending == b->cap)
    {
      b->cap = b->cap ? b->cap * 2 : 64;
      b->pending = xrealloc (b->pending, b->cap * sizeof (*b->pending));
    }
  b->pending[b->npending++] = (struct pending){ b->key, v };
  b->key = NULL;
  return 1;
}

static int
on_null (void *ctx)
{
  return place (ctx, node (ctx, yajl_t_null));
}

static int
on_boolean (void *ctx, int value)
{
  return place (ctx, node (ctx, value ? yajl_t_true : yajl_t_false));
}

/* As yajl_tree: the text always, the integer when the whole text is one
   that fits, the double when strtod takes it all.  */
static int
on_number (void *ctx, const char *s, size_t len)
{
  struct json_builder *b = ctx;
  yajl_val v = node (b, yajl_t_number);
  char *end;

  v->u.number.r = arena_strndup (b, s, len);
  errno = 0;
  v->u.number.i = strtoll (v->u.number.r, &end, 10);
  if (errno == 0 && *end == '\0')
    v->u.number.flags |= YAJL_NUMBER_INT_VALID;
  /* An integer's nearest double is what strtod would give for its text,
     but for "-0", whose double keeps its sign.  */
  if ((v->u.number.flags & YAJL_NUMBER_INT_VALID) && !(v->u.number.i == 0 && s[0] == '-'))
    {
      v->u.number.flags |= YAJL_NUMBER_DOUBLE_VALID;
      v->u.number.d = (double)v->u.number.i;
      return place (b, v);
    }
  errno = 0;
  v->u.number.d = strtod (v->u.number.r, &end);
  if (errno == 0 && *end == '\0')
    v->u.number.flags |= YAJL_NUMBER_DOUBLE_VALID;
  return place (b, v);
}

static int
on_string (void *ctx, const unsigned char *s, size_t len)
{
  struct json_builder *b = ctx;
  yajl_val v = node (b, yajl_t_string);

  v->u.string = arena_strndup (b, s, len);
  return place (b, v);
}

static int
on_key (void *ctx, const unsigned char *s, size_t len)
{
  struct json_builder *b = ctx;

  b->key = arena_strndup (b, s, len);
  return 1;
}

static int
open_container (struct json_builder *b, bool object)
{
  if (b->depth == JSON_MAX_DEPTH)
    return 0;
  b->depth++;
  b->open[b->depth] = b->npending;
  b->is_object[b->depth] = object;
  b->open_key[b->depth] = b->key;
  b->key = NULL;
  return 1;
}

static int
close_container (struct json_builder *b)
{
  size_t start = b->open[b->depth], n = b->npending - start;
  yajl_val v = node (b, b->is_object[b->depth] ? yajl_t_object : yajl_t_array);
  yajl_val *values = arena_alloc (b, (n ? n : 1) * sizeof (*values));

  for (size_t i = 0; i < n; i++)
    values[i] = b->pending[start + i].value;
  if (b->is_object[b->depth])
    {
      const char **keys = arena_alloc (b, (n ? n : 1) * sizeof (*keys));
      for (size_t i = 0; i < n; i++)
        keys[i] = b->pending[start + i].key;
      v->u.object.keys = keys;
      v->u.object.values = values;
      v->u.object.len = n;
    }
  else
    {
      v->u.array.values = values;
      v->u.array.len = n;
    }
  b->npending = start;
  b->key = b->open_key[b->depth];
  b->depth--;
  return place (b, v);
}

static int
on_start_map (void *ctx)
{
  return open_container (ctx, true);
}

static int
on_start_array (void *ctx)
{
  return open_container (ctx, false);
}

static int
on_end (void *ctx)
{
  return close_container (ctx);
}

static const yajl_callbacks callbacks = {
  .yajl_null = on_null,
  .yajl_boolean = on_boolean,
  .yajl_number = on_number,
  .yajl_string = on_string,
  .yajl_start_map = on_start_map,
  .yajl_map_key = on_key,
  .yajl_end_map = on_end,
  .yajl_start_array = on_start_array,
  .yajl_end_array = on_end,
};

static void
doc_free (struct json_doc *doc)
{
  if (doc == NULL)
    return;
  for (struct arena_block *blk = doc->blocks, *next; blk; blk = next)
    {
      next = blk->next;
      free (blk);
    }
  free (doc);
}

/* ---- the builder for a tree generator ---- */

struct json_builder *
json_builder_new (size_t block_size)
{
  struct json_builder *b = xzalloc (sizeof (*b));
  b->block_size = block_size;
  b->doc = xzalloc (sizeof (*b->doc));
  return b;
}

void
json_builder_free (struct json_builder *b)
{
  if (b == NULL)
    return;
  doc_free (b->doc);
  free (b->pending);
  free (b);
}

bool
json_builder_null (struct json_builder *b)
{
  return on_null (b);
}

bool
json_builder_bool (struct json_builder *b, bool v)
{
  return on_boolean (b, v);
}

bool
json_builder_number (struct json_builder *b, const char *s, size_t len)
{
  return on_number (b, s, len);
}

bool
json_builder_int (struct json_builder *b, int64_t v)
{
  yajl_val n = node (b, yajl_t_number);
  char text[24], *p = text + sizeof (text);
  uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;

  /* The digits, from the last: no snprintf for each number of each row.  */
  do
    *--p = (char)('0' + u % 10);
  while ((u /= 10) != 0);
  if (v < 0)
    *--p = '-';
  n->u.number.r = arena_strndup (b, p, (size_t)(text + sizeof (text) - p));
  n->u.number.i = v;
  n->u.number.d = (double)v;
  n->u.number.flags = YAJL_NUMBER_INT_VALID | YAJL_NUMBER_DOUBLE_VALID;
  return place (b, n);
}

bool
json_builder_string (struct json_builder *b, const char *s, size_t len)
{
  return on_string (b, (const unsigned char *)s, len);
}

bool
json_builder_key (struct json_builder *b, const char *s, size_t len)
{
  return on_key (b, (const unsigned char *)s, len);
}

bool
json_builder_open (struct json_builder *b, bool object)
{
  return open_container (b, object);
}

bool
json_builder_close (struct json_builder *b)
{
  return b->depth > 0 && close_container (b);
}

nook_json *
json_builder_finish (struct json_builder *b)
{
  nook_json *root = NULL;

  if (b->have_root && b->depth == 0)
    {
      root = &b->doc->root;
      b->doc = NULL;
    }
  json_builder_free (b);
  return root;
}

/* yajl's message on H's failure, its first line ("parse error: ...";
   the rest quotes the text), and where: the byte it stopped at (counted
   from 1), or the end of the text when it ended too soon.  */
static int
parse_error (yajl_handle h, const char *text, size_t len, bool at_end, nook_error_t *err)
{
  unsigned char *msg = yajl_get_error (h, 1, (const unsigned char *)text, len);
  _cleanup_free_ char *where = NULL;
  int r;

  if (msg)
    msg[strcspn ((char *)msg, "\n")] = '\0';
  where = at_end ? xasprintf ("at the end, after %zu bytes", len)
                 : xasprintf ("at byte %zu of %zu", yajl_get_bytes_consumed (h), len);
  r = nook_error (err, 0, "invalid JSON: %s (%s)", msg && msg[0] ? (char *)msg : "parse error",
                  where);
  yajl_free_error (h, msg);
  return r;
}

int
json_parse (const char *text, size_t len, nook_json **out, nook_error_t *err)
{
  struct json_builder b = { .block_size = len * 2 + 1024 };
  yajl_handle h;
  yajl_status st;
  bool at_end;

  /* yajl_tree_parse read up to the first NUL, and documents were refused
     for one: the same here, with the same words.  */
  if (memchr (text, '\0', len) != NULL)
    return nook_error (err, 0, "invalid JSON: embedded NUL byte");
  b.doc = xzalloc (sizeof (*b.doc));
  h = yajl_alloc (&callbacks, NULL, &b);
  if (h == NULL)
    {
      doc_free (b.doc);
      return nook_error (err, ENOMEM, "parse JSON");
    }
  /* As yajl_tree_parse.  */
  yajl_config (h, yajl_allow_comments, 1);
  st = yajl_parse (h, (const unsigned char *)text, len);
  at_end = st == yajl_status_ok;
  if (at_end)
    st = yajl_complete_parse (h);
  if (st != yajl_status_ok || !b.have_root)
    {
      int r = b.depth == JSON_MAX_DEPTH && st == yajl_status_client_canceled
                  ? nook_error (err, 0, "invalid JSON: nested more than %d levels deep",
                                JSON_MAX_DEPTH)
                  : parse_error (h, text, len, at_end, err);
      yajl_free (h);
      free (b.pending);
      doc_free (b.doc);
      return r;
    }
  yajl_free (h);
  free (b.pending);
  *out = &b.doc->root;
  return 0;
}

void
json_free (nook_json *j)
{
  if (j)
    doc_free ((struct json_doc *)((char *)j - offsetof (struct json_doc, root)));
}

void
json_freep (nook_json **j)
{
  json_free (*j);
}
