/* A read-only union of layers (top first), as the kernel's overlay shows
 * it: each directory is merged once (names of every layer it spans,
 * whiteouts and opaque directories honoured) and the merge is cached, so
 * a walk costs one readdir per layer directory and one lstat per entry.
 *
 * Caveats: renamed directories (overlay.redirect on a directory with
 * layers below) fail with WO_EUNSUP; fuse-overlayfs' override_stat is
 * not applied; stat shows the topmost layer's inode, as without xino. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "overlay.h"

/* Past this many cached names the cache is dropped and rebuilt lazily. */
#define CACHE_NAMES_MAX (4u << 20)
#define MAX_LAYERS 65535

typedef struct cand {
  uint32_t name;     /* offset into the directory's name pool */
  uint16_t layer;
  uint8_t type;
  uint8_t whiteout;
  uint64_t ino;
} cand;

typedef struct ov_ent {
  uint32_t name;
  uint32_t lays;     /* a child directory's layer list, in lay[] */
  uint16_t nlays;
  uint16_t layer;    /* the layer that supplies the entry */
  uint8_t type;
  uint64_t ino;
} ov_ent;

typedef struct ov_dir {
  struct ov_dir *next;
  uint64_t hash;
  char *path;
  char *pool;
  uint16_t *lay;
  ov_ent *ents;
  size_t n;
} ov_dir;

typedef struct un_src {
  wo_src base;
  int n;
  wo_src **layers;
  unsigned mask;
  ov_dir **tab;
  size_t cap, ndirs, nnames;
  int busy;          /* readdirs under way: no flush while > 0 */
} un_src;

/* What a merge collects from one directory across its layers. */
typedef struct merge {
  un_src *u;
  const char *path;
  int layer;
  unsigned dirflags;
  int opaque;        /* a .wh..wh..opq was seen in this layer */
  char *pool;
  size_t plen, pcap;
  cand *c;
  size_t nc, ccap;
  int rc;
} merge;

static const wo_src_ops union_ops;


static uint64_t hash_path(const char *p)
{
  uint64_t h = 1469598103934665603ull;
  while (*p)
    h = (h ^ (unsigned char)*p++) * 1099511628211ull;
  return h;
}


static void free_dir(ov_dir *d)
{
  free(d->path);
  free(d->pool);
  free(d->lay);
  free(d->ents);
  free(d);
}


void wo_union_flush(wo_src *s)
{
  un_src *u = (un_src *)s;
  if (!wo_is_union(s) || u->busy)
    return;
  for (size_t i = 0; i < u->cap; i++) {
    while (u->tab[i]) {
      ov_dir *d = u->tab[i];
      u->tab[i] = d->next;
      free_dir(d);
    }
  }
  u->ndirs = u->nnames = 0;
}


static ov_dir *cache_find(un_src *u, const char *path, uint64_t h)
{
  if (!u->cap)
    return NULL;
  for (ov_dir *d = u->tab[h & (u->cap - 1)]; d; d = d->next)
    if (d->hash == h && strcmp(d->path, path) == 0)
      return d;
  return NULL;
}


/* Doubles the bucket array; keeps the old one when out of memory. */
static void cache_grow(un_src *u)
{
  size_t cap = u->cap ? u->cap * 2 : 256;
  ov_dir **tab = calloc(cap, sizeof *tab);
  if (!tab)
    return;
  for (size_t i = 0; i < u->cap; i++) {
    while (u->tab[i]) {
      ov_dir *d = u->tab[i];
      u->tab[i] = d->next;
      d->next = tab[d->hash & (cap - 1)];
      tab[d->hash & (cap - 1)] = d;
    }
  }
  free(u->tab);
  u->tab = tab;
  u->cap = cap;
}


static int cache_put(un_src *u, ov_dir *d)
{
  if (u->ndirs >= u->cap)
    cache_grow(u);
  if (!u->cap) {
    free_dir(d);
    return wo_src_fail(&u->base, WO_ENOMEM, "out of memory");
  }
  d->next = u->tab[d->hash & (u->cap - 1)];
  u->tab[d->hash & (u->cap - 1)] = d;
  u->ndirs++;
  u->nnames += d->n;
  return WO_OK;
}


/* Copies a layer's message up, naming the layer. */
static int layer_fail(un_src *u, int layer, int rc)
{
  char tmp[sizeof u->base.err];
  snprintf(tmp, sizeof tmp, "%s", u->layers[layer]->err);
  if (tmp[0])
    wo_src_fail(&u->base, rc, "layer %d: %s", layer, tmp);
  return rc;
}


