/* LVM2 on-disk metadata (label.h, layout.h, format-text.c of lvm2):
 * the label in one of the first four sectors, the PV header, the
 * metadata area's ring of text copies, and LVM's config text.  Only
 * what maps logical volumes to PV bytes is interpreted. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ev.h"
#include "lvm.h"

#define MDA_MAGIC " LVM2 x[5A%r0N*>"
/* Bounds on what evidence may make us parse. */
#define TEXT_MAX (4u << 20)
#define DEPTH_MAX 32
#define NODES_MAX 200000
#define LV_MAX 4096
#define SEG_PER_LV 4096

enum { N_SECTION, N_STR, N_NUM, N_ARRAY };

typedef struct node {
  char *key;
  int kind;
  char *str;
  int64_t num;
  struct node *child, *next;
} node;

typedef struct parser {
  const char *p, *end;
  node *pool;
  size_t used, cap;
  char *strs;          /* copies of keys and strings */
  size_t sused, scap;
} parser;


static uint64_t le64(const uint8_t *p)
{
  uint64_t v = 0;
  int i;
  for (i = 7; i >= 0; i--)
    v = v << 8 | p[i];
  return v;
}


static uint32_t le32(const uint8_t *p)
{
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}


static node *new_node(parser *ps, int kind)
{
  node *n;
  if (ps->used >= ps->cap)
    return NULL;
  n = &ps->pool[ps->used++];
  memset(n, 0, sizeof *n);
  n->kind = kind;
  return n;
}


/* Copies [s, s+len) into the parser's string space. */
static char *keep(parser *ps, const char *s, size_t len)
{
  char *out;
  if (ps->sused + len + 1 > ps->scap)
    return NULL;
  out = ps->strs + ps->sused;
  memcpy(out, s, len);
  out[len] = '\0';
  ps->sused += len + 1;
  return out;
}


static void skip_space(parser *ps)
{
  while (ps->p < ps->end) {
    if (*ps->p == '#') {
      while (ps->p < ps->end && *ps->p != '\n')
        ps->p++;
    } else if (isspace((unsigned char)*ps->p) || *ps->p == '\0') {
      ps->p++;
    } else {
      break;
    }
  }
}


static int word_char(char c)
{
  return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.' ||
         c == '+';
}


/* A scalar: "string" or a number (kept as a number when it is one). */
static node *scalar(parser *ps)
{
  const char *s = ps->p;
  node *n;
  if (*s == '"') {
    /* LVM escapes quotes inside strings (a description quoting a
     * --config): \" does not end the string */
    const char *e = s + 1;
    while (e < ps->end && *e != '"')
      e += (*e == '\\' && e + 1 < ps->end) ? 2 : 1;
    if (e >= ps->end)
      e = NULL;
    if (!e || !(n = new_node(ps, N_STR)) ||
        !(n->str = keep(ps, s + 1, (size_t)(e - s - 1))))
      return NULL;
    ps->p = e + 1;
    return n;
  }
  while (ps->p < ps->end && word_char(*ps->p))
    ps->p++;
  if (ps->p == s || !(n = new_node(ps, N_NUM)))
    return NULL;
  n->num = strtoll(s, NULL, 10);
  n->str = keep(ps, s, (size_t)(ps->p - s));
  return n->str ? n : NULL;
}


static node *array(parser *ps)
{
  node *a = new_node(ps, N_ARRAY), **tail;
  if (!a)
    return NULL;
  tail = &a->child;
  ps->p++;
  for (;;) {
    skip_space(ps);
    if (ps->p >= ps->end)
      return NULL;
    if (*ps->p == ']') {
      ps->p++;
      return a;
    }
    if (*ps->p == ',') {
      ps->p++;
      continue;
    }
    if (!(*tail = scalar(ps)))
      return NULL;
    tail = &(*tail)->next;
  }
}


static int section_body(parser *ps, node *sec, int depth);


/* One "key = value" or "key { ... }". */
static node *entry(parser *ps, int depth)
{
  const char *k = ps->p;
  node *n;
  char *key;
  while (ps->p < ps->end && word_char(*ps->p))
    ps->p++;
  if (ps->p == k || !(key = keep(ps, k, (size_t)(ps->p - k))))
    return NULL;
  skip_space(ps);
  if (ps->p < ps->end && *ps->p == '{') {
    ps->p++;
    if (!(n = new_node(ps, N_SECTION)) || section_body(ps, n, depth + 1))
      return NULL;
  } else if (ps->p < ps->end && *ps->p == '=') {
    ps->p++;
    skip_space(ps);
    if (ps->p >= ps->end)
      return NULL;
    n = *ps->p == '[' ? array(ps) : scalar(ps);
  } else {
    return NULL;
  }
  if (n)
    n->key = key;
  return n;
}


/* Entries up to the closing brace (or the end, at the top). */
static int section_body(parser *ps, node *sec, int depth)
{
  node **tail = &sec->child;
  if (depth > DEPTH_MAX)
    return -1;
  for (;;) {
    skip_space(ps);
    if (ps->p >= ps->end)
      return depth == 0 ? 0 : -1;
    if (*ps->p == '}') {
      ps->p++;
      return depth == 0 ? -1 : 0;
    }
    if (!(*tail = entry(ps, depth)))
      return -1;
    tail = &(*tail)->next;
  }
}


