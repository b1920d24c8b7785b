package dev.policyc.dsl.path;

/** The path of an ipset, such as {@code objects.sets.blocked}; its position is its name's. */
public final class SetPath extends SourcePath {
  SetPath(SourcePath sets, String name) {
    super(sets, name);
  }

  /** {@code type}. */
  public SourcePath type() {
    return child("type");
  }

  /** {@code family}. */
  public SourcePath family() {
    return child("family");
  }

  /** {@code entries}. */
  public ListPath entries() {
    return list("entries");
  }

  /** {@code entries[i]}. */
  public SourcePath entries(int i) {
    return entries().item(i);
  }

  /** {@code range}: the port range of a bitmap:port set. */
  public SourcePath range() {
    return child("range");
  }

  /** {@code maxelem}. */
  public SourcePath maxelem() {
    return child("maxelem");
  }
}
