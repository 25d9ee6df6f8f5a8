#!/usr/bin/env bash
# Runs one fuzz target of kyso under honggfuzz.
#
#   fuzz/run.sh TARGET SECONDS [THREADS]
#
# Inputs start from the committed corpus (corpus/TARGET); new inputs that reach new code go
# to hfuzz_workspace/TARGET/new, never into the committed corpus. Each input may use about
# 1 GiB of memory and 5 seconds; going over either counts as a crash. Exits non-zero
# when the run found a crash (the inputs are in hfuzz_workspace/TARGET/crashes) or could not
# run. Needs `cargo install honggfuzz` and the packages binutils-dev and libunwind-dev.
set -euo pipefail
cd "$(dirname "$0")"

target="${1:?usage: fuzz/run.sh TARGET SECONDS [THREADS]}"
seconds="${2:?usage: fuzz/run.sh TARGET SECONDS [THREADS]}"
threads="${3:-1}"
if [ ! -f "src/bin/$target.rs" ]; then
  echo "no fuzz target $target (see fuzz/src/bin)" >&2
  exit 2
fi
if [ ! -d "corpus/$target" ]; then
  echo "no committed corpus for $target (corpus/$target)" >&2
  exit 2
fi

work="hfuzz_workspace/$target"
mkdir -p "$work/new" "$work/crashes"
log="$work/run.log"

# Memory: Linux does not enforce RLIMIT_RSS (--rlimit_rss), so the address space is capped
# too (--rlimit_as, enforced): 1.5 GiB, of which the instrumented target maps about 0.45 GiB
# before it reads any input, leaving about 1 GiB to allocate. An allocation past it aborts,
# which honggfuzz records as a crash. --timeout is per input, in seconds; --exit_upon_crash
# stops at the first crash.
export HFUZZ_RUN_ARGS="--input corpus/$target --output $work/new --crashdir $work/crashes \
--workspace $work --run_time $seconds --threads $threads --timeout 5 --rlimit_rss 1024 \
--rlimit_as ${KYSO_FUZZ_RLIMIT_AS:-1536} --exit_upon_crash --verbose --logfile $log"
cargo hfuzz run "$target" >/dev/null

# honggfuzz's closing summary: iterations, time, speed (executions per second), crashes.
summary="$(grep -a 'Summary iterations' "$log" | tail -n 1 || true)"
echo "$target: ${summary:-no summary in $log}"
crashes="$(find "$work/crashes" -type f ! -name '*.TXT' | wc -l)"
if [ "$crashes" -gt 0 ]; then
  echo "$target: $crashes crashing input(s) in fuzz/$work/crashes" >&2
  exit 1
fi
