#!/usr/bin/env bash
# How much faster `kyso verify DIR --jobs 2` is than `--jobs 1` (issue #6).
#
# Builds the release CLI, signs fixtures/docs/simple.pdf N times (default 1000) with the
# fixture `leader` key, each with its own /Reason so that every file is distinct, then times
# `kyso verify DIR --jobs 1` and `--jobs 2` (RUNS runs each, default 5, after one warm-up)
# and prints the speed-up, next to a control: two processes with --jobs 1 verifying half the
# files each, which shows what the machine itself gives (on a shared machine, another
# process holding a core caps both). Uses hyperfine when it is installed (apt-get install
# hyperfine), a `date +%s.%N` loop otherwise. The target on 2 cores is >= 1.8x.
#
#   bash benches/verify_jobs.sh            # N=1000 RUNS=5
#   N=200 RUNS=3 bash benches/verify_jobs.sh
set -euo pipefail
cd "$(dirname "$0")/.."

N="${N:-1000}"
RUNS="${RUNS:-5}"
target="${CARGO_TARGET_DIR:-target}"

cargo build --quiet --release --example kyso
kyso="$target/release/examples/kyso"

work="$(mktemp -d "${TMPDIR:-/tmp}/kyso-verify-jobs.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir "$work/docs"

echo "signing $N documents into $work/docs ..." >&2
export KYSO_BENCH_PASSWORD=kyso-test
sign_start=$(date +%s.%N)
seq -w 1 "$N" | xargs -P "$(nproc)" -I{} "$kyso" sign pdf fixtures/docs/simple.pdf \
  "$work/docs/doc-{}.pdf" --key fixtures/pki/leader.p12 --password-env KYSO_BENCH_PASSWORD \
  --signing-time 2025-12-01T00:00:00Z --reason "Bản số {}"
sign_end=$(date +%s.%N)
count=$(find "$work/docs" -name '*.pdf' | wc -l)
distinct=$(sha256sum "$work"/docs/*.pdf | cut -d" " -f1 | sort -u | wc -l)
echo "signed $count files ($distinct distinct) in $(echo "$sign_end - $sign_start" | bc) s" >&2
[ "$count" -eq "$N" ] && [ "$distinct" -eq "$N" ] || { echo "expected $N distinct files" >&2; exit 1; }

verify() { # jobs [dir]
  "$kyso" verify "${2:-$work/docs}" --jobs "$1" --trust fixtures/pki/root.pem \
    --at 2026-01-01T00:00:00Z --json > /dev/null
}
# Every file must pass, or the timing means nothing.
verify 2 || { echo "verification did not pass (exit $?)" >&2; exit 1; }

# The control: two processes with --jobs 1, each verifying half of the files. If the control
# does not scale either, the machine is busy (other processes hold a core), not kyso.
mkdir "$work/half1" "$work/half2"
i=0
for f in "$work"/docs/*.pdf; do
  if [ $((i % 2)) -eq 0 ]; then ln "$f" "$work/half1/"; else ln "$f" "$work/half2/"; fi
  i=$((i + 1))
done
cat > "$work/control.sh" <<CONTROL
"$kyso" verify "$work/half1" --jobs 1 --trust fixtures/pki/root.pem --at 2026-01-01T00:00:00Z --json > /dev/null &
"$kyso" verify "$work/half2" --jobs 1 --trust fixtures/pki/root.pem --at 2026-01-01T00:00:00Z --json > /dev/null
wait
CONTROL

idle() { # percentage of CPU time idle over half a second, all cores
  local a b
  read -r _ u n s i w x y z _ < /proc/stat; a=$((u + n + s + i + w + x + y + z)); b=$i
  sleep 0.5
  read -r _ u n s i w x y z _ < /proc/stat
  echo $((100 * (i - b) / (u + n + s + i + w + x + y + z - a)))
}
idle_before=$(idle)

if command -v hyperfine >/dev/null 2>&1; then
  hyperfine -N --warmup 1 --runs "$RUNS" --export-json "$work/times.json" \
    "$kyso verify $work/docs --jobs 1 --trust fixtures/pki/root.pem --at 2026-01-01T00:00:00Z --json" \
    "$kyso verify $work/docs --jobs 2 --trust fixtures/pki/root.pem --at 2026-01-01T00:00:00Z --json" \
    "sh $work/control.sh" --output=null >&2
  read -r t1 t2 tc m1 m2 mc < <(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["results"]
print(*[x["mean"] for x in r], *[x["min"] for x in r])' "$work/times.json")
else
  measure() { # command... -> "mean min" seconds over RUNS after one warm-up
    "$@"
    local total=0 best="" start end took
    for _ in $(seq "$RUNS"); do
      start=$(date +%s.%N); "$@"; end=$(date +%s.%N)
      took=$(echo "$end - $start" | bc -l)
      total=$(echo "$total + $took" | bc -l)
      if [ -z "$best" ] || [ "$(echo "$took < $best" | bc -l)" -eq 1 ]; then best=$took; fi
    done
    echo "$(echo "$total / $RUNS" | bc -l) $best"
  }
  read -r t1 m1 < <(measure verify 1)
  read -r t2 m2 < <(measure verify 2)
  read -r tc mc < <(measure sh "$work/control.sh")
fi
idle_after=$(idle)

ms() { echo "$1 * 1000" | bc -l; }
printf 'files: %d  cores: %d  idle before/after: %d%%/%d%%\n' "$N" "$(nproc)" "$idle_before" "$idle_after"
printf -- '--jobs 1:            mean %7.1f ms  min %7.1f ms\n' "$(ms "$t1")" "$(ms "$m1")"
printf -- '--jobs 2:            mean %7.1f ms  min %7.1f ms\n' "$(ms "$t2")" "$(ms "$m2")"
printf -- 'control (2 x half):  mean %7.1f ms  min %7.1f ms\n' "$(ms "$tc")" "$(ms "$mc")"
printf 'speed-up --jobs 2 / --jobs 1: %.2fx (means), %.2fx (minima); target >= 1.8x\n' \
  "$(echo "$t1 / $t2" | bc -l)" "$(echo "$m1 / $m2" | bc -l)"
printf 'control speed-up (two processes): %.2fx (means), %.2fx (minima)\n' \
  "$(echo "$t1 / $tc" | bc -l)" "$(echo "$m1 / $mc" | bc -l)"
