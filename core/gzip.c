/* gzip decompression through zlib, bounded in output, for rotated
 * container logs (json-file and local drivers with compress=true). */
#include <zlib.h>

#include "ev.h"
#include "gzip.h"

#define OUT_CHUNK 65536


/* Inflates one member starting at *used; returns a zlib status. */
static int inflate_member(z_stream *z, size_t *left, wo_gzip_sink sink,
                          void *arg, int *cut)
{
  unsigned char out[OUT_CHUNK];
  int zr;
  do {
    size_t have, give;
    z->next_out = out;
    z->avail_out = sizeof out;
    zr = inflate(z, Z_NO_FLUSH);
    if (zr != Z_OK && zr != Z_STREAM_END)
      return zr;
    have = sizeof out - z->avail_out;
    give = have < *left ? have : *left;
    if (give && sink(arg, out, give))
      return Z_STREAM_ERROR;
    *left -= give;
    if (give < have) {
      *cut = 1;
      return Z_STREAM_END;
    }
  } while (zr != Z_STREAM_END && (z->avail_in > 0 || z->avail_out == 0));
  return zr == Z_STREAM_END ? zr : Z_BUF_ERROR;
}


int wo_gunzip(const void *in, size_t n, size_t max, wo_gzip_sink sink,
              void *arg, const char **why)
{
  z_stream z = { 0 };
  size_t left = max;
  int zr, cut = 0, rc = WO_OK;
  *why = "";
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
    *why = "zlib could not start";
    return WO_ENOMEM;
  }
  z.next_in = (unsigned char *)in;
  z.avail_in = (uInt)(n > UINT32_MAX ? UINT32_MAX : n);
  for (;;) {
    zr = inflate_member(&z, &left, sink, arg, &cut);
    if (zr != Z_STREAM_END) {
      *why = zr == Z_BUF_ERROR ? "truncated gzip stream"
                               : "damaged gzip stream";
      rc = WO_ECORRUPT;
      break;
    }
    if (cut) {
      *why = "output larger than the limit";
      rc = WO_ERANGE;
      break;
    }
    /* gzip allows several members one after another; padding of
     * zeros after the last one is common and ends the stream */
    if (z.avail_in == 0 || *z.next_in == 0)
      break;
    if (inflateReset(&z) != Z_OK)
      break;
  }
  inflateEnd(&z);
  return rc;
}
