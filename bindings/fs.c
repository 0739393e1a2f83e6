/* whiteout.fs: evidence sources as Lua handles.  Every path a script
 * gives is resolved inside the source, so symlinks never leave it.
 *
 * Caveats: files are read whole into Lua strings only up to a limit
 * (read_max); larger ones need an offset and a length. */
#include <lauxlib.h>
#include <lua.h>
#include <stdlib.h>
#include <string.h>

#include "../core/hash.h"
#include "fs.h"

#define WALK_MT "whiteout.fs.Walk"
/* A whole-file read above this needs an explicit length. */
#define READ_MAX ((lua_Integer)256 << 20)
/* Deeper trees than this are cut, with an err entry. */
#define WALK_DEPTH 512

typedef struct ud_src {
  wo_src *src;
} ud_src;

static const char *const type_names[] = {
  "unknown", "file", "dir", "symlink", "char", "block", "fifo", "socket"
};


wo_src *wofs_push(lua_State *L, wo_src *s)
{
  ud_src *u;
  if (!s) {
    lua_pushnil(L);
    return NULL;
  }
  u = lua_newuserdatauv(L, sizeof *u, 0);
  u->src = s;
  luaL_setmetatable(L, WO_SOURCE_MT);
  return s;
}


wo_src *wofs_check(lua_State *L, int idx)
{
  ud_src *u = luaL_checkudata(L, idx, WO_SOURCE_MT);
  if (!u->src)
    luaL_error(L, "attempt to use a closed whiteout.fs.Source");
  return u->src;
}


int wofs_fail(lua_State *L, wo_src *s, int code, const char *what,
              const char *path)
{
  lua_pushnil(L);
  if (s->err[0])
    lua_pushfstring(L, "%s '%s': %s", what, path, s->err);
  else
    lua_pushfstring(L, "%s '%s': %s", what, path,
                    wo_strerror_code(code));
  lua_pushstring(L, wo_strerror_code(code));
  s->err[0] = '\0';
  return 3;
}


void wofs_set_int(lua_State *L, const char *k, lua_Integer v)
{
  lua_pushinteger(L, v);
  lua_setfield(L, -2, k);
}


void wofs_set_time(lua_State *L, const char *k, int64_t t)
{
  if (t >= 0)
    wofs_set_int(L, k, (lua_Integer)t);
}


void wofs_set_str(lua_State *L, const char *k, const char *v)
{
  if (!v)
    return;
  lua_pushstring(L, v);
  lua_setfield(L, -2, k);
}


void wofs_append(lua_State *L)
{
  lua_rawseti(L, -2, (lua_Integer)luaL_len(L, -2) + 1);
}


int wofs_error(lua_State *L, const char *msg, const char *code)
{
  lua_pushnil(L);
  lua_pushstring(L, msg);
  lua_pushstring(L, code);
  return 3;
}


void wofs_push_stat(lua_State *L, const wo_stat *st)
{
  lua_createtable(L, 0, 14);
  wofs_set_str(L, "type", type_names[st->type]);
  wofs_set_int(L, "size", (lua_Integer)st->size);
  wofs_set_int(L, "mode", st->mode & 07777);
  wofs_set_int(L, "uid", st->uid);
  wofs_set_int(L, "gid", st->gid);
  wofs_set_int(L, "inum", (lua_Integer)st->ino);
  wofs_set_int(L, "nlink", (lua_Integer)st->nlink);
  wofs_set_time(L, "atime", st->atime);
  wofs_set_time(L, "mtime", st->mtime);
  wofs_set_time(L, "ctime", st->ctime);
  wofs_set_time(L, "btime", st->btime);
  if (st->type == WO_T_CHR || st->type == WO_T_BLK) {
    wofs_set_int(L, "rdev_major", st->rdev_major);
    wofs_set_int(L, "rdev_minor", st->rdev_minor);
  }
}


/* Resolves the path argument at idx; on failure leaves nil, message,
 * code on the stack and returns the count to return. */
static int resolve_arg(lua_State *L, wo_src *s, int idx, int follow,
                       char *canon)
{
  const char *path = luaL_checkstring(L, idx);
  int rc = wo_resolve(s, path, follow, canon);
  if (rc < 0)
    return wofs_fail(L, s, rc, "cannot resolve", path);
  return 0;
}


