/* What other bindings need of whiteout.tsk: its Image handle. */
#ifndef WO_BIND_TSK_H
#define WO_BIND_TSK_H

#include <lua.h>

#include "../core/tsk.h"

/* The image of the whiteout.tsk.Image at idx; raises when it is not
 * one or is closed. */
wo_img *wotsk_check(lua_State *L, int idx);

#endif
