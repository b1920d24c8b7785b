#!/usr/bin/env bash
# Forwarding rate of a policy's -O0 and -O2 output in the Linux kernel: 64-byte UDP frames from a
# client namespace through a firewall namespace to a server namespace, with no rules, at -O0 and
# at -O2, medians of several runs.
#
#   bench/kernel-rate.sh [options] [POLICY]
#
# A documented manual benchmark, not part of `mvn verify`. Needs root, network namespaces,
# iproute2, iptables (iptables-restore, iptables-save), ipset, GNU timeout, java, and
# trafgen from netsniff-ng (apt-get install -y netsniff-ng), after: mvn -q -B package -DskipTests.
#
# The policy (default: the one described under --rules) is compiled with `policyc compile -O0` and
# `-O2`. For every run of every level three namespaces are made anew:
#
#   client eth0 198.18.0.1/24 ---- eth0 198.18.0.254/24 [firewall] eth1 198.19.0.254/24 ---- eth0 198.19.0.1/24 server
#
# (addresses from 198.18.0.0/15, the RFC 2544 benchmarking range). The firewall forwards, and
# loads the level's output: ipset.rules with `ipset restore` when there is one, then
# iptables.rules with iptables-restore (ip6tables.rules with ip6tables-restore when there is one).
# The client sends one UDP flow, 198.18.0.1:SPORT -> 198.19.0.2:DPORT, as fast as trafgen can,
# in 60-byte frames (64 with the Ethernet FCS a real link adds): frames built by hand to the
# firewall's MAC address, so no ARP runs. The firewall has a static neighbour entry sending
# 198.19.0.2 to the server, whose kernel (not forwarding, no such address) drops it silently.
# The rate is the server's eth0 receive counter over SECONDS after WARMUP seconds.
#
# trafgen and the firewall's forwarding share one CPU, CPU 0: trafgen pins its one worker there,
# and a frame sent into a veth is forwarded in the softirq of the CPU that sent it. So the no-rules rate is that of the whole
# path on one CPU, and each rate below it shows what the rules cost per packet. Anything else
# running on the machine shows as spread between runs (the table lists every run, and the
# machine line the load average): measure on an otherwise idle machine, or raise --runs. (iperf3 was tried
# first: its UDP sender could not send 64-byte datagrams faster than about 120K per second on
# this machine, a sixth of trafgen's, and its control connection would cross the firewall.)
#
# The flow must match no rule, so that at -O0 every packet walks the whole ruleset and ends at
# the chain's policy: before measuring, `policyc explain` must send it through the policy
# (forwarded out eth1, no rule on its path), and after each -O0 run no rule counter of the
# firewall may have moved. Without --sport/--dport the first of a few candidate port pairs that
# matches no rule is taken.
#
# Options:
#   POLICY          a policy YAML (no host model: explain routes the flow in eth0, out eth1)
#   --rules N       size of the generated default policy (default 10000; ignored with POLICY)
#   --seed S        ClassBenchGenerator seed (default 1)
#   --runs N        runs per level (default 3); levels alternate within a round
#   --seconds N     measured seconds per run (default 10)
#   --warmup N      seconds sent before measuring (default 2)
#   --levels "L.."  optimization levels to compare with no rules (default "0 2"); "empty" is
#                   a level too: the filter table loaded with no rule (policies ACCEPT), what
#                   the table's hooks cost before any rule
#   --backend B     nft (iptables-nft-restore) or legacy (iptables-legacy-restore, x_tables);
#                   default: iptables-restore as installed (Debian 12: nft)
#   --sport/--dport the flow's ports (default: chosen as above)
#   --keep          keep the work folder (policy, compiled output, per-run figures)
#
# The default policy: ClassBenchGenerator --rules N --seed S (an acl-like set), every filter
# matching every packet left out (ClassBench sets end with one, and generated ones may have one
# near the end: everything after it would be dead and the flow would match it), imported with
# `policyc import --format classbench`, then moved from filter INPUT (policy DROP) to filter
# FORWARD with policy ACCEPT, the rules' actions alternating accept, drop, accept… so that no
# optimizer can collapse it into one rule.
#
# bench/kernel-rate/miss40-*.yaml are policies of 40 rules the default flow misses, each on one
# kind of match (a source prefix, the protocol, an address range): what one rule that misses
# costs on each backend, e.g. bench/kernel-rate.sh --levels "0" --backend nft
# bench/kernel-rate/miss40-prefix.yaml.
#
# Environment: POLICYC_JAVA_OPTS (passed on to policyc), IPTABLES_RESTORE / IPTABLES_SAVE (default
# iptables-restore / iptables-save; e.g. iptables-legacy-restore / iptables-legacy-save for the
# legacy backend).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
policyc="$here/policyc"
jar="$here/compiler/target/policyc-compiler.jar"
restore=${IPTABLES_RESTORE:-iptables-restore}
save=${IPTABLES_SAVE:-iptables-save}
restore6=${restore/iptables/ip6tables}

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
  exit "${1:-0}"
}

