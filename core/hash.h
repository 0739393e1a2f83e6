/* Content hashes of evidence files, read through the evidence interface. */
#ifndef WO_HASH_H
#define WO_HASH_H

#include "ev.h"

/* Hashes the whole of an open file with sha256; writes 65 bytes of lower
 * hex with its NUL to hex.  Returns WO_OK or the read's error. */
int wo_sha256_file(wo_file *f, char *hex);

/* Hashes a memory buffer the same way. */
void wo_sha256_buf(const void *buf, size_t n, char *hex);

#endif
