package dev.policyc.dsl.yaml;

import static dev.policyc.dsl.Dsl.ACCEPT;
import static dev.policyc.dsl.Dsl.DROP;
import static dev.policyc.dsl.Dsl.ESTABLISHED;
import static dev.policyc.dsl.Dsl.FORWARD;
import static dev.policyc.dsl.Dsl.INPUT;
import static dev.policyc.dsl.Dsl.INVALID;
import static dev.policyc.dsl.Dsl.NEW;
import static dev.policyc.dsl.Dsl.OUTPUT;
import static dev.policyc.dsl.Dsl.POSTROUTING;
import static dev.policyc.dsl.Dsl.PREROUTING;
import static dev.policyc.dsl.Dsl.RELATED;
import static dev.policyc.dsl.Dsl.UNTRACKED;
import static dev.policyc.dsl.Dsl.match;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.policyc.dsl.Action;
import dev.policyc.dsl.AddressType;
import dev.policyc.dsl.ChainBuilder;
import dev.policyc.dsl.Dsl;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.IpSetSpec;
import dev.policyc.dsl.MatchBuilder;
import dev.policyc.dsl.MatchSpec;
import dev.policyc.dsl.Ownership;
import dev.policyc.dsl.Policy;
import dev.policyc.dsl.PolicyLibrary;
import dev.policyc.dsl.PolicyBuilder;
import dev.policyc.dsl.Table;
import dev.policyc.dsl.TcpFlag;
import dev.policyc.dsl.testing.ModelDiff;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * DSL → model → YAML → model gives back the DSL's model, for a policy that calls every public
 * builder method and action factory. A second test keeps that policy complete: a new builder
 * method fails it until the policy uses it and {@link #USED} lists it.
 */
class DslYamlRoundTripTest {
  /** The public DSL methods {@link #everyBuilderMethod()} calls. */
  private static final Set<String> USED = Set.of(
      "Policy.named(String)",
      "Dsl.match()",
      "PolicyBuilder.description(String)",
      "PolicyBuilder.owns(Ownership)",
      "PolicyBuilder.host(Consumer)",
      "PolicyBuilder.networks(String,String[])",
      "PolicyBuilder.services(String,String[])",
      "PolicyBuilder.interfaces(String,String[])",
      "PolicyBuilder.set(String,String,Family,String[])",
      "PolicyBuilder.set(IpSetSpec)",
      "PolicyBuilder.filter(String,Consumer)",
      "PolicyBuilder.nat(String,Consumer)",
      "PolicyBuilder.mangle(String,Consumer)",
      "PolicyBuilder.raw(String,Consumer)",
      "PolicyBuilder.chain(Table,String,Consumer)",
      "PolicyBuilder.build()",
      "PolicyBuilder.virtualService(String,String,int,Consumer)",
      "PolicyBuilder.fwmarkService(String,Family,Consumer)",
      "HostBuilder.forwarding(boolean)",
      "HostBuilder.iface(String,String[])",
      "HostBuilder.route(String,String,String)",
      "HostBuilder.route(String,String)",
      "ChainBuilder.policy(Verdict)",
      "ChainBuilder.rule(MatchBuilder,Action)",
      "ChainBuilder.rule(MatchBuilder,Action,String)",
      "ChainBuilder.accept(MatchBuilder)",
      "ChainBuilder.accept(MatchBuilder,String)",
      "ChainBuilder.drop(MatchBuilder)",
      "ChainBuilder.drop(MatchBuilder,String)",
      "ChainBuilder.reject(MatchBuilder)",
      "ChainBuilder.reject(MatchBuilder,String)",
      "ChainBuilder.returns(MatchBuilder)",
      "ChainBuilder.jump(MatchBuilder,String)",
      "ChainBuilder.goTo(MatchBuilder,String)",
      "ChainBuilder.log(MatchBuilder,String)",
      "ChainBuilder.dnat(MatchBuilder,String)",
      "ChainBuilder.snat(MatchBuilder,String)",
      "ChainBuilder.masquerade(MatchBuilder)",
      "ChainBuilder.redirect(MatchBuilder,String)",
      "ChainBuilder.notrack(MatchBuilder)",
      "MatchBuilder.ipv4()",
      "MatchBuilder.ipv6()",
      "MatchBuilder.src(String[])",
      "MatchBuilder.notSrc(String[])",
      "MatchBuilder.dst(String[])",
      "MatchBuilder.notDst(String[])",
      "MatchBuilder.proto(String)",
      "MatchBuilder.notProto(String)",
      "MatchBuilder.tcp()",
      "MatchBuilder.udp()",
      "MatchBuilder.icmp()",
      "MatchBuilder.icmpv6()",
      "MatchBuilder.service(String[])",
      "MatchBuilder.sport(int[])",
      "MatchBuilder.sport(String[])",
      "MatchBuilder.notSport(String[])",
      "MatchBuilder.dport(int[])",
      "MatchBuilder.dport(String[])",
      "MatchBuilder.notDport(String[])",
      "MatchBuilder.in(String)",
      "MatchBuilder.notIn(String)",
      "MatchBuilder.out(String)",
      "MatchBuilder.notOut(String)",
      "MatchBuilder.state(ConnState[])",
      "MatchBuilder.notState(ConnState[])",
      "MatchBuilder.icmpType(String)",
      "MatchBuilder.notIcmpType(String)",
      "MatchBuilder.tcpFlags(List,List)",
      "MatchBuilder.notTcpFlags(List,List)",
      "MatchBuilder.syn()",
      "MatchBuilder.notSyn()",
      "MatchBuilder.mark(String)",
      "MatchBuilder.notMark(String)",
      "MatchBuilder.connmark(String)",
      "MatchBuilder.notConnmark(String)",
      "MatchBuilder.dscp(String)",
      "MatchBuilder.notDscp(String)",
      "MatchBuilder.tos(String)",
      "MatchBuilder.notTos(String)",
      "MatchBuilder.length(String)",
      "MatchBuilder.notLength(String)",
      "MatchBuilder.ttl(Op,int)",
      "MatchBuilder.fragment()",
      "MatchBuilder.notFragment()",
      "MatchBuilder.srcType(AddressType[])",
      "MatchBuilder.notSrcType(AddressType[])",
      "MatchBuilder.dstType(AddressType[])",
      "MatchBuilder.notDstType(AddressType[])",
      "MatchBuilder.inSet(String,String[])",
      "MatchBuilder.notInSet(String,String[])",
      "MatchBuilder.limit(String)",
      "MatchBuilder.limit(String,int)",
      "MatchBuilder.random(double)",
      "MatchBuilder.nth(int,int)",
      "MatchBuilder.notRandom(double)",
      "MatchBuilder.notNth(int,int)",
      "MatchBuilder.build()",
      "Action.accept()",
      "Action.drop()",
      "Action.reject()",
      "Action.reject(String)",
      "Action.returns()",
      "Action.jump(String)",
      "Action.goTo(String)",
      "Action.log(String)",
      "Action.log(String,String)",
      "Action.dnat(String)",
      "Action.snat(String)",
      "Action.masquerade()",
      "Action.masquerade(String)",
      "Action.redirect(String)",
      "Action.setMark(String)",
      "Action.notrack()",
      "Action.count()",
      "Action.mark(Op,String)",
      "Action.setConnmark(String)",
      "Action.saveConnmark()",
      "Action.saveConnmark(String,String)",
      "Action.restoreConnmark()",
      "Action.restoreConnmark(String,String)",
      "Action.dscp(String)",
      "Action.tos(String)",
      "Action.ttl(Op,int)",
      "Action.tcpmss(String)",
      "PolicyBuilder.use(PolicyLibrary)",
      "ChainBuilder.rules(List)");

  /** A shared library, as a YAML policy would include it. */
  private static final PolicyLibrary SHARED = PolicyLibrary.named("shared")
      .networks("partners", "198.51.100.0/24")
      .fragment("partners-in", c -> c.accept(match().src("partners")))
      .build();

  /** A policy that calls every method in {@link #USED}; one rule per method where they clash. */
  static Policy everyBuilderMethod() {
    return Policy.named("every-builder-method")
        .description("Calls every DSL method: \"quotes\", colons: 20:21, # and ünïcödé")
        .owns(Ownership.CHAINS)
        .host(h -> h.forwarding(false)
            .iface("eth0", "192.0.2.10/24", "2001:db8::10/64")
            .iface("lo", "127.0.0.1/8")
            .route("default", "192.0.2.1", "eth0")
            .route("198.51.100.0/24", "eth0"))
        .networks("admins", "10.20.0.0/16", "2001:db8:20::/48")
        .networks("yes", "0777")
        .services("web", "tcp/80", "tcp/443")
        .services("dns", "udp/53")
        .interfaces("uplinks", "eth0", "wan+")
        .set("blocked", "hash:net", Family.IPV4, "203.0.113.0/24", "admins")
        .set(new IpSetSpec("ports", "bitmap:port", null, List.of("22", "80-81"), "0-1023", 65536))
        .filter(INPUT, c -> c.policy(DROP)
            .accept(match().state(ESTABLISHED, RELATED))
            .accept(match().in("lo"), "loopback: always")
            .drop(match().state(INVALID))
            .drop(match().notState(NEW, UNTRACKED), "20:21")
            .reject(match().tcp().dport(113))
            .reject(match().udp().dport("137:139", "445"), "icmp-port-unreachable")
            .jump(match().service("web", "dns"), "services")
            .goTo(match().src("admins").notDst("10.0.0.0/8"), "admin")
            .log(match().limit("10/second"), "drop-in: ")
            .returns(match().notSrc("192.0.2.0/24").dst("192.0.2.10"))
            .rule(match().icmp().icmpType("echo-request"), Action.accept())
            .rule(match().icmpv6().notIcmpType("echo-reply"), Action.drop(), "yes")
            .rule(match().tcp().tcpFlags(List.of(TcpFlag.SYN, TcpFlag.ACK), List.of(TcpFlag.SYN)),
                Action.reject())
            .rule(match().tcp().notTcpFlags(List.of(TcpFlag.FIN), List.of()),
                Action.reject("tcp-reset"))
            .rule(match().tcp().syn().sport(1024, 1025).notDport("22"), Action.returns())
            .rule(match().tcp().notSyn().sport("1024:65535").dport(22, 80), Action.jump("services"))
            .rule(match().ipv4().fragment(), Action.goTo("admin"))
            .rule(match().ipv6().notFragment().notProto("udp").proto("tcp"), Action.log("x"))
            .rule(match().inSet("blocked", "src").notInSet("ports", "dst"),
                Action.log("blocked: ", "warning"))
            .rule(match().srcType(AddressType.LOCAL).notDstType(AddressType.BROADCAST,
                AddressType.MULTICAST), Action.drop())
            .rule(match().notSrcType(AddressType.UNICAST).dstType(AddressType.LOCAL),
                Action.accept())
            .rule(match().limit("3/min", 10).random(0.25), Action.accept())
            .rule(match().nth(4, 1).length("64:1500"), Action.accept())
            .rule(match().notNth(3, 0), Action.accept())
            .rule(match().notRandom(0.5), Action.accept())
            .rule(match().notLength("0:63").ttl(MatchSpec.Ttl.Op.LT, 5), Action.drop()))
        .filter("services", c -> c.accept(match().notIn("eth0").out("eth1")))
        .filter("admin", c -> c.accept(match().notOut("wan+")))
        .use(SHARED)
        .filter("partners", c -> c.rules(SHARED.fragment("partners-in")))
        .chain(Table.FILTER, FORWARD, c -> c.policy(ACCEPT).drop(match().ipv6()))
        .nat(PREROUTING, c -> c
            .dnat(match().in("eth0").tcp().dport(8080), "10.0.0.5:80")
            .redirect(match().tcp().dport(3128), "8080")
            .rule(match().udp(), Action.dnat("[2001:db8::5]:53")))
        .nat(POSTROUTING, c -> c
            .masquerade(match().out("wan+"))
            .snat(match().src("10.0.0.0/8"), "192.0.2.10")
            .rule(match().out("eth1"), Action.masquerade("1024-65535"))
            .rule(match().out("eth2"), Action.snat("192.0.2.11-192.0.2.12:1024-2048")))
        .mangle(PREROUTING, c -> c
            .rule(match().mark("0x1/0xff"), Action.setMark("0x2/0xff"))
            .rule(match().notMark("0x3"), Action.mark(Action.Mark.Op.OR, "0x4"))
            .rule(match().connmark("0x10"), Action.mark(Action.Mark.Op.AND, "0xff00"))
            .rule(match().notConnmark("0x20/0xf0"), Action.mark(Action.Mark.Op.XOR, "0x1"))
            .rule(match().dscp("EF"), Action.setConnmark("0x5/0xf"))
            .rule(match().notDscp("10"), Action.saveConnmark())
            .rule(match().tos("0x10/0x3f"), Action.saveConnmark("0xff", "0xff00"))
            .rule(match().notTos("0x08"), Action.restoreConnmark())
            .rule(match().ttl(MatchSpec.Ttl.Op.GT, 64), Action.restoreConnmark("0xf", null)))
        .mangle(POSTROUTING, c -> c
            .rule(match(), Action.dscp("AF41"))
            .rule(match().proto("6"), Action.tos("0x10/0x3f"))
            .rule(match().ttl(MatchSpec.Ttl.Op.EQ, 1), Action.ttl(Action.Ttl.Op.SET, 64))
            .rule(match().ttl(MatchSpec.Ttl.Op.NE, 1), Action.ttl(Action.Ttl.Op.INC, 1))
            .rule(match().tcp().syn(), Action.tcpmss("clamp-to-pmtu"))
            .rule(match().tcp().notSyn(), Action.tcpmss("1400"))
            .rule(match().ipv4(), Action.ttl(Action.Ttl.Op.DEC, 2)))
        .raw(PREROUTING, c -> c.notrack(match().udp().dport(53)))
        .raw(OUTPUT, c -> c.rule(match().udp().sport(53), Action.notrack())
            .rule(match().udp(), Action.count()))
        .virtualService("tcp", "192.0.2.80", 80, v -> v.scheduler("wrr")
            .persistence(600, "255.255.255.0")
            .real("10.1.0.1")
            .real("10.1.0.2", 8080, r -> r.weight(4).masq().thresholds(100, 50))
            .real("10.1.0.3", null, r -> r.gate())
            .real("10.1.0.4", null, r -> r.ipip().weight(0))
            .httpCheck("/healthz", 200, 5, 3, 2))
        .virtualService("udp", "2001:db8::53", 53, v -> v.scheduler("sh")
            .flags("sh-port", "sh-fallback").onePacket().persistence(60)
            .real("2001:db8::1").tcpCheck(10, 5, 3))
        .fwmarkService("0x10", Family.IPV6, v -> v.scheduler("mh").flags("mh-port")
            .real("2001:db8::2"))
        .build();
  }

  @Test
  void dslModelSurvivesYaml() throws PolicyParseException {
    Policy dsl = everyBuilderMethod();
    String yaml = PolicyYamlWriter.write(dsl);
    assertEquals(yaml, PolicyYamlWriter.write(dsl), "the writer is not deterministic");
    Policy back = PolicyYamlReader.read("dsl.yaml", yaml);
    assertNull(ModelDiff.first(dsl, back), () -> "DSL -> YAML -> model changed the model:\n"
        + yaml.indent(4));
    assertEquals(yaml, PolicyYamlWriter.write(back), "write(read(write(dsl))) != write(dsl)");
  }

  @Test
  void theEveryMethodPolicyUsesEveryPublicDslMethod() {
    Set<String> declared = new TreeSet<>();
    for (Class<?> c : List.of(Policy.class, Dsl.class, PolicyBuilder.class,
        PolicyBuilder.HostBuilder.class, ChainBuilder.class, MatchBuilder.class, Action.class)) {
      for (Method m : c.getDeclaredMethods()) {
        boolean entry = c != Policy.class || m.getName().equals("named");
        boolean factory = c != Action.class || Modifier.isStatic(m.getModifiers());
        if (Modifier.isPublic(m.getModifiers()) && !m.isSynthetic() && entry && factory) {
          declared.add(c.getSimpleName() + "." + m.getName() + "("
              + Arrays.stream(m.getParameterTypes()).map(Class::getSimpleName)
                  .collect(Collectors.joining(",")) + ")");
        }
      }
    }
    Set<String> unused = new TreeSet<>(declared);
    unused.removeAll(USED);
    Set<String> gone = new TreeSet<>(USED);
    gone.removeAll(declared);
    assertEquals(Set.of(), unused,
        "DSL methods everyBuilderMethod() does not call: call them there and list them in USED");
    assertEquals(Set.of(), gone, "USED lists methods the DSL no longer has");
  }
}
