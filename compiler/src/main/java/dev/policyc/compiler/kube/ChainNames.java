package dev.policyc.compiler.kube;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * kube-proxy's per-service chain names: the first 16 characters of the standard base32 of the
 * SHA-256 of the service port name and protocol (and, for KUBE-SEP, the endpoint), as
 * {@code portProtoHash} and {@code servicePortEndpointChainName} in pkg/proxy/iptables.
 */
final class ChainNames {
  static final String SVC = "KUBE-SVC-";
  static final String SVL = "KUBE-SVL-";
  static final String EXT = "KUBE-EXT-";
  static final String FW = "KUBE-FW-";
  static final String SEP = "KUBE-SEP-";
  private static final char[] BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".toCharArray();

  /** One digest a thread: looking SHA-256 up among the providers costs more than hashing. */
  private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  });

  private ChainNames() {}

  static String hash(String text) {
    byte[] d = SHA256.get().digest(text.getBytes(StandardCharsets.UTF_8));
    // 16 base32 characters are 80 bits: the first 10 bytes, no padding reached.
    StringBuilder sb = new StringBuilder(16);
    long hi = 0;
    for (int i = 0; i < 5; i++) {
      hi = hi << 8 | (d[i] & 0xFF);
    }
    long lo = 0;
    for (int i = 5; i < 10; i++) {
      lo = lo << 8 | (d[i] & 0xFF);
    }
    for (int i = 7; i >= 0; i--) {
      sb.append(BASE32[(int) (hi >>> (5 * i)) & 31]);
    }
    for (int i = 7; i >= 0; i--) {
      sb.append(BASE32[(int) (lo >>> (5 * i)) & 31]);
    }
    return sb.toString();
  }

  static String svc(String portName, String protocol) {
    return SVC + hash(portName + protocol);
  }

  static String svl(String portName, String protocol) {
    return SVL + hash(portName + protocol);
  }

  static String ext(String portName, String protocol) {
    return EXT + hash(portName + protocol);
  }

  static String fw(String portName, String protocol) {
    return FW + hash(portName + protocol);
  }

  static String sep(String portName, String protocol, String endpoint) {
    return SEP + hash(portName + protocol + endpoint);
  }
}