static int add_name(merge *m, const char *name, uint32_t *off)
{
  size_t len = strlen(name) + 1;
  if (m->plen + len > m->pcap) {
    size_t cap = m->pcap ? m->pcap * 2 : 1024;
    while (cap < m->plen + len)
      cap *= 2;
    char *p = realloc(m->pool, cap);
    if (!p || cap > UINT32_MAX)
      return WO_ENOMEM;
    m->pool = p;
    m->pcap = cap;
  }
  memcpy(m->pool + m->plen, name, len);
  *off = (uint32_t)m->plen;
  m->plen += len;
  return WO_OK;
}


static int add_cand(merge *m, const char *name, int type, uint64_t ino,
                    int whiteout)
{
  cand *c;
  if (m->nc == m->ccap) {
    size_t cap = m->ccap ? m->ccap * 2 : 64;
    cand *v = realloc(m->c, cap * sizeof *v);
    if (!v)
      return WO_ENOMEM;
    m->c = v;
    m->ccap = cap;
  }
  c = &m->c[m->nc];
  if (add_name(m, name, &c->name) < 0)
    return WO_ENOMEM;
  c->layer = (uint16_t)m->layer;
  c->type = (uint8_t)type;
  c->whiteout = (uint8_t)whiteout;
  c->ino = ino;
  m->nc++;
  return WO_OK;
}


/* Whether an entry needs the full classification: its type is unknown,
 * it may be a 0/0 device, or a zero-size xattr whiteout. */
static int needs_classify(const merge *m, int type)
{
  return type == WO_T_UNKNOWN || type == WO_T_CHR ||
         (type == WO_T_REG && (m->dirflags & WO_OVF_XWHITEOUTS));
}


/* readdir callback: one entry of one layer's directory. */
static int on_entry(void *arg, const char *name, int type, uint64_t ino)
{
  merge *m = arg;
  char target[256];
  int cls = wo_ov_name_class(name, m->u->mask, target);
  wo_ov_entry e;
  if (cls == WO_OVC_OPQ_MARKER) {
    m->opaque = 1;
    return WO_OK;
  }
  if (cls == WO_OVC_BOOKKEEPING)
    return WO_OK;
  if (cls == WO_OVC_WHITEOUT)
    return add_cand(m, target, WO_T_UNKNOWN, 0, 1);
  if (needs_classify(m, type)) {
    int rc = wo_ov_classify(m->u->layers[m->layer], m->path, name, type,
                            m->dirflags, m->u->mask, 0, &e);
    if (rc < 0)
      return m->rc = rc;
    if (e.cls == WO_OVC_WHITEOUT)
      return add_cand(m, name, e.type, ino, 1);
    type = e.type;
  }
  return add_cand(m, name, type, ino, 0);
}


/* Reads one layer's part of the directory; sets *last when nothing
 * below this layer shows (opaque). */
static int merge_layer(merge *m, int layer, int *last)
{
  un_src *u = m->u;
  wo_src *l = u->layers[layer];
  char redirect[WO_PATH_MAX];
  int rc = wo_ov_xattr_flags(l, m->path, u->mask, &m->dirflags, NULL,
                             redirect);
  if (rc < 0)
    return layer_fail(u, layer, rc);
  if ((m->dirflags & WO_OVF_REDIRECT) && !(m->dirflags & WO_OVF_OPAQUE) &&
      layer < u->n - 1)
    return wo_src_fail(&u->base, WO_EUNSUP, "directory '/%s' in layer %d "
                       "was renamed (overlay redirect to '%s'): renamed "
                       "directories are not supported", m->path, layer,
                       redirect);
  m->layer = layer;
  m->opaque = 0;
  m->rc = WO_OK;
  rc = wo_readdir(l, m->path, on_entry, m);
  if (rc < 0)
    return m->rc < 0 ? layer_fail(u, layer, m->rc) : layer_fail(u, layer,
                                                                 rc);
  *last = m->opaque || (m->dirflags & WO_OVF_OPAQUE);
  return WO_OK;
}


/* Name order; in one name, the upper layer first; in one layer, the
 * entry before its .wh. whiteout (aufs: a whiteout hides only below). */
