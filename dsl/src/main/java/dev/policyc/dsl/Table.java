package dev.policyc.dsl;

import java.util.List;
import java.util.Locale;

/** A netfilter table and its built-in chains in hook order. */
public enum Table {
  FILTER(List.of("INPUT", "FORWARD", "OUTPUT")),
  NAT(List.of("PREROUTING", "INPUT", "OUTPUT", "POSTROUTING")),
  MANGLE(List.of("PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING")),
  RAW(List.of("PREROUTING", "OUTPUT"));

  private final List<String> builtinChains;

  Table(List<String> builtinChains) {
    this.builtinChains = builtinChains;
  }

  /** The built-in chains of this table, in the order iptables-save prints them. */
  public List<String> builtinChains() {
    return builtinChains;
  }

  public boolean isBuiltin(String chain) {
    return builtinChains.contains(chain);
  }

  /** The table's name as iptables spells it ({@code filter}, {@code nat}, …). */
  public String iptablesName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
