#!/usr/bin/env bash
# The layers of docs/ARCHITECTURE.md, checked: core/ includes nothing of cli/ or daemon/ (nor
# CLI11 or cpp-httplib), daemon/ nothing of cli/, and daemon/payouts/ and daemon/events/
# nothing of daemon/http/. Prints each include that points up.
set -uo pipefail
root="${1:?usage: layers_test.sh SOURCE_DIR}"
status=0
up() {  # FOLDER PATTERN WHY
  local hits
  hits=$(grep -rnE "^#include [<\"]($2)" "$root/$1" --include='*.cpp' --include='*.hpp' || true)
  if [[ -n "$hits" ]]; then
    echo "$1/ must not include $3:"
    echo "$hits"
    status=1
  fi
}
up core 'cli/|daemon/|CLI/|httplib' 'cli/, daemon/, CLI11 or cpp-httplib'
up daemon 'cli/' 'cli/'
up daemon/payouts 'daemon/http/' 'daemon/http/ (payouts run without the API)'
up daemon/events 'daemon/http/' 'daemon/http/ (events run without the API)'
[[ $status == 0 ]] && echo "layers hold: core <- daemon <- cli"
exit $status
