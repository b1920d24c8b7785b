package dev.policyc.dsl.path;

/** The path {@code host}: the host's interfaces and routes. */
public final class HostPath extends SourcePath {
  HostPath() {
    super("host");
  }

  /** {@code forwarding}. */
  public SourcePath forwarding() {
    return child("forwarding");
  }

  /**
   * {@code interfaces.NAME}: an interface, positioned at its name; its items are its addresses
   * (whether written as a list or under {@code addresses}).
   */
  public ListPath interfaces(String name) {
    return new ListPath(child("interfaces"), name);
  }

  /** Address {@code i} of interface {@code name}. */
  public SourcePath interfaces(String name, int i) {
    return interfaces(name).item(i);
  }

  /** {@code routes}. */
  public ListPath routes() {
    return list("routes");
  }

  /** {@code routes[i]}. */
  public RoutePath routes(int i) {
    return new RoutePath(routes(), i);
  }
}
