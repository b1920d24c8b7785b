#!/bin/sh
# Compile time of `policyc kube` for a generated cluster, in both modes, with output sizes.
#
#   bench/kube.sh            (after: mvn -q -B package -DskipTests; needs GNU time)
#
# ClusterGenerator --services SERVICES --endpoints ENDPOINTS --seed 1 (defaults 10000 and 10)
# writes the manifests; the node is src/test/resources/kube/node.yaml (kube-proxy's fake
# proxier). Each mode runs RUNS times (default 5); the table gives the medians of wall time, CPU
# time (user + system) and peak resident memory, the iptables rules, and the bytes of each file.
# docs/benchmarks.md has the figures. Target: 3 s or less for either mode.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/bench/lib.sh"
runs=${RUNS:-5}
services=${SERVICES:-10000}
endpoints=${ENDPOINTS:-10}
bench_setup
node="$here/compiler/src/test/resources/kube/node.yaml"
java -cp "$jar" dev.policyc.compiler.kube.ClusterGenerator --services "$services" \
  --endpoints "$endpoints" --seed 1 >"$work/cluster.yaml"
echo "| mode | wall s | CPU s | peak MiB | iptables rules | files (bytes) |"
echo "|---|---|---|---|---|---|"
for mode in iptables ipvs; do
  rm -rf "$work/$mode"
  measure "$runs" "$work/$mode.r" \
    "$policyc" kube "$work/cluster.yaml" --node "$node" -o "$work/$mode" --mode "$mode"
  w=$(median '$1' "$work/$mode.r".[0-9]*)
  c=$(median '$2 + $3' "$work/$mode.r".[0-9]*)
  m=$(median 'int($4 / 1024)' "$work/$mode.r".[0-9]*)
  rules=$(grep -c '^-A' "$work/$mode/iptables.rules" || true)
  sizes=$(cd "$work/$mode" && for f in *; do printf '%s %s, ' "$f" "$(wc -c <"$f")"; done)
  echo "| $mode | $w | $c | $m | $rules | ${sizes%, } |"
done
echo "bench: $services services x $endpoints endpoints, $runs runs, manifests" \
  "$(wc -c <"$work/cluster.yaml") bytes" >&2
