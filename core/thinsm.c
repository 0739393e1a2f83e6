/* The data space map: a B-tree of index entries (disk_index_entry),
 * each naming a bitmap block of 2-bit reference counts, with counts of
 * 3 and over in a second B-tree of u32 values. */
#include <stdlib.h>
#include <string.h>

#include "thinint.h"

typedef struct sm_walk {
  wo_thin_sm_fn fn;
  void *arg;
  uint64_t next;            /* first block not yet reported */
  uint64_t first, len;      /* the pending run of one count */
  uint32_t count;
} sm_walk;


static int refc_leaf(thin_walk *w, uint64_t key, const uint8_t *v)
{
  wo_thin_pool *p = w->p;
  thin_refc *r;
  if (p->nrefc % 256 == 0) {
    r = realloc(p->refc, (p->nrefc + 256) * sizeof *r);
    if (!r)
      return thin_fail(p, WO_ENOMEM, "out of memory");
    p->refc = r;
  }
  p->refc[p->nrefc++] = (thin_refc){ key, le32(v) };
  return WO_OK;
}


/* Loads the overflow tree (counts of 3 and more) once. */
static int load_refc(wo_thin_pool *p)
{
  thin_walk w = { p, 4, refc_leaf, NULL, 0, 0 };
  int rc;
  if (p->refc_loaded)
    return WO_OK;
  p->nrefc = 0;
  if (p->sb.data_ref_count_root &&
      (rc = thin_walk_tree(&w, p->sb.data_ref_count_root)) < 0)
    return rc;
  p->refc_loaded = 1;
  return WO_OK;
}


/* The exact count of a block whose bitmap entry says "3 or more". */
static int overflow_count(wo_thin_pool *p, uint64_t b, uint32_t *count)
{
  size_t lo = 0, hi;
  for (hi = p->nrefc; lo < hi;) {
    size_t mid = lo + (hi - lo) / 2;
    if (p->refc[mid].block == b) {
      *count = p->refc[mid].count;
      return WO_OK;
    }
    if (p->refc[mid].block < b)
      lo = mid + 1;
    else
      hi = mid;
  }
  thin_warn(p, "data block %llu: count 3+ with no overflow entry",
            (unsigned long long)b);
  *count = 3;
  return WO_OK;
}


static int report(sm_walk *s, uint64_t b, uint32_t count)
{
  int rc = 0;
  if (s->len && s->count == count && s->first + s->len == b) {
    s->len++;
    return 0;
  }
  if (s->len)
    rc = s->fn(s->arg, s->first, s->len, s->count);
  s->first = b;
  s->len = 1;
  s->count = count;
  return rc;
}


/* One bitmap: 2 bits per block, the even bit the high one (K-sm
 * sm_lookup_bitmap), 16320 blocks after the 16-byte header. */
static int read_bitmap(thin_walk *w, uint64_t idx, const uint8_t *bm)
{
  sm_walk *s = w->arg;
  uint64_t base = idx * BITMAP_ENTRIES, nr = w->p->sb.data_nr_blocks;
  int rc;
  for (uint32_t e = 0; e < BITMAP_ENTRIES && base + e < nr; e++) {
    uint8_t byte = bm[16 + e / 4];
    unsigned sh = 2 * (e % 4);
    uint32_t c = ((byte >> sh) & 1u) << 1 | ((byte >> (sh + 1)) & 1u);
    if (c == 3 && (rc = overflow_count(w->p, base + e, &c)) < 0)
      return rc;
    if ((rc = report(s, base + e, c)))
      return rc;
  }
  return WO_OK;
}


