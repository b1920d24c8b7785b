package dev.policyc.dsl;

/** An IP address family: IPv4 (iptables) or IPv6 (ip6tables). */
public enum Family {
  IPV4("ipv4"),
  IPV6("ipv6");

  private final String yamlName;

  Family(String yamlName) {
    this.yamlName = yamlName;
  }

  public String yamlName() {
    return yamlName;
  }
}
