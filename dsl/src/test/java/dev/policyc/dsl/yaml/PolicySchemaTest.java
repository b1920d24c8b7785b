package dev.policyc.dsl.yaml;

import static dev.policyc.dsl.AddressType.BROADCAST;
import static dev.policyc.dsl.AddressType.LOCAL;
import static dev.policyc.dsl.AddressType.MULTICAST;
import static dev.policyc.dsl.AddressType.UNICAST;
import static dev.policyc.dsl.Dsl.match;
import static dev.policyc.dsl.TcpFlag.RST;
import static dev.policyc.dsl.TcpFlag.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.policyc.dsl.Action;
import dev.policyc.dsl.Action.ConnMark;
import dev.policyc.dsl.ConnState;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.IpSetSpec;
import dev.policyc.dsl.MatchSpec;
import dev.policyc.dsl.Policy;
import dev.policyc.dsl.RuleSpec;
import dev.policyc.dsl.TcpFlag;
import dev.policyc.dsl.Verdict;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The JSON Schema and {@link PolicyYamlReader} agree: the example policies and the writer's
 * output are valid against the schema, edge forms the reader accepts are valid too, and broken
 * documents are refused by both.
 */
class PolicySchemaTest {
  private static final YAMLMapper YAML = YAMLMapper.builder().build();
  private static Schema schema;

  @BeforeAll
  static void loadSchema() {
    schema =
        SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
            .getSchema(PolicySchema.text());
  }

  @Test
  void schemaIsAValidDraft202012SchemaThatNamesItself() {
    JsonNode root = YAML.readTree(PolicySchema.text());
    String draft = "https://json-schema.org/draft/2020-12/schema";
    assertEquals(draft, root.get("$schema").asString());
    assertEquals(PolicySchema.ID, root.get("$id").asString());
    Schema meta =
        SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
            .getSchema(SchemaLocation.of(draft));
    assertEquals(List.of(), meta.validate(root).stream().map(Object::toString).toList());
  }

  @Test
  void everyPropertyIsDescribed() {
    List<String> missing = new ArrayList<>();
    undescribed(YAML.readTree(PolicySchema.text()), "", missing);
    assertEquals(List.of(), missing, "properties without a description (editors show them)");
  }

  /** Adds the paths of properties (and of additional properties) that have no description. */
  private static void undescribed(JsonNode node, String path, List<String> missing) {
    if (node.isObject()) {
      JsonNode props = node.get("properties");
      if (props != null) {
        for (Map.Entry<String, JsonNode> p : props.properties()) {
          if (!p.getValue().has("description")) {
            missing.add(path + "/properties/" + p.getKey());
          }
        }
      }
      JsonNode extra = node.get("additionalProperties");
      if (extra != null && extra.isObject() && !extra.has("description")) {
        missing.add(path + "/additionalProperties");
      }
      for (Map.Entry<String, JsonNode> e : node.properties()) {
        undescribed(e.getValue(), path + "/" + e.getKey(), missing);
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        undescribed(node.get(i), path + "/" + i, missing);
      }
    }
  }

  @TestFactory
  Stream<DynamicTest> examplePoliciesAreValid() throws IOException {
    Path dir = repositoryRoot().resolve("policies");
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    assertFalse(files.isEmpty(), "no policies in " + dir);
    return files.stream()
        .map(
            f ->
                DynamicTest.dynamicTest(
                    f.getFileName().toString(),
                    () -> {
                      String text = Files.readString(f);
                      PolicyYamlReader.read(f.toString(), text);
                      assertValid(f.getFileName().toString(), text);
                    }));
  }

  @Test
  void writerOutputIsValidForEveryMatchAndAction() throws Exception {
    List<Policy> policies = List.of(everyMatch(), everyAction());
    Set<String> components = new HashSet<>();
    Set<Class<?>> actions = new HashSet<>();
    for (Policy p : policies) {
      String yaml = PolicyYamlWriter.write(p);
      assertValid(p.name(), yaml);
      PolicyYamlReader.read(p.name() + ".yaml", yaml);
      p.chains().stream()
          .flatMap(c -> c.rules().stream())
          .forEach(r -> record(r, components, actions));
    }
    Set<String> allComponents =
        Stream.of(MatchSpec.class.getRecordComponents())
            .map(RecordComponent::getName)
            .collect(Collectors.toSet());
    assertEquals(allComponents, components, "match components the test does not write");
    assertEquals(
        Set.of(Action.class.getPermittedSubclasses()), actions, "actions the test does not write");
  }

