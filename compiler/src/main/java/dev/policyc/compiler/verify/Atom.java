package dev.policyc.compiler.verify;

import dev.policyc.compiler.ir.IpSet;
import dev.policyc.compiler.ir.Match;

/**
 * An opaque match as a free boolean: the match itself and, for an ipset match, the set's
 * definition in the policy it came from (two policies' sets of one name may differ).
 */
record Atom(Match match, IpSet set) {
  @Override
  public String toString() {
    return match.toString();
  }
}
