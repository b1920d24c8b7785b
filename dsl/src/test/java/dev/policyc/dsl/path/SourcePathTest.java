package dev.policyc.dsl.path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.policyc.dsl.Policy;
import dev.policyc.dsl.SourceMap;
import dev.policyc.dsl.SourcePos;
import dev.policyc.dsl.Table;
import dev.policyc.dsl.yaml.PolicyParseException;
import dev.policyc.dsl.yaml.PolicyYamlReader;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every typed path names a key the YAML reader records, at the element it names: a policy that
 * writes every key is read, and the position of each path must point at the text written there.
 * Lookups are exact; only {@link SourceMap#atOrEnclosing} falls back to an enclosing element.
 */
class SourcePathTest {
  private static final String YAML = """
      policy: paths
      host:
        forwarding: true
        interfaces:
          eth0:
            addresses: [192.0.2.10/24, "2001:db8::10/64"]
          eth1: [10.0.0.1/24]
        routes:
          - to: default
            via: 192.0.2.1
            dev: eth0
      objects:
        networks:
          admins: [10.20.0.0/16, 10.30.0.0/16]
        services:
          web: tcp/80
        interfaces:
          lan: [eth1, eth2]
        sets:
          blocked:
            type: hash:net
            family: ipv4
            entries: [198.18.0.0/15]
            maxelem: 10
          low:
            type: bitmap:port
            range: 1-1024
      filter:
        INPUT:
          policy: DROP
          rules:
            - match:
                family: ipv4
                src: [admins, 10.0.0.1]
                dst: {not: 192.0.2.10}
                proto: tcp
                service: [web, tcp/443]
                sport: ["1024"]
                dport: ["22", "80"]
                in: eth0
                out: {not: eth1}
                state: [new]
                icmp-type: echo-request
                tcp-flags: {mask: [SYN], set: [SYN]}
                syn: true
                mark: "0x1"
                connmark: "0x2"
                dscp: "10"
                tos: "0x10"
                length: "0:100"
                ttl: {eq: 64}
                fragment: false
                src-type: [LOCAL]
                dst-type: LOCAL
                set: [{name: blocked}, {not: {name: low, dir: dst}}]
                limit: 10/second
                statistic: {every: 2}
              action: {jump: audit}
              comment: admins
            - action: {goto: audit}
            - action: reject
            - action: {reject: tcp-reset}
            - action: {log: {level: info, prefix: "in: "}}
            - action: {log: "in: "}
        audit:
          - action: {dnat: 10.0.0.5}
          - action: {snat: {to: 10.0.0.6}}
          - action: masquerade
          - action: {masquerade: {ports: 1024-2047}}
          - action: {redirect: {ports: "8080"}}
          - action: {mark: {set: "0x1"}}
          - action: {connmark: save}
          - action: {dscp: af11}
          - action: {tos: "0x10"}
          - action: {ttl: {set: 64}}
          - action: {tcpmss: clamp-to-pmtu}
      """;

  private static final List<String> LINES = YAML.lines().toList();

  @Test
  void everyPathPointsAtWhatIsWrittenThere() throws PolicyParseException {
    SourceMap src = read();
    HostPath host = PolicyPath.host();
    assertAt(src, host, "forwarding: true");
    assertAt(src, host.forwarding(), "true");
    assertAt(src, host.interfaces("eth0"), "eth0:");
    assertAt(src, host.interfaces("eth0", 1), "\"2001:db8::10/64\"");
    assertAt(src, host.interfaces("eth1"), "eth1:");
    assertAt(src, host.interfaces("eth1", 0), "10.0.0.1/24");
    assertAt(src, host.routes(), "- to: default");
    assertAt(src, host.routes(0), "to: default");
    assertAt(src, host.routes(0).to(), "default");
    assertAt(src, host.routes(0).via(), "192.0.2.1");
    assertAt(src, host.routes(0).dev(), "eth0");

    ObjectsPath objects = PolicyPath.objects();
    assertAt(src, objects, "networks:");
    assertAt(src, objects.networks("admins"), "admins:");
    assertAt(src, objects.networks("admins").item(1), "10.30.0.0/16");
    assertAt(src, objects.services("web"), "web:");
    assertAt(src, objects.services("web").item(0), "tcp/80");
    assertAt(src, objects.interfaces("lan"), "lan:");
    assertAt(src, objects.interfaces("lan").item(1), "eth2");
    SetPath blocked = objects.sets("blocked");
    assertAt(src, blocked, "blocked:");
    assertAt(src, blocked.type(), "hash:net");
    assertAt(src, blocked.family(), "ipv4");
    assertAt(src, blocked.entries(), "[198.18.0.0/15]");
    assertAt(src, blocked.entries(0), "198.18.0.0/15");
    assertAt(src, blocked.maxelem(), "10");
    assertAt(src, objects.sets("low").range(), "1-1024");

    assertAt(src, PolicyPath.table(Table.FILTER), "INPUT:");
    ChainPath input = PolicyPath.chain(Table.FILTER, "INPUT");
    assertAt(src, input, "INPUT:");
    assertAt(src, input.policy(), "DROP");
    assertAt(src, input.rules(), "- match:");
    RulePath rule = input.rule(0);
    assertEquals(rule, PolicyPath.rule(Table.FILTER, "INPUT", 0));
    assertAt(src, rule, "match:");
    assertAt(src, rule.comment(), "admins");

    MatchPath m = rule.match();
    assertAt(src, m, "family: ipv4");
    assertAt(src, m.family(), "ipv4");
    assertAt(src, m.src(), "[admins, 10.0.0.1]");
    assertAt(src, m.src(0), "admins, 10.0.0.1]");
    assertAt(src, m.src(1), "10.0.0.1]");
    assertAt(src, m.dst(), "{not: 192.0.2.10}");
    assertAt(src, m.dst(0), "192.0.2.10}");
    assertAt(src, m.proto(), "tcp");
    assertAt(src, m.service(), "[web, tcp/443]");
    assertAt(src, m.service(1), "tcp/443]");
    assertAt(src, m.sport(), "[\"1024\"]");
    assertAt(src, m.sport(0), "\"1024\"]");
    assertAt(src, m.dport(1), "\"80\"]");
    assertAt(src, m.in(), "eth0");
    assertAt(src, m.out(), "{not: eth1}");
    assertAt(src, m.state(), "[new]");
    assertAt(src, m.icmpType(), "echo-request");
    assertAt(src, m.tcpFlags(), "{mask: [SYN], set: [SYN]}");
    assertAt(src, m.syn(), "true");
    assertAt(src, m.mark(), "\"0x1\"");
    assertAt(src, m.connmark(), "\"0x2\"");
    assertAt(src, m.dscp(), "\"10\"");
    assertAt(src, m.tos(), "\"0x10\"");
    assertAt(src, m.length(), "\"0:100\"");
    assertAt(src, m.ttl(), "{eq: 64}");
    assertAt(src, m.fragment(), "false");
    assertAt(src, m.srcType(), "[LOCAL]");
    assertAt(src, m.dstType(), "LOCAL");
    assertAt(src, m.set(), "[{name: blocked}");
    assertAt(src, m.set(0), "{name: blocked}");
    assertAt(src, m.set(1), "{not: {name: low");
    assertAt(src, m.limit(), "10/second");
    assertAt(src, m.statistic(), "{every: 2}");

    assertAt(src, rule.action(), "{jump: audit}");
    assertAt(src, rule.action().jump(), "audit}");
    assertAt(src, input.rule(1).action().gotoChain(), "audit}");
    assertAt(src, input.rule(3).action().reject(), "tcp-reset}");
    LogPath log = input.rule(4).action().log();
    assertAt(src, log, "{level: info");
    assertAt(src, log.level(), "info");
    assertAt(src, log.prefix(), "\"in: \"}}");

    ChainPath audit = PolicyPath.chain(Table.FILTER, "audit");
    assertAt(src, audit, "audit:");
    assertAt(src, audit.rules(), "- action: {dnat");
    assertAt(src, audit.rule(0).action().dnat(), "10.0.0.5}");
    assertAt(src, audit.rule(1).action().snat(), "{to: 10.0.0.6}");
    assertAt(src, audit.rule(3).action().masquerade(), "{ports: 1024-2047}");
    assertAt(src, audit.rule(4).action().redirect(), "{ports: \"8080\"}");
    assertAt(src, audit.rule(5).action().mark(), "{set: \"0x1\"}");
    assertAt(src, audit.rule(6).action().connmark(), "save}");
    assertAt(src, audit.rule(7).action().dscp(), "af11}");
    assertAt(src, audit.rule(8).action().tos(), "\"0x10\"}");
    assertAt(src, audit.rule(9).action().ttl(), "{set: 64}");
    assertAt(src, audit.rule(10).action().tcpmss(), "clamp-to-pmtu}");
  }

  /** A bare action word has no key under it; only atOrEnclosing answers for one. */
  @Test
  void atOrEnclosingFallsBackWhereAKeyMayBeAbsent() throws PolicyParseException {
    SourceMap src = read();
    RulePath reject = PolicyPath.rule(Table.FILTER, "INPUT", 2);
    assertFalse(src.has(reject.action().reject()));
    assertEquals(src.at(reject.action()), src.atOrEnclosing(reject.action().reject()));
    LogPath log = PolicyPath.rule(Table.FILTER, "INPUT", 5).action().log();
    assertFalse(src.has(log.prefix()));
    assertEquals(src.at(log), src.atOrEnclosing(log.prefix()));
    RulePath masquerade = PolicyPath.rule(Table.FILTER, "audit", 2);
    assertEquals(src.at(masquerade.action()),
        src.atOrEnclosing(masquerade.action().masquerade()));
    // Where the key exists, both answer the same.
    SourcePath jump = PolicyPath.rule(Table.FILTER, "INPUT", 0).action().jump();
    assertEquals(src.at(jump), src.atOrEnclosing(jump));
  }

  /** Asking a map read from a file for a path it never recorded is a bug, caught in tests. */
  @Test
  void atRefusesAPathTheReaderNeverRecorded() throws PolicyParseException {
    assumeTrue(SourceMap.class.desiredAssertionStatus(), "needs assertions (-ea)");
    SourceMap src = read();
    SourcePath absent = PolicyPath.rule(Table.FILTER, "INPUT", 2).action().reject();
    AssertionError e = assertThrows(AssertionError.class, () -> src.at(absent));
    assertTrue(e.getMessage().contains("filter.INPUT.rules[2].action.reject"), e.getMessage());
  }

  /** A policy built with the DSL has no positions: every path names only the file. */
  @Test
  void anEmptyMapAnswersTheFileOnly() {
    SourceMap empty = SourceMap.empty();
    SourcePath p = PolicyPath.rule(Table.NAT, "PREROUTING", 0).match().src(0);
    assertEquals(new SourcePos("<dsl>", 0, 0), empty.at(p));
    assertEquals(new SourcePos("<dsl>", 0, 0), empty.atOrEnclosing(p));
    assertFalse(empty.at(p).known());
  }

  @Test
  void pathsRenderToTheReadersKeys() {
    assertEquals("filter.INPUT.rules[2].match.src[1]",
        PolicyPath.rule(Table.FILTER, "INPUT", 2).match().src(1).key());
    assertEquals("nat.POSTROUTING.rules[0].action.log.prefix",
        PolicyPath.rule(Table.NAT, "POSTROUTING", 0).action().log().prefix().toString());
    assertEquals("mangle.x.rules[3].match.icmp-type",
        PolicyPath.rule(Table.MANGLE, "x", 3).match().icmpType().key());
    assertEquals("raw.OUTPUT.rules[0].action.goto",
        PolicyPath.rule(Table.RAW, "OUTPUT", 0).action().gotoChain().key());
    assertEquals("objects.sets.s.entries[4]", PolicyPath.objects().sets("s").entries(4).key());
    assertEquals("host.interfaces.eth0[1]", PolicyPath.host().interfaces("eth0", 1).key());
    assertEquals("host.routes[2].via", PolicyPath.host().routes(2).via().key());
    assertEquals("filter.INPUT.policy", PolicyPath.chain(Table.FILTER, "INPUT").policy().key());
  }

  @Test
  void pathsKnowWhatEnclosesThem() {
    SourcePath src = PolicyPath.rule(Table.FILTER, "INPUT", 2).match().src(1);
    List<String> up = new java.util.ArrayList<>();
    for (SourcePath p = src; p != null; p = p.parent().orElse(null)) {
      up.add(p.key());
    }
    assertEquals(List.of("filter.INPUT.rules[2].match.src[1]", "filter.INPUT.rules[2].match.src",
        "filter.INPUT.rules[2].match", "filter.INPUT.rules[2]", "filter.INPUT.rules",
        "filter.INPUT", "filter"), up);
    // A group name with a dot is one key, not two.
    assertEquals("objects.networks",
        PolicyPath.objects().networks("dmz.v4").parent().orElseThrow().key());
  }

  @Test
  void equalPathsHaveEqualKeys() {
    assertEquals(PolicyPath.rule(Table.FILTER, "INPUT", 1).match(),
        PolicyPath.chain(Table.FILTER, "INPUT").rule(1).match());
    assertEquals(PolicyPath.rule(Table.FILTER, "INPUT", 1).match().hashCode(),
        PolicyPath.chain(Table.FILTER, "INPUT").rule(1).match().hashCode());
    assertNotEquals(PolicyPath.rule(Table.FILTER, "INPUT", 1).match().in(),
        PolicyPath.rule(Table.FILTER, "INPUT", 1).match().out());
    assertThrows(IllegalArgumentException.class, () -> PolicyPath.rule(Table.FILTER, "X", -1));
  }

  private static SourceMap read() throws PolicyParseException {
    Policy p = PolicyYamlReader.read("paths.yaml", YAML);
    return p.source();
  }

  /** The path has a position, and the text there starts with {@code text}. */
  private static void assertAt(SourceMap src, SourcePath path, String text) {
    if (!src.has(path)) {
      fail("no position recorded for " + path);
    }
    SourcePos pos = src.at(path);
    String line = LINES.get(pos.line() - 1);
    String there = line.substring(pos.column() - 1);
    assertTrue(there.startsWith(text),
        () -> path + " is at " + pos + ": '" + there + "', expected '" + text + "'");
  }
}
