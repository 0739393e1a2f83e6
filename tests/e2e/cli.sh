#!/usr/bin/env bash
# The command line's contract: exit codes per --help (2 usage, 3
# evidence), -o never inside the evidence, help for the commands, "no
# records" in text only, exec's emit and --format.  Runs on a data root
# made here (an empty containers and image folder).
set -u
. "$(dirname "$0")/lib.sh"
dir=${WO_TEST_TMP:-/tmp}/cli
rm -rf "$dir" && mkdir -p "$dir/ev/docker/containers" \
  "$dir/ev/docker/image/overlay2" "$dir/plain" "$dir/out"
ev=$dir/ev/docker

# expect NAME RC PATTERN CMD...: exit status RC and PATTERN in stderr+stdout
expect() {
  local name=$1 want=$2 pat=$3; shift 3
  local out rc
  out=$("$@" 2>&1); rc=$?
  if [ "$rc" -ne "$want" ]; then
    echo "not ok $name: exit $rc, want $want: $(head -c 300 <<<"$out")"
  elif ! grep -qF -- "$pat" <<<"$out"; then
    echo "not ok $name: no '$pat' in: $(head -c 300 <<<"$out")"
  else
    echo "ok $name"
  fi
}

expect "bad choice exits 2" 2 "--arg min must be one of all, reach" \
  ./whiteout run escape -e "$ev" --arg min=everything
expect "bad time exits 2" 2 "--arg since must be a time" \
  ./whiteout run files -e "$ev" --arg since=yesterday
expect "bad size exits 2" 2 "--arg max_bytes must be a size" \
  ./whiteout run logs -e "$ev" --arg max_bytes=lots
expect "bad yes/no exits 2" 2 "--arg orphans must be yes or no" \
  ./whiteout run deleted -e "$ev" --arg orphans=maybe
expect "missing required arg exits 2" 2 "inspect: needs --arg container=" \
  ./whiteout run inspect -e "$ev"
expect "folder without data root exits 3" 3 \
  "no Docker data root found in $dir/plain (looked in" \
  ./whiteout run containers -e "$dir/plain"
expect "missing image file" 3 \
  "cannot open '$dir/nothere.img': No such file or directory" \
  ./whiteout run containers -e "$dir/nothere.img"
expect "-o inside the evidence exits 2" 2 "lies inside the evidence" \
  ./whiteout run containers -e "$ev" -o "$ev/out.txt"
expect "-o in a new folder inside the evidence exits 2" 2 \
  "lies inside the evidence" \
  ./whiteout run containers -e "$ev" -o "$ev/new/out.txt"
ln -sfn "$ev/containers" "$dir/link"
expect "-o through a symlink into the evidence exits 2" 2 \
  "lies inside the evidence" \
  ./whiteout run containers -e "$ev" -o "$dir/link/out.txt"
expect "-o into a missing folder exits 2" 2 "no folder $dir/none" \
  ./whiteout run containers -e "$ev" -o "$dir/none/out.txt"
if [ -e "$ev/out.txt" ] || [ -e "$ev/new" ] || [ -e "$ev/containers/out.txt" ]
then echo "not ok -o wrote into the evidence"; else echo "ok evidence kept"; fi
expect "triage out inside the evidence exits 2" 2 "inside the evidence" \
  ./whiteout run triage -e "$ev" --arg out="$ev/report"
expect "-o elsewhere works" 0 "" \
  ./whiteout run containers -e "$ev" -o "$dir/out/c.txt"

for c in exec run shell list; do
  expect "help $c" 0 "usage: whiteout $c" ./whiteout help "$c"
done
expect "help lists an argument's choices" 0 "(one of: all, reach)" \
  ./whiteout help escape
expect "help says an argument is required" 0 "(required)" \
  ./whiteout help inspect
expect "help exec names the calling convention" 0 "local ev, args = ..." \
  ./whiteout help exec
expect "--help names exec's convention" 0 "local ev, args = ..." \
  ./whiteout --help

expect "no records in text" 0 "containers: no records" \
  ./whiteout run containers -q -e "$ev"
for f in json jsonl csv; do
  out=$(./whiteout run containers -q -e "$ev" --format $f 2>&1)
  if grep -q "no records" <<<"$out"; then
    echo "not ok no 'no records' in $f: $out"
  else echo "ok no 'no records' in $f"; fi
done

cat > "$dir/emit.lua" <<'EOF'
local ev, args = ...
emit({ kind = "note", source = "test", n = #ev.roots, arg = args[1] })
return { { kind = "note", source = "test", n = 2, arg = args[2] } }
EOF
out=$(./whiteout -q --format jsonl exec "$dir/emit.lua" -e "$ev" a b 2>&1 |
  python3 -c 'import json, sys
for l in sys.stdin: print(json.dumps(json.loads(l), sort_keys=True,
                                     separators=(",", ":")))')
want='{"arg":"a","kind":"note","n":1,"source":"test"}
{"arg":"b","kind":"note","n":2,"source":"test"}'
if [ "$out" = "$want" ]; then echo "ok exec emit and return in jsonl"
else echo "not ok exec emit and return in jsonl: $out"; fi
./whiteout -q -o "$dir/out/exec.jsonl" --format jsonl exec "$dir/emit.lua" \
  -e "$ev" a b > "$dir/out/stdout" 2>&1
if [ "$(wc -l < "$dir/out/exec.jsonl")" -eq 2 ] && [ ! -s "$dir/out/stdout" ]
then echo "ok exec writes -o"
else echo "not ok exec writes -o: $(cat "$dir/out/stdout")"; fi
expect "exec -o inside the evidence exits 2" 2 "lies inside the evidence" \
  ./whiteout -o "$ev/x.jsonl" exec "$dir/emit.lua" -e "$ev"
out=$(./whiteout run containers -e "$dir/plain" -e "$ev" 2>&1); rc=$?
if [ $rc -eq 0 ] && grep -q "warning: no Docker data root found in $dir/plain" \
  <<<"$out"; then echo "ok a bare folder beside a data root warns"
else echo "not ok a bare folder beside a data root warns: $rc $out"; fi
