package dev.policyc.compiler;

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

import dev.policyc.dsl.Action;
import dev.policyc.dsl.AddressType;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.IpSetSpec;
import dev.policyc.dsl.MatchSpec.Ttl;
import dev.policyc.dsl.Policy;
import dev.policyc.dsl.TcpFlag;
import java.util.List;
import java.util.Map;

/**
 * The example policies of {@code policies/}, written with the Java DSL. {@link DslTwinsTest}
 * checks that each equals its YAML twin and compiles to the same files.
 */
public final class ExamplePolicies {
  private ExamplePolicies() {}

  /** File name (without .yaml) → the policy built with the DSL. */
  public static Map<String, Policy> all() {
    return Map.of(
        "host-firewall", hostFirewall(),
        "nat-gateway", natGateway(),
        "container-host", containerHost(),
        "qos-marking", qosMarking(),
        "dns-notrack", dnsNotrack(),
        "ipv6-host", ipv6Host(),
        "blocklist-sets", blocklistSets());
  }

  static Policy hostFirewall() {
    return Policy.named("host-firewall")
        .description("Public web server with SSH for administrators only")
        .host(h -> h.forwarding(false)
            .iface("eth0", "192.0.2.10/24", "2001:db8:10::10/64")
            .route("default", "192.0.2.1", "eth0")
            .route("default", "2001:db8:10::1", "eth0"))
        .networks("admins", "198.51.100.0/26", "203.0.113.7", "2001:db8:20::/48")
        .networks("resolvers", "192.0.2.53", "192.0.2.54", "2001:db8:10::53")
        .services("web", "tcp/80", "tcp/443")
        .services("ssh", "tcp/22")
        .services("outbound", "tcp/80", "tcp/443", "udp/123")
        .filter(INPUT, c -> c.policy(DROP)
            .accept(match().in("lo"))
            .accept(match().state(ESTABLISHED, RELATED))
            .drop(match().state(INVALID), "never answer packets conntrack cannot place")
            .accept(match().service("ssh").src("admins").state(NEW), "SSH from admin networks")
            .accept(match().service("web").state(NEW))
            .accept(match().proto("icmp").icmpType("echo-request").limit("10/second", 20))
            .accept(match().proto("icmpv6").icmpType("echo-request").limit("10/second"))
            .accept(match().proto("icmpv6").icmpType("neighbour-solicitation"))
            .accept(match().proto("icmpv6").icmpType("neighbour-advertisement"))
            .accept(match().proto("icmpv6").icmpType("router-advertisement").ttl(Ttl.Op.EQ, 255))
            .rule(match().limit("5/minute"), Action.log("drop-in: ", "warning")))
        .filter(OUTPUT, c -> c.policy(DROP)
            .accept(match().out("lo"))
            .accept(match().state(ESTABLISHED, RELATED))
            .accept(match().dst("resolvers").udp().dport("53"))
            .accept(match().dst("resolvers").tcp().dport("53"))
            .accept(match().service("outbound").state(NEW), "package mirrors and time")
            .accept(match().icmp())
            .accept(match().icmpv6())
            .log(match(), "drop-out: "))
        .build();
  }

  static Policy natGateway() {
    return Policy.named("nat-gateway")
        .description("Office NAT gateway with port forwards")
        .host(h -> h.iface("wan0", "203.0.113.2/24")
            .iface("lan0", "10.10.0.1/24")
            .iface("dmz0", "10.20.0.1/24")
            .route("default", "203.0.113.1", "wan0"))
        .networks("lan", "10.10.0.0/24")
        .networks("dmz", "10.20.0.0/24")
        .networks("mail-server", "10.20.0.25")
        .networks("web-server", "10.20.0.80")
        .networks("office-static", "203.0.113.2")
        .services("mail", "tcp/25", "tcp/465", "tcp/587")
        .interfaces("inside", "lan0", "dmz0")
        .filter(INPUT, c -> c.policy(DROP)
            .accept(match().in("lo"))
            .accept(match().state(ESTABLISHED, RELATED))
            .accept(match().in("lan0").tcp().dport("22"), "SSH from the LAN")
            .accept(match().in("inside").udp().dport("53", "67"), "DNS and DHCP")
            .accept(match().icmp()))
        .filter(FORWARD, c -> c.policy(DROP)
            .accept(match().state(ESTABLISHED, RELATED))
            .drop(match().state(INVALID))
            .accept(match().in("lan0").out("wan0").src("lan"), "LAN to the internet")
            .accept(match().in("lan0").out("dmz0").src("lan"))
            .accept(match().in("wan0").out("dmz0").dst("web-server").tcp().dport("80", "443")
                .state(NEW), "published web server")
            .accept(match().in("wan0").out("dmz0").dst("mail-server").service("mail").state(NEW))
            .accept(match().in("wan0").out("lan0").dst("10.10.0.5").tcp().dport("22").state(NEW),
                "SSH to the build server, forwarded from port 2222")
            .accept(match().in("dmz0").out("wan0").src("dmz"))
            .reject(match(), "admin-prohibited"))
        .nat(PREROUTING, c -> c
            .dnat(match().in("wan0").tcp().dport("80", "443"), "10.20.0.80")
            .dnat(match().in("wan0").service("mail"), "10.20.0.25")
            .dnat(match().in("wan0").tcp().dport("2222"), "10.10.0.5:22"))
        .nat(POSTROUTING, c -> c
            .snat(match().out("wan0").src("dmz"), "203.0.113.2")
            .masquerade(match().out("wan0").src("lan")))
        .mangle(FORWARD, c -> c
            .rule(match().out("wan0").tcp().tcpFlags(List.of(TcpFlag.SYN, TcpFlag.RST),
                List.of(TcpFlag.SYN)), Action.tcpmss("clamp-to-pmtu"), "PPPoE uplink"))
        .build();
  }

