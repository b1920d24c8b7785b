#!/bin/sh
# Compile time and memory of policyc beside ferm 2.5.1 on the same rules, in one run.
#
#   bench/compile.sh            (after: mvn -q -B package -DskipTests; needs ferm and GNU time)
#
# For each rule set: ClassBench filters -> `policyc import --format classbench` -> a policy, and
# bench/classbench-to-ferm.py -> a ferm configuration with the same rules in the same order.
# Then `policyc compile POLICY -o DIR` and `ferm --noexec --lines CONF` run RUNS times each,
# alternating, and the table gives the medians of wall time, CPU time (user + system) and peak
# resident memory as GNU time reports them, the rules each emitted, and policyc's wall time over
# ferm's. docs/benchmarks.md has the figures and what they mean.
#
# Sets: ../shared/corpus/classbench/acl1_10k when that folder is there (POLICYC_CORPUS names
# another), one filter, and the project's generated sets of 1K, 10K and 100K filters
# (ClassBenchGenerator --seed 1). Environment: RUNS (default 5; the 100K set runs
# RUNS_100K, default 3), BENCH_DIR (scratch folder, default a temporary one),
# POLICYC_JAVA_OPTS (passed on; -Xmx2g is added for the 100K set).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/bench/lib.sh"
runs=${RUNS:-5}
runs_big=${RUNS_100K:-3}
command -v ferm >/dev/null || { echo "bench: ferm is missing (apt-get install ferm)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "bench: python3 is missing" >&2; exit 2; }
bench_setup

rows=""
bench() {
  name=$1 filters=$2 n=$3
  "$policyc" import --format classbench "$filters" -o "$work/$name.yaml" >/dev/null
  python3 "$here/bench/classbench-to-ferm.py" "$filters" >"$work/$name.ferm"
  opts=${POLICYC_JAVA_OPTS:-}
  case $name in *100k*) opts="-Xmx2g $opts" ;; esac
  k=1
  while [ "$k" -le "$n" ]; do
    # alternate the two, so that a slow spell of the machine hits both alike
    measure 1 "$work/$name.policyc.r$k" \
      env POLICYC_JAVA_OPTS="$opts" "$policyc" compile "$work/$name.yaml" -o "$work/$name.out"
    measure 1 "$work/$name.ferm.r$k" ferm --noexec --lines "$work/$name.ferm"
    k=$((k + 1))
  done
  ferm --noexec --lines "$work/$name.ferm" >"$work/$name.ferm.out"
  prules=$(grep -c '^-A' "$work/$name.out/iptables.rules" || true)
  frules=$(grep -c '^-A' "$work/$name.ferm.out" || true)
  pw=$(median '$1' "$work/$name.policyc".r*.1)
  pc=$(median '$2 + $3' "$work/$name.policyc".r*.1)
  pm=$(median 'int($4 / 1024)' "$work/$name.policyc".r*.1)
  fw=$(median '$1' "$work/$name.ferm".r*.1)
  fc=$(median '$2 + $3' "$work/$name.ferm".r*.1)
  fm=$(median 'int($4 / 1024)' "$work/$name.ferm".r*.1)
  ratio=$(awk -v p="$pw" -v f="$fw" 'BEGIN { printf "%.2f", p / f }')
  rows="$rows| $name | $prules / $frules | $pw | $pc | $pm | $fw | $fc | $fm | $ratio |
"
  echo "bench: $name done ($n runs each)" >&2
}

generate() {
  java -cp "$jar" dev.policyc.compiler.classbench.ClassBenchGenerator --rules "$1" --seed 1 \
    >"$work/gen_$2.cb"
}

generate 1 1
generate 1000 1k
generate 10000 10k
generate 100000 100k
bench one_rule "$work/gen_1.cb" "$runs"
if [ -f "$corpus/acl1_10k" ]; then
  bench acl1_10k "$corpus/acl1_10k" "$runs"
else
  echo "bench: no $corpus/acl1_10k; that row is left out" >&2
fi
bench gen_1k "$work/gen_1k.cb" "$runs"
bench gen_10k "$work/gen_10k.cb" "$runs"
bench gen_100k "$work/gen_100k.cb" "$runs_big"

echo "policyc compile vs ferm --noexec --lines, $(date -u +%Y-%m-%dT%H:%MZ): medians of $runs runs ($runs_big for 100K)"
echo "$(nproc) cores ($(cpu_model)), $(java -version 2>&1 | head -1), $(ferm --version | head -1), $(uname -sr)"
echo
echo "| set | rules (policyc / ferm) | policyc wall s | policyc CPU s | policyc MiB | ferm wall s | ferm CPU s | ferm MiB | wall policyc/ferm |"
echo "|---|---|---|---|---|---|---|---|---|"
printf '%s' "$rows"
