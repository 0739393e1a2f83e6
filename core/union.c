/* A read-only union of layers (top first), as the kernel's overlay shows
 * it: each directory is merged once (names of every layer it spans,
 * whiteouts and opaque directories honoured) and the merge is cached, so
 * a walk costs one readdir per layer directory and one lstat per entry.
 *
 * A renamed directory (overlay.redirect, "name" or "/abs/path") takes
 * its lower part from the redirect's path, as the kernel's
 * redirect_dir=follow does, so each merged directory keeps, for every
 * layer it spans, its path in that layer.
 *
 * Caveats: fuse-overlayfs' override_stat is not applied; stat shows the
 * topmost layer's inode, as without xino; the origin xattr is not used
 * to check a redirect (the kernel's verify option). */
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

/* The layers a directory spans, each with its path there: NULL for
 * the directory's own path, else where a rename (redirect) put it. */
typedef struct span {
  uint16_t *l;
  char **p;
  size_t n, cap;
} span;

typedef struct ov_dir {
  struct ov_dir *next;
  uint64_t hash;
  char *path;
  char *pool;
  uint16_t *lay;
  ov_ent *ents;
  size_t n;
  span sp;           /* the layers read for this directory */
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


static void span_cut(span *s, size_t n)
{
  while (s->n > n)
    free(s->p[--s->n]);
}


static void span_free(span *s)
{
  span_cut(s, 0);
  free(s->l);
  free(s->p);
  s->l = NULL;
  s->p = NULL;
  s->cap = 0;
}


/* Adds a layer and its path (copied; NULL for the directory's own). */
static int span_add(span *s, int layer, const char *path)
{
  if (s->n == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 8;
    uint16_t *l = realloc(s->l, cap * sizeof *l);
    char **p = l ? realloc(s->p, cap * sizeof *p) : NULL;
    if (l)
      s->l = l;
    if (!p)
      return WO_ENOMEM;
    s->p = p;
    s->cap = cap;
  }
  s->p[s->n] = NULL;
  if (path && !(s->p[s->n] = strdup(path)))
    return WO_ENOMEM;
  s->l[s->n++] = (uint16_t)layer;
  return WO_OK;
}


/* The path in layer of the directory d (own path when not renamed). */
static const char *dir_path_in(const ov_dir *d, int layer)
{
  for (size_t k = 0; k < d->sp.n; k++)
    if (d->sp.l[k] == layer)
      return d->sp.p[k] ? d->sp.p[k] : d->path;
  return d->path;
}


static void free_dir(ov_dir *d)
{
  span_free(&d->sp);
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
static int merge_layer(merge *m, int layer, int *last, char *redirect)
{
  un_src *u = m->u;
  wo_src *l = u->layers[layer];
  int rc = wo_ov_xattr_flags(l, m->path, u->mask, &m->dirflags, NULL,
                             redirect);
  if (rc < 0)
    return layer_fail(u, layer, rc);
  /* an opaque directory hides what is below, renamed or not */
  if (!(m->dirflags & WO_OVF_REDIRECT) || (m->dirflags & WO_OVF_OPAQUE))
    redirect[0] = '\0';
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


/* A layer below a renamed directory, at the redirect's path T: a
 * folder joins the span (1 = go on), nothing there skips the layer
 * (1), anything else ends the lower part (0). */
static int lower_at(un_src *u, span *s, int layer, const char *t, int *rc)
{
  wo_stat st;
  int r = wo_lstat(u->layers[layer], t, &st);
  if (r == WO_ENOENT)
    return 1;
  if (r < 0 || st.type != WO_T_DIR)
    return 0;
  *rc = span_add(s, layer, t);
  return *rc == WO_OK;
}


/* Whether a redirect's value is a path we follow: "/a/b" or a name,
 * without empty, "." or ".." parts. */
static int redirect_ok(const char *r)
{
  const char *p = r[0] == '/' ? r + 1 : r;
  if (!*p || (r[0] != '/' && strchr(r, '/')))
    return 0;
  while (*p) {
    size_t len = strcspn(p, "/");
    if (len == 0 || (len == 1 && p[0] == '.') ||
        (len == 2 && p[0] == '.' && p[1] == '.'))
      return 0;
    p += len + (p[len] == '/');
  }
  return r[strlen(r) - 1] != '/';
}


/* Replaces the span after index i, whose layer holds a directory
 * renamed from r, by the layers below that hold r: an absolute r from
 * the root of each, a name in each layer's copy of the parent (ps, the
 * parent's span; pp its path). */
static int follow_redirect(un_src *u, span *s, size_t i, const char *r,
                           const span *ps, const char *pp)
{
  char t[WO_PATH_MAX];
  int li = s->l[i], rc = WO_OK;
  if (!redirect_ok(r))
    return wo_src_fail(&u->base, WO_ECORRUPT, "layer %d: overlay redirect "
                       "'%s' is no path to follow", li, r);
  span_cut(s, i + 1);
  if (r[0] == '/') {
    for (int j = li + 1; j < u->n && lower_at(u, s, j, r + 1, &rc); j++)
      ;
    return rc;
  }
  for (size_t k = 0; k < ps->n; k++) {
    const char *base = ps->p[k] ? ps->p[k] : pp;
    if (ps->l[k] <= li)
      continue;
    if (snprintf(t, sizeof t, "%s%s%s", base, base[0] ? "/" : "", r) >=
        (int)sizeof t || !lower_at(u, s, ps->l[k], t, &rc))
      break;
  }
  return rc;
}


/* Merges the directory path over the span s (taken over), following
 * renames; ps and pp are its parent's span and path. */
static int merge_dir(un_src *u, const char *path, span *s,
                     const span *ps, const char *pp, ov_dir **out)
{
  char redirect[WO_PATH_MAX];
  merge m = {0};
  ov_dir *d = calloc(1, sizeof *d);
  int rc = d ? WO_OK : WO_ENOMEM, last = 0;
  size_t i;
  m.u = u;
  for (i = 0; rc == WO_OK && i < s->n && !last; i++) {
    m.path = s->p[i] ? s->p[i] : path;
    rc = merge_layer(&m, s->l[i], &last, redirect);
    if (rc == WO_OK && !last && redirect[0] && path[0])
      rc = follow_redirect(u, s, i, redirect, ps, pp);
  }
  span_cut(s, i);
  if (d)
    d->sp = *s;
  else
    span_free(s);
  if (rc == WO_OK) {
    if (m.nc > 1)
      qsort_r(m.c, m.nc, sizeof *m.c, cmp_cand, m.pool);
    rc = build_entries(&m, d);
  }
  if (rc == WO_OK && !(d->path = strdup(path)))
    rc = WO_ENOMEM;
  free(m.c);
  memset(s, 0, sizeof *s);
  if (rc < 0) {
    free(m.pool);
    if (d)
      free_dir(d);
    return rc == WO_ENOMEM ? wo_src_fail(&u->base, rc, "out of memory")
                           : rc;
  }
  d->pool = m.pool;
  d->hash = wo_hash_str(path);
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


/* The span of a child directory (its entry e in the merged parent pd,
 * named name), and a copy of the parent's span for its renames. */
static int child_span(const ov_dir *pd, const ov_ent *e, const char *name,
                      span *s, span *ps)
{
  char t[WO_PATH_MAX];
  int rc = WO_OK;
  for (size_t k = 0; rc == WO_OK && k < e->nlays; k++) {
    int l = pd->lay[e->lays + k];
    const char *base = dir_path_in(pd, l);
    /* a layer where the parent sits elsewhere keeps the child there too */
    if (base == pd->path)
      rc = span_add(s, l, NULL);
    else if (snprintf(t, sizeof t, "%s/%s", base, name) >= (int)sizeof t)
      rc = WO_ERANGE;
    else
      rc = span_add(s, l, t);
  }
  for (size_t k = 0; rc == WO_OK && k < pd->sp.n; k++)
    rc = span_add(ps, pd->sp.l[k], pd->sp.p[k]);
  return rc;
}


/* The merged directory at a canonical path, from the cache or merged
 * now from its parent's record of the layers it spans. */
static int get_dir(un_src *u, const char *path, ov_dir **out)
{
  uint64_t h = wo_hash_str(path);
  span s = {0}, ps = {0};
  const char *slash = strrchr(path, '/');
  char *pp = strndup(path, slash ? (size_t)(slash - path) : 0);
  ov_dir *pd, *d = NULL;
  ov_ent *e;
  int rc = pp ? WO_OK : WO_ENOMEM;
  if ((*out = cache_find(u, path, h))) {
    free(pp);
    return WO_OK;
  }
  if (rc == WO_OK && path[0] && (rc = lookup(u, path, &pd, &e)) == WO_OK) {
    if (e->type != WO_T_DIR)
      rc = wo_src_fail(&u->base, WO_ENOTDIR, "'/%s' is not a directory",
                       path);
    else
      rc = child_span(pd, e, slash ? slash + 1 : path, &s, &ps);
  }
  for (int i = 0; rc == WO_OK && !path[0] && i < u->n; i++)
    rc = span_add(&s, i, NULL);
  if (rc == WO_OK)
    rc = merge_dir(u, path, &s, &ps, pp, &d);
  span_free(&s);
  span_free(&ps);
  free(pp);
  if (rc < 0)
    return rc == WO_ENOMEM ? wo_src_fail(&u->base, rc, "out of memory")
                           : rc;
  if (u->nnames + d->n > CACHE_NAMES_MAX)
    wo_union_flush(&u->base);
  if ((rc = cache_put(u, d)) < 0)
    return rc;
  *out = d;
  return WO_OK;
}


/* The layer supplying a canonical path, and the path there (local,
 * WO_PATH_MAX bytes: not the same under a renamed directory); the
 * root comes from the top. */
static int locate(un_src *u, const char *path, char *local)
{
  const char *slash = strrchr(path, '/'), *base;
  ov_dir *d;
  ov_ent *e;
  int rc;
  local[0] = '\0';
  if (!path[0])
    return u->n ? 0 : WO_ENOENT;
  if ((rc = lookup(u, path, &d, &e)) < 0)
    return rc;
  base = dir_path_in(d, e->layer);
  if (base == d->path)
    snprintf(local, WO_PATH_MAX, "%s", path);
  else if (snprintf(local, WO_PATH_MAX, "%s/%s", base, slash ? slash + 1 :
                    path) >= WO_PATH_MAX)
    return wo_src_fail(&u->base, WO_ERANGE, "path too long");
  return e->layer;
}


int wo_union_locate(wo_src *s, const char *path, char *local)
{
  if (!wo_is_union(s))
    return WO_EINVAL;
  return locate((un_src *)s, path, local);
}


int wo_union_layer_of(wo_src *s, const char *path)
{
  char local[WO_PATH_MAX];
  return wo_union_locate(s, path, local);
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
  char local[WO_PATH_MAX];
  int l = locate(u, path, local), rc;
  if (l == WO_ENOENT && !path[0]) {
    empty_root(st);
    return WO_OK;
  }
  if (l < 0)
    return l;
  if ((rc = wo_lstat(u->layers[l], local, st)) < 0)
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


/* Opens the first regular file at p in layer i; 1 when nothing is
 * there (look further down), 0 with rc set otherwise. */
static int data_in(un_src *u, int i, const char *p, wo_file **f, int *rc)
{
  wo_stat st;
  int r = wo_lstat(u->layers[i], p, &st);
  if (r == WO_ENOENT)
    return 1;
  *rc = r < 0 ? layer_fail(u, i, r) : st.type != WO_T_REG ? WO_ECORRUPT
        : wo_open(u->layers[i], p, f);
  if (*rc < 0 && *rc != WO_ECORRUPT)
    layer_fail(u, i, *rc);
  return 0;
}


/* A metacopy file's data lives below: at its redirect (absolute, from
 * each lower layer's root) or at its name in the layers its folder
 * spans below l. */
static int open_metacopy(un_src *u, int l, const char *path,
                         const char *redirect, wo_file **f)
{
  const char *slash = strrchr(path, '/');
  char p[WO_PATH_MAX];
  int rc = WO_ECORRUPT;
  ov_dir *d;
  ov_ent *e;
  if (redirect[0] == '/') {
    for (int i = l + 1; i < u->n && data_in(u, i, redirect + 1, f, &rc);
         i++)
      ;
  } else if (redirect[0]) {
    return wo_src_fail(&u->base, WO_EUNSUP, "'/%s' in layer %d is "
                       "metadata only with a relative redirect '%s': not "
                       "supported", path, l, redirect);
  } else if ((rc = lookup(u, path, &d, &e)) == WO_OK) {
    rc = WO_ECORRUPT;
    for (size_t k = 0; k < d->sp.n; k++) {
      const char *base = dir_path_in(d, d->sp.l[k]);
      if (d->sp.l[k] <= l || snprintf(p, sizeof p, "%s%s%s", base,
          base[0] ? "/" : "", slash ? slash + 1 : path) >= (int)sizeof p)
        continue;
      if (!data_in(u, d->sp.l[k], p, f, &rc))
        break;
    }
  }
  if (rc == WO_ECORRUPT)
    return wo_src_fail(&u->base, rc, "'/%s' in layer %d is metadata only "
                       "(overlay metacopy) and no layer below holds its "
                       "data", path, l);
  return rc;
}


/* Files opened here belong to the layer that holds the data. */
static int u_open(wo_src *s, const char *path, wo_file **f)
{
  un_src *u = (un_src *)s;
  char redirect[WO_PATH_MAX], local[WO_PATH_MAX];
  unsigned flags;
  int l = locate(u, path, local), rc;
  if (l < 0)
    return l;
  rc = wo_ov_xattr_flags(u->layers[l], local, u->mask, &flags, NULL,
                         redirect);
  if (rc < 0)
    return layer_fail(u, l, rc);
  if (flags & WO_OVF_METACOPY)
    return open_metacopy(u, l, path, redirect, f);
  if ((rc = wo_open(u->layers[l], local, f)) < 0)
    return layer_fail(u, l, rc);
  return WO_OK;
}


static ssize_t u_readlink(wo_src *s, const char *path, char *buf, size_t n)
{
  un_src *u = (un_src *)s;
  char local[WO_PATH_MAX];
  int l = locate(u, path, local);
  ssize_t r;
  if (l < 0)
    return l;
  if ((r = wo_readlink(u->layers[l], local, buf, n)) < 0)
    return layer_fail(u, l, (int)r);
  return r;
}


/* The overlay's own xattrs are hidden, as the kernel hides them. */
static ssize_t u_listxattr(wo_src *s, const char *path, char *buf, size_t n)
{
  un_src *u = (un_src *)s;
  char all[65536], local[WO_PATH_MAX];
  size_t out = 0;
  int l = locate(u, path, local);
  ssize_t r;
  if (l < 0)
    return l;
  if ((r = wo_listxattr(u->layers[l], local, all, sizeof all)) < 0)
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
  char local[WO_PATH_MAX];
  int l = locate(u, path, local);
  ssize_t r;
  if (l < 0)
    return l;
  if (wo_ov_private_xattr(name))
    return WO_ENODATA;
  if ((r = wo_getxattr(u->layers[l], local, name, buf, n)) < 0)
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
