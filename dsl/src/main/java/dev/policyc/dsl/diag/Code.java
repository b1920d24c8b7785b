package dev.policyc.dsl.diag;

/**
 * The registry of every diagnostic policyc can report: its stable code, its severity and a short
 * title. The YAML reader and the compiler report through this one registry, and a diagnostic's
 * severity comes from its code. Codes never change meaning once published; a retired code stays
 * here, marked, and is never reused. PC0xxx are found by the YAML reader, PC1xxx are names and
 * references, PC2xxx values, PC3xxx placement (tables, chains, hooks), PC4xxx address families,
 * PC5xxx kernel limits, PC6xxx protocol dependencies, PC7xxx warnings (the lint checks, and
 * two of lowering: PC7011, PC7012), PC8xxx inputs in other formats ({@code policyc import},
 * traces).
 */
public enum Code {
  PC0001(Severity.ERROR, "YAML syntax error"),
  PC0002(Severity.ERROR, "unknown key"),
  PC0003(Severity.ERROR, "wrong type"),
  PC0004(Severity.ERROR, "missing key"),
  PC0005(Severity.ERROR, "duplicate key"),
  PC0006(Severity.ERROR, "anchor or alias"),
  PC0007(Severity.ERROR, "document too large or too deep"),
  PC0008(Severity.ERROR, "bad value"),
  /** Retired: names in the YAML front end are map keys, so PC0005 reports a duplicate. */
  PC0009(Severity.ERROR, "duplicate name", true),
  PC0010(Severity.ERROR, "cannot read file"),
  /** An output file or folder of {@code policyc compile}; the position names the path. */
  PC0011(Severity.ERROR, "cannot write output"),
  /** {@code compile --verify}: an optimization pass the equivalence checker did not prove. */
  PC0012(Severity.ERROR, "optimization pass not proved"),
  /**
   * {@code policyc compile} without {@code --allow-lockout}: no declared admin source can open a
   * session to the management service (SSH by default); the position is the chain at fault.
   */
  PC0013(Severity.ERROR, "policy locks the administrators out"),
  /**
   * An {@code include:} that leads back to a file already being read; the message names the
   * chain of files.
   */
  PC0014(Severity.ERROR, "include cycle"),
  /**
   * An {@code include:} path that is absolute or leads out of the repository root (the nearest
   * folder above the policy holding {@code .git} or {@code .policyc-root}).
   */
  PC0015(Severity.ERROR, "include outside the repository"),
  /**
   * An {@code include:} in a policy read from standard input or from text: there is no folder to
   * resolve it in.
   */
  PC0016(Severity.ERROR, "include without a file"),

  PC1001(Severity.ERROR, "unknown network group"),
  PC1002(Severity.ERROR, "unknown service group"),
  /** Retired: a name that is not an interface group is an interface name (PC2004 if bad). */
  PC1003(Severity.ERROR, "unknown interface group", true),
  PC1004(Severity.ERROR, "unknown chain"),
  PC1005(Severity.ERROR, "unknown ipset"),
  PC1006(Severity.ERROR, "cyclic group reference"),
  PC1007(Severity.ERROR, "cyclic jump"),
  PC1008(Severity.ERROR, "name declared twice"),
  PC1009(Severity.ERROR, "jump to a built-in chain"),
  PC1010(Severity.ERROR, "bad chain name"),
  PC1011(Severity.ERROR, "bad object name"),
  /** The name also names the policy's output folder, so it must be one safe path segment. */
  PC1012(Severity.ERROR, "bad policy name"),
  /** {@code policyc compile} of several policies: each needs its own output folder. */
  PC1013(Severity.ERROR, "two policies with one name"),
  /**
   * An object or fragment defined in two places of the files a policy includes (or twice in a
   * {@code PolicyLibrary}); the message names both places.
   */
  PC1020(Severity.ERROR, "name defined in two places"),
  /** A {@code fragment:} placement naming no fragment of the policy or the files it includes. */
  PC1021(Severity.ERROR, "unknown fragment"),
  /** A {@code fragment:} placement among the rules of a fragment: fragments do not nest. */
  PC1022(Severity.ERROR, "fragment placed inside a fragment"),

  PC2001(Severity.ERROR, "invalid address"),
  PC2002(Severity.ERROR, "invalid port"),
  PC2003(Severity.ERROR, "invalid protocol"),
  PC2004(Severity.ERROR, "invalid interface name"),
  PC2005(Severity.ERROR, "invalid ICMP type"),
  PC2006(Severity.ERROR, "invalid number"),
  PC2007(Severity.ERROR, "invalid rate"),
  PC2008(Severity.ERROR, "invalid NAT target"),
  PC2009(Severity.ERROR, "invalid reject type"),
  PC2010(Severity.ERROR, "negated list that no single match can express"),
  PC2011(Severity.ERROR, "invalid set"),
  PC2012(Severity.ERROR, "invalid service"),
  PC2013(Severity.ERROR, "invalid log option"),
  PC2014(Severity.ERROR, "empty list"),
  PC2015(Severity.ERROR, "invalid host model"),