policy="" rules=10000 seed=1 runs=3 seconds=10 warmup=2 levels="0 2" sport="" dport=""
keep=false
while [ $# -gt 0 ]; do
  case $1 in
    -h | --help) usage 0 ;;
    --rules) rules=$2; shift ;;
    --seed) seed=$2; shift ;;
    --runs) runs=$2; shift ;;
    --seconds) seconds=$2; shift ;;
    --warmup) warmup=$2; shift ;;
    --levels) levels=$2; shift ;;
    --backend)
      case $2 in
        nft | legacy) restore=iptables-$2-restore save=iptables-$2-save restore6=ip6tables-$2-restore ;;
        *) echo "kernel-rate: --backend wants nft or legacy, not '$2'" >&2; exit 2 ;;
      esac
      shift ;;
    --sport) sport=$2; shift ;;
    --dport) dport=$2; shift ;;
    --keep) keep=true ;;
    -*) echo "kernel-rate: unknown option $1" >&2; usage 2 ;;
    *) [ -z "$policy" ] || { echo "kernel-rate: one POLICY only" >&2; usage 2; }; policy=$1 ;;
  esac
  shift
done
for v in rules seed runs seconds warmup; do
  [[ ${!v} =~ ^[0-9]+$ ]] || { echo "kernel-rate: --$v wants a number, not '${!v}'" >&2; exit 2; }
done
[ "$runs" -ge 1 ] && [ "$seconds" -ge 1 ] || { echo "kernel-rate: --runs and --seconds must be ≥ 1" >&2; exit 2; }
if [ -n "$sport$dport" ] && ! [[ $sport =~ ^[0-9]+$ && $dport =~ ^[0-9]+$ ]]; then
  echo "kernel-rate: give both --sport and --dport, as numbers" >&2
  exit 2
fi
for l in $levels; do
  [[ $l =~ ^([0-9]|empty)$ ]] \
    || { echo "kernel-rate: --levels wants digits like \"0 2\" or empty, not '$l'" >&2; exit 2; }
done

# What is missing, all at once.
missing=()
[ "$(id -u)" -eq 0 ] || missing+=("root (network namespaces and iptables need it)")
for c in ip ipset "$restore" "$save" timeout java awk; do
  command -v "$c" >/dev/null || missing+=("$c")
