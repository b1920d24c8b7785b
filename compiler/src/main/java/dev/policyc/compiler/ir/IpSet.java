package dev.policyc.compiler.ir;

import dev.policyc.dsl.Family;
import java.util.List;
import java.util.Objects;

/**
 * An ipset: its type, family and members. For {@code bitmap:port} the family is unused and
 * {@code range} bounds the ports it can hold. The three-dimensional types ({@code
 * hash:ip,port,ip}, {@code hash:ip,port,net}) are kube-proxy's IPVS-mode sets: they are read
 * ({@code explain RULES --ipsets}) and matched by the interpreter only; policies cannot declare
 * them, and the emitters and the packet-space checker refuse them.
 */
public record IpSet(
    String name, Type type, Family family, List<Entry> entries, PortRange range, int maxelem) {
  /**
   * Appended to a set's name for the temporary twin the ipset script fills and swaps in; set
   * names leave room for it.
   */
  public static final String TEMP_SUFFIX = ".new";

  public IpSet {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    entries = List.copyOf(entries);
  }

  /**
   * The set types the interpreter models; policyc emits all but the three-dimensional ones. (The
   * classifier's runtime numbers the types by their order here: new types go last.)
   */
  public enum Type {
    HASH_IP("hash:ip", 1),
    HASH_NET("hash:net", 1),
    HASH_IP_PORT("hash:ip,port", 2),
    HASH_NET_PORT("hash:net,port", 2),
    BITMAP_PORT("bitmap:port", 1),
    /** An address, a protocol and port, and a second address (a host, as the first). */
    HASH_IP_PORT_IP("hash:ip,port,ip", 3),
    /** An address, a protocol and port, and a network (prefix /1 to /32 or /128). */
    HASH_IP_PORT_NET("hash:ip,port,net", 3);

    private final String ipsetName;
    private final int dimensions;

    Type(String ipsetName, int dimensions) {
      this.ipsetName = ipsetName;
      this.dimensions = dimensions;
    }

    public String ipsetName() {
      return ipsetName;
    }

    /** How many packet fields a lookup takes ({@code src}, {@code src,dst}, …). */
    public int dimensions() {
      return dimensions;
    }

    public boolean hasAddress() {
      return this != BITMAP_PORT;
    }

    public boolean hasPort() {
      return this != HASH_IP && this != HASH_NET;
    }

    /** Whether a member has a second address, the third element ({@link Entry#addr2()}). */
    public boolean hasSecondAddress() {
      return dimensions == 3;
    }

    public static Type byName(String name) {
      for (Type t : values()) {
        if (t.ipsetName.equals(name)) {
          return t;
        }
      }
      return null;
    }
  }

  /**
   * A member: an address range (null for {@code bitmap:port}) and, for the port types, a
   * protocol (tcp, udp or sctp; unused by {@code bitmap:port}) and a port range; for the
   * three-dimensional types the third element, an address range ({@code addr2}, else null).
   */
  public record Entry(IpRange addr, int proto, PortRange ports, IpRange addr2) {
    public Entry(IpRange addr, int proto, PortRange ports) {
      this(addr, proto, ports, null);
    }
  }
}