  PC3001(Severity.ERROR, "target not valid in this table"),
  PC3002(Severity.ERROR, "target not valid in a chain reached from this hook"),
  PC3003(Severity.ERROR, "DROP in the nat table"),
  PC3004(Severity.ERROR, "output interface where there is none"),
  PC3005(Severity.ERROR, "input interface where there is none"),
  PC3006(Severity.ERROR, "policy on a user chain"),
  PC3007(Severity.ERROR, "chain does not belong to this table"),

  PC4001(Severity.ERROR, "address of the wrong family"),
  PC4002(Severity.ERROR, "match of the wrong family"),
  PC4003(Severity.ERROR, "rule matches no family"),

  PC5001(Severity.ERROR, "name too long"),
  PC5002(Severity.ERROR, "comment too long"),
  PC5003(Severity.ERROR, "control character or quote in text"),
  PC5004(Severity.ERROR, "too many ports"),
  PC5005(Severity.ERROR, "chains nested deeper than nf_tables allows"),

  PC6001(Severity.ERROR, "ports without a port protocol"),
  PC6002(Severity.ERROR, "ICMP type without ICMP"),
  PC6003(Severity.ERROR, "TCP flags without TCP"),
  PC6004(Severity.ERROR, "TCP reset without TCP"),
  PC6005(Severity.ERROR, "conflicting matches"),
  PC6006(Severity.ERROR, "TCPMSS without a SYN match"),

  PC7001(Severity.WARNING, "chain never used"),
  /**
   * The earlier rules of its chain take every packet the rule matches. Published briefly in the
   * first release with this meaning and dropped before any check reported it; reported again,
   * with the same meaning, by the shadowed-rule check.
   */
  PC7002(Severity.WARNING, "rule never reached"),
  PC7003(Severity.WARNING, "interface match with no interface on some paths"),
  PC7004(Severity.WARNING, "redundant rule"),
  PC7005(Severity.WARNING, "chain jumped to only by rules never reached"),
  PC7006(Severity.WARNING, "overlapping rules with conflicting actions"),
  PC7007(Severity.WARNING, "rule expands into many kernel rules"),
  PC7008(Severity.WARNING, "lockout risk"),
  PC7009(Severity.WARNING, "rule silently in one address family"),
  PC7010(Severity.WARNING, "NAT66 of global IPv6 addresses"),
  /** Reported by lowering: an address prefix whose address has bits past the prefix length. */
  PC7011(Severity.WARNING, "address with host bits set"),
  /** Reported by lowering: an interface the policy's host model does not list. */
  PC7012(Severity.WARNING, "interface not in the host model"),

  // ClassBench filter sets (policyc import --format classbench) and traces (policyc explain
  // --format classbench-trace); the position is the line and column of the offending field.
  PC8001(Severity.ERROR, "malformed ClassBench filter"),
  PC8002(Severity.ERROR, "invalid ClassBench address"),
  PC8003(Severity.ERROR, "invalid ClassBench port range"),
  PC8004(Severity.ERROR, "invalid ClassBench protocol"),
  /** Ports restricted on a protocol without ports: netfilter can match no packet with it. */
  PC8005(Severity.WARNING, "ClassBench filter that matches no packet"),
  PC8006(Severity.ERROR, "malformed ClassBench trace packet"),
  /**
   * A line of {@code policyc explain --packets} or {@code --flow} that is not a packet; the
   * position is its line and the column of the word at fault.
   */
  PC8007(Severity.ERROR, "malformed packet"),
  /**
   * {@code iptables-save} text (or an {@code iptables-restore} script) that policyc's reader
   * cannot read, or reads into rules the kernel would refuse; the position is the line and the
   * column of the argument at fault.
   */
  PC8008(Severity.ERROR, "malformed iptables-save text"),
  /** {@code ipset save} text (or an {@code ipset restore} script) that cannot be read. */
  PC8009(Severity.ERROR, "malformed ipset save text"),

