/* A disk image (or an LVM volume of one) opened through libtsk as a
 * block source, so a thin pool's _tmeta and _tdata can be read. */
#include <stdio.h>
#include <stdlib.h>

#include "blk.h"
#include "tsk.h"

typedef struct img_blk {
  wo_blk base;
  wo_img *img;
} img_blk;


static ssize_t i_pread(wo_blk *b, void *buf, size_t n, uint64_t off)
{
  ssize_t r = wo_img_read(((img_blk *)b)->img, off, buf, n);
  if (r < 0)
    return wo_blk_fail(b, WO_EIO, "cannot read the image at byte %llu",
                       (unsigned long long)off);
  return r;
}


static void i_destroy(wo_blk *b)
{
  wo_img_unref(((img_blk *)b)->img);
  free(b);
}


static const wo_blk_ops img_ops = { "image", i_pread, i_destroy };


wo_blk *wo_blk_img(wo_img *img)
{
  img_blk *b = calloc(1, sizeof *b);
  if (!b)
    return NULL;
  b->base.ops = &img_ops;
  b->base.refs = 1;
  b->base.size = wo_img_size(img);
  b->img = wo_img_ref(img);
  return &b->base;
}
