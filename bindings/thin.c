/* whiteout.thin: dm-thin pools read in user space.  Block sources
 * (files of a Source, ranges of other block sources), pools over a
 * metadata and a data block source, their devices, mappings, deltas,
 * space map, and a device as a Source of its file system.
 *
 * File systems: XFS through libfsxfs, ext2/3/4 through libtsk. */
#include <lauxlib.h>
#include <lua.h>
#include <stdlib.h>
#include <string.h>

#include "../core/fuseblk.h"
#include "../core/thin.h"
#include "../core/xfs.h"
#include "fs.h"
#include "tsk.h"

#define BLK_MT "whiteout.thin.Blocks"
#define POOL_MT "whiteout.thin.Pool"

typedef struct ud_blk {
  wo_blk *b;
} ud_blk;

typedef struct ud_pool {
  wo_thin_pool *p;
} ud_pool;

static const char *const kinds[] = {
  "same", "different", "left_only", "right_only"
};


static int fail(lua_State *L, int code, const char *fmt, const char *a,
                const char *b)
{
  lua_pushnil(L);
  lua_pushfstring(L, fmt, a, b);
  lua_pushstring(L, wo_strerror_code(code));
  return 3;
}


/* Blocks. */

static ud_blk *push_blk(lua_State *L)
{
  ud_blk *u = lua_newuserdatauv(L, sizeof *u, 0);
  u->b = NULL;
  luaL_setmetatable(L, BLK_MT);
  return u;
}


static wo_blk *check_blk(lua_State *L, int idx)
{
  ud_blk *u = luaL_checkudata(L, idx, BLK_MT);
  if (!u->b)
    luaL_error(L, "attempt to use a closed " BLK_MT);
  return u->b;
}


/* thin.file(source, path) -> Blocks: a regular file of a Source. */
static int t_file(lua_State *L)
{
  wo_src *s = wofs_check(L, 1);
  const char *path = luaL_checkstring(L, 2);
  ud_blk *u = push_blk(L);
  char err[256];
  int code = WO_EIO;
  if (!(u->b = wo_blk_file(s, path, err, &code)))
    return fail(L, code, "cannot open '%s': %s", path, err);
  return 1;
}


/* thin.image(tsk_image) -> Blocks: a disk image or LVM volume. */
static int t_image(lua_State *L)
{
  wo_img *img = wotsk_check(L, 1);
  ud_blk *u = push_blk(L);
  if (!(u->b = wo_blk_img(img)))
    return luaL_error(L, "out of memory");
  return 1;
}


/* One {blocks, offset, length} segment at the top of the stack. */
static void get_seg(lua_State *L, int i, wo_blk_seg *sg)
{
  lua_geti(L, -1, 1);
  sg->under = check_blk(L, -1);
  lua_geti(L, -2, 2);
  lua_geti(L, -3, 3);
  if (!lua_isinteger(L, -2) || !lua_isinteger(L, -1) ||
      lua_tointeger(L, -2) < 0 || lua_tointeger(L, -1) <= 0)
    luaL_error(L, "segment %d: want {blocks, offset, length}", i);
  sg->off = (uint64_t)lua_tointeger(L, -2);
  sg->len = (uint64_t)lua_tointeger(L, -1);
  lua_pop(L, 3);
}


/* thin.concat{{blocks, offset, length}, ...} -> Blocks. */
static int t_concat(lua_State *L)
{
  lua_Integer n;
  wo_blk_seg *segs;
  ud_blk *u;
  char err[256];
  luaL_checktype(L, 1, LUA_TTABLE);
  n = luaL_len(L, 1);
  luaL_argcheck(L, n > 0 && n < 65536, 1, "want 1 to 65535 segments");
  segs = lua_newuserdatauv(L, (size_t)n * sizeof *segs, 0);
  for (lua_Integer i = 1; i <= n; i++) {
    lua_geti(L, 1, i);
    luaL_argcheck(L, lua_istable(L, -1), 1, "segments must be tables");
    get_seg(L, (int)i, &segs[i - 1]);
    lua_pop(L, 1);
  }
  u = push_blk(L);
  if (!(u->b = wo_blk_concat(segs, (size_t)n, err)))
    return fail(L, WO_ERANGE, "cannot join segments: %s%s", err, "");
  return 1;
}


