-- PLACEHOLDER being replaced by the model (issue 2).
local M = {}
function M.new_root(r, ev) r.ev = ev return r end
return M
