package dev.policyc.dsl.path;

/**
 * The path {@code objects}: named groups and ipsets. A group's position is that of its name; its
 * members are the items of its list.
 */
public final class ObjectsPath extends SourcePath {
  ObjectsPath() {
    super("objects");
  }

  /** {@code networks.NAME}: a network group. */
  public ListPath networks(String name) {
    return new ListPath(child("networks"), name);
  }

  /** {@code services.NAME}: a service group. */
  public ListPath services(String name) {
    return new ListPath(child("services"), name);
  }

  /** {@code interfaces.NAME}: an interface group. */
  public ListPath interfaces(String name) {
    return new ListPath(child("interfaces"), name);
  }

  /** {@code sets.NAME}: an ipset. */
  public SetPath sets(String name) {
    return new SetPath(child("sets"), name);
  }
}
