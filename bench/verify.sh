#!/bin/sh
# Time and memory of policyc verify and policyc diff on ClassBench-derived policies, in one run.
#
#   bench/verify.sh             (after: mvn -q -B package -DskipTests; needs GNU time)
#
# For each rule set (the project's generated sets of 1K, 10K and 100K filters, seed 1, and
# ../shared/corpus/classbench/acl1_10k when present): `policyc import --format classbench`
# makes a policy, and a copy of it with the middle rule's action flipped to drop is the one-rule
# edit. Then, RUNS times each (default 3; RUNS_100K, default 1, for the 100K set), medians of
# wall time and peak resident memory of:
#   verify   policyc verify POLICY                 (compile, read back, prove)
#   diff     policyc diff POLICY EDITED            (compile both, compare)
#   exhaust  policyc verify --exhaustive POLICY    (no shortcuts; 1K set only)
# POLICYC_JAVA_OPTS is passed on; -Xmx2g is added for the 100K set.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/bench/lib.sh"
runs=${RUNS:-3}
runs_big=${RUNS_100K:-1}
bench_setup

MAX_STATUS=1 # diff says 1 for "different"
printf '%-10s %7s | %-9s %9s %8s | %s\n' set rules what wall_s rss_MiB result
row() {
  name=$1 rules=$2 what=$3 out=$4
  wall=$(median '$1' "$out".[0-9]*)
  rss=$(median '$4 / 1024' "$out".[0-9]*)
  result=$(grep -E 'proved|FALSE|undecided|decided differently|no packet' "$out.out" | head -1 \
    | sed -E 's/^.*: (proved|FALSE|undecided)/\1/' | cut -c1-60)
  printf '%-10s %7s | %-9s %9.2f %8.0f | %s\n' "$name" "$rules" "$what" "$wall" "$rss" "$result"
}

bench() {
  name=$1 filters=$2 n=$3
  "$policyc" import --format classbench "$filters" -o "$work/$name.yaml" >/dev/null
  rules=$(grep -c 'action:' "$work/$name.yaml")
  middle=$(( (rules + 1) / 2 ))
  awk -v m="$middle" '/action: accept/ { c++; if (c == m) sub(/accept/, "drop") } { print }' \
    "$work/$name.yaml" >"$work/$name-edited.yaml"
  measure "$n" "$work/$name.verify" "$policyc" verify "$work/$name.yaml"
  row "$name" "$rules" verify "$work/$name.verify"
  measure "$n" "$work/$name.diff" "$policyc" diff "$work/$name.yaml" "$work/$name-edited.yaml"
  row "$name" "$rules" diff "$work/$name.diff"
  if [ "$rules" -le 2000 ]; then
    measure "$n" "$work/$name.exhaust" "$policyc" verify --exhaustive "$work/$name.yaml"
    row "$name" "$rules" exhaust "$work/$name.exhaust"
  fi
}

for n in 1000 10000 100000; do
  java -cp "$jar" dev.policyc.compiler.classbench.ClassBenchGenerator --rules "$n" --seed 1 \
    >"$work/gen$n.cb"
done
bench gen1k "$work/gen1000.cb" "$runs"
bench gen10k "$work/gen10000.cb" "$runs"
if [ -f "$corpus/acl1_10k" ]; then
  bench acl1_10k "$corpus/acl1_10k" "$runs"
fi
POLICYC_JAVA_OPTS="${POLICYC_JAVA_OPTS:-} -Xmx2g" bench gen100k "$work/gen100000.cb" "$runs_big"
echo "(java: $(java -version 2>&1 | head -1); $(nproc) cores, $(cpu_model); $(date -u +%Y-%m-%d))"
