/* The dm-thin device details tree and the two-level mapping tree:
 * devices, their mappings as runs, thin_ls-style usage and
 * thin_delta-style comparison. */
#include <stdlib.h>
#include <string.h>

#include "thinint.h"


/* Device details leaf: disk_device_details (24 bytes). */
static int details_leaf(thin_walk *w, uint64_t key, const uint8_t *v)
{
  wo_thin_pool *p = w->p;
  wo_thin_dev *d;
  if (key > 0xffffff)
    return thin_fail(p, WO_ECORRUPT, "device id %llu is over 24 bits",
                     (unsigned long long)key);
  d = realloc(p->devs, (p->ndevs + 1) * sizeof *d);
  if (!d)
    return thin_fail(p, WO_ENOMEM, "out of memory");
  p->devs = d;
  d += p->ndevs++;
  memset(d, 0, sizeof *d);
  d->dev_id = (uint32_t)key;
  d->mapped_blocks = le64(v);
  d->transaction_id = le64(v + 8);
  d->creation_time = le32(v + 16);
  d->snapshotted_time = le32(v + 20);
  return WO_OK;
}


static int find_dev(wo_thin_pool *p, uint64_t id)
{
  size_t lo = 0, hi = p->ndevs;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (p->devs[mid].dev_id == id)
      return (int)mid;
    if (p->devs[mid].dev_id < id)
      lo = mid + 1;
    else
      hi = mid;
  }
  return -1;
}


/* Top-level mapping leaf: dev_id -> root of its bottom-level tree. */
static int top_leaf(thin_walk *w, uint64_t key, const uint8_t *v)
{
  int i = find_dev(w->p, key);
  if (i < 0) {
    thin_warn(w->p, "mapping tree has device %llu with no details",
              (unsigned long long)key);
    return WO_OK;
  }
  w->p->devs[i].root = le64(v);
  return WO_OK;
}


int thin_load_devices(wo_thin_pool *p)
{
  thin_walk w = { p, 24, details_leaf, NULL, 0, 0 };
  int rc;
  if (p->devs_loaded)
    return p->devs_loaded < 0 ? thin_fail(p, WO_ECORRUPT, "%s", p->err)
                              : WO_OK;
  p->devs_loaded = -1;
  if ((rc = thin_walk_tree(&w, p->sb.device_details_root)) < 0)
    return rc;
  w.vsize = 8;
  w.leaf = top_leaf;
  if ((rc = thin_walk_tree(&w, p->sb.data_mapping_root)) < 0)
    return rc;
  if (!(p->maps = calloc(p->ndevs ? p->ndevs : 1, sizeof *p->maps)))
    return thin_fail(p, WO_ENOMEM, "out of memory");
  p->devs_loaded = 1;
  return WO_OK;
}


int wo_thin_devices(wo_thin_pool *p, const wo_thin_dev **devs)
{
  int rc = thin_load_devices(p);
  if (rc < 0)
    return rc;
  *devs = p->devs;
  return (int)p->ndevs;
}


/* Bottom-level leaf: vblock -> packed (data block << 24 | time). */
typedef struct run_acc {
  wo_thin_run *runs;
  size_t n, cap;
  uint64_t nmapped;
} run_acc;


static int map_leaf(thin_walk *w, uint64_t vb, const uint8_t *v)
{
  run_acc *a = w->arg;
  uint64_t packed = le64(v), db = packed >> 24;
  uint32_t t = (uint32_t)(packed & 0xffffff);
  wo_thin_run *r = a->n ? &a->runs[a->n - 1] : NULL;
  if (db >= w->p->sb.data_nr_blocks)
    return thin_fail(w->p, WO_ECORRUPT, "virtual block %llu maps to data "
                     "block %llu, beyond the %llu-block pool",
                     (unsigned long long)vb, (unsigned long long)db,
                     (unsigned long long)w->p->sb.data_nr_blocks);
  a->nmapped++;
  if (r && r->vbegin + r->len == vb && r->dbegin + r->len == db &&
      r->time == t) {
    r->len++;
    return WO_OK;
  }
  if (a->n == a->cap) {
    size_t cap = a->cap ? a->cap * 2 : 64;
    wo_thin_run *n = realloc(a->runs, cap * sizeof *n);
    if (!n)
      return thin_fail(w->p, WO_ENOMEM, "out of memory");
    a->runs = n;
    a->cap = cap;
  }
  a->runs[a->n++] = (wo_thin_run){ vb, db, 1, t };
  return WO_OK;
}


