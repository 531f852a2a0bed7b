/* nook — pkg/json inside: the tree builder that json_parse feeds with
   the events of the text (read.c) and a tree generator
   (json_gen_new_tree) with its own.  */
#ifndef NOOK_JSON_INTERNAL_H
#define NOOK_JSON_INTERNAL_H

#include "json/json.h"

/* Deeper documents are refused: our walkers recurse, and no config,
   manifest or record nests anywhere near this.  */
#define JSON_MAX_DEPTH 256

struct json_builder;

/* BLOCK_SIZE: the first arena block; later ones double.  */
struct json_builder *json_builder_new (size_t block_size);
void json_builder_free (struct json_builder *b);

/* The events, in document order.  Each returns false when the document
   nests deeper than any of ours may (the builder then takes nothing more).  */
bool json_builder_null (struct json_builder *b);
bool json_builder_bool (struct json_builder *b, bool v);
/* A number as its JSON text.  */
bool json_builder_number (struct json_builder *b, const char *s, size_t len);
bool json_builder_int (struct json_builder *b, int64_t v);
bool json_builder_string (struct json_builder *b, const char *s, size_t len);
bool json_builder_key (struct json_builder *b, const char *s, size_t len);
bool json_builder_open (struct json_builder *b, bool object);
bool json_builder_close (struct json_builder *b);
/* The innermost open container: '{', '[', or 0 when none is open.  */
char json_builder_open_kind (const struct json_builder *b);

/* The document, when one is whole (NULL otherwise); the builder is freed
   either way.  */
nook_json *json_builder_finish (struct json_builder *b);

/* Read the JSON text TEXT (LEN bytes) into B: the document, or *ERR with
   what is wrong and where.  */
int json_read (const char *text, size_t len, struct json_builder *b, nook_error_t *err);

#endif
