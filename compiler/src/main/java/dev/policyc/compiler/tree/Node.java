package dev.policyc.compiler.tree;

import dev.policyc.compiler.space.Cube;
import dev.policyc.compiler.space.Field;
import dev.policyc.compiler.space.ValueSet;
import java.util.List;
import java.util.Objects;

/**
 * A node of a decision tree over a list of rules: a {@link Leaf} holds the rules to test in
 * first-match order, a {@link Split} sends a packet to one branch by the value of one field.
 */
public sealed interface Node permits Node.Leaf, Node.Split {

  /** The rules of the leaves under this node, counting each copy of a replicated rule. */
  int size();

  /**
   * The rules a packet that reaches this leaf is tested against, as indexes into the builder's
   * input, in their original (first-match) order.
   */
  record Leaf(List<Integer> rules) implements Node {
    public Leaf {
      rules = List.copyOf(rules);
    }

    @Override
    public int size() {
      return rules.size();
    }
  }

  /**
   * A split on one field of the packets of {@code region}. A packet goes to the first branch
   * whose values hold its field's value; the last branch takes every other packet of the region,
   * including the non-first fragments, which have no ports to split on. Each branch's subtree
   * holds every rule that can match one of its packets.
   *
   * @param field the field split on: the protocol, an address or (for a region of one protocol
   *     with ports) a port
   * @param region the packets that reach the split (as the splits above it narrowed them)
   * @param branches at least two; the values of all but the last are one interval (a protocol:
   *     one value) and disjoint; the last branch's values are the rest of the region's
   */
  record Split(Field field, Cube region, List<Branch> branches) implements Node {
    public Split {
      Objects.requireNonNull(field, "field");
      Objects.requireNonNull(region, "region");
      branches = List.copyOf(branches);
      if (branches.size() < 2) {
        throw new IllegalArgumentException("a split of " + branches.size() + " branch(es)");
      }
    }

    @Override
    public int size() {
      int n = 0;
      for (Branch b : branches) {
        n += b.child().size();
      }
      return n;
    }
  }

  /** One way out of a {@link Split}: the packets whose field is in {@code values}. */
  record Branch(ValueSet values, Node child) {
    public Branch {
      Objects.requireNonNull(values, "values");
      Objects.requireNonNull(child, "child");
    }
  }
}
