package dev.policyc.dsl;

import java.util.Objects;

/**
 * A match value that may be negated, as iptables' {@code !} does. In YAML the negated form is
 * written {@code {not: value}}.
 */
public record Negatable<T>(T value, boolean negated) {
  public Negatable {
    Objects.requireNonNull(value, "value");
  }

  public static <T> Negatable<T> is(T value) {
    return new Negatable<>(value, false);
  }

  public static <T> Negatable<T> not(T value) {
    return new Negatable<>(value, true);
  }
}
