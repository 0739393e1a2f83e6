/* whiteout.tsk: disk images through libtsk.  An Image lists its
 * partitions and opens the file systems in it as whiteout.fs Sources;
 * module functions on such a Source reach below the live tree: deleted
 * names, unallocated inodes, raw blocks and the ext4 journal's copies.
 *
 * Caveats: deleted-entry calls work on Sources made here (not on
 * sub-sources of them); the journal is read on ext3/ext4 only. */
#include <lauxlib.h>
#include <lua.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/ext4.h"
#include "../core/jbd2.h"
#include "../core/lvm.h"
#include "tsk.h"
#include "../core/tsk.h"
#include "fs.h"

#define IMAGE_MT "whiteout.tsk.Image"
/* The most bytes one read_runs call returns. */
#define RUNS_MAX ((lua_Integer)256 << 20)

typedef struct ud_img {
  wo_img *img;
} ud_img;


static void push_img(lua_State *L, wo_img *img)
{
  ud_img *u = lua_newuserdatauv(L, sizeof *u, 0);
  u->img = img;
  luaL_setmetatable(L, IMAGE_MT);
}


static wo_img *check_img(lua_State *L, int idx)
{
  ud_img *u = luaL_checkudata(L, idx, IMAGE_MT);
  if (!u->img)
    luaL_error(L, "attempt to use a closed whiteout.tsk.Image");
  return u->img;
}


wo_img *wotsk_check(lua_State *L, int idx)
{
  return check_img(L, idx);
}


/* tsk.open(path | {paths}) -> Image | nil, message, code */
static int f_open(lua_State *L)
{
  const char *paths[256];
  char err[256];
  int n = 0;
  wo_img *img;
  if (lua_istable(L, 1)) {
    n = (int)luaL_len(L, 1);
    luaL_argcheck(L, n >= 1 && n <= 256, 1, "1 to 256 paths");
    for (int i = 0; i < n; i++) {
      lua_geti(L, 1, i + 1);
      paths[i] = luaL_checkstring(L, -1);
      lua_pop(L, 1);   /* the table keeps the string alive */
    }
  } else {
    paths[n++] = luaL_checkstring(L, 1);
  }
  if (!(img = wo_img_open(paths, n, err)))
    return wofs_error(L, err, "UNSUPPORTED");
  push_img(L, img);
  return 1;
}


/* img:info() -> {type=, size=} */
static int i_info(lua_State *L)
{
  wo_img *img = check_img(L, 1);
  lua_createtable(L, 0, 2);
  wofs_set_str(L, "type", wo_img_type(img));
  wofs_set_int(L, "size", (lua_Integer)wo_img_size(img));
  return 1;
}


typedef struct vol_push {
  lua_State *L;
  wo_img *img;
} vol_push;


static int push_vol(void *arg, const wo_vol *v)
{
  vol_push *p = arg;
  lua_State *L = p->L;
  lua_createtable(L, 0, 7);
  wofs_set_int(L, "index", v->index);
  wofs_set_int(L, "addr", v->addr);
  wofs_set_int(L, "start", (lua_Integer)v->start);
  wofs_set_int(L, "length", (lua_Integer)v->len);
  wofs_set_str(L, "scheme", v->scheme);
  wofs_set_str(L, "desc", v->desc);
  wofs_set_str(L, "content", wo_img_sniff(p->img, v->start));
  wofs_append(L);
  return 0;
}


/* img:volumes() -> list of {index, addr, start, length, scheme, desc,
 * content}; empty when there is no partition table. */
static int i_volumes(lua_State *L)
{
  wo_img *img = check_img(L, 1);
  vol_push p = { L, img };
  char err[256];
  lua_newtable(L);
  if (wo_img_volumes(img, push_vol, &p, err) < 0)
    return wofs_error(L, err, "CORRUPT");
  return 1;
}


/* img:sniff(offset) -> "ext4" | "xfs" | "btrfs" | "lvm2" | ... | nil */
static int i_sniff(lua_State *L)
{
  wo_img *img = check_img(L, 1);
  lua_Integer off = luaL_checkinteger(L, 2);
  luaL_argcheck(L, off >= 0, 2, "negative offset");
  lua_pushstring(L, wo_img_sniff(img, (uint64_t)off));
  return 1;
}