/* Blocks:read(offset, length) -> string (shorter at the end). */
static int b_read(lua_State *L)
{
  wo_blk *b = check_blk(L, 1);
  lua_Integer off = luaL_checkinteger(L, 2), n = luaL_checkinteger(L, 3);
  luaL_Buffer buf;
  ssize_t r;
  luaL_argcheck(L, off >= 0, 2, "negative offset");
  luaL_argcheck(L, n >= 0 && n <= (64 << 20), 3, "length 0 to 64 MiB");
  r = wo_blk_pread(b, luaL_buffinitsize(L, &buf, (size_t)n), (size_t)n,
                   (uint64_t)off);
  if (r < 0)
    return fail(L, (int)r, "cannot read %s blocks: %s", b->ops->kind,
                b->err);
  luaL_pushresultsize(&buf, (size_t)r);
  return 1;
}


static int b_size(lua_State *L)
{
  lua_pushinteger(L, (lua_Integer)check_blk(L, 1)->size);
  return 1;
}


static int b_kind(lua_State *L)
{
  lua_pushstring(L, check_blk(L, 1)->ops->kind);
  return 1;
}


/* ext2/3/4 (s_magic 0xEF53 at byte 1080). */
static int is_ext(wo_blk *b)
{
  uint8_t m[2];
  return wo_blk_pread(b, m, 2, 1024 + 56) == 2 && m[0] == 0x53 &&
         m[1] == 0xef;
}


/* ext4 through libtsk, over the block source as an external image. */
static wo_src *open_ext(wo_blk *b, char *err, int *code)
{
  wo_img *img = wo_img_blk(b, err);
  wo_src *s = img ? wo_tsk_open(img, 0, err) : NULL;
  wo_img_unref(img);
  *code = WO_ECORRUPT;
  return s;
}


/* The file system a block source holds, as a Source. */
static int open_fs(lua_State *L, wo_blk *b)
{
  char err[256];
  int code = WO_EUNSUP;
  wo_src *s;
  if (wo_xfs_probe(b))
    s = wo_xfs_open(b, err, &code);
  else if (is_ext(b))
    s = open_ext(b, err, &code);
  else
    return fail(L, WO_EUNSUP, "no XFS or ext4 file system on %s blocks%s",
                b->ops->kind, "");
  if (!s)
    return fail(L, code, "cannot open the file system on %s blocks: %s",
                b->ops->kind, err);
  wofs_push(L, s);
  return 1;
}


/* Blocks:source() -> Source of the file system in these blocks. */
static int b_source(lua_State *L)
{
  return open_fs(L, check_blk(L, 1));
}


/* Blocks:fstype() -> "xfs", "ext4" or nil. */
static int b_fstype(lua_State *L)
{
  wo_blk *b = check_blk(L, 1);
  if (wo_xfs_probe(b))
    lua_pushliteral(L, "xfs");
  else if (is_ext(b))
    lua_pushliteral(L, "ext4");
  else
    lua_pushnil(L);
  return 1;
}


/* Blocks:serve(mountpoint, name) -> pid | nil, message, code: these
 * bytes as the read-only file mountpoint/name through FUSE, served by
 * a child process until the mount is taken down. */
static int b_serve(lua_State *L)
{
  wo_blk *b = check_blk(L, 1);
  const char *dir = luaL_checkstring(L, 2), *name = luaL_checkstring(L, 3);
  char err[256];
  pid_t pid = wo_fuse_serve(b, dir, name, err);
  if (pid < 0)
    return fail(L, WO_EUNSUP, "cannot serve '%s': %s", dir, err);
  lua_pushinteger(L, (lua_Integer)pid);
  return 1;
}


static int b_close(lua_State *L)
{
  ud_blk *u = luaL_checkudata(L, 1, BLK_MT);
  wo_blk_unref(u->b);
  u->b = NULL;
  return 0;
}


