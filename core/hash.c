/* sha256 of evidence content, through OpenSSL's libcrypto: a well-kept
 * implementation beats our own. */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>

#include "hash.h"

#define CHUNK (1 << 20)


static void to_hex(const unsigned char *md, unsigned n, char *hex)
{
  static const char digits[] = "0123456789abcdef";
  unsigned i;
  for (i = 0; i < n; i++) {
    hex[2 * i] = digits[md[i] >> 4];
    hex[2 * i + 1] = digits[md[i] & 15];
  }
  hex[2 * n] = '\0';
}


int wo_sha256_file(wo_file *f, char *hex)
{
  unsigned char *buf = malloc(CHUNK);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned mdlen = 0;
  uint64_t off = 0;
  ssize_t n;
  int rc = WO_OK;
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  if (!buf || !ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
    EVP_MD_CTX_free(ctx);
    free(buf);
    return WO_ENOMEM;
  }
  while ((n = wo_pread(f, buf, CHUNK, off)) > 0) {
    EVP_DigestUpdate(ctx, buf, (size_t)n);
    off += (uint64_t)n;
  }
  if (n < 0)
    rc = (int)n;
  else
    EVP_DigestFinal_ex(ctx, md, &mdlen);
  EVP_MD_CTX_free(ctx);
  free(buf);
  if (rc == WO_OK)
    to_hex(md, mdlen, hex);
  return rc;
}


void wo_sha256_buf(const void *buf, size_t n, char *hex)
{
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned mdlen = 0;
  EVP_Digest(buf, n, md, &mdlen, EVP_sha256(), NULL);
  to_hex(md, mdlen, hex);
}