  @TestFactory
  Stream<DynamicTest> edgeFormsAreAcceptedByBoth() {
    Map<String, String> docs =
        Map.ofEntries(
            Map.entry(
                "numbers as text",
                rule("{ match: { proto: 6, dport: 22, mark: 1 }, action: accept }")),
            Map.entry("any letter case", """
                policy: p
                filter:
                  INPUT:
                    policy: drop
                    rules:
                      - match: { family: IPv6, state: [NEW, Established], src-type: local }
                        action: ACCEPT
                      - match: { proto: tcp, tcp-flags: { mask: [syn, Ack, all], set: none } }
                        action: Drop
                """),
            Map.entry("empty sections", """
                policy: p
                description:
                host:
                objects:
                filter:
                nat:
                  PREROUTING:
                mangle:
                  PREROUTING: { rules: }
                raw:
                  OUTPUT: []
                """),
            Map.entry("null shorthands", rule("""
                { match: , action: { reject: }, comment: }
                      - { action: { masquerade: } }
                      - { action: { redirect: { ports: } } }
                      - { action: { log: {} } }
                      - { action: { connmark: { save: } } }
                      - { action: { connmark: { restore: { nfmask: "0xff" } } } }
                      - { action: { reject: { with: tcp-reset } } }""")),
            Map.entry("quoted integers", rule("""
                match: { ttl: { lt: "64" }, statistic: { every: "3", packet: "1" } }
                        action: { ttl: { dec: "1" } }
                      - match: { limit: { rate: 1/s, burst: "7" }, statistic: { probability: 1 } }
                        action: accept""")),
            Map.entry("32-bit integer bounds", rule("""
                match: { ttl: { gt: -2147483648 }, statistic: { every: 2147483647, packet: 0 } }
                        action: { ttl: { set: "2147483647" } }
                      - match: { ttl: { lt: "-2147483648" }, limit: { rate: 1/s, burst: "0999" } }
                        action: accept
                      - { match: { ttl: { eq: "0999999999" } }, action: accept }""")),
            Map.entry("set forms", """
                policy: p
                objects:
                  sets:
                    ports: { type: bitmap:port, range: "1-1024", maxelem: 10, entries: "22" }
                    pairs: { type: "hash:ip,port", family: IPV6 }
                filter:
                  INPUT:
                    - match:
                        set: [{ name: ports, dir: DST }, { not: { name: pairs, dir: " src ,dst" } }]
                      action: drop
                    - { match: { set: { name: pairs, dir: [src, dst] } }, action: drop }
                """),
            Map.entry("host forms", """
                policy: p
                host:
                  forwarding: false
                  interfaces:
                    eth0: 192.0.2.1/24
                    eth1: [192.0.2.2/24]
                    lo: {}
                    "wg+": { addresses: [] }
                  routes:
                    - { to: default, via: , dev: eth0 }
                """));
    return docs.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .map(
            e ->
                DynamicTest.dynamicTest(
                    e.getKey(),
                    () -> {
                      PolicyYamlReader.read(e.getKey(), e.getValue());
                      assertValid(e.getKey(), e.getValue());
                    }));
  }

