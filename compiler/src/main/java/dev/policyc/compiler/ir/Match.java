package dev.policyc.compiler.ir;

import dev.policyc.dsl.AddressType;
import dev.policyc.dsl.ConnState;
import dev.policyc.dsl.Family;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One constraint of a rule on one packet field. Each member maps to exactly one iptables match
 * (an option of the rule or of one {@code -m} module); a rule's matches all hold for it to match.
 */
public sealed interface Match
    permits Match.Addr,
        Match.Proto,
        Match.Ports,
        Match.Iface,
        Match.CtState,
        Match.Icmp,
        Match.TcpFlags,
        Match.Mark,
        Match.ConnMark,
        Match.Dscp,
        Match.Tos,
        Match.Length,
        Match.Ttl,
        Match.Fragment,
        Match.AddrType,
        Match.InSet,
        Match.Limit,
        Match.Statistic,
        Match.Recent,
        Match.Nfacct,
        Match.Ipvs,
        Match.Physdev {

  /** Address in a range: {@code -s}/{@code -d} for a prefix, else {@code -m iprange}. */
  record Addr(Side side, IpRange range, boolean negated) implements Match {
    public Addr {
      Objects.requireNonNull(side);
      Objects.requireNonNull(range);
    }
  }

  /** Protocol number 1–255 ({@code -p}). */
  record Proto(int number, boolean negated) implements Match {
    public Proto {
      if (number < 1 || number > 255) {
        throw new IllegalArgumentException("protocol " + number);
      }
    }
  }

  /**
   * Port in one of the ranges: {@code -m tcp --dport} for one range, {@code -m multiport} for
   * several (at most 15 slots, a range taking two). Needs the rule's protocol to carry ports.
   */
  record Ports(Side side, List<PortRange> ranges, boolean negated) implements Match {
    public Ports {
      Objects.requireNonNull(side);
      ranges = List.copyOf(ranges);
      if (ranges.isEmpty()) {
        throw new IllegalArgumentException("no ports");
      }
    }

    /** Multiport slots used: one per port, two per range. */
    public int slots() {
      int slots = 0;
      for (PortRange r : ranges) {
        slots += r.isSingle() ? 1 : 2;
      }
      return slots;
    }
  }

  /** Input or output interface; a name ending in {@code +} matches every name with that prefix. */
  record Iface(boolean out, String name, boolean negated) implements Match {
    public Iface {
      if (name.isEmpty()) {
        throw new IllegalArgumentException("empty interface name");
      }
    }

    public boolean matches(String iface) {
      if (name.endsWith("+")) {
        return iface.startsWith(name.substring(0, name.length() - 1));
      }
      return iface.equals(name);
    }
  }

  /**
   * Conntrack state ({@code -m conntrack --ctstate}): one of {@code states}, or (conntrack's
   * virtual states) a connection whose source ({@code snat}) or destination ({@code dnat}) NAT
   * changed its tuple ({@code IPS_SRC_NAT}, {@code IPS_DST_NAT}).
   */
  record CtState(Set<ConnState> states, boolean snat, boolean dnat, boolean negated)
      implements Match {
    public CtState {
      if (states.isEmpty() && !snat && !dnat) {
        throw new IllegalArgumentException("no conntrack state");
      }
      // in the enum's order (Set.copyOf's order changes from run to run, and the record's text
      // with it)
      states = states.isEmpty() ? Set.of()
          : Collections.unmodifiableSet(EnumSet.copyOf(states));
    }

    /** A match of real states only (no SNAT or DNAT). */
    public CtState(Set<ConnState> states, boolean negated) {
      this(states, false, false, negated);
    }

    /** The states in the order iptables-save prints them (SNAT and DNAT after these). */
    public List<ConnState> ordered() {
      return states.isEmpty() ? List.of() : List.copyOf(EnumSet.copyOf(states));
    }
  }

  /**
   * ICMP (IPv4) or ICMPv6 type and code range ({@code -m icmp --icmp-type t[/c]}). Type 255 with
   * codes 0–255 is iptables' {@code any}.
   */
  record Icmp(Family family, int type, int codeLo, int codeHi, boolean negated) implements Match {
    public Icmp {
      Objects.requireNonNull(family);
      if (type < 0 || type > 255 || codeLo < 0 || codeLo > codeHi || codeHi > 255) {
        throw new IllegalArgumentException("ICMP type " + type + " codes " + codeLo + "-"
            + codeHi);
      }
    }
  }

  /** TCP flags: of {@code mask}, exactly {@code comp} are set ({@code --tcp-flags}). */
  record TcpFlags(int mask, int comp, boolean negated) implements Match {
    public TcpFlags {
      byteRange("TCP flags", mask);
      byteRange("TCP flags", comp);
    }
  }

  /** Packet mark: {@code (mark & mask) == value}. */
  record Mark(long value, long mask, boolean negated) implements Match {
    public Mark {
      markRange(value, mask);
    }
  }

  /** Connection mark: {@code (ctmark & mask) == value}; false without a connection. */
  record ConnMark(long value, long mask, boolean negated) implements Match {
    public ConnMark {
      markRange(value, mask);
    }
  }

  /** DSCP value 0–63. */
  record Dscp(int value, boolean negated) implements Match {
    public Dscp {
      if (value < 0 || value > 63) {
        throw new IllegalArgumentException("DSCP " + value);
      }
    }
  }

  /** TOS byte: {@code (tos & mask) == value}. */
  record Tos(int value, int mask, boolean negated) implements Match {
    public Tos {
      byteRange("TOS", value);
      byteRange("TOS mask", mask);
    }
  }

  /** Total packet length in {@code lo..hi} (IPv6: payload plus the 40-byte header). */
  record Length(int lo, int hi, boolean negated) implements Match {
    public Length {
      if (lo < 0 || lo > hi || hi > 65535) {
        throw new IllegalArgumentException("length " + lo + "-" + hi);
      }
    }
  }

  /** TTL (IPv6: hop limit) comparison. */
  record Ttl(Op op, int value) implements Match {
    public Ttl {
      Objects.requireNonNull(op);
      byteRange("TTL", value);
    }

    /** The comparison; {@code NE} is iptables' {@code ! --ttl-eq}. */
    public enum Op {
      EQ,
      NE,
      LT,
      GT
    }
  }

  /** {@code -f}: second and later IPv4 fragments ({@code ! -f}: the others). */
  record Fragment(boolean negated) implements Match {}

  /** Address type of the source or destination ({@code -m addrtype}). */
  record AddrType(Side side, Set<AddressType> types, boolean negated) implements Match {
    public AddrType {
      types = Collections.unmodifiableSet(EnumSet.copyOf(types)); // in the enum's order
    }

    public List<AddressType> ordered() {
      return List.copyOf(EnumSet.copyOf(types));
    }
  }

  /** Membership in an ipset, looking up the packet fields named by {@code dirs}. */
  record InSet(String name, List<Side> dirs, boolean negated) implements Match {
    public InSet {
      if (name.isEmpty() || dirs.isEmpty()) {
        throw new IllegalArgumentException("set match without a name or a direction");
      }
      dirs = List.copyOf(dirs);
    }
  }

  /**
   * Rate limit ({@code -m limit}): {@code avg} is the kernel's period between packets in units of
   * 1/10000 s, {@code burst} the bucket size.
   */
  record Limit(long avg, int burst) implements Match {
    /** One ten-thousandth of a second: the kernel's {@code XT_LIMIT_SCALE}. */
    public static final long SCALE = Netfilter.LIMIT_SCALE;

    private static final String[] NAMES = {"day", "hour", "min", "sec"};
    private static final long[] MULTS = {SCALE * 86400, SCALE * 3600, SCALE * 60, SCALE};

    public Limit {
      if (avg < 1 || avg > 0xffffffffL || burst < 1 || burst > 10000) {
        throw new IllegalArgumentException("bad limit " + avg + "/" + burst);
      }
    }

    /** The limit {@code count} per {@code seconds}, as libxt_limit computes it. */
    public static Limit of(long count, long seconds, int burst) {
      return new Limit(SCALE * seconds / count, burst);
    }

    /** The rate as iptables-save prints it (libxt_limit {@code print_rate}). */
    public String rate() {
      int i;
      for (i = 1; i < MULTS.length; i++) {
        if (avg > MULTS[i] || MULTS[i] / avg < MULTS[i] % avg) {
          break;
        }
      }
      return MULTS[i - 1] / avg + "/" + NAMES[i - 1];
    }
  }

  /**
   * Sampling ({@code -m statistic}): random with the kernel's stored probability (of 2^31), or
   * every {@code every}th packet starting at counter {@code packet}.
   */
  record Statistic(boolean nth, long probability, int every, int packet, boolean negated)
      implements Match {
    public Statistic {
      if (nth ? every < 1 || packet < 0 || packet >= every
          : probability < 0 || probability > 0x80000000L) {
        throw new IllegalArgumentException(nth ? "nth every " + every + " packet " + packet
            : "probability " + probability + " of 2^31");
      }
    }
  }

  private static void byteRange(String what, int v) {
    if (v < 0 || v > 255) {
      throw new IllegalArgumentException(what + " " + v + " is not a byte");
    }
  }

  private static void markRange(long value, long mask) {
    if (value < 0 || value > Netfilter.MARK_MAX || mask < 0 || mask > Netfilter.MARK_MAX) {
      throw new IllegalArgumentException("mark 0x" + Long.toHexString(value) + "/0x"
          + Long.toHexString(mask) + " is not 32 bits");
    }
  }

  /**
   * {@code -m recent}: a list of recently seen addresses shared by every rule that names it
   * ({@code --name}, default {@code DEFAULT}). {@code SET} adds the packet's address (masked by
   * {@code mask}, of the source or, with {@code dest}, the destination) and always matches;
   * {@code CHECK} ({@code --rcheck}) and {@code UPDATE} match when the address is in the list,
   * seen within {@code seconds} (0: at any time) at least {@code hitCount} times (0: once), and
   * {@code UPDATE} then records this packet too; {@code REMOVE} matches when it is there and
   * takes it out. {@code reap} ({@code --reap}, with {@code seconds}) forgets old entries.
   */
  record Recent(String name, Mode mode, long seconds, boolean reap, int hitCount, IpAddr mask,
      boolean dest, boolean negated) implements Match {
    /** The kernel's {@code ip_pkt_list_tot}: time stamps kept per address, at most. */
    public static final int MAX_HITS = 20;

    public Recent {
      Objects.requireNonNull(mode);
      Objects.requireNonNull(mask);
      if (name.isEmpty() || name.length() > 199) {
        throw new IllegalArgumentException("recent list name '" + name + "'");
      }
      if (seconds < 0 || seconds > Netfilter.MARK_MAX || hitCount < 0 || hitCount > MAX_HITS) {
        throw new IllegalArgumentException("recent --seconds " + seconds + " --hitcount "
            + hitCount);
      }
      if ((seconds > 0 || hitCount > 0) && mode != Mode.CHECK && mode != Mode.UPDATE) {
        throw new IllegalArgumentException("recent --seconds and --hitcount go with --rcheck or"
            + " --update");
      }
      if (reap && seconds == 0) {
        throw new IllegalArgumentException("recent --reap needs --seconds");
      }
    }

    /** What the match does with the list. */
    public enum Mode {
      SET,
      CHECK,
      UPDATE,
      REMOVE
    }
  }

  /**
   * {@code -m nfacct --nfacct-name NAME}: counts the packet in an extended accounting object
   * (which must exist when the rule is loaded) and always matches.
   */
  record Nfacct(String name) implements Match {
    public Nfacct {
      if (name.isEmpty() || name.length() > 31) {
        throw new IllegalArgumentException("nfacct name '" + name + "'");
      }
    }
  }

  /**
   * A kernel match's options as its bit mask of the options given and of those negated ({@code
   * -m ipvs}, {@code -m physdev}).
   */
  interface OptionFlags {
    /** The options given, one bit each. */
    int bitmask();

    /** The options negated. */
    int invert();

    /** Whether option {@code bit} is given. */
    default boolean has(int bit) {
      return (bitmask() & bit) != 0;
    }

    /** Whether option {@code bit} is negated. */
    default boolean negated(int bit) {
      return (invert() & bit) != 0;
    }
  }

  /**
   * {@code -m ipvs} ({@code xt_ipvs}): whether the packet belongs to an IPVS connection, and
   * that connection's virtual service. The fields are the kernel's {@code xt_ipvs_mtinfo}:
   * {@code bitmask} says which options are given ({@link #PROPERTY} always, which every other
   * option implies), {@code invert} which are negated ({@code !}; for {@link #DIR} it means
   * {@code --vdir REPLY}); the values of options not given are 0 (null for the address).
   *
   * @param l4proto {@code --vproto}: the packet's protocol number
   * @param vaddr {@code --vaddr}: the connection's virtual address, compared under {@code vmask}
   * @param vport {@code --vport}: the connection's virtual port
   * @param fwdMethod {@code --vmethod}: {@link #MASQ}, {@link #TUNNEL} (IPIP) or {@link #DROUTE}
   *     (GATE)
   * @param vportctl {@code --vportctl}: the virtual port of the controlling connection (a
   *     persistence template)
   */
  record Ipvs(int bitmask, int invert, int l4proto, IpAddr vaddr, IpAddr vmask, int vport,
      int fwdMethod, int vportctl) implements Match, OptionFlags {
    /** {@code --ipvs}: the packet's {@code ipvs_property}; every other option implies it. */
    public static final int PROPERTY = 1;
    public static final int PROTO = 1 << 1;
    public static final int VADDR = 1 << 2;
    public static final int VPORT = 1 << 3;
    public static final int DIR = 1 << 4;
    public static final int METHOD = 1 << 5;
    public static final int VPORTCTL = 1 << 6;
    /** {@code IP_VS_CONN_F_MASQ}, {@code _TUNNEL}, {@code _DROUTE}: the forwarding methods. */
    public static final int MASQ = 0;
    public static final int TUNNEL = 2;
    public static final int DROUTE = 3;

    public Ipvs {
      if ((bitmask & PROPERTY) == 0 || bitmask > 127 || (invert & ~bitmask) != 0) {
        throw new IllegalArgumentException("ipvs options 0x" + Integer.toHexString(bitmask)
            + " negated 0x" + Integer.toHexString(invert));
      }
      if ((invert & PROPERTY) != 0 && bitmask != PROPERTY) {
        // libxt_ipvs's check
        throw new IllegalArgumentException("! --ipvs cannot be together with other options");
      }
      if (((bitmask & VADDR) != 0) != (vaddr != null) || (vaddr == null) != (vmask == null)
          || vaddr != null && vaddr.family() != vmask.family()) {
        throw new IllegalArgumentException("ipvs --vaddr " + vaddr + "/" + vmask);
      }
      if (l4proto < 0 || l4proto > 255 || vport < 0 || vport > 65535 || vportctl < 0
          || vportctl > 65535 || (fwdMethod != MASQ && fwdMethod != TUNNEL
          && fwdMethod != DROUTE)) {
        throw new IllegalArgumentException("ipvs --vproto " + l4proto + " --vport " + vport
            + " --vportctl " + vportctl + " --vmethod " + fwdMethod);
      }
    }

    /**
     * The options as libxt_ipvs's save prints them: {@code --ipvs} only alone (every other
     * option implies it), the protocol as a number, the address without a mask for a host, with
     * {@code /N} for a contiguous mask, else with the mask; the direction as a word, the method
     * as GATE, IPIP or MASQ. Each option starts with a space.
     */
    public String options() {
      StringBuilder sb = new StringBuilder();
      if (bitmask == PROPERTY) {
        sb.append(negated(PROPERTY) ? " ! --ipvs" : " --ipvs");
      }
      if (has(PROTO)) {
        sb.append(negated(PROTO) ? " !" : "").append(" --vproto ").append(l4proto);
      }
      if (has(VADDR)) {
        sb.append(negated(VADDR) ? " !" : "").append(" --vaddr ").append(vaddr);
        int bits = IpAddr.bits(vmask.family());
        int ones = Long.bitCount(vmask.hi()) + Long.bitCount(vmask.lo());
        if (!vmask.equals(IpAddr.max(vmask.family()).maskHost(bits - ones))) {
          sb.append('/').append(vmask);
        } else if (ones != bits) {
          sb.append('/').append(ones);
        }
      }
      if (has(VPORT)) {
        sb.append(negated(VPORT) ? " !" : "").append(" --vport ").append(vport);
      }
      if (has(DIR)) {
        sb.append(negated(DIR) ? " --vdir REPLY" : " --vdir ORIGINAL");
      }
      if (has(METHOD)) {
        sb.append(negated(METHOD) ? " !" : "").append(" --vmethod ")
            .append(fwdMethod == DROUTE ? "GATE" : fwdMethod == TUNNEL ? "IPIP" : "MASQ");
      }
      if (has(VPORTCTL)) {
        sb.append(negated(VPORTCTL) ? " !" : "").append(" --vportctl ").append(vportctl);
      }
      return sb.toString();
    }

    @Override
    public String toString() {
      return "ipvs" + options();
    }
  }

  /**
   * {@code -m physdev} ({@code xt_physdev}): the bridge ports a bridged packet came in and goes
   * out by. The fields are the kernel's {@code xt_physdev_info}: {@code bitmask} says which
   * options are given ({@link #IN}, {@link #OUT}, {@link #BRIDGED}, {@link #IS_IN}, {@link
   * #IS_OUT}; at least one), {@code invert} which are negated; {@code in} and {@code out} are the
   * port names of {@code --physdev-in} and {@code --physdev-out} (a trailing {@code +} matches
   * every name with that prefix), null when not given.
   */
  record Physdev(int bitmask, int invert, String in, String out)
      implements Match, OptionFlags {
    /** {@code XT_PHYSDEV_OP_IN}: {@code --physdev-in NAME}. */
    public static final int IN = 0x01;
    /** {@code XT_PHYSDEV_OP_OUT}: {@code --physdev-out NAME}. */
    public static final int OUT = 0x02;
    /** {@code XT_PHYSDEV_OP_BRIDGED}: {@code --physdev-is-bridged}. */
    public static final int BRIDGED = 0x04;
    /** {@code XT_PHYSDEV_OP_ISIN}: {@code --physdev-is-in}. */
    public static final int IS_IN = 0x08;
    /** {@code XT_PHYSDEV_OP_ISOUT}: {@code --physdev-is-out}. */
    public static final int IS_OUT = 0x10;

    public Physdev {
      if (bitmask <= 0 || bitmask > 0x1f || (invert & ~bitmask) != 0) {
        throw new IllegalArgumentException("physdev options 0x" + Integer.toHexString(bitmask)
            + " negated 0x" + Integer.toHexString(invert));
      }
      if (((bitmask & IN) != 0) != (in != null) || ((bitmask & OUT) != 0) != (out != null)) {
        throw new IllegalArgumentException("physdev --physdev-in " + in + " --physdev-out "
            + out);
      }
      for (String n : new String[] {in, out}) {
        if (n != null && (n.isEmpty() || n.length() > 15)) { // IFNAMSIZ - 1
          throw new IllegalArgumentException("physdev port name '" + n + "'");
        }
      }
    }

    /**
     * The options as libxt_physdev's save prints them, each starting with a space, in its
     * order: {@code --physdev-is-in}, {@code --physdev-in NAME}, {@code --physdev-is-out},
     * {@code --physdev-out NAME}, {@code --physdev-is-bridged}, each after {@code !} when
     * negated.
     */
    public String options() {
      StringBuilder sb = new StringBuilder();
      flag(sb, IS_IN, "--physdev-is-in", null);
      flag(sb, IN, "--physdev-in", in);
      flag(sb, IS_OUT, "--physdev-is-out", null);
      flag(sb, OUT, "--physdev-out", out);
      flag(sb, BRIDGED, "--physdev-is-bridged", null);
      return sb.toString();
    }

    private void flag(StringBuilder sb, int bit, String name, String value) {
      if (has(bit)) {
        sb.append(negated(bit) ? " ! " : " ").append(name);
        if (value != null) {
          sb.append(' ').append(value);
        }
      }
    }

    @Override
    public String toString() {
      return "physdev" + options();
    }
  }
}
