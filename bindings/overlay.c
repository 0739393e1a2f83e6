/* whiteout.overlay: layer unions as whiteout.fs Sources, and what each
 * entry of a layer means (entry, whiteout, opaque, bookkeeping).
 *
 * Caveats: layer indexes are 1-based here (1 = top), as Lua lists. */
#include <lauxlib.h>
#include <lua.h>
#include <stdlib.h>
#include <string.h>

#include "../core/overlay.h"
#include "fs.h"

#define WALK_MT "whiteout.overlay.Walk"
#define WALK_DEPTH 512

static const char *const type_names[] = {
  "unknown", "file", "dir", "symlink", "char", "block", "fifo", "socket"
};
static const char *const class_names[] = {
  "entry", "whiteout", "opaque-marker", "bookkeeping"
};
static const char *const encoding_names[] = {
  NULL, "chardev", "xattr", "wh-file", "opaque-xattr", "opaque-file"
};
static const char *const mask_names[] = {
  "overlay", "fuse-overlayfs", "aufs", "all", "none", NULL
};
static const unsigned mask_values[] = {
  /* "none": full copies and snapshots, every entry taken as it is */
  WO_OV_KERNEL, WO_OV_FUSEOVL, WO_OV_AUFS, WO_OV_ALL, 0
};


/* opts.whiteouts at idx (a table or nil): which spellings count. */
static unsigned check_mask(lua_State *L, int idx)
{
  unsigned m;
  if (lua_isnoneornil(L, idx))
    return WO_OV_KERNEL;
  luaL_checktype(L, idx, LUA_TTABLE);
  lua_getfield(L, idx, "whiteouts");
  m = mask_values[luaL_checkoption(L, -1, "overlay", mask_names)];
  lua_pop(L, 1);
  return m;
}


/* overlay.union({src, ...} [, {whiteouts = "overlay"}]) -> Source */
static int o_union(lua_State *L)
{
  lua_Integer n;
  wo_src **v;
  char err[256];
  unsigned mask = check_mask(L, 2);
  luaL_checktype(L, 1, LUA_TTABLE);
  n = luaL_len(L, 1);
  luaL_argcheck(L, n <= 65535, 1, "too many layers");
  v = lua_newuserdatauv(L, (size_t)(n ? n : 1) * sizeof *v, 0);
  for (lua_Integer i = 1; i <= n; i++) {
    lua_rawgeti(L, 1, i);
    v[i - 1] = wofs_check(L, -1);
    lua_pop(L, 1);
  }
  if (!wofs_push(L, wo_union_open(v, (int)n, mask, err)))
    return luaL_error(L, "%s", err);
  return 1;
}


static void set_flag(lua_State *L, const char *k, unsigned flags,
                     unsigned bit)
{
  if (!(flags & bit))
    return;
  lua_pushboolean(L, 1);
  lua_setfield(L, -2, k);
}


/* Pushes the classification table of one entry. */
static void push_class(lua_State *L, const char *name, const wo_ov_entry *e)
{
  lua_createtable(L, 0, 8);
  wofs_set_str(L, "name", name);
  wofs_set_str(L, "class", class_names[e->cls]);
  wofs_set_str(L, "type", type_names[e->type]);
  wofs_set_str(L, "encoding", encoding_names[e->encoding]);
  wofs_set_str(L, "namespace", e->ns);
  if (e->cls == WO_OVC_WHITEOUT)
    wofs_set_str(L, "target", e->target);
  if (e->flags & WO_OVF_REDIRECT)
    wofs_set_str(L, "redirect", e->redirect);
  set_flag(L, "opaque", e->flags, WO_OVF_OPAQUE);
  set_flag(L, "xwhiteouts", e->flags, WO_OVF_XWHITEOUTS);
  set_flag(L, "metacopy", e->flags, WO_OVF_METACOPY);
  set_flag(L, "origin", e->flags, WO_OVF_ORIGIN);
  set_flag(L, "impure", e->flags, WO_OVF_IMPURE);
}


/* Splits a canonical path into its parent (written) and last name. */
static const char *split(const char *canon, char *parent)
{
  const char *slash = strrchr(canon, '/');
  size_t n = slash ? (size_t)(slash - canon) : 0;
  memcpy(parent, canon, n);
  parent[n] = '\0';
  return slash ? slash + 1 : canon;
}


