/* SHA-256 through libcrypto (lazily loaded), and digest strings.  */
#include "util.h"

#include <openssl/evp.h>
#include <string.h>

int
nook_sha256_init (struct nook_sha256 *h, nook_error_t *err)
{
  if (nook_lazy_load (&nook_lib_crypto, err) < 0)
    return -1;
  h->ctx = EVP_MD_CTX_new ();
  if (h->ctx == NULL || EVP_DigestInit_ex (h->ctx, EVP_sha256 (), NULL) != 1)
    return nook_error (err, ENOMEM, "sha256 init");
  return 0;
}

void
nook_sha256_update (struct nook_sha256 *h, const void *data, size_t len)
{
  EVP_DigestUpdate (h->ctx, data, len);
}

void
nook_sha256_final (struct nook_sha256 *h, char hex[65])
{
  static const char digits[] = "0123456789abcdef";
  unsigned char md[32];
  unsigned int n = 0;

  EVP_DigestFinal_ex (h->ctx, md, &n);
  for (unsigned int i = 0; i < 32; i++)
    {
      hex[2 * i] = digits[md[i] >> 4];
      hex[2 * i + 1] = digits[md[i] & 15];
    }
  hex[64] = '\0';
  nook_sha256_free (h);
}

void
nook_sha256_free (struct nook_sha256 *h)
{
  if (h->ctx)
    EVP_MD_CTX_free (h->ctx);
  h->ctx = NULL;
}

int
nook_sha256_hex (const void *data, size_t len, char hex[65], nook_error_t *err)
{
  struct nook_sha256 h = { 0 };
  if (nook_sha256_init (&h, err) < 0)
    return -1;
  nook_sha256_update (&h, data, len);
  nook_sha256_final (&h, hex);
  return 0;
}

int
nook_digest_hex (const char *digest, const char **hex, nook_error_t *err)
{
  if (!str_has_prefix (digest, "sha256:"))
    return nook_error (err, 0, "unsupported digest `%s`: only sha256 is supported", digest);
  if (strlen (digest) != 7 + 64 || !nook_is_hex (digest + 7, 64))
    return nook_error (err, 0, "invalid digest `%s`", digest);
  *hex = digest + 7;
  return 0;
}
