package dev.policyc.dsl.path;

/**
 * The path {@code ipvs.services[i]} of an IPVS virtual service and of its parts: each method
 * names the key as the YAML format spells it.
 */
public final class IpvsPath extends SourcePath {
  IpvsPath(ListPath services, int index) {
    super(services, index);
  }

  /** A key of the service: {@code protocol}, {@code address}, {@code port}, {@code fwmark}, {@code family}, {@code scheduler}, {@code ops}. */
  public SourcePath key(String name) {
    return child(name);
  }

  /** {@code flags}, whose items are the flags. */
  public ListPath flags() {
    return list("flags");
  }

  /** {@code persistence.KEY}: {@code timeout} or {@code netmask}. */
  public SourcePath persistence(String key) {
    return child("persistence").child(key);
  }

  /** {@code persistence}. */
  public SourcePath persistence() {
    return child("persistence");
  }

  /** {@code real-servers}. */
  public ListPath realServers() {
    return list("real-servers");
  }

  /** {@code real-servers[i]}. */
  public SourcePath realServer(int i) {
    return realServers().item(i);
  }

  /** {@code real-servers[i].KEY}: address, port, weight, method, u-threshold, l-threshold. */
  public SourcePath realServer(int i, String key) {
    return realServer(i).child(key);
  }

  /** {@code health-check}. */
  public SourcePath healthCheck() {
    return child("health-check");
  }

  /** {@code health-check.KEY}: type, path, status, delay, timeout, retries. */
  public SourcePath healthCheck(String key) {
    return healthCheck().child(key);
  }
}