static int f_open(lua_State *L)
{
  const char *root = luaL_checkstring(L, 1);
  char err[256];
  wo_src *s = wo_dir_open(root, err);
  if (!s) {
    lua_pushnil(L);
    lua_pushstring(L, err);
    lua_pushstring(L, "ENOENT");
    return 3;
  }
  wofs_push(L, s);
  return 1;
}


static int stat_common(lua_State *L, int follow)
{
  wo_src *s = wofs_check(L, 1);
  char canon[WO_PATH_MAX];
  wo_stat st;
  int n = resolve_arg(L, s, 2, follow, canon), rc;
  if (n)
    return n;
  if ((rc = wo_lstat(s, canon, &st)) < 0)
    return wofs_fail(L, s, rc, "cannot stat", canon);
  wofs_push_stat(L, &st);
  return 1;
}


static int s_lstat(lua_State *L) { return stat_common(L, 0); }
static int s_stat(lua_State *L) { return stat_common(L, 1); }


static int s_realpath(lua_State *L)
{
  wo_src *s = wofs_check(L, 1);
  char canon[WO_PATH_MAX];
  int n = resolve_arg(L, s, 2, lua_isnone(L, 3) || lua_toboolean(L, 3),
                      canon);
  if (n)
    return n;
  lua_pushfstring(L, "/%s", canon);
  return 1;
}


/* Collects entries into the table on top of the stack. */
static int collect_entry(void *arg, const char *name, int type,
                         uint64_t ino)
{
  lua_State *L = arg;
  lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
  lua_createtable(L, 3, 0);
  lua_pushstring(L, name);
  lua_rawseti(L, -2, 1);
  lua_pushstring(L, type_names[type]);
  lua_rawseti(L, -2, 2);
  lua_pushinteger(L, (lua_Integer)ino);
  lua_rawseti(L, -2, 3);
  lua_rawseti(L, -2, n + 1);
  return 0;
}


static int dir_next(lua_State *L)
{
  lua_Integer i = lua_tointeger(L, lua_upvalueindex(2)) + 1;
  lua_pushinteger(L, i);
  lua_replace(L, lua_upvalueindex(2));
  if (lua_rawgeti(L, lua_upvalueindex(1), i) != LUA_TTABLE)
    return 0;
  lua_rawgeti(L, -1, 1);
  lua_rawgeti(L, -2, 2);
  lua_rawgeti(L, -3, 3);
  return 3;
}


/* s:dir(path) -> iterator of name, type, inum, in the backend's order
 * (walk sorts; callers that print should too). */
static int s_dir(lua_State *L)
{
  wo_src *s = wofs_check(L, 1);
  char canon[WO_PATH_MAX];
  int n = resolve_arg(L, s, 2, 1, canon), rc;
  if (n)
    return n;
  lua_newtable(L);
  if ((rc = wo_readdir(s, canon, collect_entry, L)) < 0)
    return wofs_fail(L, s, rc, "cannot list", canon);
  lua_pushinteger(L, 0);
  lua_pushcclosure(L, dir_next, 2);
  return 1;
}


/* Collects names only, for s:stats. */
static int collect_name(void *arg, const char *name, int type,
                        uint64_t ino)
{
  lua_State *L = arg;
  (void)type;
  (void)ino;
  lua_pushstring(L, name);
  lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
  return 0;
}


/* Sets t[name] to the entry's stat table, or to {err = message}. */
static void stat_child(lua_State *L, wo_src *s, const char *dir,
                       const char *name)
{
  char child[WO_PATH_MAX];
  wo_stat st;
  int n = snprintf(child, sizeof child, "%s%s%s", dir, dir[0] ? "/" : "",
                   name), rc;
  if (n < 0 || n >= (int)sizeof child)
    rc = wo_src_fail(s, WO_ERANGE, "path too long");
  else
    rc = wo_lstat(s, child, &st);
  if (rc < 0) {
    lua_createtable(L, 0, 1);
    lua_pushstring(L, s->err[0] ? s->err : wo_strerror_code(rc));
    lua_setfield(L, -2, "err");
    s->err[0] = '\0';
  } else {
    wofs_push_stat(L, &st);
  }
  /* stack: result, names, name, stat */
  lua_setfield(L, -4, name);
}


/* s:stats(path) -> {name = stat} for every entry of a directory, one
 * resolution for the directory and none per entry: what a comparison
 * of two trees needs.  An entry that cannot be read has {err = ...}. */
