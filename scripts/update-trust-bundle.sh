#!/usr/bin/env bash
# Regenerates src/pki/builtin/intermediates.der, the issuing-CA certificates kyso ships as
# path-building material, from folders of certificates (default: the public Vietnamese CA
# certificates in ../shared/vn-pki). Every certificate must chain, through kyso's own path
# validation, to a built-in root; the first that does not is named and nothing is written.
#
#   scripts/update-trust-bundle.sh [DIR…]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$#" -eq 0 ]; then
  set -- ../shared/vn-pki/intermediates ../shared/vn-pki/legacy/intermediates
fi
out=src/pki/builtin/intermediates.der
tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT
cargo run --quiet --example trust_bundle -- "$tmp" "$@"
chmod 644 "$tmp"
mv "$tmp" "$out"
trap - EXIT