  @TestFactory
  Stream<DynamicTest> brokenDocumentsAreRefusedByBoth() {
    Map<String, String> docs =
        Map.ofEntries(
            Map.entry("unknown top-level key", "policy: p\npolcy: q\n"),
            Map.entry("missing policy name", "description: no name\n"),
            Map.entry("unknown match key", rule("{ match: { dports: \"22\" }, action: accept }")),
            Map.entry("unknown rule key", rule("{ action: accept, coment: typo }")),
            Map.entry("rule without action", rule("{ match: { proto: tcp } }")),
            Map.entry("unknown state", rule("{ match: { state: establishd }, action: accept }")),
            Map.entry(
                "unknown address type",
                rule("{ match: { dst-type: LOCALHOST }, action: accept }")),
            Map.entry(
                "unknown TCP flag",
                rule("{ match: { tcp-flags: { mask: [SYNACK] } }, action: accept }")),
            Map.entry(
                "comma-separated TCP flags",
                rule("{ match: { tcp-flags: { mask: \"SYN,ACK\" } }, action: accept }")),
            Map.entry(
                "tcp-flags without mask",
                rule("{ match: { tcp-flags: { set: [SYN] } }, action: accept }")),
            Map.entry("unknown family", rule("{ match: { family: inet }, action: accept }")),
            Map.entry("chain policy REJECT", "policy: p\nfilter:\n  INPUT: { policy: REJECT }\n"),
            Map.entry("chain as a word", "policy: p\nfilter:\n  INPUT: accept\n"),
            Map.entry("unknown action word", rule("{ action: allow }")),
            Map.entry("action as a number", rule("{ action: 1 }")),
            Map.entry("action map with two keys", rule("{ action: { jump: LOGDROP, log: x } }")),
            Map.entry("empty action map", rule("{ action: {} }")),
            Map.entry("action word as a key", rule("{ action: { accept: yes } }")),
            Map.entry(
                "mark with two operations",
                rule("{ action: { mark: { set: \"1\", or: \"2\" } } }")),
            Map.entry("ttl action without operation", rule("{ action: { ttl: {} } }")),
            Map.entry("connmark in capitals", rule("{ action: { connmark: SAVE } }")),
            Map.entry("dnat without destination", rule("{ action: { dnat: {} } }")),
            Map.entry("jump to nothing", rule("{ action: { jump: } }")),
            Map.entry("boolean as text", rule("{ match: { dport: true }, action: accept }")),
            Map.entry(
                "integer beyond 32 bits",
                rule("{ match: { statistic: { every: 2147483648 } }, action: accept }")),
            Map.entry(
                "quoted integer beyond 32 bits",
                rule("{ match: { ttl: { eq: \"-2147483649\" } }, action: accept }")),
            Map.entry(
                "quoted integer of 11 digits",
                rule("{ match: { ttl: { eq: \"00000000001\" } }, action: accept }")),
            Map.entry(
                "list where one value goes",
                rule("{ match: { proto: [tcp, udp] }, action: accept }")),
            Map.entry(
                "service negated",
                rule("{ match: { service: { not: ssh } }, action: accept }")),
            Map.entry(
                "negation with another key",
                rule("{ match: { src: { not: 10.0.0.0/8, also: x } }, action: accept }")),
            Map.entry("text as boolean", rule("{ match: { syn: \"true\" }, action: accept }")),
            Map.entry(
                "ttl with two comparisons",
                rule("{ match: { ttl: { eq: 1, lt: 2 } }, action: accept }")),
            Map.entry(
                "ttl not an integer",
                rule("{ match: { ttl: { eq: 1.5 } }, action: accept }")),
            Map.entry(
                "statistic with both modes",
                rule("{ match: { statistic: { probability: 0.5, every: 2 } }, action: accept }")),
            Map.entry(
                "probability as text",
                rule("{ match: { statistic: { probability: \"0.5\" } }, action: accept }")),
            Map.entry(
                "limit without rate",
                rule("{ match: { limit: { burst: 5 } }, action: accept }")),
            Map.entry(
                "set reference without name",
                rule("{ match: { set: { dir: src } }, action: accept }")),
            Map.entry("forwarding as text", "policy: p\nhost: { forwarding: \"no\" }\n"),
            Map.entry(
                "route without device",
                "policy: p\nhost: { routes: [{ to: default, via: 192.0.2.1 }] }\n"),
            Map.entry(
                "interface without addresses",
                "policy: p\nhost: { interfaces: { eth0: } }\n"),
            Map.entry("unknown objects key", "policy: p\nobjects: { hosts: {} }\n"),
            Map.entry(
                "group as a mapping",
                "policy: p\nobjects: { networks: { lan: { cidr: 10.0.0.0/8 } } }\n"),
            Map.entry(
                "set without type",
                "policy: p\nobjects: { sets: { s: { entries: [10.0.0.1] } } }\n"),
            Map.entry(
                "maxelem as text",
                "policy: p\nobjects: { sets: { s: { type: hash:ip, maxelem: many } } }\n"),
            Map.entry(
                "rules not a list",
                "policy: p\nfilter:\n  INPUT: { rules: { action: accept } }\n"));
    return docs.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .map(
            e ->
                DynamicTest.dynamicTest(
                    e.getKey(),
                    () -> {
                      assertThrows(
                          PolicyParseException.class,
                          () -> PolicyYamlReader.read(e.getKey(), e.getValue()),
                          "the reader accepts it");
                      assertFalse(errors(e.getValue()).isEmpty(), "the schema accepts it");
                    }));
  }