done
command -v trafgen >/dev/null || missing+=("trafgen (apt-get install -y netsniff-ng)")
[ -f "$jar" ] || missing+=("$jar (build it: mvn -q -B package -DskipTests)")
[ -z "$policy" ] || [ -f "$policy" ] || missing+=("the policy $policy")
if [ ${#missing[@]} -gt 0 ]; then
  echo "kernel-rate: missing:" >&2
  printf '  %s\n' "${missing[@]}" >&2
  exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/kernel-rate.XXXXXX")
ns=kr$$
client=$ns-client fw=$ns-fw server=$ns-server
sender=""

down() {
  local n
  for n in "$client" "$fw" "$server"; do
    [ ! -e "/run/netns/$n" ] || ip netns del "$n" 2>/dev/null || true
  done
}
cleanup() {
  local rc=$?
  if [ -n "$sender" ]; then
    kill -INT "$sender" 2>/dev/null || true
    wait "$sender" 2>/dev/null || true
  fi
  down
  if $keep; then echo "kernel-rate: kept $work" >&2; else rm -rf "$work"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

. "$here/bench/lib.sh"

client_ip=198.18.0.1 fw_client_ip=198.18.0.254 fw_server_ip=198.19.0.254 server_ip=198.19.0.1
sink_ip=198.19.0.2 # routed to the server, which drops it: not its address, and it does not forward

# up: the three namespaces and their links, forwarding on in the firewall
up() {
  down
  local n
  for n in "$client" "$fw" "$server"; do
    ip netns add "$n"
    ip -n "$n" link set lo up
  done
  ip link add eth0 netns "$client" type veth peer name eth0 netns "$fw"
  ip link add eth1 netns "$fw" type veth peer name eth0 netns "$server"
  ip -n "$client" addr add "$client_ip/24" dev eth0
  ip -n "$fw" addr add "$fw_client_ip/24" dev eth0
  ip -n "$fw" addr add "$fw_server_ip/24" dev eth1
  ip -n "$server" addr add "$server_ip/24" dev eth0
  for n in "$client" "$fw" "$server"; do
    ip -n "$n" link set eth0 up
  done
  ip -n "$fw" link set eth1 up
  ip -n "$client" route add default via "$fw_client_ip"
  ip -n "$server" route add default via "$fw_server_ip"
  ip netns exec "$fw" sysctl -qw net.ipv4.ip_forward=1
  ip -n "$fw" neigh replace "$sink_ip" lladdr "$(mac "$server" eth0)" dev eth1 nud permanent
}

mac() { ip netns exec "$1" cat "/sys/class/net/$2/address"; }
received() { ip netns exec "$server" cat /sys/class/net/eth0/statistics/rx_packets; }

# load LEVEL: the level's compiled output into the firewall; prints its rule count
load() {
  [ "$1" = none ] && { echo 0; return; }
  local out="$work/O$1"
  if [ -f "$out/ipset.rules" ]; then ip netns exec "$fw" ipset restore <"$out/ipset.rules"; fi
  ip netns exec "$fw" "$restore" <"$out/iptables.rules"
  if [ -f "$out/ip6tables.rules" ]; then ip netns exec "$fw" "$restore6" <"$out/ip6tables.rules"; fi
  ip netns exec "$fw" "$save" | grep -c '^-A' || true
}

# rate FILE: sends the flow for WARMUP + SECONDS seconds; FILE gets the packets per second the
# server received in the last SECONDS
rate() {
  local frame a b t0 t1
  frame="{ eth(da=$(mac "$fw" eth0), sa=$(mac "$client" eth0)),
    ipv4(sa=$client_ip, da=$sink_ip, ttl=64), udp(sp=$sport, dp=$dport), fill(0x00, 18) }"
  ip netns exec "$client" timeout -s INT $((warmup + seconds + 5)) \
    trafgen --cpus 1 --dev eth0 --no-sock-mem --notouch-irq --conf - <<<"$frame" \
    >"$work/trafgen.$(basename "$1").log" 2>&1 &
  sender=$!
  sleep "$warmup"
  a=$(received) t0=$(date +%s%N)
  sleep "$seconds"
  b=$(received) t1=$(date +%s%N)
  kill -INT "$sender" 2>/dev/null || true
  wait "$sender" || true
  sender=""
  awk -v p=$((b - a)) -v ns=$((t1 - t0)) 'BEGIN { printf "%.0f\n", p / (ns / 1e9) }' >"$1"
}

# hits: how many rules of the firewall's tables have a packet count above zero
hits() { ip netns exec "$fw" "$save" -c | grep -c '^\[[1-9][0-9]*:[0-9]*\] -A' || true; }

# The policy
if [ -z "$policy" ]; then
  echo "kernel-rate: generating a $rules-filter ClassBench set (seed $seed)" >&2
  java -cp "$jar" dev.policyc.compiler.classbench.ClassBenchGenerator --rules "$rules" \
    --seed "$seed" >"$work/generated.cb"
  # leave out every filter that matches every packet (blanks around ':' are optional)
  sed -E 's/[[:blank:]]*:[[:blank:]]*/:/g' "$work/generated.cb" | awk '
    $1 == "@0.0.0.0/0" && $2 == "0.0.0.0/0" && $3 == "0:65535" && $4 == "0:65535" \
      && tolower($5) ~ /\/0x0+$/ { next }
    { print }' >"$work/filters.cb"
  echo "kernel-rate: $(($(grep -c '^@' "$work/generated.cb") - $(grep -c '^@' "$work/filters.cb"))) filter(s) matching every packet left out" >&2
  "$policyc" import --format classbench "$work/filters.cb" -o "$work/imported.yaml" \
    --name "kernel-rate-$rules-$seed" >&2
  awk '
    /^  INPUT:$/ { print "  FORWARD:"; moved++; next }
    /^    policy: DROP$/ { print "    policy: ACCEPT"; next }
    /^        action: accept$/ { if (n++ % 2) sub(/accept/, "drop") }
    { print }
    END { if (!moved) exit 1 }' "$work/imported.yaml" >"$work/policy.yaml" \
    || { echo "kernel-rate: the imported policy has no filter INPUT chain to move" >&2; exit 1; }
  grep -q '^        action: drop$' "$work/policy.yaml" \
    || { echo "kernel-rate: the imported policy's layout changed: no action became drop" >&2; exit 1; }
  policy="$work/policy.yaml"
  label="a generated $rules-filter set (seed $seed)"
else
  label=$policy
fi

# The flow: one that matches no rule (interpreter), forwarded out eth1 by the chains' policies
if [ -n "$sport" ]; then
  candidates=("$sport $dport")
else
  candidates=()
  for sp in 40000 51234 33445 61001; do
    for dp in 9 7 19 39999; do candidates+=("$sp $dp"); done
  done
fi
for c in "${candidates[@]}"; do
  echo "udp $client_ip:${c% *} -> $sink_ip:${c#* } in eth0 out eth1"
done >"$work/flows"
"$policyc" explain "$policy" -O0 --packets "$work/flows" >"$work/flows.explained"
flow=$(grep -n -v '#' "$work/flows.explained" | grep -m1 '=> ACCEPT: forwarded out eth1 \[' \
  | cut -d: -f1 || true)
if [ -z "$flow" ]; then
  echo "kernel-rate: every candidate flow matches a rule or is not forwarded:" >&2
  sed 's/^/  /' "$work/flows.explained" >&2
  echo "  (give one that walks the whole ruleset with --sport and --dport)" >&2
  exit 1
fi
read -r sport dport <<<"${candidates[$((flow - 1))]}"
echo "kernel-rate: the flow $(sed -n "${flow}p" "$work/flows.explained")" >&2

for l in $levels; do
  if [ "$l" = empty ]; then
    mkdir -p "$work/Oempty"
    printf '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n' \
      >"$work/Oempty/iptables.rules"
    continue
  fi
  echo "kernel-rate: policyc compile -O$l" >&2
  "$policyc" compile -O"$l" "$policy" -o "$work/O$l" >&2
done
# name LEVEL: how the tables call it
name() { case $1 in none) echo none ;; empty) echo empty ;; *) echo "-O$1" ;; esac; }

