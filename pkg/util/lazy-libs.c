/* Stubs with the real names of the library functions nook calls, each
   resolving its target on first call (see lazy.c).  Callers include the
   libraries' own headers and call nook_lazy_load first, for the error.  */
#include "util.h"

#include <archive.h>
#include <archive_entry.h>
#include <curl/curl.h>
#include <openssl/evp.h>
#include <shadow/subid.h>

struct nook_lazy_lib nook_lib_archive = { NOOK_SONAME_ARCHIVE, "libarchive13", NULL };
struct nook_lazy_lib nook_lib_curl = { NOOK_SONAME_CURL, "libcurl4", NULL };
struct nook_lazy_lib nook_lib_crypto = { NOOK_SONAME_CRYPTO, "libssl3", NULL };
struct nook_lazy_lib nook_lib_subid = { NOOK_SONAME_SUBID, "libsubid4", NULL };

/* libsubid */
NOOK_LAZY_FN (nook_lib_subid, bool, subid_init, (const char *p, FILE *f), (p, f))
NOOK_LAZY_FN (nook_lib_subid, int, subid_get_uid_ranges, (const char *o, struct subid_range **r),
              (o, r))
NOOK_LAZY_FN (nook_lib_subid, int, subid_get_gid_ranges, (const char *o, struct subid_range **r),
              (o, r))

/* libcrypto */
NOOK_LAZY_FN (nook_lib_crypto, EVP_MD_CTX *, EVP_MD_CTX_new, (void), ())
NOOK_LAZY_VOID (nook_lib_crypto, EVP_MD_CTX_free, (EVP_MD_CTX * c), (c))
NOOK_LAZY_FN (nook_lib_crypto, const EVP_MD *, EVP_sha256, (void), ())
NOOK_LAZY_FN (nook_lib_crypto, int, EVP_DigestInit_ex, (EVP_MD_CTX * c, const EVP_MD *t, ENGINE *e),
              (c, t, e))
NOOK_LAZY_FN (nook_lib_crypto, int, EVP_DigestUpdate, (EVP_MD_CTX * c, const void *d, size_t n),
              (c, d, n))
NOOK_LAZY_FN (nook_lib_crypto, int, EVP_DigestFinal_ex,
              (EVP_MD_CTX * c, unsigned char *md, unsigned int *s), (c, md, s))

/* libcurl (pkg/registry).  The setopt/getinfo functions are variadic: the
   stubs pass the one argument on with the type the option's number says.  */
#undef curl_easy_setopt
#undef curl_easy_getinfo
#undef curl_multi_setopt
NOOK_LAZY_FN (nook_lib_curl, CURLcode, curl_global_init, (long flags), (flags))
NOOK_LAZY_FN (nook_lib_curl, CURL *, curl_easy_init, (void), ())
NOOK_LAZY_VOID (nook_lib_curl, curl_easy_cleanup, (CURL * c), (c))
NOOK_LAZY_VOID (nook_lib_curl, curl_easy_reset, (CURL * c), (c))
NOOK_LAZY_FN (nook_lib_curl, CURLcode, curl_easy_perform, (CURL * c), (c))
NOOK_LAZY_FN (nook_lib_curl, const char *, curl_easy_strerror, (CURLcode e), (e))
NOOK_LAZY_FN (nook_lib_curl, const char *, curl_multi_strerror, (CURLMcode e), (e))
NOOK_LAZY_FN (nook_lib_curl, struct curl_slist *, curl_slist_append,
              (struct curl_slist * l, const char *s), (l, s))
NOOK_LAZY_VOID (nook_lib_curl, curl_slist_free_all, (struct curl_slist * l), (l))
NOOK_LAZY_FN (nook_lib_curl, CURLM *, curl_multi_init, (void), ())
NOOK_LAZY_FN (nook_lib_curl, CURLMcode, curl_multi_cleanup, (CURLM * m), (m))
NOOK_LAZY_FN (nook_lib_curl, CURLMcode, curl_multi_add_handle, (CURLM * m, CURL *c), (m, c))
NOOK_LAZY_FN (nook_lib_curl, CURLMcode, curl_multi_remove_handle, (CURLM * m, CURL *c), (m, c))
NOOK_LAZY_FN (nook_lib_curl, CURLMcode, curl_multi_perform, (CURLM * m, int *running), (m, running))
NOOK_LAZY_FN (nook_lib_curl, CURLMcode, curl_multi_poll,
              (CURLM * m, struct curl_waitfd *fds, unsigned int n, int ms, int *numfds),
              (m, fds, n, ms, numfds))
NOOK_LAZY_FN (nook_lib_curl, CURLMcode, curl_multi_wakeup, (CURLM * m), (m))
NOOK_LAZY_FN (nook_lib_curl, CURLMsg *, curl_multi_info_read, (CURLM * m, int *left), (m, left))

