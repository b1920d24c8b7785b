package dev.policyc.dsl.path;

/**
 * The path of a {@code log} action. Written as a mapping it has {@code level} and {@code prefix};
 * written as a string ({@code log: "prefix"}) only the action key has a position.
 */
public final class LogPath extends SourcePath {
  LogPath(ActionPath action) {
    super(action, "log");
  }

  /** {@code level}. */
  public SourcePath level() {
    return child("level");
  }

  /** {@code prefix}. */
  public SourcePath prefix() {
    return child("prefix");
  }
}
