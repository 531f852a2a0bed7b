/* pkg/oci internals shared by the parser's files.  Messages name the
   field ("process.user.uid") without a file name: oci_spec_parse says
   "config.json: " once, at the top.  */
#ifndef NOOK_OCI_INTERNAL_H
#define NOOK_OCI_INTERNAL_H

#include "oci/oci.h"

/* Fail on a member of OBJ not in KNOWN: "field `FIELD.KEY` is not
   supported".  */
int oci_check_keys (const nook_json *obj, const char *field, const char *const *known,
                    nook_error_t *err);
/* OBJ.KEY as a uint32 (FIELD in messages).  */
int oci_get_u32 (const nook_json *obj, const char *key, const char *field, bool required,
                 uint32_t *out, nook_error_t *err);
/* Optional members, with SET telling they were there.  MAX bounds an
   unsigned one; [MIN, MAX] a signed one.  */
int oci_get_opt_uint (const nook_json *obj, const char *key, const char *field, uint64_t max,
                      struct oci_uint *out, nook_error_t *err);
int oci_get_opt_int (const nook_json *obj, const char *key, const char *field, int64_t min,
                     int64_t max, struct oci_int *out, nook_error_t *err);
int oci_get_opt_bool (const nook_json *obj, const char *key, const char *field,
                      struct oci_bool *out, nook_error_t *err);
/* A string member copied, NULL when absent.  */
int oci_get_dup (const nook_json *obj, const char *key, const char *field, bool required,
                 char **out, nook_error_t *err);
/* An object of strings as "key=value" (FIELD names it); keys with '='
   are refused.  */
int oci_get_map (const nook_json *obj, const char *key, const char *field, char ***out,
                 nook_error_t *err);
/* FIELD.KEY, for messages; KEY alone when FIELD is "" (the top).  */
char *oci_subfield (const char *field, const char *key);

void oci_gen_opt_uint (struct json_gen *g, const char *key, struct oci_uint v);
void oci_gen_opt_int (struct json_gen *g, const char *key, struct oci_int v);
void oci_gen_opt_bool (struct json_gen *g, const char *key, struct oci_bool v);
/* KEY: S, when S is not NULL.  */
void oci_gen_opt_str (struct json_gen *g, const char *key, const char *s);
/* KEY: {k: v ...} from "k=v" strings, when MAP is not NULL.  */
void oci_gen_map (struct json_gen *g, const char *key, char *const *map);

/* The parts of the spec, each in its file.  */
int oci_parse_process (struct oci_spec *s, const nook_json *p, nook_error_t *err);
void oci_gen_process (struct json_gen *g, const struct oci_spec *s);
void oci_free_process (struct oci_spec *s);
int oci_parse_linux (struct oci_spec *s, const nook_json *l, nook_error_t *err);
void oci_gen_linux (struct json_gen *g, const struct oci_spec *s);
void oci_free_linux (struct oci_spec *s);
int oci_parse_seccomp (struct oci_spec *s, const nook_json *j, nook_error_t *err);
void oci_gen_seccomp (struct json_gen *g, const struct oci_seccomp *sc);
int oci_parse_resources (struct oci_resources *r, const nook_json *j, nook_error_t *err);
void oci_gen_resources (struct json_gen *g, const struct oci_resources *r);
void oci_free_resources (struct oci_resources *r);
int oci_parse_hooks (struct oci_spec *s, const nook_json *j, nook_error_t *err);
void oci_gen_hooks (struct json_gen *g, const struct oci_spec *s);
void oci_free_hooks (struct oci_spec *s);

#endif