CURLcode
curl_easy_setopt (CURL *c, CURLoption o, ...)
{
  static CURLcode (*fn) (CURL *, CURLoption, ...);
  va_list ap;
  CURLcode r;

  if (fn == NULL)
    fn = (CURLcode (*) (CURL *, CURLoption, ...))nook_lazy_sym (&nook_lib_curl, "curl_easy_setopt");
  va_start (ap, o);
  if (o < CURLOPTTYPE_OBJECTPOINT)
    r = fn (c, o, va_arg (ap, long));
  else if (o >= CURLOPTTYPE_OFF_T && o < CURLOPTTYPE_BLOB)
    r = fn (c, o, va_arg (ap, curl_off_t));
  else
    r = fn (c, o, va_arg (ap, void *));
  va_end (ap);
  return r;
}

CURLcode
curl_easy_getinfo (CURL *c, CURLINFO info, ...)
{
  static CURLcode (*fn) (CURL *, CURLINFO, ...);
  va_list ap;
  CURLcode r;

  if (fn == NULL)
    fn = (CURLcode (*) (CURL *, CURLINFO, ...))nook_lazy_sym (&nook_lib_curl, "curl_easy_getinfo");
  va_start (ap, info);
  r = fn (c, info, va_arg (ap, void *)); /* every CURLINFO takes a pointer */
  va_end (ap);
  return r;
}

CURLMcode
curl_multi_setopt (CURLM *m, CURLMoption o, ...)
{
  static CURLMcode (*fn) (CURLM *, CURLMoption, ...);
  va_list ap;
  CURLMcode r;

  if (fn == NULL)
    fn = (CURLMcode (*) (CURLM *, CURLMoption, ...))nook_lazy_sym (&nook_lib_curl,
                                                                   "curl_multi_setopt");
  va_start (ap, o);
  if (o < CURLOPTTYPE_OBJECTPOINT)
    r = fn (m, o, va_arg (ap, long));
  else
    r = fn (m, o, va_arg (ap, void *));
  va_end (ap);
  return r;
}

/* libarchive: reading */
NOOK_LAZY_FN (nook_lib_archive, struct archive *, archive_read_new, (void), ())
NOOK_LAZY_FN (nook_lib_archive, int, archive_read_free, (struct archive * a), (a))
NOOK_LAZY_FN (nook_lib_archive, int, archive_read_support_filter_all, (struct archive * a), (a))
NOOK_LAZY_FN (nook_lib_archive, int, archive_read_support_filter_gzip, (struct archive * a), (a))
NOOK_LAZY_FN (nook_lib_archive, int, archive_read_support_filter_zstd, (struct archive * a), (a))
NOOK_LAZY_FN (nook_lib_archive, int, archive_read_support_format_tar, (struct archive * a), (a))
NOOK_LAZY_FN (nook_lib_archive, int, archive_read_support_format_raw, (struct archive * a), (a))
NOOK_LAZY_FN (nook_lib_archive, int, archive_read_open_fd,
              (struct archive * a, int fd, size_t block), (a, fd, block))
NOOK_LAZY_FN (nook_lib_archive, int, archive_read_open,
              (struct archive * a, void *data, archive_open_callback *o, archive_read_callback *r,
               archive_close_callback *c),
              (a, data, o, r, c))
NOOK_LAZY_FN (nook_lib_archive, int, archive_read_next_header,
              (struct archive * a, struct archive_entry **e), (a, e))
NOOK_LAZY_FN (nook_lib_archive, la_ssize_t, archive_read_data,
              (struct archive * a, void *buf, size_t n), (a, buf, n))
NOOK_LAZY_FN (nook_lib_archive, int, archive_read_data_block,
              (struct archive * a, const void **buf, size_t *n, la_int64_t *off), (a, buf, n, off))
NOOK_LAZY_FN (nook_lib_archive, int, archive_read_data_skip, (struct archive * a), (a))
NOOK_LAZY_FN (nook_lib_archive, const char *, archive_error_string, (struct archive * a), (a))
NOOK_LAZY_FN (nook_lib_archive, int, archive_errno, (struct archive * a), (a))
NOOK_LAZY_FN (nook_lib_archive, int, archive_filter_code, (struct archive * a, int n), (a, n))

/* libarchive: entries */
NOOK_LAZY_FN (nook_lib_archive, const char *, archive_entry_pathname, (struct archive_entry * e),
              (e))
NOOK_LAZY_FN (nook_lib_archive, const char *, archive_entry_symlink, (struct archive_entry * e),
              (e))
NOOK_LAZY_FN (nook_lib_archive, const char *, archive_entry_hardlink, (struct archive_entry * e),
              (e))
NOOK_LAZY_FN (nook_lib_archive, __LA_MODE_T, archive_entry_filetype, (struct archive_entry * e),
              (e))
