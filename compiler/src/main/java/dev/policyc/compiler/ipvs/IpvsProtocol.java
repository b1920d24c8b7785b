package dev.policyc.compiler.ipvs;

import java.util.Locale;

/** The protocol of an address virtual service, with its IP protocol number and ipvsadm option. */
public enum IpvsProtocol {
  TCP(6, "-t"),
  UDP(17, "-u"),
  SCTP(132, "--sctp-service");

  private final int number;
  private final String option;

  IpvsProtocol(int number, String option) {
    this.number = number;
    this.option = option;
  }

  /** The IP protocol number. */
  public int number() {
    return number;
  }

  /** The ipvsadm option that names a service of this protocol. */
  public String option() {
    return option;
  }

  /** The word in the policy format. */
  public String word() {
    return name().toLowerCase(Locale.ROOT);
  }
}