/* img:fs(offset) -> Source | nil, message, code */
static int i_fs(lua_State *L)
{
  wo_img *img = check_img(L, 1);
  lua_Integer off = luaL_optinteger(L, 2, 0);
  char err[256];
  wo_src *s;
  luaL_argcheck(L, off >= 0, 2, "negative offset");
  if (!(s = wo_tsk_open(img, (uint64_t)off, err)))
    return wofs_error(L, err, "UNSUPPORTED");
  wofs_push(L, s);
  return 1;
}


/* img:read(offset, length) -> bytes (short at the end) */
static int i_read(lua_State *L)
{
  wo_img *img = check_img(L, 1);
  lua_Integer off = luaL_checkinteger(L, 2);
  lua_Integer len = luaL_checkinteger(L, 3);
  luaL_Buffer b;
  ssize_t r;
  luaL_argcheck(L, off >= 0, 2, "negative offset");
  luaL_argcheck(L, len >= 0 && len <= (1 << 24), 3, "0 to 16 MiB");
  r = wo_img_read(img, (uint64_t)off,
                  luaL_buffinitsize(L, &b, (size_t)len), (size_t)len);
  if (r < 0)
    return wofs_error(L, "cannot read the image", "EIO");
  luaL_pushresultsize(&b, (size_t)r);
  return 1;
}