# The runs: levels alternate within a round, so that a slow spell of the machine hits all alike
declare -A count
for r in $(seq "$runs"); do
  for l in none $levels; do
    up
    count[$l]=$(load "$l")
    rate "$work/rate.$l.$r"
    if [ "$l" = 0 ] && [ "$(hits)" -gt 0 ]; then
      echo "kernel-rate: at -O0 the flow matched rules in the kernel:" >&2
      ip netns exec "$fw" "$save" -c | grep '^\[[1-9][0-9]*:[0-9]*\] -A' | head -5 >&2
      exit 1
    fi
    [ "$(cat "$work/rate.$l.$r")" -gt 0 ] \
      || { echo "kernel-rate: no packet reached the server at level $l (see $work)" >&2; keep=true; exit 1; }
    echo "kernel-rate: round $r, $([ "$l" = none ] && echo "no rules" || name "$l"):" \
      "$(cat "$work/rate.$l.$r") pps" >&2
    down
  done
done

base=$(median '$1' "$work"/rate.none.*)
echo
echo "kernel-rate: 64-byte UDP through client -> firewall -> server, $label," \
  "flow udp $client_ip:$sport -> $sink_ip:$dport; medians of $runs runs of ${seconds}s"
echo "$(nproc) cores of $(cpu_model) (sender and forwarding on CPU 0), $(uname -sr)," \
  "$(java -version 2>&1 | head -1), $("$restore" --version 2>&1 | head -1)," \
  "$(trafgen --version 2>&1 | head -1 | cut -d, -f1), load $(cut -d' ' -f1-3 /proc/loadavg)," \
  "$(date -u +%Y-%m-%dT%H:%MZ)"
echo
printf '%-6s %7s %12s %14s   %s\n' level rules 'pps(median)' '% of no-rules' runs
for l in none $levels; do
  med=$(median '$1' "$work"/rate."$l".*)
  printf '%-6s %7s %12s %14s   %s\n' "$(name "$l")" "${count[$l]}" \
    "$med" "$(awk -v m="$med" -v b="$base" 'BEGIN { printf "%.1f", 100 * m / b }')" \
    "$(cat "$work"/rate."$l".* | paste -sd' ')"
done
if [[ " $levels " == *" 2 "* && " $levels " == *" 0 "* ]]; then
  o2=$(median '$1' "$work"/rate.2.*)
  awk -v m="$o2" -v b="$base" -v r="${count[2]}" -v i="${count[0]}" 'BEGIN {
    p = 100 * m / b; x = r / i
    printf "\n-O2: %.1f %% of the no-rules rate (target >= 85 %%) with %.2fx the -O0 rules (target <= 2x): %s\n",
      p, x, (p >= 85 && x <= 2) ? "target met" : "target not met" }'
fi
if [[ " $levels " == *" 2 "* && " $levels " == *" empty "* ]]; then
  awk -v m="$(median '$1' "$work"/rate.2.*)" -v e="$(median '$1' "$work"/rate.empty.*)" 'BEGIN {
    printf "-O2: %.1f %% of the rate with the filter table loaded and no rule in it\n", 100 * m / e }'
fi
