package dev.policyc.compiler.classifier;

import dev.policyc.compiler.interp.Interpreter;
import dev.policyc.compiler.ipvs.IpvsConfig;
import dev.policyc.compiler.ipvs.RealServer;
import dev.policyc.compiler.ipvs.Scheduler;
import dev.policyc.compiler.ipvs.VirtualService;
import dev.policyc.compiler.ir.HostModel;
import dev.policyc.compiler.ir.IpAddr;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.dsl.Family;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The IPVS part of a generated classifier: the services for the runtime's {@code Ipvs} (a text
 * resource beside the tables), and the host model with the virtual IPs bound, as the interpreter
 * binds them ({@code Interpreter(IrPolicy, IpvsConfig)}). See docs/classifier.md, "IPVS".
 */
final class ClassifierIpvs {
  /** The schedulers the runtime models, each as {@code interp.IpvsScheduler} does: all. */
  private static final Set<Scheduler> PORTED = EnumSet.allOf(Scheduler.class);
  /** The dummy interface of interfaces.sh (emit.ipvs.InterfacesEmitter.DEVICE). */
  static final String DEVICE = Interpreter.IPVS_DEVICE;

  private ClassifierIpvs() {}

  /** One line per scheduler of {@code ipvs} the runtime does not model, by name. */
  static List<String> unsupported(IpvsConfig ipvs) {
    Set<String> out = new LinkedHashSet<>();
    for (VirtualService vs : ipvs.services()) {
      if (!PORTED.contains(vs.scheduler())) {
        out.add("the IPVS scheduler " + vs.scheduler().word() + " (" + vs.ipvsadmName() + ")");
      }
    }
    return List.copyOf(out);
  }

  /**
   * The policy with the virtual IPs its host model does not have bound on the dummy interface
   * of interfaces.sh, so that packets to them are local, as the interpreter binds them.
   */
  static IrPolicy withVips(IrPolicy policy, IpvsConfig ipvs) {
    return Interpreter.withVips(policy, ipvs, DEVICE);
  }

  /**
   * The services as the runtime reads them: per service a {@code service} line (protocol,
   * family, address as two longs, port, fwmark, scheduler, flags, persistence prefix or -1,
   * ipvsadm's name), then its real servers in add order (family, address, port, weight,
   * method, thresholds, endpoint).
   */
  static String text(IpvsConfig ipvs) {
    StringBuilder sb = new StringBuilder();
    for (VirtualService vs : ipvs.services()) {
      int family = vs.family() == Family.IPV4 ? 4 : 6;
      sb.append("service ").append(vs.isFwmark() ? 0 : vs.protocol().number()).append(' ')
          .append(family).append(' ')
          .append(vs.isFwmark() ? 0 : vs.address().hi()).append(' ')
          .append(vs.isFwmark() ? 0 : vs.address().lo()).append(' ')
          .append(vs.port()).append(' ').append(vs.fwmark()).append(' ')
          .append(vs.scheduler().word()).append(' ').append(vs.flags()).append(' ')
          .append(vs.persistence() == null ? -1 : vs.persistence().prefix()).append(' ')
          .append(vs.ipvsadmName()).append('\n');
      for (RealServer r : vs.reals()) {
        IpAddr a = r.address();
        sb.append("real ").append(a.family() == Family.IPV4 ? 4 : 6).append(' ').append(a.hi())
            .append(' ').append(a.lo()).append(' ').append(r.port()).append(' ')
            .append(r.weight()).append(' ').append(r.method().word()).append(' ')
            .append(r.upper()).append(' ').append(r.lower()).append(' ').append(r.endpoint())
            .append('\n');
      }
    }
    return sb.toString();
  }
}
