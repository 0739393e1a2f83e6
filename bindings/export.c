/* whiteout.export: copies of evidence files in a folder of the
 * analyst's, written without following symlinks, with their sha256. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <lauxlib.h>
#include <lua.h>
#include <string.h>
#include <unistd.h>

#include "../core/export.h"
#include "fs.h"


/* Opens the output folder named at idx; raises when it cannot. */
static int open_out(lua_State *L, int idx)
{
  const char *out = luaL_checkstring(L, idx);
  int fd = open(out, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    luaL_error(L, "cannot open the output folder '%s'", out);
  return fd;
}


/* A relative path (the core refuses . and .. components). */
static const char *check_rel(lua_State *L, int idx)
{
  const char *rel = luaL_checkstring(L, idx);
  luaL_argcheck(L, rel[0] != '/', idx, "a relative path");
  return rel;
}


static int fail(lua_State *L, int rc, const char *err)
{
  lua_pushnil(L);
  lua_pushstring(L, err);
  lua_pushstring(L, wo_strerror_code(rc));
  return 3;
}


/* export.file(src, path, outdir, rel) -> {sha256, size} or nil, msg,
 * code.  path is a regular file of src (a symlink is not followed). */
static int e_file(lua_State *L)
{
  wo_src *s = wofs_check(L, 1);
  const char *path = luaL_checkstring(L, 2), *rel = check_rel(L, 4);
  char canon[WO_PATH_MAX], hex[65] = "", err[256] = "";
  wo_stat st;
  wo_file *f;
  uint64_t size = 0;
  int rc, fd;
  if ((rc = wo_resolve(s, path, 0, canon)) < 0 ||
      (rc = wo_lstat(s, canon, &st)) < 0)
    return wofs_fail(L, s, rc, "cannot find", path);
  if (st.type != WO_T_REG)
    return wofs_fail(L, s, WO_EUNSUP, "not a regular file:", canon);
  if ((rc = wo_open(s, canon, &f)) < 0)
    return wofs_fail(L, s, rc, "cannot open", canon);
  fd = open_out(L, 3);
  rc = wo_export_file(fd, rel, f, st.mode, st.atime, st.mtime, hex, &size,
                      err);
  close(fd);
  wo_fclose(f);
  if (rc < 0)
    return fail(L, rc, err);
  lua_createtable(L, 0, 2);
  wofs_set_str(L, "sha256", hex);
  wofs_set_int(L, "size", (lua_Integer)size);
  return 1;
}


/* export.dir(outdir, rel, mode) -> true or nil, msg, code */
static int e_dir(lua_State *L)
{
  const char *rel = check_rel(L, 2);
  lua_Integer mode = luaL_optinteger(L, 3, 0755);
  char err[256] = "";
  int fd = open_out(L, 1), rc = wo_export_dir(fd, rel, (uint32_t)mode, err);
  close(fd);
  if (rc < 0)
    return fail(L, rc, err);
  lua_pushboolean(L, 1);
  return 1;
}


/* export.times(outdir, rel, atime_ns, mtime_ns) -> true or nil, msg */
static int e_times(lua_State *L)
{
  const char *rel = check_rel(L, 2);
  lua_Integer a = luaL_optinteger(L, 3, -1), m = luaL_optinteger(L, 4, -1);
  char err[256] = "";
  int fd = open_out(L, 1), rc = wo_export_times(fd, rel, a, m, err);
  close(fd);
  if (rc < 0)
    return fail(L, rc, err);
  lua_pushboolean(L, 1);
  return 1;
}


/* export.link(outdir, from_rel, rel) -> true or nil, msg, code: rel
 * becomes a hard link to the copy from_rel (hard links of the evidence
 * stay one file in the output). */
static int e_link(lua_State *L)
{
  const char *from = check_rel(L, 2), *rel = check_rel(L, 3);
  char err[256] = "";
  int fd = open_out(L, 1), rc = wo_export_link(fd, from, rel, err);
  close(fd);
  if (rc < 0)
    return fail(L, rc, err);
  lua_pushboolean(L, 1);
  return 1;
}


static const luaL_Reg export_funcs[] = {
  {"file", e_file}, {"dir", e_dir}, {"times", e_times}, {"link", e_link},
  {NULL, NULL}
};


int luaopen_whiteout_export(lua_State *L)
{
  wofs_register(L);
  luaL_newlib(L, export_funcs);
  return 1;
}