  // ------------------------------------------------------------------ policies of every kind

  private static Policy everyMatch() {
    IpSetSpec ports = new IpSetSpec("ports", "bitmap:port", null, List.of("22"), "1-1024", 16);
    return Policy.named("every-match")
        .description("every match kind, plain and negated")
        .host(
            h ->
                h.forwarding(false)
                    .iface("eth0", "192.0.2.1/24")
                    .route("default", "192.0.2.254", "eth0")
                    .route("10.0.0.0/8", "eth0"))
        .networks("lan", "10.0.0.0/8", "2001:db8::/32")
        .services("web", "tcp/80", "tcp/443")
        .interfaces("inside", "eth1", "wg+")
        .set("bad", "hash:net", Family.IPV4, "192.0.2.0/25", "lan")
        .set(ports)
        .filter(
            "INPUT",
            c ->
                c.policy(Verdict.DROP)
                    .accept(match().ipv4().src("lan", "192.0.2.7").dst("10.0.0.1-10.0.0.9"))
                    .accept(match().ipv6().notSrc("2001:db8::/32").notDst("lan"))
                    .accept(match().tcp().sport("1024:65535").dport(20, 21))
                    .accept(match().notProto("udp").notSport("20:21").notDport("0"))
                    .accept(match().service("web", "udp/53"))
                    .accept(match().in("eth0").out("inside"))
                    .accept(match().notIn("eth+").notOut("lo"))
                    .accept(match().state(ConnState.ESTABLISHED, ConnState.RELATED))
                    .drop(match().notState(ConnState.INVALID))
                    .accept(match().icmp().icmpType("echo-request"))
                    .accept(match().icmpv6().notIcmpType("128/0"))
                    .accept(match().tcp().tcpFlags(List.of(SYN, RST), List.of(SYN)))
                    .accept(match().tcp().notTcpFlags(List.of(TcpFlag.values()), List.of()))
                    .accept(match().tcp().syn())
                    .accept(match().tcp().notSyn())
                    .accept(match().mark("0x1/0xff").connmark("7"))
                    .accept(match().notMark("0x2").notConnmark("0x0/0xff"))
                    .accept(match().dscp("EF").tos("0x10/0x10").length("0:128"))
                    .accept(match().notDscp("46").notTos("0x08").notLength("1500"))
                    .accept(match().ttl(MatchSpec.Ttl.Op.GT, 64))
                    .accept(match().ttl(MatchSpec.Ttl.Op.NE, 1))
                    .accept(match().fragment())
                    .accept(match().notFragment())
                    .accept(match().srcType(LOCAL).dstType(BROADCAST, MULTICAST))
                    .accept(match().notSrcType(UNICAST).notDstType(LOCAL))
                    .drop(match().inSet("bad", "src"))
                    .drop(match().notInSet("bad", "dst").inSet("ports", "dst"))
                    .accept(match().limit("10/second"))
                    .accept(match().limit("5/minute", 20))
                    .accept(match().random(0.25))
                    .accept(match().nth(3, 1)))
        .build();
  }