static int index_leaf(thin_walk *w, uint64_t idx, const uint8_t *v)
{
  wo_thin_pool *p = w->p;
  sm_walk *s = w->arg;
  uint8_t bm[META_BLOCK];
  uint64_t nbm = (p->sb.data_nr_blocks + BITMAP_ENTRIES - 1) /
                 BITMAP_ENTRIES;
  int rc;
  if (idx >= nbm)
    return thin_fail(p, WO_ECORRUPT, "space map index %llu beyond %llu "
                     "bitmaps", (unsigned long long)idx,
                     (unsigned long long)nbm);
  if (idx * BITMAP_ENTRIES != s->next)
    thin_warn(p, "space map lacks bitmaps for data blocks %llu to %llu",
              (unsigned long long)s->next,
              (unsigned long long)(idx * BITMAP_ENTRIES - 1));
  if ((rc = thin_read_meta(p, le64(v), BITMAP_XOR, bm)) < 0)
    return rc;
  s->next = (idx + 1) * BITMAP_ENTRIES;
  return read_bitmap(w, idx, bm);
}


int wo_thin_data_sm(wo_thin_pool *p, wo_thin_sm_fn fn, void *arg)
{
  sm_walk s = { fn, arg, 0, 0, 0, 0 };
  int rc;
  thin_walk w = { p, 16, index_leaf, &s, 0, 0 };
  if (!p->sb.data_bitmap_root)
    return thin_fail(p, WO_EUNSUP, "no data space map (a metadata "
                     "snapshot has none)");
  /* both walks use p->seen: load the overflow tree before the index
   * walk starts, not in the middle of it */
  if ((rc = load_refc(p)) < 0)
    return rc;
  if ((rc = thin_walk_tree(&w, p->sb.data_bitmap_root)) < 0)
    return rc;
  if (s.len && (rc = fn(arg, s.first, s.len, s.count)))
    return rc;
  return WO_OK;
}


/* Free blocks that still hold bytes: a removed device's data survives
 * when the pool did not discard it (K-sm frees by clearing counts). */
typedef struct free_acc {
  wo_thin_sm_fn fn;
  void *arg;
  wo_thin_pool *p;
  uint8_t *buf;
  uint64_t limit;
} free_acc;


static int is_zero(const uint8_t *b, size_t n)
{
  return !b[0] && !memcmp(b, b + 1, n - 1);
}


/* Reads free runs in chunks of FREE_CHUNK blocks: most free space of a
 * loop file is holes, and big reads of them cost little per byte. */
#define FREE_CHUNK 64

static int free_chunk(free_acc *a, uint64_t first, uint64_t n)
{
  uint64_t bs = wo_thin_block_bytes(a->p);
  ssize_t got = wo_blk_pread(a->p->data, a->buf, (size_t)(n * bs),
                             first * bs);
  int rc;
  if (got < 0)
    return thin_fail(a->p, (int)got, "data device: %s", a->p->data->err);
  for (uint64_t i = 0; i < n && (i + 1) * bs <= (uint64_t)got; i++)
    if (!is_zero(a->buf + i * bs, (size_t)bs) &&
        (rc = a->fn(a->arg, first + i, 1, 0)))
      return rc;
  return 0;
}


static int free_run(void *arg, uint64_t first, uint64_t len, uint32_t c)
{
  free_acc *a = arg;
  uint64_t end = first + len < a->limit ? first + len : a->limit;
  int rc;
  if (c)
    return 0;
  for (uint64_t b = first; b < end; b += FREE_CHUNK) {
    uint64_t n = end - b < FREE_CHUNK ? end - b : FREE_CHUNK;
    if ((rc = free_chunk(a, b, n)))
      return rc;
  }
  return 0;
}


int wo_thin_free_used(wo_thin_pool *p, uint64_t limit, wo_thin_sm_fn fn,
                      void *arg)
{
  free_acc a = { fn, arg, p, NULL, limit ? limit : UINT64_MAX };
  int rc;
  if (!p->data)
    return thin_fail(p, WO_EUNSUP, "the pool has no data device");
  if (!(a.buf = malloc((size_t)wo_thin_block_bytes(p) * FREE_CHUNK)))
    return thin_fail(p, WO_ENOMEM, "out of memory");
  rc = wo_thin_data_sm(p, free_run, &a);
  free(a.buf);
  return rc;
}
