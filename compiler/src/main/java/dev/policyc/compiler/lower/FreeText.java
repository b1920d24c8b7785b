package dev.policyc.compiler.lower;

import dev.policyc.dsl.SourcePos;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.path.SourcePath;
import java.nio.charset.StandardCharsets;

/**
 * The check of free text that ends up in a rule (a comment, a log prefix): its length, and no
 * control characters (C0, DEL, C1, line separators), invisible formatting characters (bidi
 * overrides, zero-width characters), double quotes or backslashes (iptables-save does not escape
 * control characters, so a newline in a comment would split the saved rule in two).
 */
final class FreeText {
  private FreeText() {}

  /**
   * Reports what the kernel or iptables-restore would refuse or misread in {@code text}: longer
   * than {@code max} bytes (the kernel's limits are in bytes), or holding a character that
   * breaks the saved rule.
   */
  static void check(LowerContext ctx, String text, SourcePos pos, String what, int max) {
    check(ctx, text, pos, null, what, max);
  }

  /** The same check, looking up where {@code path} was written only for a problem. */
  static void check(LowerContext ctx, String text, SourcePath path, String what, int max) {
    check(ctx, text, null, path, what, max);
  }

  private static void check(LowerContext ctx, String text, SourcePos given, SourcePath path,
      String what, int max) {
    if (text.length() <= max && plain(text)) {
      return; // the common case: printable ASCII (a byte a character) within the limit
    }
    SourcePos pos = given != null ? given : ctx.at(path);
    int len = text.getBytes(StandardCharsets.UTF_8).length;
    if (len > max) {
      ctx.report(what.equals("comment") ? Code.PC5002 : Code.PC5001, pos, what + " is " + len
          + " bytes long; the kernel allows " + max);
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x20 || c >= 0x7f && c <= 0x9f || c == 0x2028 || c == 0x2029) {
        // C0, DEL, C1 (U+0085 is a line break to some readers) and the Unicode line separators
        ctx.report(Code.PC5003, pos, what + " holds a control character (U+"
            + String.format("%04X", (int) c) + ")");
        return;
      }
      if (Character.getType(c) == Character.FORMAT) {
        // bidi overrides (U+202E), zero-width and other invisible characters: the text would
        // read differently in a terminal or a review than what the kernel holds
        ctx.report(Code.PC5003, pos, what + " holds an invisible formatting character (U+"
            + String.format("%04X", (int) c) + ") such as a bidi override");
        return;
      }
      if (c == '"' || c == '\\') {
        ctx.report(Code.PC5003, pos, what + " holds " + (c == '"' ? "a double quote" : "a"
            + " backslash") + ", which iptables-restore would read as quoting");
        return;
      }
    }
  }

  private static boolean plain(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
        return false;
      }
    }
    return true;
  }
}