/* overlay.classify(layer, path [, opts]) -> class table, or nil, msg,
 * code.  path is one entry of the layer (its symlinks not followed). */
static int o_classify(lua_State *L)
{
  wo_src *s = wofs_check(L, 1);
  const char *path = luaL_checkstring(L, 2);
  unsigned mask = check_mask(L, 3), dflags;
  char canon[WO_PATH_MAX], parent[WO_PATH_MAX];
  wo_ov_entry *e = lua_newuserdatauv(L, sizeof *e, 0);
  const char *name;
  int rc;
  if ((rc = wo_resolve(s, path, 0, canon)) < 0)
    return wofs_fail(L, s, rc, "cannot resolve", path);
  luaL_argcheck(L, canon[0], 2, "the root is no entry of a directory");
  name = split(canon, parent);
  if ((rc = wo_ov_xattr_flags(s, parent, mask, &dflags, NULL, NULL)) < 0 ||
      (rc = wo_ov_classify(s, parent, name, WO_T_UNKNOWN, dflags, mask, 1,
                           e)) < 0)
    return wofs_fail(L, s, rc, "cannot classify", canon);
  push_class(L, name, e);
  return 1;
}


/* The classification of a directory's entries, gathered in C so the
 * iterator owns no open handle. */
typedef struct cls_arg {
  lua_State *L;
  wo_src *s;
  const char *dir;
  unsigned dflags, mask;
  wo_ov_entry *e;
  int rc;
} cls_arg;


static int cls_entry(void *arg, const char *name, int type, uint64_t ino)
{
  cls_arg *a = arg;
  lua_State *L = a->L;
  int rc = wo_ov_classify(a->s, a->dir, name, type, a->dflags, a->mask, 1,
                          a->e);
  if (rc < 0)
    return a->rc = rc;
  push_class(L, name, a->e);
  wofs_set_int(L, "inum", (lua_Integer)ino);
  wofs_append(L);
  return WO_OK;
}


static int list_next(lua_State *L)
{
  lua_Integer i = lua_tointeger(L, lua_upvalueindex(2)) + 1;
  lua_pushinteger(L, i);
  lua_replace(L, lua_upvalueindex(2));
  if (lua_rawgeti(L, lua_upvalueindex(1), i) != LUA_TTABLE)
    return 0;
  lua_getfield(L, -1, "name");
  lua_insert(L, -2);
  return 2;
}


/* overlay.entries(layer, dir [, opts]) -> iterator of name, class table
 * over one directory of one layer, unmerged, in readdir order. */
static int o_entries(lua_State *L)
{
  wo_src *s = wofs_check(L, 1);
  const char *path = luaL_checkstring(L, 2);
  char canon[WO_PATH_MAX];
  cls_arg a = {L, s, canon, 0, check_mask(L, 3), NULL, 0};
  int rc;
  if ((rc = wo_resolve(s, path, 1, canon)) < 0)
    return wofs_fail(L, s, rc, "cannot resolve", path);
  if ((rc = wo_ov_xattr_flags(s, canon, a.mask, &a.dflags, NULL,
                              NULL)) < 0)
    return wofs_fail(L, s, rc, "cannot read xattrs of", canon);
  a.e = lua_newuserdatauv(L, sizeof *a.e, 0);
  lua_newtable(L);
  rc = wo_readdir(s, canon, cls_entry, &a);
  if (rc < 0)
    return wofs_fail(L, s, a.rc < 0 ? a.rc : rc, "cannot list", canon);
  lua_pushinteger(L, 0);
  lua_pushcclosure(L, list_next, 2);
  return 1;
}


/* overlay.dirflags(layer, dir [, opts]) -> the directory's own class
 * table (opaque, xwhiteouts, redirect...), from its xattrs and a
 * .wh..wh..opq marker. */
