package dev.policyc.dsl;

/** An address type for {@code -m addrtype}; only the types the interpreter models exactly. */
public enum AddressType {
  UNSPEC,
  UNICAST,
  LOCAL,
  BROADCAST,
  MULTICAST
}
