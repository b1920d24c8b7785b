package dev.policyc.compiler.ipvs;

/**
 * Persistence of a virtual service: a client's connections go to one real server while its
 * template lives.
 *
 * @param timeout the template's timeout in seconds
 * @param prefix the client address bits that count (32 or 128: the whole address)
 */
public record Persistence(int timeout, int prefix) {
  /** ipvsadm's {@code -p} without a value. */
  public static final int DEFAULT_TIMEOUT = 300;

  public Persistence {
    if (timeout < 1 || prefix < 0 || prefix > 128) {
      throw new IllegalArgumentException("persistence " + timeout + " /" + prefix);
    }
  }
}
