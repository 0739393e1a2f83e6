/* whiteout.gzip: gzip decompression of strings already read from the
 * evidence, bounded in output size (rotated, compressed logs). */
#include <lauxlib.h>
#include <lua.h>

#include "../core/ev.h"
#include "../core/gzip.h"


static int add_piece(void *arg, const void *buf, size_t n)
{
  luaL_addlstring((luaL_Buffer *)arg, buf, n);
  return 0;
}


/* gzip.decompress(data, max) -> text; or nil, message, code when the
 * stream is damaged ("CORRUPT") or longer than max ("RANGE"), with what
 * could be inflated as the fourth value.
 * Example: gzip.decompress(src:read("x.log.1.gz"), 64 << 20) */
static int f_decompress(lua_State *L)
{
  size_t n;
  const char *in = luaL_checklstring(L, 1, &n);
  lua_Integer max = luaL_checkinteger(L, 2);
  const char *why;
  luaL_Buffer b;
  int rc;
  luaL_argcheck(L, max >= 0, 2, "negative limit");
  luaL_buffinit(L, &b);
  rc = wo_gunzip(in, n, (size_t)max, add_piece, &b, &why);
  luaL_pushresult(&b);
  if (rc == WO_OK)
    return 1;
  lua_pushnil(L);
  lua_pushstring(L, why);
  lua_pushstring(L, rc == WO_ERANGE ? "RANGE" : "CORRUPT");
  lua_rotate(L, -4, -1);
  return 4;
}


static const luaL_Reg funcs[] = {
  {"decompress", f_decompress},
  {NULL, NULL}
};


int luaopen_whiteout_gzip(lua_State *L)
{
  luaL_newlib(L, funcs);
  return 1;
}
