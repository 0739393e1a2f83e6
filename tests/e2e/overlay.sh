#!/usr/bin/env bash
# The overlay playbooks end to end (issue 3): diff against the live
# daemon's docker diff, merged views against kernel overlay mounts, the
# mount playbook on 250 layers.  Root only: the evidence's whiteouts and
# xattrs extract only as root, and mounts need it.
set -u
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" -ne 0 ]; then
  echo "skip overlay e2e: not root (whiteouts, trusted xattrs, mounts)"
  exit 0
fi
python3 tests/e2e/overlay-check.py "${WO_TEST_TMP:-/tmp}/e2e-overlay" \
  "${SHARED:-../shared}/evidence"
