package dev.policyc.compiler.verify;

import dev.policyc.compiler.ir.Target;
import java.util.Arrays;

/**
 * What the targets met so far in a table did to the fields later matches read, as functions of
 * the packet that entered the table. Within one table only these fields change: a NAT target
 * ends the table, so addresses and ports never change under a later match.
 *
 * @param mark the mark as a function of the entry marks
 * @param ctmark the connection mark likewise
 * @param tos the TOS byte for each entry TOS, or null when unchanged
 * @param ttl the TTL for each entry TTL, or null when unchanged
 * @param untracked whether a notrack target ran (a packet without an entry becomes UNTRACKED)
 * @param length the length a TCPMSS target gave the packet (its headers and the option), or
 *     -1 when unchanged
 */
record SymState(Bits mark, Bits ctmark, int[] tos, int[] ttl, boolean untracked, int length) {
  static final SymState ENTRY = new SymState(Bits.MARK, Bits.CTMARK, null, null, false, -1);

  boolean isEntry() {
    return equals(ENTRY);
  }

  SymState withMark(Bits m, Bits ct) {
    return new SymState(m, ct, tos, ttl, untracked, length);
  }

  SymState withTos(java.util.function.IntUnaryOperator f) {
    return new SymState(mark, ctmark, compose(tos, f), ttl, untracked, length);
  }

  SymState withTtl(java.util.function.IntUnaryOperator f) {
    return new SymState(mark, ctmark, tos, compose(ttl, f), untracked, length);
  }

  SymState notracked() {
    return new SymState(mark, ctmark, tos, ttl, true, length);
  }

  SymState withLength(int newLength) {
    return new SymState(mark, ctmark, tos, ttl, untracked, newLength);
  }

  /** The TOS a packet that entered with {@code x} has now. */
  int tosOf(int x) {
    return tos == null ? x : tos[x];
  }

  int ttlOf(int x) {
    return ttl == null ? x : ttl[x];
  }

  /** The state after a continuing target (not a NAT target, not one that ends the chain). */
  SymState after(Target tg) {
    if (tg instanceof Target.Mark m) {
      return withMark(mark.xmark(m.value(), m.mask()), ctmark);
    } else if (tg instanceof Target.ConnMark c) {
      return switch (c.mode()) {
        case SET -> withMark(mark, ctmark.xmark(c.value(), c.mask()));
        case SAVE -> withMark(mark, ctmark.replace(c.ctmask(), mark, c.nfmask()));
        case RESTORE -> withMark(mark.replace(c.nfmask(), ctmark, c.ctmask()), ctmark);
      };
    } else if (tg instanceof Target.Dscp d) {
      return withTos(x -> (x & 0x03) | (d.value() << 2));
    } else if (tg instanceof Target.Tos t) {
      return withTos(x -> ((x & ~t.mask()) ^ t.value()) & 0xff);
    } else if (tg instanceof Target.Ttl t) {
      return withTtl(x -> switch (t.op()) {
        case SET -> t.value();
        case INC -> Math.min(255, x + t.value());
        case DEC -> Math.max(0, x - t.value());
      });
    } else if (tg instanceof Target.NoTrack) {
      return notracked();
    }
    return this;
  }

  private static int[] compose(int[] table, java.util.function.IntUnaryOperator f) {
    int[] out = new int[256];
    for (int x = 0; x < 256; x++) {
      out[x] = f.applyAsInt(table == null ? x : table[x]);
    }
    return out;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SymState s && s.mark.equals(mark) && s.ctmark.equals(ctmark)
        && Arrays.equals(norm(s.tos), norm(tos)) && Arrays.equals(norm(s.ttl), norm(ttl))
        && s.untracked == untracked && s.length == length;
  }

  private static int[] norm(int[] table) {
    if (table == null) {
      return null;
    }
    for (int x = 0; x < 256; x++) {
      if (table[x] != x) {
        return table;
      }
    }
    return null;
  }

  @Override
  public int hashCode() {
    return mark.hashCode() * 31 + ctmark.hashCode();
  }

  @Override
  public String toString() {
    return "SymState[mark=" + mark + " ctmark=" + ctmark + (tos == null ? "" : " tos")
        + (ttl == null ? "" : " ttl") + (untracked ? " notrack" : "")
        + (length < 0 ? "" : " length " + length) + "]";
  }
}