  private static Policy everyAction() {
    return Policy.named("every-action")
        .filter(
            "INPUT",
            c ->
                c.accept(match(), "accept")
                    .drop(match())
                    .reject(match())
                    .reject(match().tcp(), "tcp-reset")
                    .returns(match())
                    .jump(match(), "LOGDROP")
                    .goTo(match(), "LOGDROP")
                    .log(match(), "in: ")
                    .rule(match(), new Action.Log("in: ", "info"))
                    .rule(match(), new Action.Log(null, null)))
        .filter("LOGDROP", c -> c.drop(match()))
        .nat(
            "PREROUTING",
            c ->
                c.dnat(match().tcp().dport(80), "10.0.0.5:8080")
                    .redirect(match().tcp().dport(81), "3128")
                    .redirect(match(), null))
        .nat(
            "POSTROUTING",
            c ->
                c.snat(match(), "192.0.2.1")
                    .masquerade(match())
                    .rule(match().tcp(), new Action.Masquerade("1024-65535")))
        .mangle(
            "PREROUTING",
            c ->
                c.rule(match(), new Action.Mark(Action.Mark.Op.SET, "0x1/0xff"))
                    .rule(match(), new Action.Mark(Action.Mark.Op.OR, "0x100"))
                    .rule(match(), new Action.Mark(Action.Mark.Op.AND, "0xff"))
                    .rule(match(), new Action.Mark(Action.Mark.Op.XOR, "1"))
                    .rule(match(), new Action.ConnMark(ConnMark.Op.SET, "0x2/0xff", null, null))
                    .rule(match(), new Action.ConnMark(ConnMark.Op.SAVE, null, null, null))
                    .rule(match(), new Action.ConnMark(ConnMark.Op.RESTORE, null, "0xff", null))
                    .rule(match(), new Action.ConnMark(ConnMark.Op.SAVE, null, "0xff", "0xff00"))
                    .rule(match(), new Action.Dscp("AF41"))
                    .rule(match(), new Action.Tos("0x10/0x3f"))
                    .rule(match(), new Action.Ttl(Action.Ttl.Op.SET, 64))
                    .rule(match(), new Action.Ttl(Action.Ttl.Op.INC, 1))
                    .rule(match(), new Action.Ttl(Action.Ttl.Op.DEC, 2))
                    .rule(match().tcp().syn(), new Action.TcpMss("clamp-to-pmtu"))
                    .rule(match().tcp().syn(), new Action.TcpMss("1400")))
        .raw("PREROUTING", c -> c.notrack(match().udp().dport(53))
            .rule(match().udp(), Action.count())
            .rule(match().tcp(), Action.mark(Action.Mark.Op.XSET, "0x3/0x1"))
            .rule(match().tcp(), new Action.ConnMark(Action.ConnMark.Op.XSET, "0x3/0x1", null, null)))
        .build();
  }

  private static void record(RuleSpec r, Set<String> components, Set<Class<?>> actions) {
    actions.add(r.action().getClass());
    for (RecordComponent rc : MatchSpec.class.getRecordComponents()) {
      try {
        if (rc.getAccessor().invoke(r.match()) != null) {
          components.add(rc.getName());
        }
      } catch (ReflectiveOperationException e) {
        throw new AssertionError(e);
      }
    }
  }

  @Test
  void includeFragmentsAndPlacementsAreValid() {
    assertValid("include", """
        policy: p
        include: [../shared/objects.yaml, fragments.yaml]
        fragments:
          f:
            - { match: { proto: tcp }, action: accept }
        filter:
          INPUT:
            rules:
              - fragment: f
              - { action: drop }
          user: [{ fragment: g }]
        """);
    assertFalse(errors(rule("{ fragment: f, action: accept }")).isEmpty());
    assertFalse(errors("policy: p\ninclude: ../x.yaml\n").isEmpty());
  }

  // ------------------------------------------------------------------ helpers

  /** A policy with one filter INPUT chain whose rules follow {@code "      - "}. */
  private static String rule(String rules) {
    return "policy: p\nfilter:\n  INPUT:\n    rules:\n      - " + rules + "\n";
  }

  private static List<String> errors(String yaml) {
    JsonNode tree = YAML.readTree(yaml);
    return schema.validate(tree).stream().map(Object::toString).toList();
  }

  private static void assertValid(String name, String yaml) {
    List<String> errors = errors(yaml);
    if (!errors.isEmpty()) {
      fail(name + " is not valid against the schema:\n  " + String.join("\n  ", errors)
          + "\n--- document\n" + yaml);
    }
    assertTrue(errors.isEmpty());
  }

  /**
   * The repository root: the {@code policyc.root} property surefire sets, else the nearest
   * folder above the working directory that holds {@code policies/}.
   */
  static Path repositoryRoot() {
    String prop = System.getProperty("policyc.root");
    if (prop != null && !prop.isBlank() && Files.isDirectory(Path.of(prop, "policies"))) {
      return Path.of(prop);
    }
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isDirectory(p.resolve("policies"))) {
        return p;
      }
    }
    throw new IllegalStateException("no policies/ folder above " + Path.of("").toAbsolutePath());
  }
}