/* Pools. */

static wo_thin_pool *check_pool(lua_State *L, int idx)
{
  ud_pool *u = luaL_checkudata(L, idx, POOL_MT);
  if (!u->p)
    luaL_error(L, "attempt to use a closed " POOL_MT);
  return u->p;
}


static int pool_fail(lua_State *L, wo_thin_pool *p, int code,
                     const char *what)
{
  return fail(L, code, "%s: %s", what, wo_thin_error(p));
}


static int opt_flag(lua_State *L, int idx, const char *k)
{
  int v;
  if (lua_isnoneornil(L, idx))
    return 0;
  luaL_checktype(L, idx, LUA_TTABLE);
  lua_getfield(L, idx, k);
  v = lua_toboolean(L, -1);
  lua_pop(L, 1);
  return v;
}


/* thin.open(metadata, data, {force=, held=}) -> Pool; data may be nil. */
static int t_open(lua_State *L)
{
  wo_blk *m = check_blk(L, 1);
  wo_blk *d = lua_isnoneornil(L, 2) ? NULL : check_blk(L, 2);
  int flags = (opt_flag(L, 3, "force") ? WO_THIN_FORCE : 0) |
              (opt_flag(L, 3, "held") ? WO_THIN_HELD : 0);
  ud_pool *u = lua_newuserdatauv(L, sizeof *u, 0);
  char err[256];
  int code = WO_ECORRUPT;
  u->p = NULL;
  luaL_setmetatable(L, POOL_MT);
  if (!(u->p = wo_thin_open(m, d, flags, err, &code)))
    return fail(L, code, "cannot open thin pool: %s%s", err, "");
  return 1;
}


/* Pool:super() -> table of the superblock's fields. */
static int p_super(lua_State *L)
{
  wo_thin_pool *p = check_pool(L, 1);
  const wo_thin_sb *sb = wo_thin_super(p);
  lua_createtable(L, 0, 16);
  wofs_set_int(L, "blocknr", sb->blocknr);
  wofs_set_int(L, "flags", sb->flags);
  wofs_set_int(L, "version", sb->version);
  wofs_set_int(L, "time", sb->time);
  wofs_set_int(L, "transaction_id", sb->trans_id);
  wofs_set_int(L, "held_root", sb->held_root);
  wofs_set_int(L, "data_block_size", sb->data_block_size);
  wofs_set_int(L, "block_bytes", wo_thin_block_bytes(p));
  wofs_set_int(L, "metadata_nr_blocks", sb->metadata_nr_blocks);
  wofs_set_int(L, "data_nr_blocks", sb->data_nr_blocks);
  wofs_set_int(L, "data_nr_allocated", sb->data_nr_allocated);
  wofs_set_int(L, "metadata_nr_allocated", sb->meta_nr_allocated);
  lua_pushboolean(L, sb->flags & 1);
  lua_setfield(L, -2, "needs_check");
  return 1;
}


static void push_dev(lua_State *L, const wo_thin_dev *d)
{
  lua_createtable(L, 0, 6);
  wofs_set_int(L, "device_id", d->dev_id);
  wofs_set_int(L, "mapped_blocks", d->mapped_blocks);
  wofs_set_int(L, "transaction_id", d->transaction_id);
  wofs_set_int(L, "creation_time", d->creation_time);
  wofs_set_int(L, "snapshotted_time", d->snapshotted_time);
}


/* Pool:devices() -> list of device details, with usage counts. */
static int p_devices(lua_State *L)
{
  wo_thin_pool *p = check_pool(L, 1);
  const wo_thin_dev *d;
  wo_thin_usage *u = NULL;
  int n = wo_thin_devices(p, &d);
  if (n < 0 || (n = wo_thin_usage_all(p, &u)) < 0)
    return pool_fail(L, p, n, "cannot list thin devices");
  lua_createtable(L, n, 0);
  for (int i = 0; i < n; i++) {
    push_dev(L, &d[i]);
    wofs_set_int(L, "mapped", u[i].mapped);
    wofs_set_int(L, "exclusive", u[i].exclusive);
    wofs_set_int(L, "shared", u[i].shared);
    lua_seti(L, -2, i + 1);
  }
  free(u);
  return 1;
}


