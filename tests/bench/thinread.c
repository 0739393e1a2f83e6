/* Reads a whole thin device through core/ (as the FUSE path and the
 * file system readers do) into one reused buffer: the bench's measure
 * of the block source itself, without Lua strings.  Prints the bytes
 * read and the milliseconds the reads took (as dd times its copy, not
 * counting the program's start or the pool's opening).
 * usage: thinread DIR DEVICE_ID   (DIR holds metadata and data) */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "core/thin.h"

int main(int argc, char **argv)
{
  char err[256];
  int code = 0;
  size_t bufsize = 4 << 20;
  char *buf = malloc(bufsize);
  wo_src *dir = argc == 3 ? wo_dir_open(argv[1], err) : NULL;
  wo_blk *m = dir ? wo_blk_file(dir, "metadata", err, &code) : NULL;
  wo_blk *d = m ? wo_blk_file(dir, "data", err, &code) : NULL;
  wo_thin_pool *p = d ? wo_thin_open(m, d, 0, err, &code) : NULL;
  wo_blk *dev = p ? wo_thin_dev_open(p, (uint32_t)atoi(argv[2]), 0, err,
                                     &code) : NULL;
  uint64_t total = 0;
  struct timespec t0, t1;
  if (!dev || !buf) {
    fprintf(stderr, "thinread: %s\n", argc == 3 ? err : "usage: DIR ID");
    return 1;
  }
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (;;) {
    ssize_t r = wo_blk_pread(dev, buf, bufsize, total);
    if (r < 0) {
      fprintf(stderr, "thinread: %s\n", dev->err);
      return 1;
    }
    if (r == 0)
      break;
    total += (uint64_t)r;
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  printf("%llu %.1f\n", (unsigned long long)total,
         (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
  return 0;
}