static int cmp_cand(const void *pa, const void *pb, void *pool)
{
  const cand *a = pa, *b = pb;
  int c = strcmp((char *)pool + a->name, (char *)pool + b->name);
  if (c)
    return c;
  if (a->layer != b->layer)
    return a->layer < b->layer ? -1 : 1;
  return (int)a->whiteout - (int)b->whiteout;
}


/* Counts the candidates of one name starting at i. */
static size_t run_len(const merge *m, size_t i)
{
  size_t j = i + 1;
  while (j < m->nc && strcmp(m->pool + m->c[j].name,
                             m->pool + m->c[i].name) == 0)
    j++;
  return j - i;
}


/* The layers a child directory spans: from its topmost, down through
 * directories of the same name, to the first non-directory or
 * whiteout. */
static size_t child_layers(const merge *m, size_t i, size_t len,
                           uint16_t *out)
{
  size_t k = 0;
  out[k++] = m->c[i].layer;
  for (size_t j = i + 1; j < i + len; j++) {
    if (m->c[j].whiteout || m->c[j].type != WO_T_DIR)
      break;
    out[k++] = m->c[j].layer;
  }
  return k;
}


/* Turns the sorted candidates into the merged directory. */
static int build_entries(merge *m, ov_dir *d)
{
  size_t i = 0, nl = 0;
  if (!(d->ents = malloc((m->nc ? m->nc : 1) * sizeof *d->ents)) ||
      !(d->lay = malloc((m->nc ? m->nc : 1) * sizeof *d->lay)))
    return WO_ENOMEM;
  while (i < m->nc) {
    size_t len = run_len(m, i);
    cand *c = &m->c[i];
    if (!c->whiteout) {
      ov_ent *e = &d->ents[d->n++];
      e->name = c->name;
      e->layer = c->layer;
      e->type = c->type;
      e->ino = c->ino;
      e->lays = (uint32_t)nl;
      e->nlays = 0;
      if (c->type == WO_T_DIR)
        nl += e->nlays = (uint16_t)child_layers(m, i, len, d->lay + nl);
    }
    i += len;
  }
  return WO_OK;
}


/* Merges the directory path spanning layers lays[0..nl). */
static int merge_dir(un_src *u, const char *path, const uint16_t *lays,
                     size_t nl, ov_dir **out)
{
  merge m = {0};
  ov_dir *d = calloc(1, sizeof *d);
  int rc = d ? WO_OK : WO_ENOMEM, last = 0;
  m.u = u;
  m.path = path;
  for (size_t i = 0; rc == WO_OK && i < nl && !last; i++)
    rc = merge_layer(&m, lays[i], &last);
  if (rc == WO_OK) {
    qsort_r(m.c, m.nc, sizeof *m.c, cmp_cand, m.pool);
    rc = build_entries(&m, d);
  }
  if (rc == WO_OK && !(d->path = strdup(path)))
    rc = WO_ENOMEM;
  free(m.c);
  if (rc < 0) {
    free(m.pool);
    if (d)
      free_dir(d);
    return rc == WO_ENOMEM ? wo_src_fail(&u->base, rc, "out of memory")
                           : rc;
  }
  d->pool = m.pool;
  d->hash = hash_path(path);
  *out = d;
  return WO_OK;
}


static ov_ent *find_ent(ov_dir *d, const char *name)
{
  size_t lo = 0, hi = d->n;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    int c = strcmp(name, d->pool + d->ents[mid].name);
    if (c == 0)
      return &d->ents[mid];
    if (c < 0)
      hi = mid;
    else
      lo = mid + 1;
  }
  return NULL;
}


static int get_dir(un_src *u, const char *path, ov_dir **out);

/* Finds the entry at a canonical non-root path (its parent merged).
 * get_dir and lookup recurse once per uncached ancestor (a path has at
 * most WO_PATH_MAX / 2 of them): the parent is on the heap so that a
 * deep tree in the evidence cannot exhaust the stack. */
static int lookup(un_src *u, const char *path, ov_dir **dir, ov_ent **e)
{
  const char *slash = strrchr(path, '/');
  char *parent = strndup(path, slash ? (size_t)(slash - path) : 0);
  int rc;
  if (!parent)
    return wo_src_fail(&u->base, WO_ENOMEM, "out of memory");
  rc = get_dir(u, parent, dir);
  free(parent);
  if (rc < 0)
    return rc;
  if (!(*e = find_ent(*dir, slash ? slash + 1 : path)))
    return wo_src_fail(&u->base, WO_ENOENT, "no '/%s' in the layers",
                       path);
  return WO_OK;
}


