/* A thin device as a block source: each read finds the run holding its
 * offset (a cursor makes sequential reads cheap), reads as much of
 * the run as asked straight from the data device, and fills gaps with
 * zeros. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "thinint.h"

typedef struct thin_blk {
  wo_blk base;
  wo_thin_pool *p;
  const wo_thin_run *runs;
  size_t n, cur;
  uint64_t bsize;
} thin_blk;


/* Index of the first run ending after vblock vb (n if none). */
static size_t run_find(thin_blk *t, uint64_t vb)
{
  size_t lo = 0, hi = t->n;
  const wo_thin_run *c = t->cur < t->n ? &t->runs[t->cur] : NULL;
  if (c && c->vbegin <= vb && vb < c->vbegin + c->len)
    return t->cur;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (t->runs[mid].vbegin + t->runs[mid].len <= vb)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}


static ssize_t read_mapped(thin_blk *t, const wo_thin_run *r, void *buf,
                           size_t n, uint64_t off)
{
  uint64_t run_end = (r->vbegin + r->len) * t->bsize;
  uint64_t at = r->dbegin * t->bsize + (off - r->vbegin * t->bsize);
  ssize_t got;
  if (n > run_end - off)
    n = (size_t)(run_end - off);
  if (!t->p->data)
    return wo_blk_fail(&t->base, WO_EUNSUP, "the pool has no data device");
  got = wo_blk_pread(t->p->data, buf, n, at);
  if (got < 0)
    return wo_blk_fail(&t->base, (int)got, "data device: %s",
                       t->p->data->err);
  if ((size_t)got < n)   /* a truncated data file: say so, do not guess */
    return wo_blk_fail(&t->base, WO_EIO, "data block %llu is beyond the "
                       "data device", (unsigned long long)(at / t->bsize));
  return got;
}


static ssize_t t_pread(wo_blk *b, void *buf, size_t n, uint64_t off)
{
  thin_blk *t = (thin_blk *)b;
  uint64_t vb = off / t->bsize;
  size_t i = run_find(t, vb);
  const wo_thin_run *r = i < t->n ? &t->runs[i] : NULL;
  t->cur = i;
  if (r && r->vbegin <= vb)
    return read_mapped(t, r, buf, n, off);
  /* an unmapped stretch: zeros up to the next run */
  if (r && r->vbegin * t->bsize - off < n)
    n = (size_t)(r->vbegin * t->bsize - off);
  memset(buf, 0, n);
  return (ssize_t)n;
}


static void t_destroy(wo_blk *b)
{
  thin_blk *t = (thin_blk *)b;
  wo_thin_unref(t->p);
  free(t);
}


static const wo_blk_ops thin_ops = { "thin", t_pread, t_destroy };


/* The size a device's mappings need, or UINT64_MAX when it overflows. */
static uint64_t mapped_end(const wo_thin_run *r, size_t n, uint64_t bs)
{
  uint64_t last;
  if (!n)
    return 0;
  last = r[n - 1].vbegin + r[n - 1].len;
  return last > UINT64_MAX / bs ? UINT64_MAX : last * bs;
}


wo_blk *wo_thin_dev_open(wo_thin_pool *p, uint32_t dev_id, uint64_t size,
                         char *err, int *code)
{
  const wo_thin_run *runs;
  size_t n;
  thin_blk *t;
  uint64_t bs = wo_thin_block_bytes(p);
  int rc = wo_thin_runs(p, dev_id, &runs, &n);
  if (rc == WO_OK && mapped_end(runs, n, bs) == UINT64_MAX)
    rc = thin_fail(p, WO_ERANGE, "device %u maps past 2^64 bytes", dev_id);
  if (rc == WO_OK && !(t = calloc(1, sizeof *t)))
    rc = thin_fail(p, WO_ENOMEM, "out of memory");
  if (rc < 0) {
    snprintf(err, 256, "%s", p->err);
    if (code)
      *code = rc;
    return NULL;
  }
  t->base.ops = &thin_ops;
  t->base.refs = 1;
  t->base.size = size ? size : mapped_end(runs, n, bs);
  t->p = wo_thin_ref(p);
  t->runs = runs;
  t->n = n;
  t->bsize = bs;
  return &t->base;
}


int wo_thin_read_data(wo_thin_pool *p, uint64_t n, void *buf)
{
  uint64_t bs = wo_thin_block_bytes(p);
  ssize_t got;
  if (!p->data)
    return thin_fail(p, WO_EUNSUP, "the pool has no data device");
  if (n >= p->sb.data_nr_blocks)
    return thin_fail(p, WO_ERANGE, "data block %llu beyond the %llu-block "
                     "pool", (unsigned long long)n,
                     (unsigned long long)p->sb.data_nr_blocks);
  got = wo_blk_pread(p->data, buf, (size_t)bs, n * bs);
  if (got < 0)
    return thin_fail(p, (int)got, "data device: %s", p->data->err);
  if ((uint64_t)got < bs)
    return thin_fail(p, WO_EIO, "data block %llu is beyond the data "
                     "device", (unsigned long long)n);
  return WO_OK;
}
