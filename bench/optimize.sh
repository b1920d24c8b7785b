#!/bin/sh
# What the optimizer does to ClassBench rule sets, per level, in one run.
#
#   bench/optimize.sh          (after: mvn -q -B package -DskipTests; needs GNU time)
#
# For each set and each level -O0, -O1, -O2: `policyc compile -O L` RUNS times (median wall
# time and peak resident memory as GNU time reports them), the rules and ipsets emitted, and,
# over a trace of TRACE packets (ClassBenchTraceGenerator, seed 1), the mean and maximum number
# of rules the interpreter tests per packet (`policyc explain --format classbench-trace --stats`,
# which also checks nothing: ClassBenchTraceTest checks the first matches). Then `compile -O2
# --verify` (every pass proved by the equivalence engine) once per 10K set.
#
# Sets: the project's generated sets of 1K, 10K and 100K filters (ClassBenchGenerator --seed 1)
# and ../shared/corpus/classbench/{acl1,fw1,ipc1}_10k when that folder is there (POLICYC_CORPUS
# names another). Each set runs twice: as imported (every filter an ACCEPT rule, under policy
# DROP: ClassBench sets end in a wildcard filter, so all but the last rule are redundant and the
# optimizer keeps one rule), and "alt": the same filters with actions alternating accept, drop,
# accept…, where first-match order matters and the decision trees do the work.
#
# Environment: RUNS (default 3; 100K sets run 1), TRACE (default 100000), VERIFY_TIMEOUT
# (seconds one `--verify` compile may take, default 300), BENCH_DIR (scratch folder, default a
# temporary one), POLICYC_JAVA_OPTS (passed on; -Xmx2g is added for 100K).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/bench/lib.sh"
runs=${RUNS:-3}
trace_n=${TRACE:-100000}
verify_timeout=${VERIFY_TIMEOUT:-300}
bench_setup

rows=""
verify_rows=""

# alternate YAML: every other rule's action becomes drop
alternate() {
  awk '/^        action: accept$/ { n++; if (n % 2 == 0) { print "        action: drop"; next } }
       { print }' "$1"
}

# one set: NAME FILTERS
bench_set() {
  name=$1 filters=$2
  n=$runs
  opts=${POLICYC_JAVA_OPTS:-}
  case $name in *100k*) n=1; opts="-Xmx2g $opts" ;; esac
  "$policyc" import --format classbench "$filters" -o "$work/$name.yaml" >/dev/null
  alternate "$work/$name.yaml" >"$work/$name-alt.yaml"
  java -cp "$jar" dev.policyc.compiler.classbench.ClassBenchTraceGenerator --filters "$filters" \
    --packets "$trace_n" --seed 1 >"$work/$name.trace"
  for variant in "$name" "$name-alt"; do
    base=""
    for level in 0 1 2; do
      out="$work/$variant.O$level"
      measure "$n" "$out.t" env POLICYC_JAVA_OPTS="$opts" \
        "$policyc" compile -O$level "$work/$variant.yaml" -o "$out"
      wall=$(median '$1' "$out".t.[0-9]*)
      mib=$(median 'int($4 / 1024)' "$out".t.[0-9]*)
      rules=$(grep -c '^-A' "$out/iptables.rules" || true)
      sets=$(grep -c '^create .* -exist$' "$out/ipset.rules" 2>/dev/null || true)
      sets=$(( ${sets:-0} / 2 ))
      env POLICYC_JAVA_OPTS="$opts" "$policyc" explain "$work/$variant.yaml" -O$level \
        --packets "$work/$name.trace" --format classbench-trace --stats \
        >"$out.labels" 2>"$out.stats"
      mean=$(sed -n 's/.*mean \([0-9.]*\), max \([0-9]*\).*/\1/p' "$out.stats")
      max=$(sed -n 's/.*mean \([0-9.]*\), max \([0-9]*\).*/\2/p' "$out.stats")
      [ -n "$base" ] || base=$mean
      pct=$(awk -v m="$mean" -v b="$base" 'BEGIN { printf "%.2f", (b > 0 ? 100 * m / b : 0) }')
      rows="$rows| $variant | -O$level | $rules | $sets | $wall | $mib | $mean | $max | $pct % |
"
    done
    case $name in *100k*) ;; *)
      t0=$(date +%s)
      if timeout "$verify_timeout" env POLICYC_JAVA_OPTS="$opts" "$policyc" compile -O2 --verify \
          "$work/$variant.yaml" -o "$work/$variant.verified" >"$work/$variant.verify.out" 2>&1
      then
        verdict="every pass proved"
      elif [ $? -eq 124 ]; then
        verdict="stopped after ${verify_timeout} s"
      else
        verdict=$(grep -o 'PC0012: pass [a-z-]*' "$work/$variant.verify.out" | head -1)
        verdict="${verdict:-failed, see $work/$variant.verify.out} not proved"
      fi
      verify_rows="$verify_rows| $variant | $(( $(date +%s) - t0 )) | $verdict |
"
      ;;
    esac
    echo "bench: $variant done" >&2
  done
}

generate() {
  java -cp "$jar" dev.policyc.compiler.classbench.ClassBenchGenerator --rules "$1" --seed 1 \
    >"$work/gen_$2.cb"
}

generate 1000 1k
generate 10000 10k
generate 100000 100k
bench_set gen_1k "$work/gen_1k.cb"
bench_set gen_10k "$work/gen_10k.cb"
for c in acl1_10k fw1_10k ipc1_10k; do
  if [ -f "$corpus/$c" ]; then
    bench_set "$c" "$corpus/$c"
  else
    echo "bench: no $corpus/$c; that row is left out" >&2
  fi
done
bench_set gen_100k "$work/gen_100k.cb"

echo "policyc compile -O0/-O1/-O2, $(date -u +%Y-%m-%dT%H:%MZ): medians of $runs runs (1 for 100K); traces of $trace_n packets"
echo "$(nproc) cores ($(cpu_model)), $(java -version 2>&1 | head -1), $(uname -sr)"
echo
echo "| set | level | rules | ipsets | compile wall s | peak MiB | rules tested per packet (mean) | max | mean vs -O0 |"
echo "|---|---|---|---|---|---|---|---|---|"
printf '%s' "$rows"
echo
echo "| set | compile -O2 --verify wall s | result |"
echo "|---|---|---|"
printf '%s' "$verify_rows"
