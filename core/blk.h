/* Block sources: a flat run of bytes that a pool, a volume or a file
 * system is read from (a file of a wo_src, a range of another source,
 * a thin device).  Read-only by construction: there is no write call. */
#ifndef WO_BLK_H
#define WO_BLK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ev.h"

typedef struct wo_blk wo_blk;

typedef struct wo_blk_ops {
  const char *kind;
  /* Reads up to n bytes at off (off + n within size); returns the count
   * read or a negative WO_E* code with detail in b->err. */
  ssize_t (*pread)(wo_blk *b, void *buf, size_t n, uint64_t off);
  void (*destroy)(wo_blk *b);
} wo_blk_ops;

struct wo_blk {
  const wo_blk_ops *ops;
  int refs;
  uint64_t size;      /* bytes; reads past it return 0 */
  char err[256];
};

wo_blk *wo_blk_ref(wo_blk *b);
void wo_blk_unref(wo_blk *b);
int wo_blk_fail(wo_blk *b, int code, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));

/* Reads n bytes at off, clipped to the size, looping over short reads.
 * Returns the count (less than n only at the end) or a WO_E* code. */
ssize_t wo_blk_pread(wo_blk *b, void *buf, size_t n, uint64_t off);

/* The regular file at path (resolved inside s, symlinks followed) as a
 * block source.  Takes a reference on s.  NULL with err (256 bytes) on
 * failure, and *code set when code is not NULL. */
wo_blk *wo_blk_file(wo_src *s, const char *path, char *err, int *code);

/* One piece of a concatenation: len bytes of under starting at off. */
typedef struct wo_blk_seg {
  wo_blk *under;
  uint64_t off, len;
} wo_blk_seg;

/* The segments one after another (an LVM logical volume made of extents
 * on physical volumes).  Takes a reference on each under.  NULL with
 * err when a segment lies outside its source. */
wo_blk *wo_blk_concat(const wo_blk_seg *segs, size_t n, char *err);

/* A libtsk image (struct wo_img, core/tsk.h) as a block source; takes
 * a reference on it.  NULL when out of memory. */
struct wo_img;
wo_blk *wo_blk_img(struct wo_img *img);

#endif
