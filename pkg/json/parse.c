/* The parse tree: the nodes are yajl_tree's (the struct the accessors in
   json.c read), but every node, string and member array of one document
   lives in one arena, freed at once.  yajl_tree_parse made three
   allocations per value (a 1 KB record took some 450); this makes a
   handful per document.  read.c reads the text into it.  */
#include "json/internal.h"

#include <errno.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

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
  size_t depth;
  const char *key; /* the key just read, for the next value */
  bool have_root;
  /* Per open container: where its members start, its kind, its key.  */
  size_t open[JSON_MAX_DEPTH + 1];
  bool is_object[JSON_MAX_DEPTH + 1];
  const char *open_key[JSON_MAX_DEPTH + 1];
};

/* SIZE bytes aligned to ALIGN: strings take no padding.  */
static void *
arena_alloc (struct json_builder *b, size_t size, size_t align)
{
  struct arena_block *blk = b->doc->blocks;
  size_t at = blk ? (blk->used + align - 1) & ~(align - 1) : 0;

  if (blk == NULL || at > blk->cap || blk->cap - at < size)
    {
      size_t cap = size > b->block_size ? size : b->block_size;
      blk = xmalloc (sizeof (*blk) + cap);
      blk->cap = cap;
      blk->next = b->doc->blocks;
      b->doc->blocks = blk;
      b->block_size *= 2;
      at = 0;
    }
  blk->used = at + size;
  return blk->data + at;
}

static char *
arena_strndup (struct json_builder *b, const void *s, size_t len)
{
  char *p = arena_alloc (b, len + 1, 1);
  memcpy (p, s, len);
  p[len] = '\0';
  return p;
}

static yajl_val
node (struct json_builder *b, yajl_type type)
{
  yajl_val v = arena_alloc (b, sizeof (*v), alignof (struct yajl_val_s));
  memset (v, 0, sizeof (*v));
  v->type = type;
  return v;
}

/* V is whole: a member of the open container, or the document.  */
static bool
place (struct json_builder *b, yajl_val v)
{
  if (b->depth == 0)
    {
      b->doc->root = *v;
      b->have_root = true;
      return true;
    }
  if (b->npending == b->cap)
    {
      b->cap = b->cap ? b->cap * 2 : 64;
      b->pending = xrealloc (b->pending, b->cap * sizeof (*b->pending));
    }
  b->pending[b->npending++] = (struct pending){ b->key, v };
  b->key = NULL;
  return true;
}

bool
json_builder_null (struct json_builder *b)
{
  return place (b, node (b, yajl_t_null));
}

bool
json_builder_bool (struct json_builder *b, bool value)
{
  return place (b, node (b, value ? yajl_t_true : yajl_t_false));
}

/* The integer of S (LEN bytes) when it is one of at most 18 digits,
   which cannot overflow: most numbers in our documents.  */
static bool
small_integer (const char *s, size_t len, long long *out)
{
  size_t i = s[0] == '-';
  long long v = 0;

  if (len == i || len - i > 18)
    return false;
  for (; i < len; i++)
    {
      if (s[i] < '0' || s[i] > '9')
        return false;
      v = v * 10 + (s[i] - '0');
    }
  *out = s[0] == '-' ? -v : v;
  return true;
}

/* As yajl_tree: the text always, the integer when the whole text is one
   that fits, the double when strtod takes it all.  */
bool
json_builder_number (struct json_builder *b, const char *s, size_t len)
{
  yajl_val v = node (b, yajl_t_number);
  char *end;

  v->u.number.r = arena_strndup (b, s, len);
  if (small_integer (s, len, &v->u.number.i))
    v->u.number.flags |= YAJL_NUMBER_INT_VALID;
  else
    {
      errno = 0;
      v->u.number.i = strtoll (v->u.number.r, &end, 10);
      if (errno == 0 && *end == '\0')
        v->u.number.flags |= YAJL_NUMBER_INT_VALID;
    }
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
  yajl_val v = node (b, yajl_t_string);

  v->u.string = arena_strndup (b, s, len);
  return place (b, v);
}

bool
json_builder_key (struct json_builder *b, const char *s, size_t len)
{
  b->key = arena_strndup (b, s, len);
  return true;
}

bool
json_builder_open (struct json_builder *b, bool object)
{
  if (b->depth == JSON_MAX_DEPTH)
    return false;
  b->depth++;
  b->open[b->depth] = b->npending;
  b->is_object[b->depth] = object;
  b->open_key[b->depth] = b->key;
  b->key = NULL;
  return true;
}

char
json_builder_open_kind (const struct json_builder *b)
{
  return b->depth == 0 ? 0 : b->is_object[b->depth] ? '{' : '[';
}

bool
json_builder_close (struct json_builder *b)
{
  size_t start, n;
  yajl_val v, *values;

  if (b->depth == 0)
    return false;
  start = b->open[b->depth];
  n = b->npending - start;
  v = node (b, b->is_object[b->depth] ? yajl_t_object : yajl_t_array);
  values = arena_alloc (b, (n ? n : 1) * sizeof (*values), alignof (yajl_val));
  for (size_t i = 0; i < n; i++)
    values[i] = b->pending[start + i].value;
  if (b->is_object[b->depth])
    {
      const char **keys = arena_alloc (b, (n ? n : 1) * sizeof (*keys), alignof (const char *));
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

int
json_parse (const char *text, size_t len, nook_json **out, nook_error_t *err)
{
  struct json_builder b;

  /* Documents with a NUL were refused (yajl_tree_parse read up to it):
     the same here, with the same words.  */
  if (memchr (text, '\0', len) != NULL)
    return nook_error (err, 0, "invalid JSON: embedded NUL byte");
  /* The arrays are set as containers open.  */
  b.doc = xzalloc (sizeof (*b.doc));
  b.block_size = len * 2 + 1024;
  b.pending = NULL;
  b.npending = b.cap = b.depth = 0;
  b.key = NULL;
  b.have_root = false;
  if (json_read (text, len, &b, err) < 0)
    {
      free (b.pending);
      doc_free (b.doc);
      return -1;
    }
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