  static Policy containerHost() {
    return Policy.named("container-host")
        .description("Container host publishing ports, Docker style")
        .host(h -> h.iface("eth0", "198.51.100.20/24")
            .iface("docker0", "172.17.0.1/16")
            .route("default", "198.51.100.1", "eth0"))
        .networks("containers", "172.17.0.0/16")
        .networks("trusted", "198.51.100.0/24", "192.0.2.0/24")
        .nat(PREROUTING, c -> c.jump(match().dstType(AddressType.LOCAL), "DOCKER"))
        .nat(OUTPUT, c -> c.jump(match().notDst("127.0.0.0/8").dstType(AddressType.LOCAL),
            "DOCKER"))
        .nat(POSTROUTING, c -> c.masquerade(match().src("containers").notOut("docker0")))
        .nat("DOCKER", c -> c
            .returns(match().in("docker0"))
            .rule(match().notIn("docker0").tcp().dport("8080"), Action.dnat("172.17.0.2:80"),
                "web container")
            .rule(match().notIn("docker0").tcp().dport("5432"), Action.dnat("172.17.0.3:5432"),
                "database container"))
        .filter(FORWARD, c -> c.policy(DROP)
            .jump(match(), "DOCKER-USER")
            .jump(match(), "DOCKER-FORWARD"))
        .filter("DOCKER-USER", c -> c
            .drop(match().in("eth0").out("docker0").tcp().dport("5432")
                .notSrc("198.51.100.0/24"), "the database only for the local network")
            .returns(match()))
        .filter("DOCKER-FORWARD", c -> c
            .accept(match().out("docker0").state(ESTABLISHED, RELATED))
            .jump(match().out("docker0"), "DOCKER")
            .accept(match().in("docker0").notOut("docker0"))
            .accept(match().in("docker0").out("docker0")))
        .filter("DOCKER", c -> c
            .accept(match().notIn("docker0").out("docker0").dst("172.17.0.2").tcp().dport("80"))
            .accept(match().notIn("docker0").out("docker0").dst("172.17.0.3").tcp()
                .dport("5432")))
        .build();
  }

  static Policy qosMarking() {
    return Policy.named("qos-marking")
        .description("DSCP and mark classification in mangle")
        .networks("voip-gateways", "10.30.0.0/28")
        .services("sip", "udp/5060", "tcp/5060", "tcp/5061")
        .services("rtp", "udp/10000-20000")
        .services("interactive", "tcp/22", "tcp/3389")
        .services("bulk", "tcp/873", "tcp/20-21")
        .mangle(PREROUTING, c -> c
            .rule(match().notConnmark("0x0/0xff"), Action.restoreConnmark(),
                "known connections keep their class")
            .accept(match().notMark("0x0/0xff"))
            .jump(match(), "classify"))
        .mangle("classify", c -> c
            .rule(match().service("sip"), Action.mark(Action.Mark.Op.SET, "0x1/0xff"))
            .rule(match().src("voip-gateways").service("rtp"),
                Action.mark(Action.Mark.Op.SET, "0x1/0xff"))
            .rule(match().service("interactive"), Action.mark(Action.Mark.Op.SET, "0x2/0xff"))
            .rule(match().service("bulk"), Action.mark(Action.Mark.Op.SET, "0x3/0xff"))
            .rule(match().tcp().length("0:128").tcpFlags(
                    List.of(TcpFlag.ACK, TcpFlag.SYN, TcpFlag.FIN, TcpFlag.RST),
                    List.of(TcpFlag.ACK)),
                Action.mark(Action.Mark.Op.OR, "0x100"), "small pure ACKs")
            .rule(match(), Action.saveConnmark("0xff", "0xff")))
        .mangle(POSTROUTING, c -> c
            .rule(match().mark("0x1/0xff"), Action.dscp("EF"))
            .rule(match().mark("0x2/0xff"), Action.dscp("AF41"))
            .rule(match().mark("0x3/0xff"), Action.dscp("CS1"))
            .rule(match().mark("0x0/0xff").dscp("EF"), Action.dscp("0"),
                "unclassified traffic may not claim EF")
            .rule(match().mark("0x100/0x100"), Action.tos("0x10/0x10")))
        .build();
  }

