#!/usr/bin/env bash
# The shell fed on stdin (readline reads a pipe): "= expr", a chunk over
# several lines, one-line errors (tracebacks only with --debug), globals
# kept between inputs.
set -u
. "$(dirname "$0")/lib.sh"
dir=${WO_TEST_TMP:-/tmp}/shell
rm -rf "$dir" && mkdir -p "$dir/docker/containers" "$dir/docker/image/overlay2"
ev=$dir/docker
out=$(printf '%s\n' 'x = 40 +' '2' '= x' 'for i = 1, 2 do' 'print("i" .. i)' \
  'end' 'error("boom")' '= #ev.roots' 'local y = 5' '= y' |
  ./whiteout -q shell -e "$ev" 2>"$dir/err")
check() { if grep -qxF -- "$2" <<<"$3"; then echo "ok $1"
  else echo "not ok $1: no line '$2' in: $(head -c 400 <<<"$3")"; fi; }
check "shell: = expr after a continued line" "42" "$(sed 's/^.*> //' <<<"$out")"
check "shell: continuation prompt" "...> 2" "$out"
check "shell: a block over three lines" "i2" "$(sed 's/^.*> //' <<<"$out")"
check "shell: evidence at hand" "1" "$(sed 's/^.*> //' <<<"$out")"
check "shell: banner says how locals last" \
  "globals persist; ctrl-d leaves" "$out"
check "shell: error in one line" "shell:1: boom" "$(cat "$dir/err")"
if [ "$(wc -l < "$dir/err")" -eq 1 ]; then echo "ok shell: no traceback"
else echo "not ok shell: no traceback: $(cat "$dir/err")"; fi
printf 'error("boom")\n' | ./whiteout -q --debug shell -e "$ev" \
  >/dev/null 2>"$dir/err"
check "shell: traceback with --debug" "stack traceback:" "$(cat "$dir/err")"
