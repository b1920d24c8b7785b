package dev.policyc.compiler.testing;

import dev.policyc.compiler.interp.Decision;
import dev.policyc.compiler.interp.Interpreter;
import dev.policyc.compiler.interp.Packet;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.optimize.PassManager;
import java.util.Random;

/**
 * A sampling verifier: two policies mean the same when the interpreter gives every one of many
 * packets (biased to both policies' boundaries) the same effect: verdict, NAT rewrite, marks,
 * answer, the packet as it leaves. Rule numbers may differ; the path is not compared. The
 * exhaustive equivalence checker replaces it where it can; this one is what property tests of
 * passes use.
 */
public final class InterpreterEquality implements PassManager.Verifier {
  private final long seed;
  private final int packets;

  public InterpreterEquality(long seed, int packets) {
    this.seed = seed;
    this.packets = packets;
  }

  @Override
  public String check(IrPolicy before, IrPolicy after) {
    Random r = new Random(seed);
    RandomPackets fromBefore = new RandomPackets(r, before);
    RandomPackets fromAfter = new RandomPackets(r, after);
    Interpreter a = new Interpreter(before);
    Interpreter b = new Interpreter(after);
    for (int i = 0; i < packets; i++) {
      Packet p = (i % 2 == 0 ? fromBefore : fromAfter).next();
      Decision da = a.decide(p);
      Decision db = b.decide(p);
      if (!da.effect().equals(db.effect())) {
        return "packet " + p + ":\n    before: " + da.effect() + "\n    after:  " + db.effect();
      }
    }
    return null;
  }
}
