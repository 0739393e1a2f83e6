/* thin_delta's comparison of two devices' mappings: same, different,
 * left only, right only, in runs contiguous on both sides. */
#include <stdint.h>

#include "thinint.h"

typedef struct side {
  const wo_thin_run *r;
  size_t n, i;
} side;

typedef struct pending {
  int kind, have;
  uint64_t vbegin, len, left, right;
} pending;


/* Whether side s maps vblock v; its data block and where this state
 * (mapped by this run, or the gap before the next) ends. */
static int side_at(side *s, uint64_t v, uint64_t *db, uint64_t *end)
{
  const wo_thin_run *r;
  while (s->i < s->n && s->r[s->i].vbegin + s->r[s->i].len <= v)
    s->i++;
  if (s->i == s->n) {
    *end = UINT64_MAX;
    return 0;
  }
  r = &s->r[s->i];
  if (r->vbegin > v) {
    *end = r->vbegin;
    return 0;
  }
  *db = r->dbegin + (v - r->vbegin);
  *end = r->vbegin + r->len;
  return 1;
}


/* Whether a piece continues the pending run on every mapped side. */
static int continues(const pending *q, int kind, uint64_t v, uint64_t l,
                     uint64_t r)
{
  if (!q->have || q->kind != kind || q->vbegin + q->len != v)
    return 0;
  if (kind != WO_DELTA_RIGHT && q->left + q->len != l)
    return 0;
  return kind == WO_DELTA_LEFT || kind == WO_DELTA_SAME ||
         q->right + q->len == r;
}


static int flush(pending *q, wo_thin_delta_fn fn, void *arg)
{
  int rc = q->have ? fn(arg, q->kind, q->vbegin, q->len, q->left, q->right)
                   : 0;
  q->have = 0;
  return rc;
}


static int classify(int ma, int mb, uint64_t l, uint64_t r)
{
  if (ma && mb)
    return l == r ? WO_DELTA_SAME : WO_DELTA_DIFFERENT;
  return ma ? WO_DELTA_LEFT : WO_DELTA_RIGHT;
}


static int merge(side *a, side *b, wo_thin_delta_fn fn, void *arg)
{
  pending q = { 0, 0, 0, 0, 0, 0 };
  uint64_t v = 0, l = 0, r = 0, ea, eb, e;
  int rc;
  for (;;) {
    int ma = side_at(a, v, &l, &ea), mb = side_at(b, v, &r, &eb), kind;
    e = ea < eb ? ea : eb;
    if (!ma && !mb) {
      if (e == UINT64_MAX)
        break;
      v = e;
      continue;
    }
    kind = classify(ma, mb, l, r);
    if (!continues(&q, kind, v, l, r)) {
      if ((rc = flush(&q, fn, arg)))
        return rc;
      q = (pending){ kind, 1, v, 0, ma ? l : r, mb ? r : l };
    }
    q.len += e - v;
    v = e;
  }
  return flush(&q, fn, arg);
}


int wo_thin_delta(wo_thin_pool *p, uint32_t a, uint32_t b,
                  wo_thin_delta_fn fn, void *arg)
{
  side sa = { NULL, 0, 0 }, sb = { NULL, 0, 0 };
  int rc = wo_thin_runs(p, a, &sa.r, &sa.n);
  if (rc < 0 || (rc = wo_thin_runs(p, b, &sb.r, &sb.n)) < 0)
    return rc;
  return merge(&sa, &sb, fn, arg);
}