static uint32_t check_dev_id(lua_State *L, int idx)
{
  lua_Integer id = luaL_checkinteger(L, idx);
  luaL_argcheck(L, id >= 0 && id <= 0xffffff, idx, "device id is 24 bits");
  return (uint32_t)id;
}


/* Pool:mappings(device_id) -> list of {begin, data_begin, length, time}. */
static int p_mappings(lua_State *L)
{
  wo_thin_pool *p = check_pool(L, 1);
  uint32_t id = check_dev_id(L, 2);
  const wo_thin_run *r;
  size_t n;
  int rc = wo_thin_runs(p, id, &r, &n);
  if (rc < 0)
    return pool_fail(L, p, rc, "cannot read mappings");
  lua_createtable(L, (int)n, 0);
  for (size_t i = 0; i < n; i++) {
    lua_createtable(L, 0, 4);
    wofs_set_int(L, "begin", r[i].vbegin);
    wofs_set_int(L, "data_begin", r[i].dbegin);
    wofs_set_int(L, "length", r[i].len);
    wofs_set_int(L, "time", r[i].time);
    lua_seti(L, -2, (lua_Integer)i + 1);
  }
  return 1;
}


static int delta_push(void *arg, int kind, uint64_t v, uint64_t len,
                      uint64_t l, uint64_t r)
{
  lua_State *L = arg;
  lua_createtable(L, 0, 5);
  wofs_set_str(L, "kind", kinds[kind]);
  wofs_set_int(L, "begin", v);
  wofs_set_int(L, "length", len);
  if (kind != WO_DELTA_RIGHT)
    wofs_set_int(L, "left_data", l);
  if (kind != WO_DELTA_LEFT && kind != WO_DELTA_SAME)
    wofs_set_int(L, "right_data", r);
  wofs_append(L);
  return 0;
}


/* Pool:delta(a, b) -> list of {kind, begin, length, left_data,
 * right_data} as thin_delta compares device a (left) with b. */
static int p_delta(lua_State *L)
{
  wo_thin_pool *p = check_pool(L, 1);
  uint32_t a = check_dev_id(L, 2), b = check_dev_id(L, 3);
  int rc;
  lua_newtable(L);
  if ((rc = wo_thin_delta(p, a, b, delta_push, L)) < 0)
    return pool_fail(L, p, rc, "cannot compare devices");
  return 1;
}


static int sm_push(void *arg, uint64_t first, uint64_t len, uint32_t c)
{
  lua_State *L = arg;
  lua_createtable(L, 0, 3);
  wofs_set_int(L, "begin", first);
  wofs_set_int(L, "length", len);
  wofs_set_int(L, "count", c);
  wofs_append(L);
  return 0;
}


/* Pool:space_map() -> runs {begin, length, count} of data blocks. */
static int p_space_map(lua_State *L)
{
  wo_thin_pool *p = check_pool(L, 1);
  int rc;
  lua_newtable(L);
  if ((rc = wo_thin_data_sm(p, sm_push, L)) < 0)
    return pool_fail(L, p, rc, "cannot read the data space map");
  return 1;
}


static int used_push(void *arg, uint64_t b, uint64_t len, uint32_t c)
{
  lua_State *L = arg;
  lua_pushinteger(L, (lua_Integer)b);
  wofs_append(L);
  return 0;
}


/* Pool:free_used([limit]) -> list of free data blocks holding bytes. */
static int p_free_used(lua_State *L)
{
  wo_thin_pool *p = check_pool(L, 1);
  lua_Integer limit = luaL_optinteger(L, 2, 0);
  int rc;
  luaL_argcheck(L, limit >= 0, 2, "negative limit");
  lua_newtable(L);
  if ((rc = wo_thin_free_used(p, (uint64_t)limit, used_push, L)) < 0)
    return pool_fail(L, p, rc, "cannot scan free data blocks");
  return 1;
}