/* The merged directory at a canonical path, from the cache or merged
 * now from its parent's record of the layers it spans. */
static int get_dir(un_src *u, const char *path, ov_dir **out)
{
  uint64_t h = hash_path(path);
  uint16_t *lays;
  size_t nl;
  ov_dir *pd, *d = NULL;
  ov_ent *e;
  int rc;
  if ((*out = cache_find(u, path, h)))
    return WO_OK;
  if (path[0]) {
    if ((rc = lookup(u, path, &pd, &e)) < 0)
      return rc;
    if (e->type != WO_T_DIR)
      return wo_src_fail(&u->base, WO_ENOTDIR, "'/%s' is not a directory",
                         path);
    nl = e->nlays;
    if (!(lays = malloc(nl * sizeof *lays)))
      return WO_ENOMEM;
    memcpy(lays, pd->lay + e->lays, nl * sizeof *lays);
  } else {
    nl = (size_t)u->n;
    if (!(lays = malloc((nl ? nl : 1) * sizeof *lays)))
      return WO_ENOMEM;
    for (size_t i = 0; i < nl; i++)
      lays[i] = (uint16_t)i;
  }
  rc = merge_dir(u, path, lays, nl, &d);
  free(lays);
  if (rc < 0)
    return rc;
  if (u->nnames + d->n > CACHE_NAMES_MAX)
    wo_union_flush(&u->base);
  if ((rc = cache_put(u, d)) < 0)
    return rc;
  *out = d;
  return WO_OK;
}


/* The layer supplying a canonical path; the root comes from the top. */
static int layer_of(un_src *u, const char *path)
{
  ov_dir *d;
  ov_ent *e;
  int rc;
  if (!path[0])
    return u->n ? 0 : WO_ENOENT;
  if ((rc = lookup(u, path, &d, &e)) < 0)
    return rc;
  return e->layer;
}


int wo_union_layer_of(wo_src *s, const char *path)
{
  if (!wo_is_union(s))
    return WO_EINVAL;
  return layer_of((un_src *)s, path);
}


/* An empty union still has a root directory. */
static void empty_root(wo_stat *st)
{
  st->type = WO_T_DIR;
  st->mode = 040755;
  st->nlink = 2;
  st->ino = 1;
}


static int u_lstat(wo_src *s, const char *path, wo_stat *st)
{
  un_src *u = (un_src *)s;
  int l = layer_of(u, path), rc;
  if (l == WO_ENOENT && !path[0]) {
    empty_root(st);
    return WO_OK;
  }
  if (l < 0)
    return l;
  if ((rc = wo_lstat(u->layers[l], path, st)) < 0)
    return layer_fail(u, l, rc);
  return WO_OK;
}


int wo_union_readdir_ex(wo_src *s, const char *path, wo_union_fn fn,
                        void *arg)
{
  un_src *u = (un_src *)s;
  ov_dir *d;
  int rc;
  if (!wo_is_union(s))
    return WO_EINVAL;
  if ((rc = get_dir(u, path, &d)) < 0)
    return rc;
  /* the callback may look things up: keep d from being flushed */
  u->busy++;
  for (size_t i = 0; rc == WO_OK && i < d->n; i++)
    rc = fn(arg, d->pool + d->ents[i].name, d->ents[i].type,
            d->ents[i].ino, d->ents[i].layer);
  u->busy--;
  return rc;
}


typedef struct plain_arg {
  wo_dirent_fn fn;
  void *arg;
} plain_arg;


static int plain_entry(void *arg, const char *name, int type, uint64_t ino,
                       int layer)
{
  plain_arg *p = arg;
  (void)layer;
  return p->fn(p->arg, name, type, ino);
}


static int u_readdir(wo_src *s, const char *path, wo_dirent_fn fn,
                     void *arg)
{
  plain_arg p = {fn, arg};
  return wo_union_readdir_ex(s, path, plain_entry, &p);
}


/* A metacopy file's data lives in the first lower layer holding a
 * regular file at its redirect (absolute) or at its own path. */
