package dev.policyc.dsl;

/**
 * What of the kernel's rules a policy owns, which decides how {@code apply.sh} loads it
 * ({@code docs/apply.md}).
 */
public enum Ownership {
  /**
   * The default: the policy owns every table it has chains in. Loading it replaces those tables
   * whole, and the rules other tools put there are gone.
   */
  TABLES,
  /**
   * The policy owns only its own chains, so that it can share the host with Docker, kube-proxy
   * or fail2ban: the rules of each built-in chain go into a chain {@code policyc-CHAIN} that one
   * jump at the head of the built-in chain enters, and loading replaces only the policy's chains
   * ({@code --noflush}). The built-in chains' policies are still set.
   */
  CHAINS
}
