package dev.policyc.compiler.parse;

import dev.policyc.compiler.parse.Tokenizer.Token;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.SourcePos;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A cursor over the arguments of one rule line, with what the readers of its parts share: the
 * file and line it came from and the address family of the dump. Errors point at an argument's
 * column.
 */
final class RuleLine {
  private final String file;
  private final Family family;
  private final int ln;
  private final List<Token> toks;
  private int i;
  /** The argument {@link #next} returned last, and the value {@link #value} took after it. */
  private Token lastOption;
  private Token lastValue;
  /** The first value taken after each option (of those that take one). */
  private final Map<Token, Token> firstValue = new IdentityHashMap<>();

  private RuleLine(String file, Family family, int ln, List<Token> toks) {
    this.file = file;
    this.family = family;
    this.ln = ln;
    this.toks = toks;
  }

  /** Splits line {@code ln} of {@code file} into arguments the way iptables-restore does. */
  static RuleLine of(String file, Family family, int ln, String text) throws ParseException {
    try {
      return new RuleLine(file, family, ln, Tokenizer.split(text));
    } catch (IllegalArgumentException e) {
      // The tokenizer's message is "column:what".
      String[] cm = e.getMessage().split(":", 2);
      throw error(file, ln, Integer.parseInt(cm[0]), cm[1]);
    }
  }

  Family family() {
    return family;
  }

  /** Where the rule is: its file and line, column 1. */
  SourcePos pos() {
    return new SourcePos(file, ln, 1);
  }

  int lineNumber() {
    return ln;
  }

  boolean more() {
    return i < toks.size();
  }

  Token peek() {
    return toks.get(i);
  }

  Token next() throws ParseException {
    if (i >= toks.size()) {
      int col = toks.isEmpty() ? 1 : toks.get(toks.size() - 1).column();
      throw error(file, ln, col, "missing value at end of rule");
    }
    lastOption = toks.get(i++);
    lastValue = null;
    return lastOption;
  }

  /** The argument after {@code option}, which needs one. */
  String value(String option) throws ParseException {
    if (i >= toks.size()) {
      throw error(file, ln, toks.get(i - 1).column(), option + " needs a value");
    }
    lastValue = toks.get(i++);
    firstValue.putIfAbsent(lastOption, lastValue);
    return lastValue.text();
  }

  /**
   * An error at argument {@code t} of this line, or at the value taken after it when there is
   * one (the last taken, else the first): the value is what is at fault ({@code -j TTL} in an
   * IPv6 dump points at {@code TTL}).
   */
  ParseException fail(Token t, String msg) {
    Token at = lastValue != null && t == lastOption ? lastValue : firstValue.getOrDefault(t, t);
    return error(file, ln, at.column(), msg);
  }

  /** An error at the argument read last (the first of the line if none was). */
  ParseException failAtLast(String msg) {
    Token at = lastValue != null ? lastValue : lastOption;
    return error(file, ln, at != null ? at.column() : 1, msg);
  }

  /** Every argument of the line. */
  List<Token> tokens() {
    return toks;
  }

  static ParseException error(String file, int line, int col, String msg) {
    return new ParseException(new SourcePos(file, line, col), msg);
  }
}
