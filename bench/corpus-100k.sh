#!/bin/sh
# 100K-rule policies made of the shared ClassBench corpus, compiled at -O2: how the optimizer's
# compile time and memory hold on sets other than the project's generated 100K one.
#
#   bench/corpus-100k.sh        (after: mvn -q -B package -DskipTests; needs GNU time)
#
# Two filter sets, each imported with `policyc import --format classbench` and given
# alternating actions (accept, drop, accept…, as bench/optimize.sh's "alt" sets):
#
#   mix100k  the ten 10K sets acl1-4, fw1-4 and ipc1-2 one after the other: later sets
#            overlap earlier ones, so remove-redundant has much to remove;
#   fw100k   fw1-5 as they are, then again with the first octet of every address that is not
#            a wildcard moved by 85 (mod 256): firewall-like (many wildcard addresses and
#            ports), where the trees copy most.
#
# Both without the filter of all wildcards that ends each ClassBench set (nothing after one
# would be reached).
#
# For each: `policyc compile -O2 --timings` RUNS times (default 1), with -Xmx2g as issue 9's
# bound; the wall time, CPU time and peak resident memory GNU time reports, the rules emitted
# and each pass's time from report.json. With CHECK=N, also a trace of N packets of the set
# (ClassBenchTraceGenerator, seed 3) decided by `policyc explain --format classbench-trace` at
# -O0, at -O2, at -O2 with --engine iptables and with --engine classifier: every packet's first
# match must be the same in all four (the script stops otherwise), and the rules tested per
# packet at -O0 and -O2 are printed. Needs ../shared/corpus/classbench (POLICYC_CORPUS names
# another folder). Figures: docs/benchmarks.md.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/bench/lib.sh"
runs=${RUNS:-1}
check=${CHECK:-0}
if [ ! -d "$corpus" ]; then
  echo "corpus-100k: no ClassBench corpus at $corpus" >&2
  exit 2
fi
bench_setup

alternate() {
  awk '/^        action: accept$/ { n++; if (n % 2 == 0) { print "        action: drop"; next } }
       { print }' "$1"
}

# filters SET SHIFT: the set's filters but the all-wildcard one, the first octet of each
# address that is not a wildcard moved by SHIFT
filters() {
  awk -F'\t' -v OFS='\t' -v shift="$2" '
    function move(a,   p, o) {
      split(a, p, "/")
      if (p[2] == 0) return a
      split(p[1], o, ".")
      return ((o[1] + shift) % 256) "." o[2] "." o[3] "." o[4] "/" p[2]
    }
    $1 == "@0.0.0.0/0" && $2 == "0.0.0.0/0" && $3 == "0 : 65535" && $4 == "0 : 65535" \
      && $5 == "0x00/0x00" { next }
    { $1 = "@" move(substr($1, 2)); $2 = move($2); print }' "$corpus/${1}_10k"
}

for s in acl1 fw1 ipc1 fw2 acl2 ipc2 fw3 acl3 fw4 acl4; do
  filters "$s" 0
done > "$work/mix100k.cb"
for shift in 0 85; do
  for s in fw1 fw2 fw3 fw4 fw5; do
    filters "$s" "$shift"
  done
done > "$work/fw100k.cb"

echo "corpus-100k: $(nproc) cores ($(cpu_model)), $(java -version 2>&1 | head -1), $(uname -sr), $(date -u +%Y-%m-%dT%H:%MZ)"
printf '%-8s %8s %7s %7s %9s %8s  %s\n' set filters wall_s cpu_s peak_MiB rules "pass seconds"
for set in mix100k fw100k; do
  "$policyc" import --format classbench "$work/$set.cb" -o "$work/$set.yaml" >/dev/null 2>&1
  alternate "$work/$set.yaml" > "$work/$set-alt.yaml"
  filters=$(wc -l < "$work/$set.cb")
  r=0
  while [ "$r" -lt "$runs" ]; do
    r=$((r + 1))
    rm -rf "$work/out"
    POLICYC_JAVA_OPTS="-Xmx2g ${POLICYC_JAVA_OPTS:-}" "$time" -f '%e %U %S %M' \
      -o "$work/time" "$policyc" compile "$work/$set-alt.yaml" -O2 --timings \
      -o "$work/out" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
    read -r wall user sys peak < "$work/time"
    rules=$(grep -c '^-A' "$work/out/iptables.rules")
    passes=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join("%s %.1f" % (p["name"], p["millis"] / 1000) for p in d["optimizer"]["passes"]))
' "$work/out/report.json")
    printf '%-8s %8s %7s %7.1f %9d %8s  %s\n' "$set" "$filters" "$wall" \
      "$(echo "$user + $sys" | bc)" $((peak / 1024)) "$rules" "$passes"
  done
  if [ "$check" -gt 0 ]; then
    java -cp "$jar" dev.policyc.compiler.classbench.ClassBenchTraceGenerator \
      --filters "$work/$set.cb" --packets "$check" --seed 3 > "$work/$set.trace"
    for how in O0 O2 iptables classifier; do
      case $how in
        O0) opts="-O0 --stats" ;;
        O2) opts="-O2 --stats" ;;
        iptables) opts="-O2 --engine iptables" ;;
        classifier) opts="--engine classifier" ;;
      esac
      # shellcheck disable=SC2086 # the options are words
      POLICYC_JAVA_OPTS="-Xmx2g ${POLICYC_JAVA_OPTS:-}" "$policyc" explain "$work/$set-alt.yaml" \
        $opts --packets "$work/$set.trace" --format classbench-trace \
        > "$work/$set.$how.labels" 2> "$work/$set.$how.err" \
        || { cat "$work/$set.$how.err" >&2; exit 1; }
      if ! cmp -s "$work/$set.O0.labels" "$work/$set.$how.labels"; then
        echo "corpus-100k: $set: first matches differ between -O0 and $how" \
          "($work/$set.O0.labels, $work/$set.$how.labels)" >&2
        exit 1
      fi
    done
    echo "$set: the same first match for each of $check packets at -O0, -O2, -O2 --engine" \
      "iptables and --engine classifier; rules tested per packet, mean:" \
      "-O0 $(sed -n 's/.*mean \([0-9.]*\),.*/\1/p' "$work/$set.O0.err")," \
      "-O2 $(sed -n 's/.*mean \([0-9.]*\),.*/\1/p' "$work/$set.O2.err")"
  fi
done
