/* gzip decompression of a buffer already read from the evidence, through
 * zlib: a well-kept library beats our own inflate. */
#ifndef WO_GZIP_H
#define WO_GZIP_H

#include <stddef.h>

/* Receives each piece of output in order; returns 0 to go on. */
typedef int (*wo_gzip_sink)(void *arg, const void *buf, size_t n);

/* Inflates the gzip stream (one or more members) in in[0..n) and gives
 * at most max bytes of output to sink.  Returns WO_OK, WO_ERANGE when
 * the output would pass max (the first max bytes were given), or
 * WO_ECORRUPT for a damaged or truncated stream (what came before the
 * damage was given); *why gets a static message. */
int wo_gunzip(const void *in, size_t n, size_t max, wo_gzip_sink sink,
              void *arg, const char **why);

#endif
