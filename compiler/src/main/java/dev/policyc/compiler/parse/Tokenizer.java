package dev.policyc.compiler.parse;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a restore line into arguments the way iptables-restore does ({@code add_param_to_argv}
 * in iptables' {@code xshared.c}): blanks separate; only double quotes group, and inside them a
 * backslash takes the next character literally; a closing quote ends the argument. Unlike
 * iptables-restore, an unterminated quote is an error.
 */
final class Tokenizer {
  /** An argument and the 1-based column it starts at. */
  record Token(String text, int column) {}

  private Tokenizer() {}

  static List<Token> split(String line) {
    List<Token> out = new ArrayList<>();
    int i = 0;
    int n = line.length();
    while (i < n) {
      char c = line.charAt(i);
      if (c == ' ' || c == '\t') {
        i++;
        continue;
      }
      int start = i;
      StringBuilder sb = new StringBuilder();
      if (c == '"') {
        i++;
        boolean closed = false;
        while (i < n) {
          char d = line.charAt(i);
          if (d == '\\' && i + 1 < n) {
            sb.append(line.charAt(i + 1));
            i += 2;
          } else if (d == '"') {
            i++;
            closed = true;
            break;
          } else {
            sb.append(d);
            i++;
          }
        }
        if (!closed) {
          throw new IllegalArgumentException(start + 1 + ":unterminated quote");
        }
      } else {
        while (i < n && line.charAt(i) != ' ' && line.charAt(i) != '\t') {
          if (line.charAt(i) == '"') {
            throw new IllegalArgumentException(i + 1 + ":quote inside an argument");
          }
          sb.append(line.charAt(i));
          i++;
        }
      }
      out.add(new Token(sb.toString(), start + 1));
    }
    return out;
  }
}
