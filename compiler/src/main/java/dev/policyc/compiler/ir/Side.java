package dev.policyc.compiler.ir;

/** Which address or port of a packet a match looks at. */
public enum Side {
  SRC,
  DST;

  public String word() {
    return this == SRC ? "src" : "dst";
  }
}
