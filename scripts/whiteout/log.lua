-- Messages to stderr: warnings about the evidence, progress with -v.
-- Only the runner and this module write to the terminal.
local M = { level = 1, seen = {}, count = 0, sink = nil }

-- level: 0 quiet (errors only), 1 warnings, 2 verbose, 3 debug


local function emit(prefix, msg)
  if M.sink then
    M.sink(prefix, msg)
  else
    io.stderr:write("whiteout: ", prefix, msg, "\n")
  end
end


--- Warns once about a problem in the evidence.  Warnings are counted so
-- that the runner can say how many there were.
function M.warn(fmt, ...)
  local msg = select("#", ...) > 0 and fmt:format(...) or fmt
  if M.seen[msg] then return end
  M.seen[msg] = true
  M.count = M.count + 1
  if M.level >= 1 then emit("warning: ", msg) end
end


--- An error that ends a command (always printed).
function M.error(fmt, ...)
  emit("", select("#", ...) > 0 and fmt:format(...) or fmt)
end


--- Progress, shown with -v.
function M.info(fmt, ...)
  if M.level >= 2 then
    emit("", select("#", ...) > 0 and fmt:format(...) or fmt)
  end
end


--- Detail, shown with --debug.
function M.debug(fmt, ...)
  if M.level >= 3 then
    emit("debug: ", select("#", ...) > 0 and fmt:format(...) or fmt)
  end
end

return M