static int o_dirflags(lua_State *L)
{
  wo_src *s = wofs_check(L, 1);
  const char *path = luaL_checkstring(L, 2);
  unsigned mask = check_mask(L, 3);
  char canon[WO_PATH_MAX], parent[WO_PATH_MAX];
  wo_ov_entry *e = lua_newuserdatauv(L, sizeof *e, 0);
  int rc;
  if ((rc = wo_resolve(s, path, 1, canon)) < 0)
    return wofs_fail(L, s, rc, "cannot resolve", path);
  if (!canon[0]) {
    memset(e, 0, sizeof *e);
    e->type = WO_T_DIR;
    rc = wo_ov_xattr_flags(s, "", mask, &e->flags, &e->ns, e->redirect);
  } else {
    rc = wo_ov_classify(s, parent, split(canon, parent), WO_T_UNKNOWN, 0,
                        mask, 1, e);
  }
  if (rc < 0)
    return wofs_fail(L, s, rc, "cannot classify", canon);
  push_class(L, canon[0] ? split(canon, parent) : "", e);
  return 1;
}


/* overlay.layer_of(union, path) -> 1-based layer index supplying path
 * (symlinks in the last component not followed). */
static int o_layer_of(lua_State *L)
{
  wo_src *s = wofs_check(L, 1);
  const char *path = luaL_checkstring(L, 2);
  char canon[WO_PATH_MAX];
  int rc;
  luaL_argcheck(L, wo_is_union(s), 1, "not a union");
  if ((rc = wo_resolve(s, path, 0, canon)) < 0)
    return wofs_fail(L, s, rc, "cannot resolve", path);
  if ((rc = wo_union_layer_of(s, canon)) < 0)
    return wofs_fail(L, s, rc, "cannot look up", canon);
  lua_pushinteger(L, rc + 1);
  return 1;
}


/* overlay.locate(union, path) -> 1-based layer index, and the path in
 * that layer ("/..."), which differs under a renamed folder. */
static int o_locate(lua_State *L)
{
  wo_src *s = wofs_check(L, 1);
  const char *path = luaL_checkstring(L, 2);
  char canon[WO_PATH_MAX], local[WO_PATH_MAX];
  int rc;
  luaL_argcheck(L, wo_is_union(s), 1, "not a union");
  if ((rc = wo_resolve(s, path, 0, canon)) < 0)
    return wofs_fail(L, s, rc, "cannot resolve", path);
  if ((rc = wo_union_locate(s, canon, local)) < 0)
    return wofs_fail(L, s, rc, "cannot look up", canon);
  lua_pushinteger(L, rc + 1);
  lua_pushfstring(L, "/%s", local);
  return 2;
}


/* The walk over a union: depth first, names sorted (the merge sorts
 * them), each entry's stat with its layer. */
typedef struct witem {
  char *path;
  int depth;
  int layer;
} witem;

typedef struct walk {
  wo_src *src;
  witem *v;
  size_t n, cap;
  int max_depth;
  /* children of one directory, gathered then pushed in reverse */
  witem *kids;
  size_t nk, kcap;
  const char *parent;
  int nomem;
} walk;


static int grow(witem **v, size_t *cap, size_t n)
{
  if (n < *cap)
    return WO_OK;
  size_t c = *cap ? *cap * 2 : 64;
  witem *nv = realloc(*v, c * sizeof *nv);
  if (!nv)
    return WO_ENOMEM;
  *v = nv;
  *cap = c;
  return WO_OK;
}


static int walk_kid(void *arg, const char *name, int type, uint64_t ino,
                    int layer)
{
  walk *w = arg;
  size_t len = strlen(w->parent) + strlen(name) + 2;
  char *p;
  (void)type;
  (void)ino;
  if (len > WO_PATH_MAX)
    return WO_OK;
  if (grow(&w->kids, &w->kcap, w->nk) < 0 || !(p = malloc(len)))
    return w->nomem = 1, WO_ENOMEM;
  memcpy(p, w->parent, strlen(w->parent));
  snprintf(p + strlen(w->parent), len - strlen(w->parent), "%s%s",
           w->parent[0] ? "/" : "", name);
  w->kids[w->nk].path = p;
  w->kids[w->nk++].layer = layer;
  return WO_OK;
}


/* Reads the children of a directory onto the stack, first name on top. */
static int walk_children(walk *w, const char *path, int depth)
{
  int rc;
  w->nk = 0;
  w->parent = path;
  rc = wo_union_readdir_ex(w->src, path, walk_kid, w);
  while (w->nk > 0) {
    witem k = w->kids[--w->nk];
    k.depth = depth + 1;
    if (rc == WO_OK && grow(&w->v, &w->cap, w->n) == WO_OK)
      w->v[w->n++] = k;
    else
      free(k.path);
  }
  return rc;
}


