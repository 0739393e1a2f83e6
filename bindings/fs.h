/* What other bindings share with whiteout.fs: a Source on the Lua stack
 * is a wo_src, whatever backend or view made it. */
#ifndef WO_BINDINGS_FS_H
#define WO_BINDINGS_FS_H

#include <lua.h>

#include "../core/ev.h"

#define WO_SOURCE_MT "whiteout.fs.Source"

/* Pushes a Source owning one reference to s (taken over; s may be NULL,
 * then pushes nil).  Returns s. */
wo_src *wofs_push(lua_State *L, wo_src *s);
/* The open source at idx; raises if it is not a Source or is closed. */
wo_src *wofs_check(lua_State *L, int idx);
/* Pushes nil, the source's message prefixed by what, and the code;
 * returns 3 for a C function to return. */
int wofs_fail(lua_State *L, wo_src *s, int code, const char *what,
              const char *path);
/* Pushes nil, msg and code (an evidence failure that is not a Source's);
 * returns 3. */
int wofs_error(lua_State *L, const char *msg, const char *code);
/* Set field k of the table on top of the stack: an integer; a time,
 * left out when negative (unknown); a string, left out when NULL. */
void wofs_set_int(lua_State *L, const char *k, lua_Integer v);
void wofs_set_time(lua_State *L, const char *k, int64_t t);
void wofs_set_str(lua_State *L, const char *k, const char *v);
/* Appends the value on top of the stack to the list below it (pops it). */
void wofs_append(lua_State *L);
/* Creates the Source metatable if needed; any binding that pushes a
 * Source calls it from its luaopen. */
void wofs_register(lua_State *L);
/* Pushes a stat table for st. */
void wofs_push_stat(lua_State *L, const wo_stat *st);

#endif