static int s_stats(lua_State *L)
{
  wo_src *s = wofs_check(L, 1);
  char canon[WO_PATH_MAX];
  int n = resolve_arg(L, s, 2, 1, canon), rc;
  lua_Integer i, count;
  if (n)
    return n;
  lua_newtable(L);
  lua_newtable(L);
  if ((rc = wo_readdir(s, canon, collect_name, L)) < 0)
    return wofs_fail(L, s, rc, "cannot list", canon);
  count = (lua_Integer)lua_rawlen(L, -1);
  for (i = 1; i <= count; i++) {
    lua_rawgeti(L, -1, i);
    stat_child(L, s, canon, lua_tostring(L, -1));
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  return 1;
}


/* Reads up to len bytes at off of an open file into a Lua string. */
static int read_range(lua_State *L, wo_file *f, uint64_t off, size_t len,
                      const char *path)
{
  luaL_Buffer b;
  size_t done = 0;
  char *p = luaL_buffinitsize(L, &b, len);
  while (done < len) {
    ssize_t r = wo_pread(f, p + done, len - done, off + done);
    if (r < 0) {
      wo_src *s = f->src;
      wo_fclose(f);
      return wofs_fail(L, s, (int)r, "cannot read", path);
    }
    if (r == 0)
      break;
    done += (size_t)r;
  }
  wo_fclose(f);
  luaL_pushresultsize(&b, done);
  return 1;
}


/* s:read(path [, offset [, length]]) -> bytes */
static int s_read(lua_State *L)
{
  wo_src *s = wofs_check(L, 1);
  lua_Integer off = luaL_optinteger(L, 3, 0), len = luaL_optinteger(L, 4, -1);
  char canon[WO_PATH_MAX];
  wo_stat st;
  wo_file *f;
  int n = resolve_arg(L, s, 2, 1, canon), rc;
  luaL_argcheck(L, off >= 0, 3, "negative offset");
  if (n)
    return n;
  if ((rc = wo_lstat(s, canon, &st)) < 0)
    return wofs_fail(L, s, rc, "cannot stat", canon);
  if (len < 0) {
    if ((lua_Integer)st.size > READ_MAX)
      return wofs_fail(L, s, WO_ERANGE, "file too large to read whole",
                       canon);
    len = (lua_Integer)st.size > off ? (lua_Integer)st.size - off : 0;
  }
  luaL_argcheck(L, len <= READ_MAX, 4, "length too large");
  if ((rc = wo_open(s, canon, &f)) < 0)
    return wofs_fail(L, s, rc, "cannot open", canon);
  return read_range(L, f, (uint64_t)off, (size_t)len, canon);
}


static int s_readlink(lua_State *L)
{
  wo_src *s = wofs_check(L, 1);
  char canon[WO_PATH_MAX], buf[WO_PATH_MAX];
  int n = resolve_arg(L, s, 2, 0, canon);
  ssize_t r;
  if (n)
    return n;
  if ((r = wo_readlink(s, canon, buf, sizeof buf)) < 0)
    return wofs_fail(L, s, (int)r, "cannot read link", canon);
  lua_pushlstring(L, buf, (size_t)r);
  return 1;
}


/* Pushes a table of every xattr of the canonical path. */
static int push_xattrs(lua_State *L, wo_src *s, const char *canon)
{
  char names[65536], val[65536];
  ssize_t n = wo_listxattr(s, canon, names, sizeof names), v;
  const char *p;
  if (n < 0)
    return wofs_fail(L, s, (int)n, "cannot list xattrs of", canon);
  lua_newtable(L);
  for (p = names; p < names + n; p += strlen(p) + 1) {
    if ((v = wo_getxattr(s, canon, p, val, sizeof val)) < 0)
      continue;
    lua_pushlstring(L, val, (size_t)v);
    lua_setfield(L, -2, p);
  }
  return 1;
}


/* s:xattrs(path) -> {name = value}; a symlink's own, not its target's */
static int s_xattrs(lua_State *L)
{
  wo_src *s = wofs_check(L, 1);
  char canon[WO_PATH_MAX];
  int n = resolve_arg(L, s, 2, 0, canon);
  if (n)
    return n;
  return push_xattrs(L, s, canon);
}


static int s_sha256(lua_State *L)
{
  wo_src *s = wofs_check(L, 1);
  char canon[WO_PATH_MAX], hex[65];
  wo_file *f;
  int n = resolve_arg(L, s, 2, 1, canon), rc;
  if (n)
    return n;
  if ((rc = wo_open(s, canon, &f)) < 0)
    return wofs_fail(L, s, rc, "cannot open", canon);
  rc = wo_sha256_file(f, hex);
  wo_fclose(f);
  if (rc < 0)
    return wofs_fail(L, s, rc, "cannot hash", canon);
  lua_pushstring(L, hex);
  return 1;
}


/* s:sub(path) -> a Source whose root is that directory */
static int s_sub(lua_State *L)
{
  wo_src *s = wofs_check(L, 1);
  char canon[WO_PATH_MAX];
  wo_stat st;
  int n = resolve_arg(L, s, 2, 1, canon), rc;
  if (n)
    return n;
  if ((rc = wo_lstat(s, canon, &st)) < 0)
    return wofs_fail(L, s, rc, "cannot stat", canon);
  if (st.type != WO_T_DIR)
    return wofs_fail(L, s, WO_ENOTDIR, "not a directory:", canon);
  if (!wofs_push(L, wo_sub_open(s, canon)))
    return luaL_error(L, "out of memory");
  return 1;
}


static int s_kind(lua_State *L)
{
  lua_pushstring(L, wofs_check(L, 1)->ops->kind);
  return 1;
}


static int s_close(lua_State *L)
{
  ud_src *u = luaL_checkudata(L, 1, WO_SOURCE_MT);
  wo_src_unref(u->src);
  u->src = NULL;
  return 0;
}


static int s_tostring(lua_State *L)
{
  ud_src *u = luaL_checkudata(L, 1, WO_SOURCE_MT);
  if (u->src)
    lua_pushfstring(L, "whiteout.fs.Source (%s) %p", u->src->ops->kind,
                    (void *)u);
  else
    lua_pushstring(L, "whiteout.fs.Source (closed)");
  return 1;
}


/* The walk: depth first, parents before children, names sorted, never
 * following symlinks.  Paths it makes are canonical by construction. */

typedef struct walk_item {
  char *path;
  int depth;
} walk_item;

typedef struct walk_state {
  wo_src *src;
  walk_item *stack;
  size_t n, cap;
  int max_depth;
} walk_state;

typedef struct name_list {
  char **v;
  size_t n, cap;
  int nomem;
} name_list;


static int walk_push(walk_state *w, char *path, int depth)
{
  if (w->n == w->cap) {
    size_t cap = w->cap ? w->cap * 2 : 64;
    walk_item *v = realloc(w->stack, cap * sizeof *v);
    if (!v)
      return WO_ENOMEM;
    w->stack = v;
    w->cap = cap;
  }
  w->stack[w->n].path = path;
  w->stack[w->n++].depth = depth;
  return WO_OK;
}


static int add_name(void *arg, const char *name, int type, uint64_t ino)
{
  name_list *l = arg;
  char *copy;
  (void)type;
  (void)ino;
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 32;
    char **v = realloc(l->v, cap * sizeof *v);
    if (!v)
      return l->nomem = 1, WO_ENOMEM;
    l->v = v;
    l->cap = cap;
  }
  if (!(copy = strdup(name)))
    return l->nomem = 1, WO_ENOMEM;
  l->v[l->n++] = copy;
  return WO_OK;
}


