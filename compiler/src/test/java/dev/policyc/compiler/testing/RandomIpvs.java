package dev.policyc.compiler.testing;

import dev.policyc.compiler.ipvs.ForwardMethod;
import dev.policyc.compiler.ipvs.HealthCheck;
import dev.policyc.compiler.ipvs.IpvsConfig;
import dev.policyc.compiler.ipvs.IpvsProtocol;
import dev.policyc.compiler.ipvs.Persistence;
import dev.policyc.compiler.ipvs.RealServer;
import dev.policyc.compiler.ipvs.SchedFlags;
import dev.policyc.compiler.ipvs.Scheduler;
import dev.policyc.compiler.ipvs.VirtualService;
import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.dsl.Family;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Random valid IPVS configurations from a seeded {@link Random}: both families, address and
 * fwmark services, every scheduler, flags, persistence with netmasks, every forwarding method,
 * weights (0 included), thresholds, and addresses far apart (so that ipvsadm's int-subtraction
 * sort is exercised).
 */
public final class RandomIpvs {
  private final Random rnd;

  public RandomIpvs(Random rnd) {
    this.rnd = rnd;
  }

  public IpvsConfig config() {
    int n = rnd.nextInt(6);
    List<VirtualService> out = new ArrayList<>();
    Set<String> keys = new HashSet<>();
    for (int i = 0; i < n; i++) {
      VirtualService vs = service();
      if (keys.add(vs.ipvsadmName())) {
        out.add(vs);
      }
    }
    return new IpvsConfig(out);
  }

  public VirtualService service() {
    Family f = rnd.nextInt(3) == 0 ? Family.IPV6 : Family.IPV4;
    boolean fwmark = rnd.nextInt(4) == 0;
    Scheduler s = Scheduler.values()[rnd.nextInt(Scheduler.values().length)];
    int flags = 0;
    if (rnd.nextInt(3) == 0) {
      flags = (rnd.nextBoolean() ? SchedFlags.SCHED1 : 0) | (rnd.nextBoolean() ? SchedFlags.SCHED2 : 0)
          | (s != Scheduler.SH && s != Scheduler.MH && rnd.nextBoolean() ? SchedFlags.SCHED3 : 0);
    }
    Persistence p = null;
    if (rnd.nextInt(3) == 0) {
      int full = f == Family.IPV4 ? 32 : 128;
      p = new Persistence(1 + rnd.nextInt(20000), rnd.nextBoolean() ? full : 1 + rnd.nextInt(full));
    }
    int port = fwmark ? 0 : (p != null && rnd.nextInt(4) == 0 ? 0 : 1 + rnd.nextInt(65535));
    IpvsProtocol proto = IpvsProtocol.values()[rnd.nextInt(3)];
    long mark = fwmark ? 1 + (rnd.nextLong() & 0xffffffffL) % 0xffffffffL : 0;
    List<RealServer> reals = new ArrayList<>();
    Set<String> eps = new HashSet<>();
    int m = rnd.nextInt(6);
    for (int j = 0; j < m; j++) {
      ForwardMethod method = ForwardMethod.values()[rnd.nextInt(3)];
      Family rf = method == ForwardMethod.IPIP && rnd.nextInt(4) == 0 ? other(f) : f;
      int rport = method == ForwardMethod.MASQ && !fwmark && rnd.nextBoolean()
          ? rnd.nextInt(65536) : port;
      int upper = rnd.nextInt(3) == 0 ? rnd.nextInt(65536) : 0;
      int lower = upper > 0 && rnd.nextBoolean() ? rnd.nextInt(upper + 1) : 0;
      RealServer r = new RealServer(address(rf), rport, rnd.nextInt(5) == 0 ? rnd.nextInt(65536)
          : rnd.nextInt(5), method, upper, lower);
      if (eps.add(r.endpoint())) {
        reals.add(r);
      }
    }
    HealthCheck check = null;
    return new VirtualService(fwmark ? null : proto, fwmark ? null : address(f), port, mark, f, s,
        flags, p, rnd.nextInt(5) == 0, reals, check);
  }

  private static Family other(Family f) {
    return f == Family.IPV4 ? Family.IPV6 : Family.IPV4;
  }

  public IpAddr address(Family f) {
    if (f == Family.IPV4) {
      // a few nets far apart, so that differences of 2^31 or more occur
      long[] nets = {0x0a000000L, 0xc8000000L, 0xc0a80000L, 0x7f000000L, 0xfe000000L};
      return IpAddr.v4(nets[rnd.nextInt(nets.length)] + rnd.nextInt(256));
    }
    long[] his = {0x20010db800000000L, 0xfd00000000000000L, 0x2001_0db8_0000_0001L};
    return IpAddr.v6(his[rnd.nextInt(his.length)], rnd.nextInt(4) == 0 ? rnd.nextLong()
        : rnd.nextInt(256));
  }
}
