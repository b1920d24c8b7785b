package dev.policyc.dsl.path;

/** The path of a route of the host, such as {@code host.routes[1]}. */
public final class RoutePath extends SourcePath {
  RoutePath(ListPath routes, int index) {
    super(routes, index);
  }

  /** {@code to}: the destination prefix, or {@code default}. */
  public SourcePath to() {
    return child("to");
  }

  /** {@code via}: the gateway. */
  public SourcePath via() {
    return child("via");
  }

  /** {@code dev}: the output interface. */
  public SourcePath dev() {
    return child("dev");
  }
}
