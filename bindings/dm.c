/* whiteout.dm: device-mapper devices through libdevmapper, for the
 * devicemapper mount path: a read-only thin pool and thin device made
 * from tables the Lua side builds (whiteout.dmmount), and removed
 * again.  libdevmapper's log goes into the last error, never to the
 * terminal.
 *
 * Caveats: udev is not waited for beyond libdevmapper's own cookie;
 * without udev, /dev/mapper nodes are made by libdevmapper itself. */
#include <errno.h>
#include <lauxlib.h>
#include <libdevmapper.h>
#include <lua.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* libdevmapper's last message at error level, kept for our error. */
static char last_msg[256];


static void dm_logger(int level, const char *file, int line, int dm_errno,
                      const char *fmt, ...)
{
  va_list ap;
  if ((level & 7) > 3)   /* _LOG_ERR is 3: warnings, chatter dropped */
    return;
  va_start(ap, fmt);
  vsnprintf(last_msg, sizeof last_msg, fmt, ap);
  va_end(ap);
}


static int fail(lua_State *L, const char *what, const char *name)
{
  lua_pushnil(L);
  lua_pushfstring(L, "%s '%s': %s", what, name,
                  last_msg[0] ? last_msg : "device-mapper refused");
  lua_pushstring(L, "EIO");
  last_msg[0] = '\0';
  return 3;
}


/* dm.available() -> true | false, why: whether the kernel's
 * device-mapper can be reached. */
static int d_available(lua_State *L)
{
  char v[64];
  if (access("/dev/mapper/control", R_OK | W_OK) != 0) {
    lua_pushboolean(L, 0);
    lua_pushstring(L, "no /dev/mapper/control: this kernel (or "
                   "container) has no device-mapper");
    return 2;
  }
  if (!dm_driver_version(v, sizeof v)) {
    lua_pushboolean(L, 0);
    lua_pushfstring(L, "device-mapper does not answer: %s", last_msg);
    return 2;
  }
  lua_pushboolean(L, 1);
  return 1;
}


/* Adds the table's lines ({start, length, type, params}) to dmt. */
static int add_targets(lua_State *L, struct dm_task *dmt, int idx)
{
  lua_Integer n = luaL_len(L, idx);
  for (lua_Integer i = 1; i <= n; i++) {
    lua_Integer start, len;
    const char *type, *params;
    lua_geti(L, idx, i);
    luaL_argcheck(L, lua_istable(L, -1), idx, "table lines are tables");
    lua_geti(L, -1, 1);
    lua_geti(L, -2, 2);
    lua_geti(L, -3, 3);
    lua_geti(L, -4, 4);
    start = luaL_checkinteger(L, -4);
    len = luaL_checkinteger(L, -3);
    type = luaL_checkstring(L, -2);
    params = luaL_checkstring(L, -1);
    luaL_argcheck(L, start >= 0 && len > 0, idx, "bad line extent");
    if (!dm_task_add_target(dmt, (uint64_t)start, (uint64_t)len, type,
                            params))
      return 0;
    lua_pop(L, 5);
  }
  return 1;
}


/* dm.create(name, lines) -> true | nil, message, code: a read-only
 * device whose table is lines ({start, length, type, params} in
 * sectors). */
static int d_create(lua_State *L)
{
  const char *name = luaL_checkstring(L, 1);
  struct dm_task *dmt;
  uint32_t cookie = 0;
  int ok;
  luaL_checktype(L, 2, LUA_TTABLE);
  luaL_argcheck(L, luaL_len(L, 2) > 0, 2, "empty table");
  if (!(dmt = dm_task_create(DM_DEVICE_CREATE)))
    return fail(L, "cannot create", name);
  ok = dm_task_set_name(dmt, name) && dm_task_set_ro(dmt) &&
       add_targets(L, dmt, 2) && dm_task_set_cookie(dmt, &cookie, 0) &&
       dm_task_run(dmt);
  if (cookie)
    dm_udev_wait(cookie);
  dm_task_destroy(dmt);
  if (!ok)
    return fail(L, "cannot create", name);
  lua_pushboolean(L, 1);
  return 1;
}


/* dm.remove(name) -> true | nil, message, code */
static int d_remove(lua_State *L)
{
  const char *name = luaL_checkstring(L, 1);
  struct dm_task *dmt = dm_task_create(DM_DEVICE_REMOVE);
  uint32_t cookie = 0;
  int ok;
  if (!dmt)
    return fail(L, "cannot remove", name);
  ok = dm_task_set_name(dmt, name) && dm_task_set_cookie(dmt, &cookie, 0)
       && dm_task_run(dmt);
  if (cookie)
    dm_udev_wait(cookie);
  dm_task_destroy(dmt);
  if (!ok)
    return fail(L, "cannot remove", name);
  lua_pushboolean(L, 1);
  return 1;
}


static const luaL_Reg dm_funcs[] = {
  {"available", d_available}, {"create", d_create}, {"remove", d_remove},
  {NULL, NULL}
};


int luaopen_whiteout_dm(lua_State *L)
{
  dm_log_with_errno_init(dm_logger);
  luaL_newlib(L, dm_funcs);
  return 1;
}
