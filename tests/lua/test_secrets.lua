-- whiteout.secrets: names and shapes that look like credentials, and the
-- ordinary values that must not.
local t = require "testlib"
local s = require "whiteout.secrets"

local yes = {
  { "DB_PASSWORD", "x", { "name" } },
  { "aws_secret_access_key", "abc", { "name" } },
  { "KEY_ID", "AKIAIOSFODNN7EXAMPLE", { "aws-access-key-id" } },
  { "X", "-----BEGIN OPENSSH PRIVATE KEY-----", { "private-key" } },
  { "DATABASE_URL", "postgres://app:s3cr3t@db:5432/x",
    { "password-in-url" } },
  { "GH", "ghp_" .. ("aB1"):rep(12), { "github-token" } },
  { "T", "eyJhbGciOi.eyJzdWIiOi.sig", { "jwt" } },
  { "SESSION", "Zq8vL2mN5xR7tY1wK9pB3cD6", { "high-entropy" } },
  { "TOKEN", "Zq8vL2mN5xR7tY1wK9pB3cD6", { "name", "high-entropy" } },
}
for _, c in ipairs(yes) do
  t.eq("secret: " .. c[1], s.judge(c[1], c[2]), c[3])
end
local no = {
  { "PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" },
  { "HOSTNAME", "b1ee54c60254" },
  { "PWD", "/root" },
  { "IMAGE_ID", ("0123456789abcdef"):rep(4) },
  { "DB_HOST", "db.corp.example" },
  { "FRUIT_SLEEP", "6" },
  { "URL", "https://example.com/a/b" },
  { "LANG", "C.UTF-8" },
  { "DB_PASSWORD", "" },
  { "org.opencontainers.image.title", "fruit-basket" },
  { "DESC", "ThisIsALongCamelCaseIdentifierName" },
  { "TOKENIZERS_PARALLELISM", "false" },
  { "AUTH_ENABLED", "yes" },
}
for _, c in ipairs(no) do
  t.eq("not secret: " .. c[1], s.judge(c[1], c[2]), {})
end
t.eq("mask long", s.mask("Hunter2-DFX-FAKE"), "Hun***********KE")
t.eq("mask short", s.mask("abc"), "***")
t.ok("entropy of random > words", s.entropy("Zq8vL2mN5xR7tY1wK9pB3cD6")
  > s.entropy("aaaaabbbbbcccccddddd"))
t.eq("file names", { s.file_name_says_secret("/root/.ssh/id_ed25519"),
  s.file_name_says_secret("/root/.ssh/id_ed25519.pub"),
  s.file_name_says_secret("/app/.env"),
  s.file_name_says_secret("/etc/passwd") }, { true, false, true, false })
local found = s.scan_text("# conf\nexport API_TOKEN='abc123'\nhello\n"
  .. "root:$6$salt$hash:19000:0:99999:7:::\n")
t.eq("scan lines", { #found, found[1].line, found[1].rules[1],
  found[2].line, found[2].rules[1] }, { 2, 2, "name", 4, "password-hash" })
local a = s.assignments('/bin/sh -c echo "api_key=DFX-IMAGE-SECRET" > '
  .. "/f && PATH=/usr/bin:/bin make && TOKEN='x9' ./run")
t.eq("assignments", a, { { "api_key", "DFX-IMAGE-SECRET", { "name" } },
  { "TOKEN", "x9", { "name" } } })
t.raises("assignments: bad argument", function() s.assignments(nil) end,
  "string")
t.raises("shapes: bad argument", function() s.shapes(nil) end, "string")
t.raises("name: bad argument", function() s.name_says_secret({}) end,
  "string")
