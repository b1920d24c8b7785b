package dev.policyc.compiler.ipvs;

import java.util.Locale;

/**
 * How IPVS sends a packet to a real server: NAT ({@code -m}), direct routing ({@code -g},
 * ipvsadm's default) or IP-in-IP ({@code -i}); keepalived calls them NAT, DR and TUN.
 */
public enum ForwardMethod {
  MASQ("-m", "NAT"),
  GATE("-g", "DR"),
  IPIP("-i", "TUN");

  private final String option;
  private final String keepalived;

  ForwardMethod(String option, String keepalived) {
    this.option = option;
    this.keepalived = keepalived;
  }

  /** The ipvsadm option. */
  public String option() {
    return option;
  }

  /** keepalived's {@code lvs_method} word. */
  public String keepalived() {
    return keepalived;
  }

  /** The word in the policy format. */
  public String word() {
    return name().toLowerCase(Locale.ROOT);
  }
}
