/* whiteout.hash: sha256 of a string, for ids Docker derives from other
 * ids (layer chain ids) and for content already read. */
#include <lauxlib.h>
#include <lua.h>

#include "../core/hash.h"


/* hash.sha256(s) -> 64 hex characters.
 * Example: hash.sha256("") --> "e3b0c442...b855" */
static int f_sha256(lua_State *L)
{
  size_t n;
  const char *s = luaL_checklstring(L, 1, &n);
  char hex[65];
  wo_sha256_buf(s, n, hex);
  lua_pushstring(L, hex);
  return 1;
}


static const luaL_Reg funcs[] = {
  {"sha256", f_sha256},
  {NULL, NULL}
};


int luaopen_whiteout_hash(lua_State *L)
{
  luaL_newlib(L, funcs);
  return 1;
}
