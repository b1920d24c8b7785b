# Shared by the bench scripts (sourced after setting $here, the repository root): the common
# settings, timing with GNU time and medians.

policyc="$here/policyc"
jar="$here/compiler/target/policyc-compiler.jar"
corpus=${POLICYC_CORPUS:-$here/../shared/corpus/classbench}
time=/usr/bin/time

# cpu_model: the processor's name (/proc/cpuinfo's "model name"), for the machine line:
# figures of one script on two machines differ by the processor more than by anything else
# (2026-12-07: the same classifier took 2.3-2.6 times as long on an Intel Xeon as on an AMD EPYC)
cpu_model() {
  sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo 2>/dev/null | head -1
}

# bench_setup: stops unless the built jar and GNU time are there; makes the scratch folder $work
bench_setup() {
  for need in "$jar" "$time"; do
    [ -e "$need" ] || { echo "bench: $need is missing" >&2; exit 2; }
  done
  work=${BENCH_DIR:-$(mktemp -d)}
  mkdir -p "$work"
}

# measure N OUT CMD...: runs CMD N times; OUT.k holds "wall user sys maxrss_kb" of run k, OUT.out
# and OUT.err the last run's output. A status above MAX_STATUS (default 0) stops the bench.
# (sh has no local variables: the names are measure's own, so a caller's n or out stay)
measure() {
  measure_n=$1 measure_out=$2
  shift 2
  measure_k=1
  while [ "$measure_k" -le "$measure_n" ]; do
    set +e
    "$time" -f "%e %U %S %M" -o "$measure_out.$measure_k" "$@" >"$measure_out.out" \
      2>"$measure_out.err"
    measure_rc=$?
    set -e
    [ "$measure_rc" -le "${MAX_STATUS:-0}" ] \
      || { echo "bench: failed ($measure_rc): $* (see $measure_out.err)" >&2; exit 1; }
    measure_k=$((measure_k + 1))
  done
}

# median AWK-EXPR FILES...: the median of the expression over the one line of each file
median() {
  expr=$1
  shift
  cat "$@" | awk "{ print $expr }" | sort -g | awk '{ v[NR] = $1 } END {
    if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
