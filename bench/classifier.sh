#!/bin/sh
# The generated classifier's lookup speed (JMH) and its tables: per ClassBench set (the shared
# corpus's acl1, fw1 and ipc1 at 1K and 10K when ../shared/corpus/classbench is there, else the
# project's generated gen_1k and gen_10k), the classifier's verdict against the interpreter's
# first-match scan and a plain Java linear scan, in one JMH run; then the tree build time and the
# table sizes (ClassifierFigures). Figures and how to read them: docs/benchmarks.md.
#
#   bench/classifier.sh                      # the default sets, 1 fork, 3 x 2 s warm-up, 5 x 2 s
#   SETS="acl1_10k fw1_10k" bench/classifier.sh
#   JMH="-f 3 -wi 5 -i 10" bench/classifier.sh
#   LOOP=1 bench/classifier.sh               # ClassifierLoop: minimum and median of 80 rounds,
#                                            # one JVM a set
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/bench/lib.sh"
cd "$here"
if [ -z "${SETS:-}" ]; then
  if [ -d "$corpus" ]; then
    SETS="acl1_1k fw1_1k ipc1_1k acl1_10k fw1_10k ipc1_10k"
  else
    echo "classifier bench: no corpus at $corpus; the generated sets instead" >&2
    SETS="gen_1k gen_10k"
  fi
fi
mvn -q -B ${MVN_OFFLINE:+-o} -pl dsl,compiler package -DskipTests \
  dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/test.cp
cp="compiler/target/test-classes:compiler/target/classes:$(cat compiler/target/test.cp)"
gen=compiler/target/jmh
rm -rf "$gen"
mkdir -p "$gen/classes" "$gen/sources"
# the benchmark compiled again, with JMH's annotation processor, into its own folder
javac -nowarn -proc:full -cp "$cp" -processorpath "$cp" -d "$gen/classes" -s "$gen/sources" \
  compiler/src/test/java/dev/policyc/compiler/classifier/ClassifierBenchmark.java 2>/dev/null \
  || javac -nowarn -cp "$cp" -processorpath "$cp" -d "$gen/classes" -s "$gen/sources" \
    compiler/src/test/java/dev/policyc/compiler/classifier/ClassifierBenchmark.java
params=$(echo $SETS | tr ' ' ',')
echo "machine: $(nproc) cores ($(cpu_model)), $(java -version 2>&1 | head -1), $(uname -r), $(date -u +%Y-%m-%dT%H:%MZ)"
if [ -n "${LOOP:-}" ]; then
  # the steadier loop instead of JMH: minimum, first quartile and median of 80 rounds; one JVM
  # a set, as JMH forks one (in one JVM the loop's call of verdict sees a class a set and grows
  # megamorphic: the sets measured after the first took up to 1.6 times as long)
  for s in $SETS; do
    java -cp "$cp" -Dpolicyc.corpus="$corpus" dev.policyc.compiler.classifier.ClassifierLoop "$s"
  done
  exit 0
fi
java -cp "$gen/classes:$cp" -Dpolicyc.corpus="$corpus" org.openjdk.jmh.Main ClassifierBenchmark \
  -p set="$params" ${JMH:--f 1 -wi 3 -w 2s -i 5 -r 2s} -rf text -rff "$gen/result.txt"
java -cp "$cp" -Dpolicyc.corpus="$corpus" dev.policyc.compiler.classifier.ClassifierFigures $SETS
