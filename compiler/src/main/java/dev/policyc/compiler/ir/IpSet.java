package dev.policyc.compiler.ir;

import dev.policyc.dsl.Family;
import java.util.List;
import java.util.Objects;

/**
 * An ipset: its type, family and members. For {@code bitmap:port} the family is unused and
 * {@code range} bounds the ports it can hold.
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

  /** The set types policyc emits and the interpreter models. */
  public enum Type {
    HASH_IP("hash:ip", 1),
    HASH_NET("hash:net", 1),
    HASH_IP_PORT("hash:ip,port", 2),
    HASH_NET_PORT("hash:net,port", 2),
    BITMAP_PORT("bitmap:port", 1);

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
      return this == HASH_IP_PORT || this == HASH_NET_PORT || this == BITMAP_PORT;
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
   * protocol (tcp, udp or sctp; unused by {@code bitmap:port}) and a port range.
   */
  public record Entry(IpRange addr, int proto, PortRange ports) {}
}