static int open_metacopy(un_src *u, int l, const char *path,
                         const char *redirect, wo_file **f)
{
  const char *dp = redirect[0] == '/' ? redirect + 1 : path;
  wo_stat st;
  if (redirect[0] && redirect[0] != '/')
    return wo_src_fail(&u->base, WO_EUNSUP, "'/%s' in layer %d is "
                       "metadata only with a relative redirect '%s': not "
                       "supported", path, l, redirect);
  for (int i = l + 1; i < u->n; i++) {
    if (wo_lstat(u->layers[i], dp, &st) < 0)
      continue;
    if (st.type != WO_T_REG)
      break;
    int rc = wo_open(u->layers[i], dp, f);
    return rc < 0 ? layer_fail(u, i, rc) : rc;
  }
  return wo_src_fail(&u->base, WO_ECORRUPT, "'/%s' in layer %d is "
                     "metadata only (overlay metacopy) and no layer below "
                     "holds its data", path, l);
}


/* Files opened here belong to the layer that holds the data. */
static int u_open(wo_src *s, const char *path, wo_file **f)
{
  un_src *u = (un_src *)s;
  char redirect[WO_PATH_MAX];
  unsigned flags;
  int l = layer_of(u, path), rc;
  if (l < 0)
    return l;
  rc = wo_ov_xattr_flags(u->layers[l], path, u->mask, &flags, NULL,
                         redirect);
  if (rc < 0)
    return layer_fail(u, l, rc);
  if (flags & WO_OVF_METACOPY)
    return open_metacopy(u, l, path, redirect, f);
  if ((rc = wo_open(u->layers[l], path, f)) < 0)
    return layer_fail(u, l, rc);
  return WO_OK;
}


static ssize_t u_readlink(wo_src *s, const char *path, char *buf, size_t n)
{
  un_src *u = (un_src *)s;
  int l = layer_of(u, path);
  ssize_t r;
  if (l < 0)
    return l;
  if ((r = wo_readlink(u->layers[l], path, buf, n)) < 0)
    return layer_fail(u, l, (int)r);
  return r;
}


/* The overlay's own xattrs are hidden, as the kernel hides them. */
static ssize_t u_listxattr(wo_src *s, const char *path, char *buf, size_t n)
{
  un_src *u = (un_src *)s;
  char all[65536];
  size_t out = 0;
  int l = layer_of(u, path);
  ssize_t r;
  if (l < 0)
    return l;
  if ((r = wo_listxattr(u->layers[l], path, all, sizeof all)) < 0)
    return layer_fail(u, l, (int)r);
  for (const char *p = all; p < all + r; p += strlen(p) + 1) {
    size_t len = strlen(p) + 1;
    if (wo_ov_private_xattr(p))
      continue;
    if (out + len > n)
      return wo_src_fail(s, WO_ERANGE, "xattr list too long");
    memcpy(buf + out, p, len);
    out += len;
  }
  return (ssize_t)out;
}


static ssize_t u_getxattr(wo_src *s, const char *path, const char *name,
                          void *buf, size_t n)
{
  un_src *u = (un_src *)s;
  int l = layer_of(u, path);
  ssize_t r;
  if (l < 0)
    return l;
  if (wo_ov_private_xattr(name))
    return WO_ENODATA;
  if ((r = wo_getxattr(u->layers[l], path, name, buf, n)) < 0)
    return layer_fail(u, l, (int)r);
  return r;
}


static void u_destroy(wo_src *s)
{
  un_src *u = (un_src *)s;
  u->busy = 0;
  wo_union_flush(s);
  free(u->tab);
  for (int i = 0; i < u->n; i++)
    wo_src_unref(u->layers[i]);
  free(u->layers);
  free(u);
}


static const wo_src_ops union_ops = {
  "union", u_lstat, u_readdir, u_open, NULL, NULL, u_readlink,
  u_listxattr, u_getxattr, u_destroy
};


int wo_is_union(wo_src *s)
{
  return s && s->ops == &union_ops;
}


wo_src *wo_union_open(wo_src **layers, int n, unsigned mask, char *err)
{
  un_src *u;
  if (n < 0 || n > MAX_LAYERS) {
    snprintf(err, 256, "a union takes 0 to %d layers, not %d", MAX_LAYERS,
             n);
    return NULL;
  }
  if (!(u = calloc(1, sizeof *u)) ||
      !(u->layers = calloc((size_t)(n ? n : 1), sizeof *u->layers))) {
    free(u);
    snprintf(err, 256, "out of memory");
    return NULL;
  }
  u->base.ops = &union_ops;
  u->base.refs = 1;
  u->n = n;
  u->mask = mask;
  for (int i = 0; i < n; i++)
    u->layers[i] = wo_src_ref(layers[i]);
  return &u->base;
}