NOOK_LAZY_FN (nook_lib_archive, __LA_MODE_T, archive_entry_perm, (struct archive_entry * e), (e))
NOOK_LAZY_FN (nook_lib_archive, la_int64_t, archive_entry_uid, (struct archive_entry * e), (e))
NOOK_LAZY_FN (nook_lib_archive, la_int64_t, archive_entry_gid, (struct archive_entry * e), (e))
NOOK_LAZY_FN (nook_lib_archive, la_int64_t, archive_entry_size, (struct archive_entry * e), (e))
NOOK_LAZY_FN (nook_lib_archive, time_t, archive_entry_mtime, (struct archive_entry * e), (e))
NOOK_LAZY_FN (nook_lib_archive, long, archive_entry_mtime_nsec, (struct archive_entry * e), (e))
NOOK_LAZY_FN (nook_lib_archive, dev_t, archive_entry_rdevmajor, (struct archive_entry * e), (e))
NOOK_LAZY_FN (nook_lib_archive, dev_t, archive_entry_rdevminor, (struct archive_entry * e), (e))
NOOK_LAZY_FN (nook_lib_archive, int, archive_entry_xattr_reset, (struct archive_entry * e), (e))
NOOK_LAZY_FN (nook_lib_archive, int, archive_entry_xattr_next,
              (struct archive_entry * e, const char **n, const void **v, size_t *s), (e, n, v, s))

/* libarchive: writing (save, export) */
NOOK_LAZY_FN (nook_lib_archive, struct archive *, archive_write_new, (void), ())
NOOK_LAZY_FN (nook_lib_archive, int, archive_write_free, (struct archive * a), (a))
NOOK_LAZY_FN (nook_lib_archive, int, archive_write_fail, (struct archive * a), (a))
NOOK_LAZY_FN (nook_lib_archive, int, archive_write_set_format_pax_restricted, (struct archive * a),
              (a))
NOOK_LAZY_FN (nook_lib_archive, int, archive_write_set_bytes_in_last_block,
              (struct archive * a, int n), (a, n))
NOOK_LAZY_FN (nook_lib_archive, int, archive_write_open_fd, (struct archive * a, int fd), (a, fd))
/* (push --compression-format: a blob recompressed as one raw stream) */
NOOK_LAZY_FN (nook_lib_archive, int, archive_write_set_format_raw, (struct archive * a), (a))
NOOK_LAZY_FN (nook_lib_archive, int, archive_write_add_filter_gzip, (struct archive * a), (a))
NOOK_LAZY_FN (nook_lib_archive, int, archive_write_add_filter_zstd, (struct archive * a), (a))
NOOK_LAZY_FN (nook_lib_archive, int, archive_write_header,
              (struct archive * a, struct archive_entry *e), (a, e))
NOOK_LAZY_FN (nook_lib_archive, la_ssize_t, archive_write_data,
              (struct archive * a, const void *buf, size_t n), (a, buf, n))
NOOK_LAZY_FN (nook_lib_archive, int, archive_write_close, (struct archive * a), (a))
NOOK_LAZY_FN (nook_lib_archive, struct archive_entry *, archive_entry_new, (void), ())
NOOK_LAZY_VOID (nook_lib_archive, archive_entry_free, (struct archive_entry * e), (e))
NOOK_LAZY_FN (nook_lib_archive, struct archive_entry *, archive_entry_clear,
              (struct archive_entry * e), (e))
NOOK_LAZY_VOID (nook_lib_archive, archive_entry_set_pathname,
                (struct archive_entry * e, const char *p), (e, p))
NOOK_LAZY_VOID (nook_lib_archive, archive_entry_set_filetype,
                (struct archive_entry * e, unsigned int t), (e, t))
NOOK_LAZY_VOID (nook_lib_archive, archive_entry_set_perm, (struct archive_entry * e, __LA_MODE_T m),
                (e, m))
NOOK_LAZY_VOID (nook_lib_archive, archive_entry_set_uid, (struct archive_entry * e, la_int64_t u),
                (e, u))
NOOK_LAZY_VOID (nook_lib_archive, archive_entry_set_gid, (struct archive_entry * e, la_int64_t g),
                (e, g))
NOOK_LAZY_VOID (nook_lib_archive, archive_entry_set_size, (struct archive_entry * e, la_int64_t s),
                (e, s))
NOOK_LAZY_VOID (nook_lib_archive, archive_entry_set_mtime,
                (struct archive_entry * e, time_t t, long ns), (e, t, ns))
NOOK_LAZY_VOID (nook_lib_archive, archive_entry_set_symlink,
                (struct archive_entry * e, const char *l), (e, l))
NOOK_LAZY_VOID (nook_lib_archive, archive_entry_set_hardlink,
                (struct archive_entry * e, const char *l), (e, l))
NOOK_LAZY_VOID (nook_lib_archive, archive_entry_set_rdevmajor, (struct archive_entry * e, dev_t d),
                (e, d))
NOOK_LAZY_VOID (nook_lib_archive, archive_entry_set_rdevminor, (struct archive_entry * e, dev_t d),
                (e, d))
NOOK_LAZY_VOID (nook_lib_archive, archive_entry_xattr_add_entry,
                (struct archive_entry * e, const char *n, const void *v, size_t s), (e, n, v, s))
