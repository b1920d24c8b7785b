package dev.policyc.compiler.lower;

import static dev.policyc.compiler.lower.LowerContext.familyWord;

import dev.policyc.compiler.ir.IpRange;
import dev.policyc.compiler.ir.IpSet;
import dev.policyc.compiler.ir.Netfilter;
import dev.policyc.compiler.ir.PortRange;
import dev.policyc.compiler.ir.Protocols;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.IpSetSpec;
import dev.policyc.dsl.SourcePos;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.path.PolicyPath;
import dev.policyc.dsl.path.SetPath;
import java.util.ArrayList;
import java.util.List;

/**
 * Lowers the declared ipsets and their members, refusing what {@code ipset create} and {@code
 * ipset add} would refuse. A member may name a network group, which adds its addresses of the
 * set's family.
 */
final class SetLowering {
  private final LowerContext ctx;

  SetLowering(LowerContext ctx) {
    this.ctx = ctx;
  }

  /** The set, or null when it has errors that leave no set to create. */
  IpSet lower(IpSetSpec s) {
    SetPath p = PolicyPath.objects().sets(s.name());
    SourcePos pos = ctx.at(p);
    boolean ok = true;
    int maxName = Netfilter.MAX_SET_NAME - IpSet.TEMP_SUFFIX.length();
    if (!s.name().matches("[A-Za-z0-9_][A-Za-z0-9_-]*")) {
      ctx.report(Code.PC1011, pos, "ipset name '" + s.name()
          + "' must be letters, digits, '_' and '-'");
      ok = false;
    } else if (s.name().length() > maxName) {
      ctx.report(Code.PC5001, pos, "ipset name '" + s.name() + "' is longer than " + maxName
          + " characters (ipset allows 31, and policyc swaps in a twin named NAME"
          + IpSet.TEMP_SUFFIX + ")");
      ok = false;
    }
    IpSet.Type type = IpSet.Type.byName(s.type());
    if (type != null && type.hasSecondAddress()) {
      // kube-proxy's IPVS-mode types: read by explain --ipsets, not emitted
      ctx.report(Code.PC2011, p.type(), "set type '" + s.type() + "' is read (explain"
          + " --ipsets), not declared in a policy (hash:ip, hash:net, hash:ip,port,"
          + " hash:net,port or bitmap:port)");
      return null;
    }
    if (type == null) {
      ctx.report(Code.PC2011, p.type(), "unsupported set type '" + s.type()
          + "' (hash:ip, hash:net, hash:ip,port, hash:net,port or bitmap:port)");
      return null;
    }
    Family fam = s.family() == null ? Family.IPV4 : s.family();
    PortRange range = null;
    if (type == IpSet.Type.BITMAP_PORT) {
      if (s.range() == null) {
        ctx.report(Code.PC2011, pos, "a bitmap:port set needs 'range', such as \"1-1024\"");
        ok = false;
      } else {
        try {
          range = Values.portRange(s.range());
        } catch (IllegalArgumentException e) {
          ctx.report(Code.PC2002, p.range(), "invalid range: " + e.getMessage());
          ok = false;
        }
      }
    } else if (s.range() != null) {
      ctx.report(Code.PC2011, p.range(), "'range' is only for bitmap:port sets");
    }
    int maxelem = s.maxelem() == null ? 65536 : s.maxelem();
    if (maxelem < 1) {
      ctx.report(Code.PC2011, p.maxelem(), "maxelem must be positive");
    }
    List<IpSet.Entry> entries = new ArrayList<>();
    for (int i = 0; i < s.entries().size(); i++) {
      entries.addAll(entry(type, fam, range, s.entries().get(i), ctx.at(p.entries(i))));
    }
    if (entries.size() > maxelem) {
      ctx.report(Code.PC2011, pos, "set '" + s.name() + "' has " + entries.size()
          + " members, more than maxelem " + maxelem);
    }
    return ok ? new IpSet(s.name(), type, fam, entries, range, maxelem) : null;
  }

