-- What most storage drivers (scripts/drivers/, docs/drivers.md) share:
-- checking a layer id taken from the evidence, and a layout where each
-- layer is one folder <top>/<id><suffix> under the data root.
local M = {}


--- Whether id can name one folder: a string with no separators and no
-- dot names (ids come from the evidence and may hold "/" or "..").
function M.valid_id(id)
  return type(id) == "string" and id:match("^[%w_%.%-]+$") ~= nil
    and id ~= "." and id ~= ".."
end


--- Whether rel is a directory of the data root (links not followed).
function M.is_dir(root, rel)
  local st = root.src:lstat(rel)
  return st ~= nil and st.type == "dir"
end


--- Gives driver D the detect, layer_dir and parse_path of layers kept
-- in top/<id><suffix> (suffix "" or like "/diff"): detect looks for
-- the top folder, layer_dir checks the id first.  Returns D.
function M.folders(D, top, suffix)
  suffix = suffix or ""
  local pattern = top:gsub("%p", "%%%0") .. "/([%w_%.%-]+)"
    .. suffix:gsub("%p", "%%%0") .. "(/?.*)$"
  function D.detect(root)
    return M.is_dir(root, top)
  end
  function D.layer_dir(root, id)
    if not M.valid_id(id) then return nil end
    return top .. "/" .. id .. suffix
  end
  function D.parse_path(path)
    local id, rest = path:match(pattern)
    if not M.valid_id(id) then return nil end
    return id, rest == "" and "/" or rest
  end
  return D
end

return M