static int cmp_names(const void *a, const void *b)
{
  return strcmp(*(char *const *)b, *(char *const *)a);
}


/* Reads the directory at path and pushes its children, last name first
 * so that the first pops first. */
static int walk_children(walk_state *w, const char *path, int depth)
{
  name_list l = {0};
  size_t i, plen = strlen(path);
  int rc = wo_readdir(w->src, path, add_name, &l);
  if (l.n > 1)
    qsort(l.v, l.n, sizeof *l.v, cmp_names);
  for (i = 0; i < l.n; i++) {
    size_t len = plen + strlen(l.v[i]) + 2;
    char *child = rc == WO_OK && len <= WO_PATH_MAX ? malloc(len) : NULL;
    if (child) {
      snprintf(child, len, "%s%s%s", path, plen ? "/" : "", l.v[i]);
      if (walk_push(w, child, depth + 1) < 0)
        free(child);
    }
    free(l.v[i]);
  }
  free(l.v);
  return rc;
}


static walk_state *check_walk(lua_State *L, int idx)
{
  return luaL_checkudata(L, idx, WALK_MT);
}


static int walk_close(lua_State *L)
{
  walk_state *w = check_walk(L, 1);
  while (w->n > 0)
    free(w->stack[--w->n].path);
  free(w->stack);
  w->stack = NULL;
  w->cap = 0;
  wo_src_unref(w->src);
  w->src = NULL;
  return 0;
}


