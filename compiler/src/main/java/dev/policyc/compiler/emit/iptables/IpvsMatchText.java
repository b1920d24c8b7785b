package dev.policyc.compiler.emit.iptables;

import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.compiler.ir.Match;
import dev.policyc.dsl.Family;

/** The text of {@code -m ipvs} (read from iptables-save text only: no policy compiles to it). */
final class IpvsMatchText {
  private IpvsMatchText() {}

  /**
   * {@code -m ipvs} as libxt_ipvs saves it: {@code --ipvs} only alone (every other option
   * implies it), the protocol as a number, the address with its mask ({@code /N} when
   * contiguous, none for a host), the direction as a word, the method as GATE, IPIP or MASQ.
   */
  static void append(StringBuilder sb, Match.Ipvs v) {
    sb.append(" -m ipvs");
    if (v.bitmask() == Match.Ipvs.PROPERTY) {
      neg(sb, v.negated(Match.Ipvs.PROPERTY)).append(" --ipvs");
    }
    if (v.has(Match.Ipvs.PROTO)) {
      neg(sb, v.negated(Match.Ipvs.PROTO)).append(" --vproto ").append(v.l4proto());
    }
    if (v.has(Match.Ipvs.VADDR)) {
      neg(sb, v.negated(Match.Ipvs.VADDR)).append(" --vaddr ").append(v.vaddr());
      IpAddr m = v.vmask();
      int ones = m.family() == Family.IPV4 ? Long.bitCount(m.lo())
          : Long.bitCount(m.hi()) + Long.bitCount(m.lo());
      int bits = IpAddr.bits(m.family());
      if (m.equals(IpAddr.max(m.family()).maskHost(bits - ones))) {
        if (ones != bits) {
          sb.append('/').append(ones);
        }
      } else {
        sb.append('/').append(m);
      }
    }
    if (v.has(Match.Ipvs.VPORT)) {
      neg(sb, v.negated(Match.Ipvs.VPORT)).append(" --vport ").append(v.vport());
    }
    if (v.has(Match.Ipvs.DIR)) {
      sb.append(v.negated(Match.Ipvs.DIR) ? " --vdir REPLY" : " --vdir ORIGINAL");
    }
    if (v.has(Match.Ipvs.METHOD)) {
      neg(sb, v.negated(Match.Ipvs.METHOD)).append(" --vmethod ").append(switch (v.fwdMethod()) {
        case Match.Ipvs.DROUTE -> "GATE";
        case Match.Ipvs.TUNNEL -> "IPIP";
        default -> "MASQ";
      });
    }
    if (v.has(Match.Ipvs.VPORTCTL)) {
      neg(sb, v.negated(Match.Ipvs.VPORTCTL)).append(" --vportctl ").append(v.vportctl());
    }
  }


  private static StringBuilder neg(StringBuilder sb, boolean negated) {
    return negated ? sb.append(" !") : sb;
  }
}