static int walk_close(lua_State *L)
{
  walk *w = luaL_checkudata(L, 1, WALK_MT);
  while (w->n > 0)
    free(w->v[--w->n].path);
  free(w->v);
  free(w->kids);
  w->v = w->kids = NULL;
  w->cap = w->kcap = 0;
  wo_src_unref(w->src);
  w->src = NULL;
  return 0;
}


static void set_err(lua_State *L, wo_src *s, int rc)
{
  wofs_set_str(L, "err", s->err[0] ? s->err : wo_strerror_code(rc));
  s->err[0] = '\0';
}


static int walk_next(lua_State *L)
{
  walk *w = luaL_checkudata(L, 1, WALK_MT);
  witem it;
  wo_stat st;
  int rc;
  if (!w->src || w->n == 0)
    return 0;
  it = w->v[--w->n];
  lua_pushfstring(L, "/%s", it.path);
  if ((rc = wo_lstat(w->src, it.path, &st)) < 0) {
    lua_createtable(L, 0, 1);
    set_err(L, w->src, rc);
  } else {
    wofs_push_stat(L, &st);
    wofs_set_int(L, "layer", it.layer + 1);
    if (st.type == WO_T_DIR && it.depth >= w->max_depth) {
      wofs_set_str(L, "err", "directory too deep: not walked further");
    } else if (st.type == WO_T_DIR &&
               (rc = walk_children(w, it.path, it.depth)) < 0) {
      set_err(L, w->src, rc);
    }
  }
  free(it.path);
  return 2;
}


/* overlay.walk(union, path [, max_depth]) -> iterator of path, stat
 * (stat.layer: 1-based supplying layer; stat.err on a bad entry);
 * closes itself on break. */
static int o_walk(lua_State *L)
{
  wo_src *s = wofs_check(L, 1);
  const char *path = luaL_checkstring(L, 2);
  lua_Integer depth = luaL_optinteger(L, 3, WALK_DEPTH);
  char canon[WO_PATH_MAX];
  int rc;
  walk *w;
  luaL_argcheck(L, wo_is_union(s), 1, "not a union");
  if ((rc = wo_resolve(s, path, 1, canon)) < 0)
    return wofs_fail(L, s, rc, "cannot resolve", path);
  rc = wo_union_layer_of(s, canon);
  lua_pushcfunction(L, walk_next);
  w = lua_newuserdatauv(L, sizeof *w, 0);
  memset(w, 0, sizeof *w);
  luaL_setmetatable(L, WALK_MT);
  w->src = wo_src_ref(s);
  w->max_depth = depth < 0 ? 0 : depth > WALK_DEPTH ? WALK_DEPTH
                                                    : (int)depth;
  if (grow(&w->v, &w->cap, 0) < 0 || !(w->v[0].path = strdup(canon)))
    return luaL_error(L, "out of memory");
  w->v[0].layer = rc < 0 ? 0 : rc;
  w->v[0].depth = 0;
  w->n = 1;
  lua_pushnil(L);
  lua_pushvalue(L, -2);
  return 4;
}


/* overlay.flush(union): drops cached merges (memory). */
static int o_flush(lua_State *L)
{
  wo_union_flush(wofs_check(L, 1));
  return 0;
}


/* overlay.is_union(src) -> boolean */
static int o_is_union(lua_State *L)
{
  lua_pushboolean(L, wo_is_union(wofs_check(L, 1)));
  return 1;
}


static const luaL_Reg overlay_funcs[] = {
  {"union", o_union}, {"classify", o_classify}, {"entries", o_entries},
  {"dirflags", o_dirflags}, {"layer_of", o_layer_of},
  {"locate", o_locate}, {"walk", o_walk},
  {"flush", o_flush}, {"is_union", o_is_union}, {NULL, NULL}
};

static const luaL_Reg walk_meta[] = {
  {"__gc", walk_close}, {"__close", walk_close}, {NULL, NULL}
};


int luaopen_whiteout_overlay(lua_State *L)
{
  wofs_register(L);
  if (luaL_newmetatable(L, WALK_MT))
    luaL_setfuncs(L, walk_meta, 0);
  lua_pop(L, 1);
  luaL_newlib(L, overlay_funcs);
  return 1;
}
