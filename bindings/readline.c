/* whiteout.readline: line editing for the interactive shell, through
 * GNU readline (Debian's libreadline). */
#include <lauxlib.h>
#include <lua.h>
#include <readline/history.h>
#include <readline/readline.h>
#include <stdlib.h>


/* readline(prompt) -> line, or nil at end of input */
static int f_readline(lua_State *L)
{
  const char *prompt = luaL_optstring(L, 1, "> ");
  char *line = readline(prompt);
  if (!line)
    return 0;
  lua_pushstring(L, line);
  free(line);
  return 1;
}


static int f_add_history(lua_State *L)
{
  add_history(luaL_checkstring(L, 1));
  return 0;
}


static const luaL_Reg funcs[] = {
  {"readline", f_readline},
  {"add_history", f_add_history},
  {NULL, NULL}
};


int luaopen_whiteout_readline(lua_State *L)
{
  luaL_newlib(L, funcs);
  return 1;
}
