/* nook — pkg/json: the only door to yajl.  A parse tree with typed getters
   for reading (getters that fail name the field), a generator for writing.  */
#ifndef NOOK_JSON_H
#define NOOK_JSON_H

#include "util/util.h"

typedef struct yajl_val_s nook_json; /* opaque */

int json_parse (const char *text, size_t len, nook_json **out, nook_error_t *err);
void json_free (nook_json *j);
void json_freep (nook_json **j);
#define _cleanup_json_ _cleanup_ (json_freep)

bool json_is_object (const nook_json *j);
bool json_is_array (const nook_json *j);
bool json_is_string (const nook_json *j);
bool json_is_number (const nook_json *j);
bool json_is_bool (const nook_json *j);
bool json_is_null (const nook_json *j);

/* Member KEY of an object; NULL when J is not an object or has no KEY.  */
nook_json *json_get (const nook_json *j, const char *key);
/* The string, or NULL when J is not one.  */
const char *json_str (const nook_json *j);
bool json_int (const nook_json *j, int64_t *out);
/* A non-negative integer, up to UINT64_MAX.  */
bool json_uint (const nook_json *j, uint64_t *out);
bool json_bool (const nook_json *j, bool *out);
/* Elements of an array or members of an object (0 otherwise).  */
size_t json_len (const nook_json *j);
nook_json *json_at (const nook_json *j, size_t i);
const char *json_key_at (const nook_json *j, size_t i);

/* Typed members for schema checks.  FIELD names the member in messages
   ("process.args").  An absent member is an error only when REQUIRED;
   then *OUT is left untouched.  */
int json_get_str (const nook_json *obj, const char *key, const char *field, bool required,
                  const char **out, nook_error_t *err);
int json_get_int (const nook_json *obj, const char *key, const char *field, bool required,
                  int64_t *out, nook_error_t *err);
int json_get_uint (const nook_json *obj, const char *key, const char *field, bool required,
                   uint64_t *out, nook_error_t *err);
int json_get_bool (const nook_json *obj, const char *key, const char *field, bool required,
                   bool *out, nook_error_t *err);
/* An array of strings, copied into a new NULL-terminated vector.  */
int json_get_strv (const nook_json *obj, const char *key, const char *field, bool required,
                   char ***out, nook_error_t *err);
/* An object or array member; *OUT is NULL when absent and not REQUIRED.  */
int json_get_object (const nook_json *obj, const char *key, const char *field, bool required,
                     nook_json **out, nook_error_t *err);
int json_get_array (const nook_json *obj, const char *key, const char *field, bool required,
                    nook_json **out, nook_error_t *err);
/* Fail naming the first member of OBJ not in KNOWN (NULL-terminated):
   "field `FIELD.KEY` is not supported".  */
int json_check_keys (const nook_json *obj, const char *field, const char *const *known,
                     nook_error_t *err);

/* ---- generator ---- */

struct json_gen;
struct json_gen *json_gen_new (bool pretty);
/* Pretty, indented with INDENT: Podman's inspect output uses 5 spaces.  */
struct json_gen *json_gen_new_indent (const char *indent);
/* A generator that builds the parse tree itself, for a document made only
   to be read (the rows a template walks): no text, no parse.  Finished
   with json_gen_tree; json_gen_text is not for it.  */
struct json_gen *json_gen_new_tree (void);
/* For a tree of rows (an array of objects): make only the members of
   each row named in MEMBERS (NULL-terminated, kept by G, not copied);
   NULL makes them all.  A row made only to be printed by a template
   needs only what the template reads (format_fields).  */
void json_gen_tree_only (struct json_gen *g, char *const *members);
/* The tree G made, for json_free; NULL (and *ERR) when it is not whole.
   G takes nothing more.  */
nook_json *json_gen_tree (struct json_gen *g, nook_error_t *err);
void json_gen_free (struct json_gen *g);
void json_gen_freep (struct json_gen **g);
#define _cleanup_json_gen_ _cleanup_ (json_gen_freep)

void json_gen_object_open (struct json_gen *g);
void json_gen_object_close (struct json_gen *g);
void json_gen_array_open (struct json_gen *g);
void json_gen_array_close (struct json_gen *g);
void json_gen_key (struct json_gen *g, const char *key);
/* NULL writes null; bytes that are not UTF-8 become U+FFFD.  */
void json_gen_string (struct json_gen *g, const char *s);
void json_gen_int (struct json_gen *g, int64_t v);
void json_gen_uint (struct json_gen *g, uint64_t v);
void json_gen_bool (struct json_gen *g, bool v);
void json_gen_null (struct json_gen *g);
void json_gen_strv (struct json_gen *g, char *const *v); /* NULL writes null */
/* Re-emit a parsed value.  */
void json_gen_value (struct json_gen *g, const nook_json *v);
/* Key-value shorthands.  */
void json_gen_kv_string (struct json_gen *g, const char *key, const char *s);
void json_gen_kv_int (struct json_gen *g, const char *key, int64_t v);
void json_gen_kv_bool (struct json_gen *g, const char *key, bool v);
void json_gen_kv_strv (struct json_gen *g, const char *key, char *const *v);
/* The text so far (valid until the next call on G).  */
const char *json_gen_text (struct json_gen *g, size_t *len);

/* Write the text of G to DIRFD/NAME whole (mode 0600), fsync'ed when
   DURABLE (see nook_write_file_atomic and nook_write_file_volatile).  */
int json_gen_write_file (struct json_gen *g, int dirfd, const char *name, bool durable,
                         nook_error_t *err);

/* Write S as a JSON string literal (quotes included) into B.  */
void json_quote (struct nook_buf *b, const char *s);

#endif