static node *get(const node *sec, const char *key)
{
  node *n;
  for (n = sec ? sec->child : NULL; n; n = n->next)
    if (n->key && strcmp(n->key, key) == 0)
      return n;
  return NULL;
}


static int64_t num(const node *sec, const char *key, int64_t dflt)
{
  node *n = get(sec, key);
  return n && n->kind == N_NUM ? n->num : dflt;
}


static const char *str(const node *sec, const char *key)
{
  node *n = get(sec, key);
  return n && n->kind == N_STR ? n->str : NULL;
}


static int lfail(char *err, int code, const char *msg)
{
  snprintf(err, 256, "%s", msg);
  return code;
}


/* Finds the label; fills the PV uuid and the first metadata area. */
static int read_label(wo_img *img, uint64_t off, char uuid[33],
                      uint64_t *mda, char *err)
{
  uint8_t sec[512];
  int i;
  for (i = 0; i < 4; i++) {
    uint32_t at;
    size_t k;
    if (wo_img_read(img, off + (uint64_t)i * 512, sec, 512) != 512)
      return lfail(err, WO_EIO, "cannot read the LVM label");
    if (memcmp(sec, "LABELONE", 8) || memcmp(sec + 24, "LVM2 001", 8))
      continue;
    at = le32(sec + 20);
    if (at < 32 || at + 40 + 32 > 512)
      return lfail(err, WO_ECORRUPT, "LVM label's header offset is bad");
    memcpy(uuid, sec + at, 32);
    uuid[32] = '\0';
    /* data areas, zero-terminated; the metadata areas follow */
    for (k = at + 40; k + 16 <= 512 && le64(sec + k); k += 16)
      ;
    k += 16;
    if (k + 16 > 512 || !(*mda = le64(sec + k)))
      return lfail(err, WO_EUNSUP, "the PV has no metadata area");
    return WO_OK;
  }
  return lfail(err, WO_ENOENT, "no LVM2 label in the first 4 sectors");
}


/* Reads the committed metadata text (raw_locn 0), unwrapping the ring. */
static char *read_text(wo_img *img, uint64_t off, uint64_t mda,
                       size_t *len, char *err)
{
  uint8_t h[512];
  uint64_t start, size, toff, tsize, first;
  char *t;
  if (wo_img_read(img, off + mda, h, 512) != 512 ||
      memcmp(h + 4, MDA_MAGIC, 16)) {
    lfail(err, WO_ECORRUPT, "no LVM2 metadata area header");
    return NULL;
  }
  start = le64(h + 24);
  size = le64(h + 32);
  toff = le64(h + 40);
  tsize = le64(h + 48);
  if (size <= 512 || toff < 512 || toff >= size || tsize == 0 ||
      tsize > TEXT_MAX || tsize > size - 512 || !(t = malloc(tsize + 1))) {
    lfail(err, WO_ECORRUPT, "LVM2 metadata location is out of range");
    return NULL;
  }
  first = toff + tsize > size ? size - toff : tsize;
  if (wo_img_read(img, off + start + toff, t, first) != (ssize_t)first ||
      (first < tsize && wo_img_read(img, off + start + 512, t + first,
                                    tsize - first) !=
                        (ssize_t)(tsize - first))) {
    free(t);
    lfail(err, WO_EIO, "cannot read the LVM2 metadata text");
    return NULL;
  }
  t[tsize] = '\0';
  *len = tsize;
  return t;
}


/* The PV's name in the VG ("pv0") and its pe_start, by uuid. */
static const node *find_pv(const node *vg, const char *uuid)
{
  const node *pv;
  for (pv = get(vg, "physical_volumes"); pv; pv = NULL) {
    const node *n;
    for (n = pv->child; n; n = n->next) {
      const char *id = str(n, "id");
      char flat[40];
      size_t k = 0;
      for (; id && *id && k < sizeof flat - 1; id++)
        if (*id != '-')
          flat[k++] = *id;
      flat[k] = '\0';
      if (n->kind == N_SECTION && strcmp(flat, uuid) == 0)
        return n;
    }
  }
  return NULL;
}


static void lv_not_linear(wo_lv *lv, const char *why)
{
  lv->linear = 0;
  snprintf(lv->why, sizeof lv->why, "%s", why);
}