  // IPVS (the ipvs: section; docs/ipvs.md): names, values, families and warnings.
  /** A scheduler the kernel does not have; the message suggests the closest name. */
  PC1030(Severity.ERROR, "unknown IPVS scheduler"),
  /** Two virtual services with the same protocol, address and port (or fwmark and family). */
  PC1031(Severity.ERROR, "virtual service declared twice"),
  /** Two real servers of one virtual service with the same address and port. */
  PC1032(Severity.ERROR, "real server declared twice"),
  /**
   * A scheduler flag ipvsadm does not know, or one of another scheduler ({@code sh-port} on a
   * {@code wrr} service: ipvsadm's "incompatible scheduler flag").
   */
  PC1033(Severity.ERROR, "unknown or incompatible scheduler flag"),
  /**
   * A virtual service that is neither {@code protocol address:port} nor {@code fwmark}: a port
   * on a fwmark service, a missing address, an unknown protocol, port 0 without persistence.
   */
  PC2030(Severity.ERROR, "invalid virtual service"),
  /** A real server's weight outside 0–65535. */
  PC2031(Severity.ERROR, "invalid IPVS weight"),
  /** A connection threshold outside 0–65535, or a lower threshold above the upper one. */
  PC2032(Severity.ERROR, "invalid connection threshold"),
  /** A persistence timeout outside 1–2^31 s, or a netmask that is not one. */
  PC2033(Severity.ERROR, "invalid persistence"),
  /** A health check's type, path, status, delay, timeout or retries out of place or range. */
  PC2034(Severity.ERROR, "invalid health check"),
  /**
   * A forwarding method other than masq, gate and ipip, or a real-server port other than the
   * virtual port with gate or ipip (only NAT can map ports).
   */
  PC2035(Severity.ERROR, "invalid forwarding method"),
  /** A firewall mark that is not a number from 1 to 2^32-1. */
  PC2036(Severity.ERROR, "invalid fwmark"),
  /** A virtual or real server address that is not an IP address, or a port outside 0–65535. */
  PC2037(Severity.ERROR, "invalid IPVS address or port"),
  /**
   * A real server of another family than its virtual service, except by ipip (the kernel
   * refuses mixed families for masq and gate).
   */
  PC4010(Severity.ERROR, "real server of the wrong family"),
  /**
   * A persistence netmask of the other family: a dotted netmask on an IPv6 service, or one
   * beyond /32 on IPv4.
   */
  PC4011(Severity.ERROR, "persistence netmask of the wrong family"),
  /** A virtual service no new connection can be scheduled to: no real server of weight > 0. */
  PC7020(Severity.WARNING, "virtual service without an available real server"),
  /** Weights on a scheduler that ignores them (rr, dh, lc, lblc's table): they do nothing. */
  PC7021(Severity.WARNING, "weights the scheduler ignores"),

  // policyc kube: Service and EndpointSlice manifests and the node's facts (docs/kube.md); the
  // position is the line and column of the offending key or value.
  /** A manifest or node file that is not YAML, or whose documents are not mappings. */
  PC8101(Severity.ERROR, "malformed Kubernetes manifest"),
  /** A {@code kind} other than Service, EndpointSlice or List (of those). */
  PC8102(Severity.ERROR, "unknown Kubernetes kind"),
  /** A required field (metadata.name, spec.ports, a port's port…) is missing. */
  PC8103(Severity.ERROR, "missing manifest field"),
  /** A field of the wrong type or with a value Kubernetes refuses (protocol, type, policy…). */
  PC8104(Severity.ERROR, "invalid manifest value"),
  /** An address or CIDR that does not parse, or is of the other family. */
  PC8105(Severity.ERROR, "malformed IP address"),
  /** A nodePort or healthCheckNodePort outside the node's NodePort range, or a bad port. */
  PC8106(Severity.ERROR, "port out of range"),
  /** A Service port name that none of the Service's EndpointSlices carries, or the reverse. */
  PC8107(Severity.ERROR, "port name without endpoints"),
  /** Two Services (or two EndpointSlices) with the same namespace and name. */
  PC8108(Severity.ERROR, "duplicate Kubernetes object"),
  /** A node facts file (--node) with a missing or invalid field. */
  PC8109(Severity.ERROR, "invalid node facts"),
  /** A manifest or node file that cannot be read. */
  PC8110(Severity.ERROR, "cannot read Kubernetes input");

  private final Severity severity;
  private final String title;
  private final boolean retired;

  Code(Severity severity, String title) {
    this(severity, title, false);
  }

  Code(Severity severity, String title, boolean retired) {
    this.severity = severity;
    this.title = title;
    this.retired = retired;
  }

  public Severity severity() {
    return severity;
  }

  /** A short name for the problem, for listings. */
  public String title() {
    return title;
  }

  /** True for a code no longer reported; it stays so that it is never given a new meaning. */
  public boolean retired() {
    return retired;
  }
}