static int load_runs(wo_thin_pool *p, size_t i)
{
  run_acc a = { NULL, 0, 0, 0 };
  thin_walk w = { p, 8, map_leaf, &a, 0, 0 };
  wo_thin_dev *d = &p->devs[i];
  int rc;
  if (!d->root) {
    thin_warn(p, "device %u has no mapping tree", d->dev_id);
  } else if ((rc = thin_walk_tree(&w, d->root)) < 0) {
    free(a.runs);
    return rc;
  }
  if (a.nmapped != d->mapped_blocks)
    thin_warn(p, "device %u maps %llu blocks, its details say %llu",
              d->dev_id, (unsigned long long)a.nmapped,
              (unsigned long long)d->mapped_blocks);
  p->maps[i].runs = a.runs;
  p->maps[i].n = a.n;
  p->maps[i].loaded = 1;
  return WO_OK;
}


int wo_thin_runs(wo_thin_pool *p, uint32_t dev_id,
                 const wo_thin_run **runs, size_t *n)
{
  int rc = thin_load_devices(p), i;
  if (rc < 0)
    return rc;
  if ((i = find_dev(p, dev_id)) < 0)
    return thin_fail(p, WO_ENOENT, "no thin device %u in the pool",
                     dev_id);
  if (!p->maps[i].loaded && (rc = load_runs(p, (size_t)i)) < 0)
    return rc;
  *runs = p->maps[i].runs;
  *n = p->maps[i].n;
  return WO_OK;
}


/* Usage: a sweep over every run's data range.  Boundaries of all runs
 * cut the data device into pieces; a piece covered by one run is
 * exclusive to that device, by more it is shared. */
typedef struct edge {
  uint64_t at;
  int delta;
} edge;


static int edge_cmp(const void *a, const void *b)
{
  const edge *x = a, *y = b;
  return x->at < y->at ? -1 : x->at > y->at;
}


static int load_all_runs(wo_thin_pool *p, size_t *nruns)
{
  const wo_thin_run *r;
  size_t n;
  int rc;
  *nruns = 0;
  for (size_t i = 0; i < p->ndevs; i++) {
    if ((rc = wo_thin_runs(p, p->devs[i].dev_id, &r, &n)) < 0)
      return rc;
    *nruns += n;
  }
  return WO_OK;
}


/* Fills edges (two per run) and sorts them. */
static edge *collect_edges(wo_thin_pool *p, size_t nruns)
{
  edge *e = malloc((2 * nruns + 1) * sizeof *e);
  size_t k = 0;
  if (!e)
    return NULL;
  for (size_t i = 0; i < p->ndevs; i++)
    for (size_t j = 0; j < p->maps[i].n; j++) {
      const wo_thin_run *r = &p->maps[i].runs[j];
      e[k++] = (edge){ r->dbegin, 1 };
      e[k++] = (edge){ r->dbegin + r->len, -1 };
    }
  qsort(e, k, sizeof *e, edge_cmp);
  return e;
}


/* Merges edges at one position into (at, coverage from at on). */
static size_t coverage(edge *e, size_t k)
{
  size_t m = 0;
  int cov = 0;
  for (size_t i = 0; i < k; i++) {
    cov += e[i].delta;
    if (m && e[m - 1].at == e[i].at)
      e[m - 1].delta = cov;
    else
      e[m++] = (edge){ e[i].at, cov };
  }
  return m;
}


/* Blocks of run r that lie in pieces covered exactly once. */
static uint64_t exclusive_in(const edge *c, size_t m, const wo_thin_run *r)
{
  size_t lo = 0, hi = m;
  uint64_t ex = 0, end = r->dbegin + r->len;
  while (hi - lo > 1) {
    size_t mid = lo + (hi - lo) / 2;
    if (c[mid].at <= r->dbegin)
      lo = mid;
    else
      hi = mid;
  }
  for (size_t i = lo; i < m && c[i].at < end; i++) {
    uint64_t a = c[i].at < r->dbegin ? r->dbegin : c[i].at;
    uint64_t b = i + 1 < m && c[i + 1].at < end ? c[i + 1].at : end;
    if (c[i].delta == 1)
      ex += b - a;
  }
  return ex;
}


int wo_thin_usage_all(wo_thin_pool *p, wo_thin_usage **out)
{
  size_t nruns, m;
  edge *c;
  int rc = thin_load_devices(p);
  if (rc < 0 || (rc = load_all_runs(p, &nruns)) < 0)
    return rc;
  if (!(c = collect_edges(p, nruns)) ||
      !(*out = calloc(p->ndevs ? p->ndevs : 1, sizeof **out))) {
    free(c);
    return thin_fail(p, WO_ENOMEM, "out of memory");
  }
  m = coverage(c, 2 * nruns);
  for (size_t i = 0; i < p->ndevs; i++) {
    wo_thin_usage *u = &(*out)[i];
    u->dev_id = p->devs[i].dev_id;
    for (size_t j = 0; j < p->maps[i].n; j++) {
      u->mapped += p->maps[i].runs[j].len;
      u->exclusive += exclusive_in(c, m, &p->maps[i].runs[j]);
    }
    u->shared = u->mapped - u->exclusive;
  }
  free(c);
  return (int)p->ndevs;
}