static void push_seg_list(lua_State *L, const wo_lv *lv)
{
  size_t i;
  lua_createtable(L, (int)lv->nseg, 0);
  for (i = 0; i < lv->nseg; i++) {
    lua_createtable(L, 0, 3);
    wofs_set_int(L, "offset", (lua_Integer)lv->segs[i].off);
    wofs_set_int(L, "length", (lua_Integer)lv->segs[i].len);
    wofs_set_int(L, "pv_offset", (lua_Integer)lv->segs[i].under_off);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
}


/* img:lvm(offset) -> {vg=, seqno=, lvs={{name, size, linear, segments,
 * why, type}}} for the LVM2 physical volume at offset | nil, message, code */
static int i_lvm(lua_State *L)
{
  wo_img *img = check_img(L, 1);
  lua_Integer off = luaL_optinteger(L, 2, 0);
  wo_vg vg;
  char err[256];
  size_t i;
  luaL_argcheck(L, off >= 0, 2, "negative offset");
  if (wo_lvm_read(img, (uint64_t)off, &vg, err) < 0)
    return wofs_error(L, err, "CORRUPT");
  lua_createtable(L, 0, 3);
  wofs_set_str(L, "vg", vg.name);
  wofs_set_int(L, "seqno", (lua_Integer)vg.seqno);
  lua_createtable(L, (int)vg.nlv, 0);
  for (i = 0; i < vg.nlv; i++) {
    lua_createtable(L, 0, 5);
    wofs_set_str(L, "name", vg.lvs[i].name);
    wofs_set_int(L, "size", (lua_Integer)vg.lvs[i].size);
    lua_pushboolean(L, vg.lvs[i].linear);
    lua_setfield(L, -2, "linear");
    wofs_set_str(L, "why", vg.lvs[i].why[0] ? vg.lvs[i].why : NULL);
    wofs_set_str(L, "type", vg.lvs[i].type[0] ? vg.lvs[i].type : NULL);
    push_seg_list(L, &vg.lvs[i]);
    lua_setfield(L, -2, "segments");
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  lua_setfield(L, -2, "lvs");
  wo_vg_free(&vg);
  return 1;
}


/* img:segments({{offset, length, pv_offset}...}, size) -> Image: a
 * volume made of ranges of this image (an LVM logical volume). */
static int i_segments(lua_State *L)
{
  wo_img *img = check_img(L, 1), *sub;
  lua_Integer size = luaL_checkinteger(L, 3);
  size_t n, i;
  wo_seg *segs;
  char err[256];
  luaL_checktype(L, 2, LUA_TTABLE);
  n = (size_t)luaL_len(L, 2);
  luaL_argcheck(L, n >= 1 && n <= 65536, 2, "1 to 65536 ranges");
  segs = lua_newuserdatauv(L, n * sizeof *segs, 0);
  for (i = 0; i < n; i++) {
    lua_geti(L, 2, (lua_Integer)i + 1);
    lua_getfield(L, -1, "offset");
    lua_getfield(L, -2, "length");
    lua_getfield(L, -3, "pv_offset");
    segs[i].off = (uint64_t)luaL_checkinteger(L, -3);
    segs[i].len = (uint64_t)luaL_checkinteger(L, -2);
    segs[i].under_off = (uint64_t)luaL_checkinteger(L, -1);
    lua_pop(L, 4);
  }
  if (!(sub = wo_img_segments(img, segs, n, (uint64_t)size, err)))
    return wofs_error(L, err, "CORRUPT");
  push_img(L, sub);
  return 1;
}


static int i_close(lua_State *L)
{
  ud_img *u = luaL_checkudata(L, 1, IMAGE_MT);
  wo_img_unref(u->img);
  u->img = NULL;
  return 0;
}


static int i_tostring(lua_State *L)
{
  ud_img *u = luaL_checkudata(L, 1, IMAGE_MT);
  if (u->img)
    lua_pushfstring(L, "whiteout.tsk.Image (%s)", wo_img_type(u->img));
  else
    lua_pushstring(L, "whiteout.tsk.Image (closed)");
  return 1;
}


/* The Source at idx, which must be a libtsk one. */
static wo_src *check_tsk(lua_State *L, int idx)
{
  wo_src *s = wofs_check(L, idx);
  if (!wo_tsk_fstype(s))
    luaL_argerror(L, idx, "not a whiteout.tsk file system source");
  return s;
}


static uint64_t check_inum(lua_State *L, wo_src *s, int idx)
{
  lua_Integer i = luaL_checkinteger(L, idx);
  luaL_argcheck(L, i > 0 && (uint64_t)i <= wo_tsk_last_inum(s), idx,
                "no such inode number");
  return (uint64_t)i;
}


/* tsk.info(src) -> {fstype, block_size, blocks, last_inum, journal} */
static int f_info(lua_State *L)
{
  wo_src *s = check_tsk(L, 1);
  wo_ext4 *e = wo_tsk_ext4(s);
  lua_createtable(L, 0, 5);
  wofs_set_str(L, "fstype", wo_tsk_fstype(s));
  wofs_set_int(L, "block_size", wo_tsk_block_size(s));
  wofs_set_int(L, "blocks", (lua_Integer)wo_tsk_block_count(s));
  wofs_set_int(L, "last_inum", (lua_Integer)wo_tsk_last_inum(s));
  if (e && e->journal_inum)
    wofs_set_int(L, "journal_inum", e->journal_inum);
  return 1;
}


/* tsk.lookup(src, path) -> inum | nil, message, code (path canonical
 * inside the file system: no symlink is followed) */
static int f_lookup(lua_State *L)
{
  wo_src *s = check_tsk(L, 1);
  const char *path = luaL_checkstring(L, 2);
  char canon[WO_PATH_MAX];
  uint64_t inum;
  int rc = wo_resolve(s, path, 0, canon);
  if (rc == WO_OK)
    rc = wo_tsk_lookup(s, canon, &inum);
  if (rc < 0)
    return wofs_fail(L, s, rc, "cannot find", path);
  lua_pushinteger(L, (lua_Integer)inum);
  return 1;
}


/* tsk.stat(src, inum) -> stat table with allocated=bool */
static int f_stat(lua_State *L)
{
  wo_src *s = check_tsk(L, 1);
  uint64_t inum = check_inum(L, s, 2);
  wo_stat st;
  int alloc = 0, rc = wo_tsk_istat(s, inum, &st, &alloc);
  if (rc < 0)
    return wofs_fail(L, s, rc, "cannot stat inode", "");
  wofs_push_stat(L, &st);
  lua_pushboolean(L, alloc);
  lua_setfield(L, -2, "allocated");
  return 1;
}


static const char *const tnames[] = {
  "unknown", "file", "dir", "symlink", "char", "block", "fifo", "socket"
};


static int push_name(void *arg, const char *name, uint64_t inum, int type,
                     int allocated)
{
  lua_State *L = arg;
  lua_createtable(L, 0, 4);
  wofs_set_str(L, "name", name);
  wofs_set_int(L, "inum", (lua_Integer)inum);
  wofs_set_str(L, "type", tnames[type]);
  lua_pushboolean(L, allocated);
  lua_setfield(L, -2, "allocated");
  wofs_append(L);
  return 0;
}


/* tsk.names(src, dir_inum) -> list of {name, inum, type, allocated} */
static int f_names(lua_State *L)
{
  wo_src *s = check_tsk(L, 1);
  uint64_t inum = check_inum(L, s, 2);
  int rc;
  lua_newtable(L);
  if ((rc = wo_tsk_names(s, inum, push_name, L)) < 0)
    return wofs_fail(L, s, rc, "cannot list directory inode", "");
  return 1;
}


static int push_inum(void *arg, uint64_t inum)
{
  lua_State *L = arg;
  lua_pushinteger(L, (lua_Integer)inum);
  wofs_append(L);
  return 0;
}


/* tsk.unallocated(src) -> list of inode numbers used once, free now */
static int f_unallocated(lua_State *L)
{
  wo_src *s = check_tsk(L, 1);
  int rc;
  lua_newtable(L);
  if ((rc = wo_tsk_unalloc(s, push_inum, L)) < 0)
    return wofs_fail(L, s, rc, "cannot walk inodes", "");
  return 1;
}


/* tsk.iread(src, inum, offset, length) -> bytes as the inode maps now */
static int f_iread(lua_State *L)
{
  wo_src *s = check_tsk(L, 1);
  uint64_t inum = check_inum(L, s, 2);
  lua_Integer off = luaL_optinteger(L, 3, 0);
  lua_Integer len = luaL_optinteger(L, 4, 1 << 20);
  luaL_Buffer b;
  ssize_t r;
  luaL_argcheck(L, off >= 0, 3, "negative offset");
  luaL_argcheck(L, len >= 0 && len <= RUNS_MAX, 4, "0 to 256 MiB");
  r = wo_tsk_iread(s, inum, luaL_buffinitsize(L, &b, (size_t)len),
                   (size_t)len, (uint64_t)off);
  if (r < 0)
    return wofs_fail(L, s, (int)r, "cannot read inode", "");
  luaL_pushresultsize(&b, (size_t)r);
  return 1;
}


/* tsk.block(src, blk) -> the block's bytes */
static int f_block(lua_State *L)
{
  wo_src *s = check_tsk(L, 1);
  lua_Integer blk = luaL_checkinteger(L, 2);
  uint32_t bs = wo_tsk_block_size(s);
  luaL_Buffer b;
  ssize_t r;
  luaL_argcheck(L, blk >= 0, 2, "negative block");
  r = wo_tsk_block(s, (uint64_t)blk, luaL_buffinitsize(L, &b, bs));
  if (r < 0)
    return wofs_fail(L, s, (int)r, "cannot read block", "");
  luaL_pushresultsize(&b, (size_t)r);
  return 1;
}


/* tsk.allocated(src, blk) -> bool */
static int f_allocated(lua_State *L)
{
  wo_src *s = check_tsk(L, 1);
  lua_Integer blk = luaL_checkinteger(L, 2);
  int rc;
  luaL_argcheck(L, blk >= 0, 2, "negative block");
  if ((rc = wo_tsk_block_alloc(s, (uint64_t)blk)) < 0)
    return wofs_error(L, "block beyond the file system", "RANGE");
  lua_pushboolean(L, rc);
  return 1;
}



static int push_run(void *arg, uint64_t lblk, uint64_t pblk, uint32_t len,
                    int uninit)
{
  lua_State *L = arg;
  lua_createtable(L, 0, 4);
  wofs_set_int(L, "lblk", (lua_Integer)lblk);
  wofs_set_int(L, "pblk", (lua_Integer)pblk);
  wofs_set_int(L, "len", len);
  if (uninit) {
    lua_pushboolean(L, 1);
    lua_setfield(L, -2, "uninit");
  }
  wofs_append(L);
  return 0;
}


/* Pushes a decoded inode with its block runs (runs_err when the map
 * cannot be read). */
static void push_inode(lua_State *L, wo_ext4 *e, const wo_ext4_inode *in)
{
  uint64_t max = (in->size + e->bsize - 1) / e->bsize;
  int rc;
  lua_createtable(L, 0, 16);
  wofs_set_int(L, "mode", in->mode);
  wofs_set_int(L, "uid", in->uid);
  wofs_set_int(L, "gid", in->gid);
  wofs_set_int(L, "size", (lua_Integer)in->size);
  wofs_set_int(L, "links", in->links);
  wofs_set_int(L, "flags", in->flags);
  wofs_set_int(L, "generation", in->generation);
  wofs_set_time(L, "atime", in->atime);
  wofs_set_time(L, "mtime", in->mtime);
  wofs_set_time(L, "ctime", in->ctime);
  wofs_set_time(L, "btime", in->crtime);
  if (in->dtime)
    wofs_set_time(L, "dtime", in->dtime);
  lua_newtable(L);
  rc = (in->mode & 0xF000) == 0xA000 && in->size < 60 ? WO_OK
       : wo_ext4_map(e, in, max > (1u << 24) ? (1u << 24) : max,
                     push_run, L);
  lua_setfield(L, -2, "runs");
  if (rc < 0)
    wofs_set_str(L, "runs_err", wo_strerror_code(rc));
  if ((in->mode & 0xF000) == 0xA000 && in->size < 60) {
    lua_pushlstring(L, (const char *)in->block, (size_t)in->size);
    lua_setfield(L, -2, "link");
  }
}


static wo_ext4 *check_ext4(lua_State *L, int idx)
{
  wo_ext4 *e = wo_tsk_ext4(check_tsk(L, idx));
  if (!e)
    luaL_argerror(L, idx, "not an ext2/3/4 file system");
  return e;
}


/* tsk.inode(src, inum) -> the raw ext4 inode decoded, with its runs */
static int f_inode(lua_State *L)
{
  wo_ext4 *e = check_ext4(L, 1);
  uint64_t inum = check_inum(L, wofs_check(L, 1), 2);
  uint8_t raw[1024];
  wo_ext4_inode in;
  int rc = e->isize <= sizeof raw ? wo_ext4_inode_raw(e, inum, raw)
                                  : WO_EUNSUP;
  if (rc == WO_OK)
    rc = wo_ext4_inode_parse(raw, e->isize, &in);
  if (rc < 0)
    return wofs_error(L, "cannot read inode", wo_strerror_code(rc));
  push_inode(L, e, &in);
  return 1;
}


/* tsk.parse_inode(src, bytes) -> the inode decoded (a journal copy) */
static int f_parse_inode(lua_State *L)
{
  wo_ext4 *e = check_ext4(L, 1);
  size_t n;
  const char *raw = luaL_checklstring(L, 2, &n);
  wo_ext4_inode in;
  if (wo_ext4_inode_parse((const uint8_t *)raw, n, &in) < 0)
    return wofs_error(L, "inode too short", "RANGE");
  push_inode(L, e, &in);
  return 1;
}


static void free_journal(void *p)
{
  wo_jbd2_free(p);
  free(p);
}


/* The journal scan of src, made once and kept with the source. */
static wo_jbd2 *get_journal(lua_State *L, wo_src *s, const char **err)
{
  void **slot = wo_tsk_journal_slot(s, free_journal);
  wo_jbd2 *j;
  static char msg[200];
  if (*slot)
    return *slot;
  if (!(j = calloc(1, sizeof *j)))
    luaL_error(L, "out of memory");
  if (wo_jbd2_scan(j, wo_tsk_ext4(s)) < 0) {
    snprintf(msg, sizeof msg, "cannot read the journal: %s", j->err);
    *err = msg;
    wo_jbd2_free(j);
    free(j);
    return NULL;
  }
  *slot = j;
  return j;
}


static void push_copy(lua_State *L, const wo_jbd2 *j, const wo_jcopy *c)
{
  lua_createtable(L, 0, 7);
  wofs_set_int(L, "fsblock", (lua_Integer)c->fsblock);
  wofs_set_int(L, "jblock", c->jblock);
  wofs_set_int(L, "seq", c->seq);
  wofs_set_time(L, "time", wo_jbd2_commit_time(j, c->seq));
  if (c->csum_ok >= 0) {
    lua_pushboolean(L, c->csum_ok);
    lua_setfield(L, -2, "csum_ok");
  }
  lua_pushboolean(L, c->revoked);
  lua_setfield(L, -2, "revoked");
  lua_pushboolean(L, c->escaped);
  lua_setfield(L, -2, "escaped");
}


/* tsk.journal(src) -> {sequence, first, maxlen, copies = {{fsblock,
 * jblock, seq, time, csum_ok, revoked, escaped}...}} | nil, msg, code */
static int f_journal(lua_State *L)
{
  wo_src *s = check_tsk(L, 1);
  const char *err = "not ext";
  wo_jbd2 *j;
  size_t i;
  check_ext4(L, 1);
  if (!(j = get_journal(L, s, &err)))
    return wofs_error(L, err, "CORRUPT");
  lua_createtable(L, 0, 4);
  wofs_set_int(L, "sequence", j->sequence);
  wofs_set_int(L, "first", j->first);
  wofs_set_int(L, "maxlen", j->maxlen);
  lua_createtable(L, (int)j->ncopies, 0);
  for (i = 0; i < j->ncopies; i++) {
    push_copy(L, j, &j->copies[i]);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  lua_setfield(L, -2, "copies");
  return 1;
}


/* tsk.journal_block(src, jblock, escaped) -> bytes */
static int f_journal_block(lua_State *L)
{
  wo_src *s = check_tsk(L, 1);
  lua_Integer jb = luaL_checkinteger(L, 2);
  int esc = lua_toboolean(L, 3);
  const char *err = "not ext";
  wo_jbd2 *j;
  luaL_Buffer b;
  check_ext4(L, 1);
  if (!(j = get_journal(L, s, &err)))
    return wofs_error(L, err, "CORRUPT");
  luaL_argcheck(L, jb >= 0 && jb < j->maxlen, 2, "outside the journal");
  if (wo_jbd2_read(j, (uint32_t)jb, esc,
                   luaL_buffinitsize(L, &b, j->bsize)) < 0)
    return wofs_error(L, "cannot read journal block", "EIO");
  luaL_pushresultsize(&b, j->bsize);
  return 1;
}


static const char *const ftypes[] = {
  "unknown", "file", "dir", "char", "block", "fifo", "socket", "symlink"
};


static int push_dent(void *arg, const char *name, uint64_t inum, int ft,
                     int live, uint32_t off)
{
  lua_State *L = arg;
  lua_createtable(L, 0, 5);
  wofs_set_str(L, "name", name);
  wofs_set_int(L, "inum", (lua_Integer)inum);
  wofs_set_str(L, "type", ft >= 0 && ft < 8 ? ftypes[ft] : "unknown");
  lua_pushboolean(L, live);
  lua_setfield(L, -2, "live");
  wofs_set_int(L, "offset", off);
  wofs_append(L);
  return 0;
}


/* tsk.dirblock(src, bytes) -> list of {name, inum, type, live, offset},
 * plus an error code when the block is not a linear directory block */
static int f_dirblock(lua_State *L)
{
  wo_ext4 *e = check_ext4(L, 1);
  size_t n;
  const char *b = luaL_checklstring(L, 2, &n);
  int rc;
  lua_newtable(L);
  rc = wo_ext4_dirblock(e, (const uint8_t *)b, n, push_dent, L);
  if (rc < 0) {
    lua_pushstring(L, wo_strerror_code(rc));
    return 2;
  }
  return 1;
}


/* tsk.journal_inodes(src, inum) -> list of the journal's copies of the
 * inode, oldest first: {seq, jblock, fsblock, time, csum_ok, revoked,
 * inode = decoded} */
static int f_journal_inodes(lua_State *L)
{
  wo_src *s = check_tsk(L, 1);
  wo_ext4 *e = check_ext4(L, 1);
  uint64_t inum = check_inum(L, s, 2), first;
  uint32_t count;
  const char *err = "not ext";
  wo_jbd2 *j = get_journal(L, s, &err);
  uint8_t *buf;
  size_t i;
  if (!j)
    return wofs_error(L, err, "CORRUPT");
  buf = lua_newuserdatauv(L, j->bsize, 0);
  lua_newtable(L);
  for (i = 0; i < j->ncopies; i++) {
    const wo_jcopy *c = &j->copies[i];
    wo_ext4_inode in;
    size_t at;
    if (!wo_ext4_itable_block(e, c->fsblock, &first, &count) ||
        inum < first || inum >= first + count ||
        wo_jbd2_read(j, c->jblock, c->escaped, buf) < 0)
      continue;
    at = (size_t)(inum - first) * e->isize;
    if (wo_ext4_inode_parse(buf + at, e->isize, &in) < 0)
      continue;
    push_copy(L, j, c);
    push_inode(L, e, &in);
    lua_setfield(L, -2, "inode");
    wofs_append(L);
  }
  return 1;
}


/* tsk.read_runs(src, runs, size) -> bytes, allocated: the content that
 * runs {lblk, pblk, len} map, holes as zeros, cut at size; allocated
 * counts blocks that are in use now (content may be overwritten). */
static int f_read_runs(lua_State *L)
{
  wo_src *s = check_tsk(L, 1);
  lua_Integer size = luaL_checkinteger(L, 3);
  uint32_t bs = wo_tsk_block_size(s);
  lua_Integer n, i, alloc = 0;
  char *out;
  luaL_checktype(L, 2, LUA_TTABLE);
  luaL_argcheck(L, size >= 0 && size <= RUNS_MAX, 3, "0 to 256 MiB");
  out = lua_newuserdatauv(L, (size_t)size + bs, 0);
  memset(out, 0, (size_t)size + bs);
  n = luaL_len(L, 2);
  for (i = 1; i <= n; i++) {
    lua_Integer lb, pb, len, k;
    lua_geti(L, 2, i);
    lua_getfield(L, -1, "lblk");
    lua_getfield(L, -2, "pblk");
    lua_getfield(L, -3, "len");
    lb = luaL_checkinteger(L, -3);
    pb = luaL_checkinteger(L, -2);
    len = luaL_checkinteger(L, -1);
    lua_pop(L, 4);
    for (k = 0; k < len && lb >= 0 && (lb + k) * bs < size; k++) {
      if (wo_tsk_block(s, (uint64_t)(pb + k), out + (lb + k) * bs) < 0)
        return wofs_error(L, "cannot read a block of the runs", "EIO");
      alloc += wo_tsk_block_alloc(s, (uint64_t)(pb + k)) == 1;
    }
  }
  lua_pushlstring(L, out, (size_t)size);
  lua_pushinteger(L, alloc);
  return 2;
}


static const luaL_Reg img_methods[] = {
  { "info", i_info }, { "volumes", i_volumes }, { "sniff", i_sniff },
  { "fs", i_fs }, { "read", i_read }, { "lvm", i_lvm },
  { "segments", i_segments }, { "close", i_close }, { NULL, NULL }
};

static const luaL_Reg img_meta[] = {
  { "__gc", i_close }, { "__close", i_close },
  { "__tostring", i_tostring }, { NULL, NULL }
};

static const luaL_Reg funcs[] = {
  { "open", f_open }, { "info", f_info }, { "lookup", f_lookup },
  { "stat", f_stat }, { "names", f_names },
  { "unallocated", f_unallocated }, { "iread", f_iread },
  { "block", f_block }, { "allocated", f_allocated },
  { "inode", f_inode }, { "journal", f_journal },
  { "journal_block", f_journal_block }, { "dirblock", f_dirblock },
  { "parse_inode", f_parse_inode }, { "journal_inodes", f_journal_inodes },
  { "read_runs", f_read_runs }, { NULL, NULL }
};


int luaopen_whiteout_tsk(lua_State *L)
{
  wofs_register(L);
  if (luaL_newmetatable(L, IMAGE_MT)) {
    luaL_setfuncs(L, img_meta, 0);
    luaL_newlib(L, img_methods);
    lua_setfield(L, -2, "__index");
  }
  lua_pop(L, 1);
  luaL_newlib(L, funcs);
  return 1;
}
