-- A small harness for the Lua tests: each check prints "ok NAME" or
-- "not ok NAME: why"; run by tests/run through `whiteout exec`.
local M = { failed = 0 }



local function show(v)
  if type(v) == "string" then return string.format("%q", v) end
  return tostring(v)
end


--- Checks that got equals want (deeply for tables).
function M.eq(name, got, want)
  local function same(a, b)
    if type(a) ~= "table" or type(b) ~= "table" then return a == b end
    for k, v in pairs(a) do if not same(v, b[k]) then return false end end
    for k in pairs(b) do if a[k] == nil then return false end end
    return true
  end
  if same(got, want) then
    print("ok " .. name)
  else
    M.failed = M.failed + 1
    print(("not ok %s: got %s, want %s"):format(name, show(got), show(want)))
  end
end


--- Checks that cond is true.
function M.ok(name, cond, why)
  if cond then print("ok " .. name) return true end
  M.failed = M.failed + 1
  print(("not ok %s: %s"):format(name, why or "false"))
  return false
end


--- Checks that fn raises an error whose text contains pattern.
function M.raises(name, fn, pattern)
  local ok, err = pcall(fn)
  M.ok(name, not ok and tostring(err):find(pattern, 1, true),
    ok and "did not raise" or ("raised " .. tostring(err)))
end


function M.skip(name, why)
  print(("skip %s: %s"):format(name, why))
end


--- Whether a command is on the PATH (tests skip without their tools).
function M.have(cmd)
  return os.execute("command -v " .. cmd .. " >/dev/null 2>&1") == true
end


--- A scratch folder for this run.
function M.tmp(sub)
  local base = os.getenv("WO_TEST_TMP") or "/tmp"
  local p = base .. "/" .. sub
  os.execute("rm -rf '" .. p .. "' && mkdir -p '" .. p .. "'")
  return p
end

return M
