package dev.policyc.compiler.emit.apply;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Writes {@code apply.sh}: a POSIX shell script that saves the kernel's current rules and sets,
 * loads the files emitted beside it (sets by swap, then each table after a {@code --test}), and
 * restores the saved state when a step fails or, with {@code --confirm SECONDS}, when no one
 * confirms in time. See {@code docs/apply.md}.
 *
 * <p>The script's text is fixed: it names the other files by their fixed names and takes
 * nothing from the policy (no names, comments or addresses), so no policy can put shell into
 * it. Only which files exist, and whether the policy owns only its chains, are written in, as
 * three flags.
 */
public final class ApplyScriptEmitter {
  private static final String TEMPLATE = template();

  private ApplyScriptEmitter() {}

  /**
   * The script for a policy that emits an {@code ip6tables.rules} ({@code ip6tables}) and an
   * {@code ipset.rules} ({@code ipset}) or not.
   */
  public static String emit(boolean ip6tables, boolean ipset) {
    return emit(ip6tables, ipset, false);
  }

  /**
   * As {@link #emit(boolean, boolean)}, for a policy that owns only its chains ({@code
   * ownsChains}): the tables are restored with {@code --noflush}, and one jump into each
   * {@code policyc-CHAIN} is put at the head of its built-in chain when it is not there yet.
   */
  public static String emit(boolean ip6tables, boolean ipset, boolean ownsChains) {
    return TEMPLATE.replace("@IP6TABLES@", ip6tables ? "1" : "0")
        .replace("@IPSET@", ipset ? "1" : "0")
        .replace("@OWNS_CHAINS@", ownsChains ? "1" : "0");
  }

  private static String template() {
    try (InputStream in = ApplyScriptEmitter.class.getResourceAsStream("apply.sh")) {
      if (in == null) {
        throw new IllegalStateException("apply.sh is missing from the policyc-compiler jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