/* One segment: linear ("striped", one stripe) on our PV only. */
static void add_segment(wo_lv *lv, const node *seg, const node *pv,
                        uint64_t base, uint64_t ext)
{
  const node *stripes = get(seg, "stripes"), *name, *pe;
  const char *type = str(seg, "type");
  int64_t se = num(seg, "start_extent", -1), ec = num(seg, "extent_count",
                                                      -1);
  wo_seg *s;
  if (!lv->type[0] && type)
    snprintf(lv->type, sizeof lv->type, "%s", type);
  if (!type || strcmp(type, "striped") || num(seg, "stripe_count", 0) != 1)
    return lv_not_linear(lv, type ? type : "segment without a type");
  name = stripes && stripes->kind == N_ARRAY ? stripes->child : NULL;
  pe = name ? name->next : NULL;
  if (!name || !pe || pe->kind != N_NUM || se < 0 || ec <= 0 || pe->num < 0)
    return lv_not_linear(lv, "segment without stripes");
  if (strcmp(name->str, pv->key))
    return lv_not_linear(lv, "segment on another physical volume");
  if (lv->nseg >= SEG_PER_LV || !(s = realloc(lv->segs,
      (lv->nseg + 1) * sizeof *s)))
    return lv_not_linear(lv, "too many segments");
  lv->segs = s;
  s += lv->nseg++;
  s->off = (uint64_t)se * ext;
  s->len = (uint64_t)ec * ext;
  s->under_off = base + (uint64_t)num(pv, "pe_start", 0) * 512 +
                 (uint64_t)pe->num * ext;
  if (s->off + s->len > lv->size)
    lv->size = s->off + s->len;
}


static int cmp_seg(const void *a, const void *b)
{
  const wo_seg *x = a, *y = b;
  return x->off < y->off ? -1 : x->off > y->off;
}


static int read_lvs(wo_vg *vg, const node *vgn, const node *pv,
                    uint64_t base)
{
  const node *lvs = get(vgn, "logical_volumes"), *n, *seg;
  size_t count = 0;
  for (n = lvs ? lvs->child : NULL; n; n = n->next)
    count++;
  if (count > LV_MAX)
    return WO_ERANGE;
  vg->lvs = calloc(count ? count : 1, sizeof *vg->lvs);
  if (!vg->lvs)
    return WO_ENOMEM;
  for (n = lvs ? lvs->child : NULL; n; n = n->next) {
    wo_lv *lv = &vg->lvs[vg->nlv++];
    snprintf(lv->name, sizeof lv->name, "%s", n->key);
    lv->linear = 1;
    for (seg = n->child; seg; seg = seg->next)
      if (seg->kind == N_SECTION && !strncmp(seg->key, "segment", 7))
        add_segment(lv, seg, pv, base, vg->extent_bytes);
    if (lv->nseg)
      qsort(lv->segs, lv->nseg, sizeof *lv->segs, cmp_seg);
    else if (lv->linear)
      lv_not_linear(lv, "no segments");
  }
  return WO_OK;
}


/* Interprets the parsed text: the VG section is the one holding
 * physical_volumes. */
static int interpret(const node *top, const char *uuid, uint64_t base,
                     wo_vg *vg, char *err)
{
  const node *n, *pv;
  for (n = top->child; n; n = n->next)
    if (n->kind == N_SECTION && get(n, "physical_volumes"))
      break;
  if (!n)
    return lfail(err, WO_ECORRUPT, "LVM2 metadata has no volume group");
  snprintf(vg->name, sizeof vg->name, "%s", n->key);
  vg->seqno = (uint64_t)num(n, "seqno", 0);
  vg->extent_bytes = (uint64_t)num(n, "extent_size", 0) * 512;
  if (vg->extent_bytes == 0)
    return lfail(err, WO_ECORRUPT, "LVM2 metadata has no extent_size");
  if (!(pv = find_pv(n, uuid)))
    return lfail(err, WO_ECORRUPT, "this PV is not in its VG's metadata");
  return read_lvs(vg, n, pv, base);
}


int wo_lvm_read(wo_img *img, uint64_t off, wo_vg *vg, char *err)
{
  char uuid[33];
  uint64_t mda;
  size_t len;
  parser ps;
  node top;
  char *text;
  int rc;
  memset(vg, 0, sizeof *vg);
  if ((rc = read_label(img, off, uuid, &mda, err)) < 0)
    return rc;
  if (!(text = read_text(img, off, mda, &len, err)))
    return WO_ECORRUPT;
  memset(&ps, 0, sizeof ps);
  memset(&top, 0, sizeof top);
  ps.p = text;
  ps.end = text + len;
  ps.cap = len / 2 + 16 < NODES_MAX ? len / 2 + 16 : NODES_MAX;
  ps.scap = len * 2 + 16;
  ps.pool = calloc(ps.cap, sizeof *ps.pool);
  ps.strs = malloc(ps.scap);
  if (!ps.pool || !ps.strs)
    rc = lfail(err, WO_ENOMEM, "out of memory");
  else if (section_body(&ps, &top, 0) < 0)
    rc = lfail(err, WO_ECORRUPT, "LVM2 metadata text does not parse");
  else
    rc = interpret(&top, uuid, off, vg, err);
  free(ps.pool);
  free(ps.strs);
  free(text);
  if (rc < 0)
    wo_vg_free(vg);
  return rc;
}


void wo_vg_free(wo_vg *vg)
{
  size_t i;
  for (i = 0; i < vg->nlv; i++)
    free(vg->lvs[i].segs);
  free(vg->lvs);
  memset(vg, 0, sizeof *vg);
}