/* Pool:read_block(n) -> the bytes of data block n. */
static int p_read_block(lua_State *L)
{
  wo_thin_pool *p = check_pool(L, 1);
  lua_Integer n = luaL_checkinteger(L, 2);
  size_t bs = (size_t)wo_thin_block_bytes(p);
  luaL_Buffer buf;
  int rc;
  luaL_argcheck(L, n >= 0, 2, "negative block number");
  rc = wo_thin_read_data(p, (uint64_t)n, luaL_buffinitsize(L, &buf, bs));
  if (rc < 0)
    return pool_fail(L, p, rc, "cannot read data block");
  luaL_pushresultsize(&buf, bs);
  return 1;
}


/* Pool:device(device_id[, size]) -> Blocks of the thin device. */
static int p_device(lua_State *L)
{
  wo_thin_pool *p = check_pool(L, 1);
  uint32_t id = check_dev_id(L, 2);
  lua_Integer size = luaL_optinteger(L, 3, 0);
  ud_blk *u;
  char err[256];
  int code = WO_EIO;
  luaL_argcheck(L, size >= 0, 3, "negative size");
  u = push_blk(L);
  if (!(u->b = wo_thin_dev_open(p, id, (uint64_t)size, err, &code)))
    return fail(L, code, "cannot open thin device: %s%s", err, "");
  return 1;
}


/* Pool:source(device_id[, size]) -> Source of the device's file system. */
static int p_source(lua_State *L)
{
  int n = p_device(L);
  if (n != 1)
    return n;
  return open_fs(L, check_blk(L, -1));
}


/* Pool:warnings() -> list of strings. */
static int p_warnings(lua_State *L)
{
  wo_thin_pool *p = check_pool(L, 1);
  size_t n = wo_thin_nwarn(p);
  lua_createtable(L, (int)n, 0);
  for (size_t i = 0; i < n; i++) {
    lua_pushstring(L, wo_thin_warn(p, i));
    lua_seti(L, -2, (lua_Integer)i + 1);
  }
  return 1;
}


static int p_close(lua_State *L)
{
  ud_pool *u = luaL_checkudata(L, 1, POOL_MT);
  wo_thin_unref(u->p);
  u->p = NULL;
  return 0;
}


static const luaL_Reg thin_funcs[] = {
  {"file", t_file}, {"concat", t_concat}, {"image", t_image},
  {"open", t_open},
  {NULL, NULL}
};

static const luaL_Reg blk_methods[] = {
  {"read", b_read}, {"size", b_size}, {"kind", b_kind},
  {"source", b_source}, {"fstype", b_fstype}, {"serve", b_serve},
  {"close", b_close},
  {NULL, NULL}
};

static const luaL_Reg blk_meta[] = {
  {"__gc", b_close}, {"__close", b_close}, {"__index", NULL},
  {NULL, NULL}
};

static const luaL_Reg pool_methods[] = {
  {"super", p_super}, {"devices", p_devices}, {"mappings", p_mappings},
  {"delta", p_delta}, {"space_map", p_space_map},
  {"free_used", p_free_used}, {"read_block", p_read_block},
  {"device", p_device}, {"source", p_source}, {"warnings", p_warnings},
  {"close", p_close}, {NULL, NULL}
};

static const luaL_Reg pool_meta[] = {
  {"__gc", p_close}, {"__close", p_close}, {"__index", NULL},
  {NULL, NULL}
};


static void new_class(lua_State *L, const char *name, const luaL_Reg *meta,
                      const luaL_Reg *methods)
{
  if (luaL_newmetatable(L, name)) {
    luaL_setfuncs(L, meta, 0);
    lua_newtable(L);
    luaL_setfuncs(L, methods, 0);
    lua_setfield(L, -2, "__index");
  }
  lua_pop(L, 1);
}


int luaopen_whiteout_thin(lua_State *L)
{
  wofs_register(L);
  new_class(L, BLK_MT, blk_meta, blk_methods);
  new_class(L, POOL_MT, pool_meta, pool_methods);
  luaL_newlib(L, thin_funcs);
  return 1;
}
