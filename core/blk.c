/* Block sources: reference counting, a loop over short reads, and two
 * backends: a file of a wo_src and a concatenation of ranges. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blk.h"


wo_blk *wo_blk_ref(wo_blk *b)
{
  if (b)
    b->refs++;
  return b;
}


void wo_blk_unref(wo_blk *b)
{
  if (b && --b->refs == 0)
    b->ops->destroy(b);
}


int wo_blk_fail(wo_blk *b, int code, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(b->err, sizeof b->err, fmt, ap);
  va_end(ap);
  return code;
}


ssize_t wo_blk_pread(wo_blk *b, void *buf, size_t n, uint64_t off)
{
  size_t done = 0;
  if (off >= b->size)
    return 0;
  if (n > b->size - off)
    n = (size_t)(b->size - off);
  while (done < n) {
    ssize_t r = b->ops->pread(b, (char *)buf + done, n - done, off + done);
    if (r < 0)
      return r;
    if (r == 0)   /* the backend ended early: the rest reads as missing */
      return wo_blk_fail(b, WO_EIO, "short read at byte %llu",
                         (unsigned long long)(off + done));
    done += (size_t)r;
  }
  return (ssize_t)done;
}


/* A file of a source. */

typedef struct file_blk {
  wo_blk base;
  wo_src *src;
  wo_file *f;
} file_blk;


static ssize_t f_pread(wo_blk *b, void *buf, size_t n, uint64_t off)
{
  file_blk *fb = (file_blk *)b;
  ssize_t r = wo_pread(fb->f, buf, n, off);
  if (r < 0)
    return wo_blk_fail(b, (int)r, "%s", fb->src->err);
  return r;
}


static void f_destroy(wo_blk *b)
{
  file_blk *fb = (file_blk *)b;
  wo_fclose(fb->f);
  wo_src_unref(fb->src);
  free(fb);
}


static const wo_blk_ops file_ops = { "file", f_pread, f_destroy };


wo_blk *wo_blk_file(wo_src *s, const char *path, char *err, int *code)
{
  char canon[WO_PATH_MAX];
  wo_stat st;
  file_blk *fb;
  int rc = wo_resolve(s, path, 1, canon);
  if (rc == WO_OK)
    rc = wo_lstat(s, canon, &st);
  if (rc == WO_OK && st.type != WO_T_REG)
    rc = wo_src_fail(s, WO_EUNSUP, "not a regular file");
  if (rc == WO_OK && !(fb = calloc(1, sizeof *fb)))
    rc = wo_src_fail(s, WO_ENOMEM, "out of memory");
  if (rc == WO_OK && (rc = wo_open(s, canon, &fb->f)) < 0)
    free(fb);
  if (rc < 0) {
    snprintf(err, 256, "%s", s->err);
    if (code)
      *code = rc;
    return NULL;
  }
  fb->base.ops = &file_ops;
  fb->base.refs = 1;
  fb->base.size = st.size;
  fb->src = wo_src_ref(s);
  return &fb->base;
}


/* A concatenation of ranges. */

typedef struct cat_blk {
  wo_blk base;
  size_t n;
  wo_blk_seg *segs;
  uint64_t *starts;   /* starts[i]: offset of segment i in this source */
} cat_blk;


/* The segment holding off: the last i with starts[i] <= off. */
static size_t seg_find(const cat_blk *c, uint64_t off)
{
  size_t lo = 0, hi = c->n;
  while (hi - lo > 1) {
    size_t mid = lo + (hi - lo) / 2;
    if (c->starts[mid] <= off)
      lo = mid;
    else
      hi = mid;
  }
  return lo;
}


static ssize_t c_pread(wo_blk *b, void *buf, size_t n, uint64_t off)
{
  cat_blk *c = (cat_blk *)b;
  size_t i = seg_find(c, off);
  const wo_blk_seg *sg = &c->segs[i];
  uint64_t in = off - c->starts[i];
  ssize_t r;
  if (n > sg->len - in)
    n = (size_t)(sg->len - in);
  r = wo_blk_pread(sg->under, buf, n, sg->off + in);
  if (r < 0)
    return wo_blk_fail(b, (int)r, "%s", sg->under->err);
  return r;
}


static void c_destroy(wo_blk *b)
{
  cat_blk *c = (cat_blk *)b;
  for (size_t i = 0; i < c->n; i++)
    wo_blk_unref(c->segs[i].under);
  free(c->segs);
  free(c->starts);
  free(c);
}


static const wo_blk_ops cat_ops = { "concat", c_pread, c_destroy };


wo_blk *wo_blk_concat(const wo_blk_seg *segs, size_t n, char *err)
{
  cat_blk *c;
  uint64_t total = 0;
  for (size_t i = 0; i < n; i++) {
    const wo_blk_seg *s = &segs[i];
    if (!s->len || s->off > s->under->size ||
        s->len > s->under->size - s->off || total + s->len < total) {
      snprintf(err, 256, "segment %zu lies outside its %llu-byte source",
               i, (unsigned long long)s->under->size);
      return NULL;
    }
    total += s->len;
  }
  c = calloc(1, sizeof *c);
  if (c && n) {
    c->segs = calloc(n, sizeof *c->segs);
    c->starts = calloc(n, sizeof *c->starts);
  }
  if (!c || !n || !c->segs || !c->starts) {
    snprintf(err, 256, n ? "out of memory" : "no segments");
    if (c) {
      free(c->segs);
      free(c->starts);
    }
    free(c);
    return NULL;
  }
  c->n = n;
  total = 0;
  for (size_t i = 0; i < n; i++) {
    c->segs[i] = segs[i];
    wo_blk_ref(segs[i].under);
    c->starts[i] = total;
    total += segs[i].len;
  }
  c->base.ops = &cat_ops;
  c->base.refs = 1;
  c->base.size = total;
  return &c->base;
}
