#!/usr/bin/env bash
# The investigation playbooks on the README's sample (make-sample, with
# its host folder): the container that binds only /etc is selected and
# the one with a cron file only in its own layer is not.
set -u
. "$(dirname "$0")/lib.sh"
dir=${WO_TEST_TMP:-/tmp}/investigations-sample
if ! out=$(tests/fixtures/make-sample "$dir/sample" "$dir/host" 2>&1); then
  echo "not ok make-sample: $out"
  exit 1
fi
./whiteout exec tests/e2e/investigations-sample.lua "$dir/sample" \
  "$dir/host"
