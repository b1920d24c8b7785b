package dev.policyc.dsl.path;

/**
 * The path of a rule's {@code action}, with a method per action key. An action written as a
 * bare word ({@code action: reject}) has no key under it: only the action itself has a position.
 */
public final class ActionPath extends SourcePath {
  ActionPath(RulePath rule) {
    super(rule, "action");
  }

  /** {@code reject}. */
  public SourcePath reject() {
    return child("reject");
  }

  /** {@code jump}. */
  public SourcePath jump() {
    return child("jump");
  }

  /** {@code goto}. */
  public SourcePath gotoChain() {
    return child("goto");
  }

  /** {@code log}. */
  public LogPath log() {
    return new LogPath(this);
  }

  /** {@code dnat}. */
  public SourcePath dnat() {
    return child("dnat");
  }

  /** {@code snat}. */
  public SourcePath snat() {
    return child("snat");
  }

  /** {@code masquerade}. */
  public SourcePath masquerade() {
    return child("masquerade");
  }

  /** {@code redirect}. */
  public SourcePath redirect() {
    return child("redirect");
  }

  /** {@code mark}. */
  public SourcePath mark() {
    return child("mark");
  }

  /** {@code connmark}. */
  public SourcePath connmark() {
    return child("connmark");
  }

  /** {@code dscp}. */
  public SourcePath dscp() {
    return child("dscp");
  }

  /** {@code tos}. */
  public SourcePath tos() {
    return child("tos");
  }

  /** {@code ttl}. */
  public SourcePath ttl() {
    return child("ttl");
  }

  /** {@code tcpmss}. */
  public SourcePath tcpmss() {
    return child("tcpmss");
  }
}