  /** The entries one member stands for (several for a network group); none after an error. */
  private List<IpSet.Entry> entry(
      IpSet.Type type, Family fam, PortRange bitmapRange, String text, SourcePos pos) {
    List<IpSet.Entry> out = new ArrayList<>();
    if (type == IpSet.Type.BITMAP_PORT) {
      try {
        PortRange pr = Values.portRange(text);
        if (bitmapRange != null && (pr.lo() < bitmapRange.lo() || pr.hi() > bitmapRange.hi())) {
          throw new IllegalArgumentException("port " + text + " is outside the set's range");
        }
        out.add(new IpSet.Entry(null, 0, pr));
      } catch (IllegalArgumentException e) {
        ctx.report(Code.PC2011, pos, "invalid bitmap:port member: " + e.getMessage());
      }
      return out;
    }
    String addrPart = text;
    int proto = 0;
    PortRange ports = null;
    if (type.hasPort()) {
      int comma = text.indexOf(',');
      if (comma < 0) {
        ctx.report(Code.PC2011, pos, "member '" + text + "' of a " + type.ipsetName()
            + " set needs ',proto:port', such as 192.0.2.1,tcp:80");
        return out;
      }
      addrPart = text.substring(0, comma);
      String pp = text.substring(comma + 1);
      int colon = pp.indexOf(':');
      String protoText = colon < 0 ? "tcp" : pp.substring(0, colon);
      proto = Protocols.number(protoText);
      if (proto != Protocols.TCP && proto != Protocols.UDP && proto != Protocols.SCTP) {
        ctx.report(Code.PC2011, pos, "member '" + text + "': protocol must be tcp, udp or sctp");
        return out;
      }
      try {
        ports = Values.portRange(colon < 0 ? pp : pp.substring(colon + 1));
      } catch (IllegalArgumentException e) {
        ctx.report(Code.PC2002, pos, "member '" + text + "': " + e.getMessage());
        return out;
      }
    }
    List<IpRange> ranges = addresses(fam, addrPart, text, pos);
    for (IpRange r : ranges) {
      if (type == IpSet.Type.HASH_NET || type == IpSet.Type.HASH_NET_PORT) {
        if (r.isAll()) {
          ctx.report(Code.PC2011, pos, "a hash:net set cannot hold " + r + " (use no match)");
          continue;
        }
      } else if (fam == Family.IPV6 && !r.first().equals(r.last())) {
        ctx.report(Code.PC2011, pos, "an IPv6 " + type.ipsetName()
            + " set takes single addresses; use hash:net for " + r);
        continue;
      } else if (!r.isPrefix() && r.toPrefixes().size() > 1 && fam == Family.IPV4
          && (r.last().lo() - r.first().lo()) > 65535) {
        ctx.report(Code.PC2011, pos, "range " + r + " is too large for a hash:ip set");
        continue;
      }
      out.add(new IpSet.Entry(r, proto, ports));
    }
    return out;
  }

  /** The address part of a member: a network group's ranges of the set's family, or a literal. */
  private List<IpRange> addresses(Family fam, String addrPart, String text, SourcePos pos) {
    Groups.Resolver<IpRange> networks = ctx.groups().networks();
    List<IpRange> ranges = new ArrayList<>();
    if (networks.has(addrPart)) {
      ranges.addAll(networks.get(addrPart).stream().filter(r -> r.family() == fam).toList());
      if (ranges.isEmpty() && !networks.get(addrPart).isEmpty()) {
        ctx.report(Code.PC4001, pos, "network group '" + addrPart + "' has no "
            + familyWord(fam) + " address for this " + familyWord(fam) + " set");
      }
      return ranges;
    }
    IpRange r = ctx.groups().address(addrPart, pos);
    if (r == null) {
      return ranges;
    }
    if (r.family() != fam) {
      ctx.report(Code.PC4001, pos, "member '" + text + "' is not " + familyWord(fam)
          + " like its set");
      return ranges;
    }
    ranges.add(r);
    return ranges;
  }
}