static void set_err(lua_State *L, const char *msg)
{
  wofs_set_str(L, "err", msg);
}


static int walk_next(lua_State *L)
{
  walk_state *w = check_walk(L, 1);
  walk_item it;
  wo_stat st;
  int rc;
  if (!w->src || w->n == 0)
    return 0;
  it = w->stack[--w->n];
  lua_pushfstring(L, "/%s", it.path);
  if ((rc = wo_lstat(w->src, it.path, &st)) < 0) {
    lua_createtable(L, 0, 1);
    set_err(L, w->src->err[0] ? w->src->err : wo_strerror_code(rc));
    free(it.path);
    return 2;
  }
  wofs_push_stat(L, &st);
  if (st.type == WO_T_DIR && it.depth >= w->max_depth)
    set_err(L, "directory too deep: not walked further");
  else if (st.type == WO_T_DIR &&
           (rc = walk_children(w, it.path, it.depth)) < 0)
    set_err(L, w->src->err[0] ? w->src->err : wo_strerror_code(rc));
  free(it.path);
  return 2;
}


/* s:walk(path [, max_depth]) -> iterator of path, stat (stat.err set on
 * an entry that could not be read); closes itself on break. */
static int s_walk(lua_State *L)
{
  wo_src *s = wofs_check(L, 1);
  char canon[WO_PATH_MAX];
  int n = resolve_arg(L, s, 2, 1, canon);
  lua_Integer depth = luaL_optinteger(L, 3, WALK_DEPTH);
  walk_state *w;
  char *start;
  if (n)
    return n;
  lua_pushcfunction(L, walk_next);
  w = lua_newuserdatauv(L, sizeof *w, 0);
  memset(w, 0, sizeof *w);
  luaL_setmetatable(L, WALK_MT);
  w->src = wo_src_ref(s);
  w->max_depth = depth < 0 ? 0 : depth > WALK_DEPTH ? WALK_DEPTH : (int)depth;
  if (!(start = strdup(canon)) || walk_push(w, start, 0) < 0) {
    free(start);
    return luaL_error(L, "out of memory");
  }
  lua_pushnil(L);
  lua_pushvalue(L, -2);
  return 4;
}


static int f_types(lua_State *L)
{
  lua_newtable(L);
  for (int i = 0; i < (int)(sizeof type_names / sizeof *type_names); i++) {
    lua_pushstring(L, type_names[i]);
    lua_rawseti(L, -2, i);
  }
  return 1;
}


static const luaL_Reg fs_funcs[] = {
  {"open", f_open},
  {NULL, NULL}
};

static const luaL_Reg src_methods[] = {
  {"lstat", s_lstat}, {"stat", s_stat}, {"realpath", s_realpath},
  {"dir", s_dir}, {"stats", s_stats}, {"read", s_read},
  {"readlink", s_readlink},
  {"xattrs", s_xattrs}, {"sha256", s_sha256}, {"sub", s_sub},
  {"walk", s_walk}, {"kind", s_kind}, {"close", s_close},
  {NULL, NULL}
};

static const luaL_Reg src_meta[] = {
  {"__gc", s_close}, {"__close", s_close}, {"__tostring", s_tostring},
  {"__index", NULL}, {NULL, NULL}
};

static const luaL_Reg walk_meta[] = {
  {"__gc", walk_close}, {"__close", walk_close}, {NULL, NULL}
};


/* Registers the metatables once; other bindings call this too, so a
 * Source made by whiteout.overlay works before whiteout.fs is loaded. */
void wofs_register(lua_State *L)
{
  if (luaL_newmetatable(L, WO_SOURCE_MT)) {
    luaL_setfuncs(L, src_meta, 0);
    luaL_newlib(L, src_methods);
    lua_setfield(L, -2, "__index");
  }
  lua_pop(L, 1);
  if (luaL_newmetatable(L, WALK_MT))
    luaL_setfuncs(L, walk_meta, 0);
  lua_pop(L, 1);
}


int luaopen_whiteout_fs(lua_State *L)
{
  wofs_register(L);
  luaL_newlib(L, fs_funcs);
  f_types(L);
  lua_setfield(L, -2, "types");
  return 1;
}
