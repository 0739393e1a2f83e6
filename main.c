/* whiteout: the program.  It embeds Lua 5.4, preloads the bindings, finds
 * the Lua library beside the binary (in-tree or installed), and hands the
 * command line to scripts/whiteout/cli.lua, which does the rest. */
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build/modules.h"

#ifndef WO_VERSION
#define WO_VERSION "0.0.0"
#endif
#ifndef WO_SHARE_REL
#define WO_SHARE_REL "../share/whiteout"
#endif

static lua_State *global_L;


/* A SIGINT sets a hook that raises "interrupted" at the next Lua step,
 * as lua.c does, so teardown code in Lua still runs. */
static void stop_hook(lua_State *L, lua_Debug *ar)
{
  (void)ar;
  lua_sethook(L, NULL, 0, 0);
  luaL_error(L, "interrupted");
}


static void on_sigint(int sig)
{
  int mask = LUA_MASKCALL | LUA_MASKRET | LUA_MASKLINE | LUA_MASKCOUNT;
  signal(sig, SIG_DFL);
  lua_sethook(global_L, stop_hook, mask, 1);
}


static int traceback(lua_State *L)
{
  const char *msg = lua_tostring(L, 1);
  if (!msg)
    msg = luaL_tolstring(L, 1, NULL);
  luaL_traceback(L, L, msg, 1);
  return 1;
}


static int is_dir(const char *p)
{
  struct stat st;
  return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}


/* Finds the folder holding scripts/ and playbooks/: beside the binary in
 * a build tree, or PREFIX/share/whiteout when installed. */
static int find_home(char *home, size_t n)
{
  char exe[4096], probe[4200];
  /* exe is cut short so that every probe below fits */
  ssize_t len = readlink("/proc/self/exe", exe, 4000);
  /* 4000 + the longest suffix below fits every buffer here */
  char *slash;
  if (len < 0)
    return -1;
  exe[len] = '\0';
  if ((slash = strrchr(exe, '/')))
    *slash = '\0';
  snprintf(probe, sizeof probe, "%s/scripts/whiteout", exe);
  if (is_dir(probe)) {
    snprintf(home, n, "%s", exe);
    return 0;
  }
  snprintf(probe, sizeof probe, "%s/" WO_SHARE_REL "/scripts", exe);
  if (is_dir(probe)) {
    snprintf(home, n, "%s/" WO_SHARE_REL, exe);
    return 0;
  }
  return -1;
}


static void preload(lua_State *L)
{
  const struct wo_module *m;
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
  for (m = wo_modules; m->name; m++) {
    lua_pushcfunction(L, m->fn);
    lua_setfield(L, -2, m->name);
  }
  lua_pop(L, 1);
}


/* package.path: our library first, then Lua's usual places so that a
 * case script may use other installed modules. */
static void set_path(lua_State *L, const char *home)
{
  lua_getglobal(L, "package");
  lua_getfield(L, -1, "path");
  lua_pushfstring(L, "%s/scripts/?.lua;%s/scripts/?/init.lua;%s", home,
                  home, lua_tostring(L, -1));
  lua_setfield(L, -3, "path");
  lua_pop(L, 2);
}


/* Runs require("whiteout.cli").main(argv, info); returns the exit code. */
static int pmain(lua_State *L)
{
  int argc = (int)lua_tointeger(L, 1), i;
  char **argv = lua_touserdata(L, 2);
  const char *home = lua_tostring(L, 3);
  luaL_openlibs(L);
  preload(L);
  set_path(L, home);
  lua_pushcfunction(L, traceback);
  lua_getglobal(L, "require");
  lua_pushliteral(L, "whiteout.cli");
  lua_call(L, 1, 1);
  lua_getfield(L, -1, "main");
  lua_createtable(L, argc, 0);
  for (i = 1; i < argc; i++) {
    lua_pushstring(L, argv[i]);
    lua_rawseti(L, -2, i);
  }
  lua_createtable(L, 0, 3);
  lua_pushstring(L, home);
  lua_setfield(L, -2, "home");
  lua_pushliteral(L, WO_VERSION);
  lua_setfield(L, -2, "version");
  lua_call(L, 2, 1);
  return 1;
}


int main(int argc, char **argv)
{
  char home[4200];
  int status;
  lua_State *L;
  if (find_home(home, sizeof home) < 0) {
    fprintf(stderr, "whiteout: cannot find the Lua library beside the "
            "binary or in " WO_SHARE_REL "\n");
    return 1;
  }
  if (!(L = luaL_newstate())) {
    fprintf(stderr, "whiteout: out of memory\n");
    return 1;
  }
  global_L = L;
  signal(SIGINT, on_sigint);
  lua_pushcfunction(L, traceback);
  lua_pushcfunction(L, pmain);
  lua_pushinteger(L, argc);
  lua_pushlightuserdata(L, argv);
  lua_pushstring(L, home);
  if (lua_pcall(L, 3, 1, 1) != LUA_OK) {
    fprintf(stderr, "whiteout: %s\n", lua_tostring(L, -1));
    lua_close(L);
    return 1;
  }
  status = (int)lua_tointeger(L, -1);
  lua_close(L);
  return status;
}
