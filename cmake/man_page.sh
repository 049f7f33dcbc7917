#!/usr/bin/env bash
# Writes walletctl's man page with help2man from the CLI's own help: the top-level --help and
# --version, then every command's --help (found in the "Subcommands:" lists) in a COMMANDS
# section, and the hand-written sections of docs/walletctl.h2m (exit status, files, examples).
#   cmake/man_page.sh BUILT_WALLETCTL OUT.1 docs/walletctl.h2m
set -euo pipefail
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") out=$2 include=$3
export PATH="$(dirname "$bin"):$PATH"  # so help shows "walletctl", not the build path
[[ $(basename "$bin") == walletctl ]] || { echo "man_page.sh: $bin is not walletctl" >&2; exit 2; }
sections=$(mktemp); trap 'rm -f "$sections"' EXIT
cat "$include" >"$sections"

subcommands() { walletctl "$@" --help | awk '/^Subcommands:/ {on = 1; next} on && /^  [a-z]/ {print $1} on && /^$/ {on = 0}'; }
describe() {
  printf '.SS "walletctl %s"\n.nf\n' "$*"
  walletctl "$@" --help | sed -e 's/\\/\\e/g' -e "s/^[.']/\\\\\\&&/"
  printf '.fi\n'
}
{
  printf '[COMMANDS]\n'
  for command in $(subcommands); do
    describe "$command"
    for sub in $(subcommands "$command"); do describe "$command" "$sub"; done
  done
} >>"$sections"
help2man --no-info --name "a double-entry digital wallet ledger on PostgreSQL" --section 1 \
  --include "$sections" --output "$out" walletctl
