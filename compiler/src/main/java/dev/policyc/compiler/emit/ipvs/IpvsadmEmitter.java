package dev.policyc.compiler.emit.ipvs;

import dev.policyc.compiler.ipvs.IpvsConfig;
import dev.policyc.compiler.ipvs.IpvsText;
import dev.policyc.compiler.ipvs.RealServer;
import dev.policyc.compiler.ipvs.SchedFlags;
import dev.policyc.compiler.ipvs.VirtualService;
import dev.policyc.dsl.Family;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Writes {@code ipvs.rules}: the input of {@code ipvsadm -R}, in exactly the form {@code
 * ipvsadm -S -n} prints, so that loading it and saving again gives the same text. There is no
 * header line: ipvsadm -S prints none.
 *
 * <p>Order, as ipvsadm sorts (libipvs {@code ipvs_cmp_services}, {@code ipvs_cmp_dests}): services
 * by fwmark, family, protocol, address, port; real servers by address, then port. Each compare
 * subtracts two unsigned 32-bit values and returns the difference as an {@code int}, so values
 * 2^31 or more apart sort the "wrong" way (10.0.0.1 after 200.0.0.1); the sort here does the
 * same, with glibc's merge sort, so the order matches for glibc's qsort. Line forms
 * ({@code print_service_entry}): {@code -A SVC -s SCHED [-b FLAGS] [-p TIMEOUT [-M MASK]] [ops]}
 * and {@code -a SVC -r ADDR:PORT -m|-g|-i -w WEIGHT [-x UPPER] [-y LOWER]}; see docs/ipvs.md for
 * the parts that depend on the ipvsadm version.
 */
public final class IpvsadmEmitter {
  private IpvsadmEmitter() {}

  public static String emit(IpvsConfig config) {
    StringBuilder sb = new StringBuilder();
    for (VirtualService vs : sorted(config.services(), IpvsadmEmitter::compareServices)) {
      sb.append(serviceLine(vs)).append('\n');
      // The service's name once for all its real servers (kube's have 100,000s of them).
      String name = vs.ipvsadmName();
      for (RealServer r : sorted(vs.reals(), IpvsadmEmitter::compareDests)) {
        realLine(sb, name, r).append('\n');
      }
    }
    return sb.toString();
  }

  /** {@code -A …} for a service. */
  public static String serviceLine(VirtualService vs) {
    StringBuilder sb = new StringBuilder("-A ").append(vs.ipvsadmName()).append(" -s ")
        .append(vs.scheduler().word());
    if (vs.flags() != 0) {
      sb.append(" -b ").append(String.join(",", SchedFlags.words(vs.flags(), vs.scheduler())));
    }
    if (vs.persistence() != null) {
      sb.append(" -p ").append(vs.persistence().timeout());
      int prefix = vs.persistence().prefix();
      if (vs.family() == Family.IPV4 && prefix != 32) {
        sb.append(" -M ").append(IpvsText.netmask(prefix));
      } else if (vs.family() == Family.IPV6 && prefix != 128) {
        sb.append(" -M ").append(prefix);
      }
    }
    if (vs.onePacket()) {
      sb.append(" ops");
    }
    return sb.toString();
  }

  /** {@code -a …} for a real server of {@code vs}. */
  public static String realLine(VirtualService vs, RealServer r) {
    return realLine(new StringBuilder(), vs.ipvsadmName(), r).toString();
  }

  /** Appends {@code -a NAME -r …} for a real server of the service named {@code name}. */
  private static StringBuilder realLine(StringBuilder sb, String name, RealServer r) {
    sb.append("-a ").append(name).append(" -r ").append(r.endpoint()).append(' ')
        .append(r.method().option()).append(" -w ").append(r.weight());
    if (r.upper() != 0) {
      sb.append(" -x ").append(r.upper());
    }
    if (r.lower() != 0) {
      sb.append(" -y ").append(r.lower());
    }
    return sb;
  }

  /** ipvs_cmp_services: fwmark, family, protocol, address, port, each by int subtraction. */
  static int compareServices(VirtualService a, VirtualService b) {
    int r = diff(a.fwmark(), b.fwmark());
    if (r != 0) {
      return r;
    }
    r = af(a.family()) - af(b.family());
    if (r != 0) {
      return r;
    }
    r = (a.protocol() == null ? 0 : a.protocol().number())
        - (b.protocol() == null ? 0 : b.protocol().number());
    if (r != 0) {
      return r;
    }
    if (a.address() != null && b.address() != null) {
      for (int i = 0; r == 0 && i < (a.family() == Family.IPV6 ? 4 : 1); i++) {
        r = diff(a.address().word32(i) & 0xffffffffL, b.address().word32(i) & 0xffffffffL);
      }
      if (r != 0) {
        return r;
      }
    }
    return a.port() - b.port();
  }

  /** ipvs_cmp_dests: address, then port. */
  static int compareDests(RealServer a, RealServer b) {
    int r = 0;
    boolean v6 = a.address().family() == Family.IPV6 || b.address().family() == Family.IPV6;
    for (int i = 0; r == 0 && i < (v6 ? 4 : 1); i++) {
      r = diff(word(a, i, v6), word(b, i, v6));
    }
    return r != 0 ? r : a.port() - b.port();
  }

  private static long word(RealServer r, int i, boolean v6) {
    if (r.address().family() == Family.IPV4) {
      // a v4 server of a v6 service (ipip): its address fills the first word, as in the union
      return v6 && i > 0 ? 0 : r.address().lo();
    }
    return r.address().word32(i) & 0xffffffffL;
  }

  private static int af(Family f) {
    return f == Family.IPV4 ? 2 : 10; // AF_INET, AF_INET6
  }

  /** The C expression {@code (int) (a - b)} of two u32 values. */
  private static int diff(long a, long b) {
    return (int) (a - b);
  }

  /** glibc's msort: stable top-down merge sort, first half first when equal. */
  static <T> List<T> sorted(List<T> in, Comparator<T> cmp) {
    List<T> list = new ArrayList<>(in);
    msort(list, 0, list.size(), cmp);
    return list;
  }

  private static <T> void msort(List<T> b, int from, int n, Comparator<T> cmp) {
    if (n <= 1) {
      return;
    }
    int n1 = n / 2;
    int n2 = n - n1;
    msort(b, from, n1, cmp);
    msort(b, from + n1, n2, cmp);
    List<T> tmp = new ArrayList<>(n);
    int i = from;
    int j = from + n1;
    while (i < from + n1 && j < from + n) {
      if (cmp.compare(b.get(i), b.get(j)) <= 0) {
        tmp.add(b.get(i++));
      } else {
        tmp.add(b.get(j++));
      }
    }
    while (i < from + n1) {
      tmp.add(b.get(i++));
    }
    while (j < from + n) {
      tmp.add(b.get(j++));
    }
    for (int k = 0; k < n; k++) {
      b.set(from + k, tmp.get(k));
    }
  }
}
