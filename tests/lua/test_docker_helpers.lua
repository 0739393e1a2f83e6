-- The model's helpers: whiteout.hash, whiteout.gzip, the log parsers and
-- the text renderings, each with a bad-argument case.
local t = require "testlib"
local hash = require "whiteout.hash"
local gzip = require "whiteout.gzip"
local logs = require "whiteout.logs"
local present = require "whiteout.present"

-- hash
t.eq("sha256 of nothing", hash.sha256(""),
  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
t.eq("sha256 of abc", hash.sha256("abc"),
  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
t.raises("sha256 bad argument", function() hash.sha256() end,
  "bad argument")

-- gzip: made by gzip(1), two members, cut, and bounded
local d = t.tmp("gzip")
os.execute("printf 'hello\\n' | gzip -n > " .. d .. "/a.gz && printf "
  .. "'world\\n' | gzip -n >> " .. d .. "/a.gz")
local data = io.open(d .. "/a.gz", "rb"):read("a")
t.eq("two members", gzip.decompress(data, 100), "hello\nworld\n")
local v, msg, code, part = gzip.decompress(data, 8)
t.eq("over the limit", { v, code, part }, { nil, "RANGE", "hello\nwo" })
t.ok("limit message", msg and msg:find("limit"), msg)
v, msg, code = gzip.decompress(data:sub(1, 15), 100)
t.eq("cut stream", { v, code }, { nil, "CORRUPT" })
v, msg, code = gzip.decompress("not gzip at all", 100)
t.eq("not gzip", { v, code }, { nil, "CORRUPT" })
t.raises("decompress bad argument", function() gzip.decompress(data) end,
  "bad argument")
t.raises("decompress negative limit",
  function() gzip.decompress(data, -1) end, "negative")

-- json-file lines: a torn last line and a bad one are counted
local text = '{"log":"a\\n","stream":"stdout","time":"t1"}\n'
  .. 'garbage\n{"log":"b\\n","stream":"stderr","time":"t2"}\n{"log":"c'
local e, bad, first = logs.parse_json_lines(text)
t.eq("json lines", { #e, e[2].log, e[2].stream, e[2].lineno, bad, first },
  { 2, "b\n", "stderr", 3, 2, 2 })
t.raises("parse_json_lines bad argument",
  function() logs.parse_json_lines(nil) end, "bad argument")

-- local driver frames
local function frame(body)
  local n = string.pack(">I4", #body)
  return n .. body .. n
end
local body = "\x0a\x06stdout\x10\x80\x94\xeb\xdc\x03\x1a\x02hi\x20\x01"
local entries, err = logs.parse_local(frame(body) .. frame(body))
t.eq("local frames", { #entries, entries[1].line, entries[1].source,
  entries[1].time_nano, entries[1].partial, entries[2].offset, err },
  { 2, "hi", "stdout", 1000000000, true, #body + 8, nil })
entries, err = logs.parse_local(frame(body):sub(1, -3))
t.eq("cut frame", #entries, 0)
t.ok("cut frame says so", err and err:find("runs past"), err)
entries, err = logs.parse_local(string.pack(">I4", 3) .. "abc"
  .. string.pack(">I4", 4))
t.ok("lengths differ", err and err:find("differ"), err)
t.eq("field past its entry", logs.decode_entry("\x1a\x09hi"), nil)
t.raises("parse_local bad argument", function() logs.parse_local(1) end,
  "bad argument")
t.raises("decode_entry bad argument", function() logs.decode_entry() end,
  "bad argument")

-- text renderings
t.eq("time", present.time("2026-12-03T16:07:43.548292153Z"),
  "2026-12-03 16:07:43Z")
t.eq("zero time", present.time("0001-01-01T00:00:00Z"), "-")
t.eq("safe", present.safe("a\27[2Jb\nc", true), "a\\x1b[2Jb\nc")
t.eq("nop instruction", present.instruction({ created_by =
  "/bin/sh -c #(nop)  CMD [\"sh\"]" }), "CMD [\"sh\"]")
t.eq("copy instruction", present.instruction({ created_by =
  "/bin/sh -c #(nop) COPY file:ab in /x "}), "COPY file:ab /x")
t.eq("run instruction", present.instruction({ created_by =
  "/bin/sh -c apk add curl" }), "RUN apk add curl")
t.eq("buildkit instruction", present.instruction({ created_by =
  "RUN /bin/sh -c make # buildkit" }), "RUN /bin/sh -c make")
t.eq("imported layer", present.instruction({ comment = "imported" }),
  "FROM scratch  # imported")
t.raises("safe bad argument", function() present.safe(1) end,
  "bad argument")
t.raises("with_times bad argument", function() present.with_times() end,
  "bad argument")
t.raises("by_root bad argument", function() present.by_root() end,
  "bad argument")
t.raises("keyvalue bad argument", function() present.keyvalue() end,
  "bad argument")
t.raises("dockerfile bad argument", function() present.dockerfile(print)
  end, "bad argument")
t.eq("by_root groups", #present.by_root({ { data_root = "/a" },
  { data_root = "/b" }, { data_root = "/a" } }), 2)
t.raises("time bad argument", function() present.time(5) end,
  "bad argument")
t.raises("instruction bad argument", function() present.instruction() end,
  "bad argument")
