package dev.policyc.dsl;

/**
 * Static entry points of the Java DSL, meant to be imported with {@code import static}: {@link
 * #match()}, chain names and the default policies.
 */
public final class Dsl {
  public static final String PREROUTING = "PREROUTING";
  public static final String INPUT = "INPUT";
  public static final String FORWARD = "FORWARD";
  public static final String OUTPUT = "OUTPUT";
  public static final String POSTROUTING = "POSTROUTING";

  public static final Verdict ACCEPT = Verdict.ACCEPT;
  public static final Verdict DROP = Verdict.DROP;

  public static final ConnState NEW = ConnState.NEW;
  public static final ConnState ESTABLISHED = ConnState.ESTABLISHED;
  public static final ConnState RELATED = ConnState.RELATED;
  public static final ConnState INVALID = ConnState.INVALID;
  public static final ConnState UNTRACKED = ConnState.UNTRACKED;

  private Dsl() {}

  /** An empty match (every packet); chain further constraints onto it. */
  public static MatchBuilder match() {
    return new MatchBuilder();
  }
}
