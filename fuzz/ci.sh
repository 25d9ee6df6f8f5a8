#!/usr/bin/env bash
# CI's fuzzing step: lint the fuzz crate, build it with honggfuzz, and run every target for
# SECONDS (default 60) on its committed corpus. Any crash fails the step.
#
#   fuzz/ci.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-60}"

# honggfuzz-rs's cargo subcommand (it builds the honggfuzz engine from source, against
# binutils-dev and libunwind-dev, which .ci/run installs).
if ! command -v cargo-hfuzz >/dev/null 2>&1; then
  cargo install --locked honggfuzz --version 0.5.62
fi

# The harness code is held to the same lints as the library; sharing the root's target
# directory reuses its dependencies.
CARGO_TARGET_DIR=../target cargo clippy --all-targets -- -D warnings
cargo fmt --check

cargo hfuzz build
failed=0
for src in src/bin/*.rs; do
  target="$(basename "$src" .rs)"
  ./run.sh "$target" "$seconds" || failed=1
done
exit "$failed"