  static Policy dnsNotrack() {
    return Policy.named("dns-notrack")
        .description("Authoritative DNS server without conntrack for UDP")
        .host(h -> h.forwarding(false)
            .iface("eth0", "192.0.2.53/24", "2001:db8:53::53/64")
            .route("default", "192.0.2.1", "eth0")
            .route("default", "2001:db8:53::1", "eth0"))
        .networks("secondaries", "198.51.100.53", "2001:db8:99::53")
        .raw(PREROUTING, c -> c.rule(match().in("eth0").udp().dport("53"), Action.notrack(),
            "queries"))
        .raw(OUTPUT, c -> c.rule(match().out("eth0").udp().sport("53"), Action.notrack(),
            "answers"))
        .filter(INPUT, c -> c.policy(DROP)
            .accept(match().in("lo"))
            .accept(match().udp().dport("53").state(UNTRACKED))
            .accept(match().state(ESTABLISHED, RELATED))
            .accept(match().tcp().dport("53").syn().state(NEW))
            .accept(match().src("secondaries").tcp().dport("22"))
            .accept(match().icmp())
            .accept(match().icmpv6()))
        .filter(OUTPUT, c -> c.policy(DROP)
            .accept(match().out("lo"))
            .accept(match().udp().sport("53").state(UNTRACKED))
            .accept(match().state(ESTABLISHED, RELATED))
            .accept(match().dst("secondaries").tcp().dport("53"), "NOTIFY over TCP")
            .accept(match().dst("secondaries").udp().dport("53"), "NOTIFY")
            .accept(match().icmp())
            .accept(match().icmpv6()))
        .build();
  }

  static Policy ipv6Host() {
    return Policy.named("ipv6-host")
        .description("IPv6-only host firewall after RFC 4890")
        .host(h -> h.forwarding(false)
            .iface("eth0", "2001:db8:100::10/64", "fe80::10/64")
            .route("default", "fe80::1", "eth0"))
        .networks("admins", "2001:db8:20::/48", "2001:db8:21::1")
        .networks("link-local", "fe80::/10")
        .services("icmpv6-errors", "icmpv6/destination-unreachable", "icmpv6/packet-too-big",
            "icmpv6/time-exceeded", "icmpv6/parameter-problem")
        .services("neighbour-discovery", "icmpv6/router-advertisement",
            "icmpv6/neighbour-solicitation", "icmpv6/neighbour-advertisement")
        .filter(INPUT, c -> c.policy(DROP)
            .accept(match().in("lo"))
            .accept(match().ipv6().state(ESTABLISHED, RELATED))
            .drop(match().ipv6().state(INVALID))
            .accept(match().service("icmpv6-errors"))
            .accept(match().service("neighbour-discovery").ttl(Ttl.Op.EQ, 255),
                "ND packets must come from the link (hop limit 255)")
            .accept(match().icmpv6().icmpType("echo-request").limit("5/second", 10))
            .accept(match().src("admins").tcp().dport("22").state(NEW))
            .accept(match().src("link-local").udp().dport("546"), "DHCPv6 client")
            .reject(match().ipv6().tcp(), "tcp-reset")
            .reject(match().ipv6(), "admin-prohibited"))
        .filter(FORWARD, c -> c.policy(DROP))
        .filter(OUTPUT, c -> c.policy(DROP)
            .accept(match().out("lo"))
            .accept(match().ipv6()))
        .build();
  }

  static Policy blocklistSets() {
    return Policy.named("blocklist-sets")
        .description("Edge filter with ipset blocklists and allowlists")
        .networks("partners", "198.51.100.0/24", "203.0.113.128/25")
        .set("blocklist", "hash:net", Family.IPV4, "192.0.2.0/25", "198.18.0.0/15",
            "203.0.113.66")
        .set("blocklist6", "hash:net", Family.IPV6, "2001:db8:bad::/48")
        .set("partner-hosts", "hash:net", Family.IPV4, "partners")
        .set("published", "hash:ip,port", Family.IPV4, "192.0.2.80,tcp:80", "192.0.2.80,tcp:443",
            "192.0.2.53,udp:53")
        .set(new IpSetSpec("admin-ports", "bitmap:port", Family.IPV4, List.of("22", "830"),
            "1-1024", null))
        .filter(FORWARD, c -> c.policy(DROP)
            .accept(match().state(ESTABLISHED, RELATED))
            .drop(match().inSet("blocklist", "src"), "blocklisted source")
            .drop(match().inSet("blocklist6", "src"))
            .accept(match().inSet("published", "dst", "dst").state(NEW))
            .accept(match().inSet("partner-hosts", "src").inSet("admin-ports", "dst").tcp(),
                "partners reach management ports")
            .reject(match().notInSet("partner-hosts", "src").tcp().dport("179"), "tcp-reset"))
        .build();
  }
}
