package dev.policyc.dsl.testing;

import dev.policyc.dsl.Action;
import dev.policyc.dsl.AddressType;
import dev.policyc.dsl.ChainSpec;
import dev.policyc.dsl.ConnState;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.Host;
import dev.policyc.dsl.IpSetSpec;
import dev.policyc.dsl.MatchSpec;
import dev.policyc.dsl.Negatable;
import dev.policyc.dsl.Policy;
import dev.policyc.dsl.PolicyObjects;
import dev.policyc.dsl.RuleSpec;
import dev.policyc.dsl.Table;
import dev.policyc.dsl.TcpFlag;
import dev.policyc.dsl.Verdict;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Random policy models for front-end tests: every component of {@link MatchSpec} (plain and
 * negated, one value and several), every {@link Action} kind and operation, host models, every
 * kind of object, the four tables with built-in and user chains, and text that is awkward for
 * YAML (YAML 1.1 and 1.2 special words, number look-alikes, quotes, {@code #}, {@code ": "},
 * non-ASCII letters, leading and trailing spaces).
 *
 * <p>The models need not be valid policies (lowering is not involved), only models the YAML
 * reader can produce: names are unique where YAML makes them keys, a {@link Negatable} wraps a
 * value, a statistic is either random (a probability) or nth (every and packet), and actions
 * carry the values their YAML form requires.
 */
public final class RandomModels {
  /** Words YAML 1.1 or 1.2 reads as something else than a string when they are not quoted. */
  static final String[] YAML_SPECIALS = {
    "null", "Null", "NULL", "~", "true", "True", "FALSE", "yes", "No", "on", "OFF", "y", "n",
    "Y", "1e3", "0x10", "0o17", "0b101", "0777", "20:21", "1:30:00", "1_000", "+1", "-1", ".5",
    "1.", ".inf", "-.Inf", ".NaN", "NaN", "Infinity", "2024-01-01", "=", "<<", "-", "?", "!",
    "&a", "*a", "!!str", "%TAG", "@x", "`x", "|", ">", "[a]", "{a: b}", "'single'", "\"double\"",
    "a: b", "a #b", "#x", "- x", "? x", "0", "00", "-0", "1e-3", "12e03", "0.1.2", "2001:db8::1",
    ""
  };

  /** Values a network engineer writes, so that ordinary text is covered too. */
  static final String[] PLAIN = {
    "10.0.0.0/8", "192.0.2.10", "10.1.2.1-10.1.2.9", "2001:db8::/32", "[2001:db8::1]:80",
    "admins", "web", "tcp/443", "udp/53", "icmp", "tcp", "6", "eth0", "eth+", "lo", "22",
    "1024:65535", "8080", "0x10/0xff", "EF", "AF41", "0x2", "64:1500", "10/second", "3/min",
    "echo-request", "3/4", "tcp-reset", "icmp-port-unreachable", "drop-in: ", "warning",
    "10.0.0.5:80", "1024-2048", "clamp-to-pmtu", "1400", "src", "dst", "hash:net", "default"
  };

  /** Characters for random text: ASCII punctuation YAML cares about, and non-ASCII letters. */
  private static final String ALPHABET =
      "abcXYZ019 :#'\"-_/.,[]{}&*!|>%@`?=+~\\éüßıſЖ中";

  /** Non-BMP letters, as surrogate pairs. */
  private static final String[] ASTRAL = {"𝔘", "𝟘", "😀"};

  private static final String[] SET_TYPES = {
    "hash:ip", "hash:net", "hash:ip,port", "hash:net,port", "bitmap:port"
  };

  private final Random rnd;

  public RandomModels(Random rnd) {
    this.rnd = rnd;
  }

  // ------------------------------------------------------------------ policy

  public Policy policy() {
    String name = oneIn(4) ? text() : pick(PLAIN);
    String description = oneIn(2) ? null : description();
    Host host = oneIn(3) ? host() : null;
    PolicyObjects objects = oneIn(4) ? PolicyObjects.NONE : objects();
    List<ChainSpec> chains = new ArrayList<>();
    for (Table t : Table.values()) {
      if (oneIn(3)) {
        continue;
      }
      chains.addAll(chains(t));
    }
    // The policy groups chains by table; the order across tables must not matter.
    java.util.Collections.shuffle(chains, rnd);
    return new Policy(name, description, host, objects, chains, null);
  }

  private List<ChainSpec> chains(Table t) {
    List<ChainSpec> out = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (String b : t.builtinChains()) {
      if (oneIn(2)) {
        names.add(b);
        out.add(new ChainSpec(t, b, oneIn(3) ? null : pick(Verdict.values()), rules()));
      }
    }
    int users = rnd.nextInt(3);
    for (int i = 0; i < users; i++) {
      String n = name();
      if (names.add(n)) {
        // A user chain with a policy is not valid, but the model and YAML can say it.
        out.add(new ChainSpec(t, n, oneIn(6) ? pick(Verdict.values()) : null, rules()));
      }
    }
    java.util.Collections.shuffle(out, rnd);
    return out;
  }

  private List<RuleSpec> rules() {
    int n = rnd.nextInt(5);
    List<RuleSpec> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new RuleSpec(oneIn(5) ? MatchSpec.ANY : match(), action(),
          oneIn(2) ? null : comment()));
    }
    return out;
  }

  // ------------------------------------------------------------------ host and objects

  private Host host() {
    Map<String, List<String>> ifaces = new LinkedHashMap<>();
    int n = rnd.nextInt(4);
    for (int i = 0; i < n; i++) {
      ifaces.put(name(), list(this::value, 0));
    }
    List<Host.Route> routes = new ArrayList<>();
    int r = rnd.nextInt(3);
    for (int i = 0; i < r; i++) {
      routes.add(new Host.Route(oneIn(3) ? "default" : value(), oneIn(2) ? null : value(),
          value()));
    }
    return new Host(rnd.nextBoolean(), ifaces, routes);
  }

  private PolicyObjects objects() {
    List<IpSetSpec> sets = new ArrayList<>();
    Set<String> setNames = new HashSet<>();
    int n = rnd.nextInt(4);
    for (int i = 0; i < n; i++) {
      String name = name();
      if (setNames.add(name)) {
        sets.add(new IpSetSpec(name, oneIn(8) ? text() : pick(SET_TYPES),
            oneIn(3) ? null : pick(Family.values()), list(this::value, 0),
            oneIn(2) ? null : value(), oneIn(2) ? null : integer()));
      }
    }
    return new PolicyObjects(groups(), groups(), groups(), sets);
  }

  private Map<String, List<String>> groups() {
    Map<String, List<String>> out = new LinkedHashMap<>();
    int n = rnd.nextInt(4);
    for (int i = 0; i < n; i++) {
      out.put(name(), list(this::value, 0));
    }
    return out;
  }

  // ------------------------------------------------------------------ matches

  /** A match with each component present with probability 1/4. */
  public MatchSpec match() {
    return new MatchSpec(
        maybe(() -> pick(Family.values())),
        maybe(() -> neg(list(this::value, 0))),
        maybe(() -> neg(list(this::value, 0))),
        maybe(() -> neg(value())),
        maybe(() -> list(this::value, 0)),
        maybe(() -> neg(list(this::value, 0))),
        maybe(() -> neg(list(this::value, 0))),
        maybe(() -> neg(value())),
        maybe(() -> neg(value())),
        maybe(() -> neg(list(() -> pick(ConnState.values()), 0))),
        maybe(() -> neg(value())),
        maybe(() -> neg(new MatchSpec.TcpFlags(flags(), flags()))),
        maybe(rnd::nextBoolean),
        maybe(() -> neg(value())),
        maybe(() -> neg(value())),
        maybe(() -> neg(value())),
        maybe(() -> neg(value())),
        maybe(() -> neg(value())),
        maybe(() -> new MatchSpec.Ttl(pick(MatchSpec.Ttl.Op.values()), integer())),
        maybe(rnd::nextBoolean),
        maybe(() -> neg(list(() -> pick(AddressType.values()), 0))),
        maybe(() -> neg(list(() -> pick(AddressType.values()), 0))),
        maybe(() -> list(() -> neg(setRef()), 0)),
        maybe(() -> new MatchSpec.Limit(value(), oneIn(2) ? null : integer())),
        maybe(() -> neg(statistic())));
  }

  private MatchSpec.SetRef setRef() {
    // One "src,dst" word and a list of words read the same; the model keeps single words.
    List<String> dirs = oneIn(3) ? List.of(oneIn(2) ? "src,dst" : "dst, src")
        : list(() -> oneIn(4) ? value() : pick(new String[] {"src", "dst"}), 0);
    return new MatchSpec.SetRef(oneIn(3) ? value() : name(), dirs);
  }

  private MatchSpec.Statistic statistic() {
    return oneIn(2)
        ? new MatchSpec.Statistic(MatchSpec.Statistic.Mode.RANDOM, probability(), null, null)
        : new MatchSpec.Statistic(MatchSpec.Statistic.Mode.NTH, null, integer(), integer());
  }

  private List<TcpFlag> flags() {
    List<TcpFlag> out = new ArrayList<>();
    for (TcpFlag f : TcpFlag.values()) {
      if (oneIn(3)) {
        out.add(f);
      }
    }
    return out;
  }

  // ------------------------------------------------------------------ actions

  /** One of every action kind, chosen uniformly, with its operation and values. */
  public Action action() {
    switch (rnd.nextInt(19)) {
      case 0:
        return new Action.Accept();
      case 1:
        return new Action.Drop();
      case 2:
        return new Action.Reject(oneIn(3) ? null : value());
      case 3:
        return new Action.Return();
      case 4:
        return new Action.Jump(name());
      case 5:
        return new Action.Goto(name());
      case 6:
        return new Action.Log(oneIn(3) ? null : comment(), oneIn(2) ? null : value());
      case 7:
        return new Action.Dnat(value());
      case 8:
        return new Action.Snat(value());
      case 9:
        return new Action.Masquerade(oneIn(2) ? null : value());
      case 10:
        return new Action.Redirect(oneIn(2) ? null : value());
      case 11:
        return new Action.Mark(pick(Action.Mark.Op.values()), value());
      case 12:
        {
          Action.ConnMark.Op op = pick(Action.ConnMark.Op.values());
          return op == Action.ConnMark.Op.SET || op == Action.ConnMark.Op.XSET
              ? new Action.ConnMark(op, value(), null, null)
              : new Action.ConnMark(op, null, oneIn(2) ? null : value(),
                  oneIn(2) ? null : value());
        }
      case 13:
        return new Action.Dscp(value());
      case 14:
        return new Action.Tos(value());
      case 15:
        return new Action.Ttl(pick(Action.Ttl.Op.values()), integer());
      case 16:
        return new Action.TcpMss(value());
      case 17:
        return new Action.NoTrack();
      case 18:
        return new Action.Count();
      default:
        throw new AssertionError();
    }
  }

  // ------------------------------------------------------------------ values

  /** A name: usually a plain one, often a word YAML treats specially, sometimes random text. */
  private String name() {
    int k = rnd.nextInt(4);
    return k == 0 ? pick(YAML_SPECIALS) : k == 1 ? text() : pick(PLAIN) + rnd.nextInt(10);
  }

  /** A value of a match or an action. */
  private String value() {
    int k = rnd.nextInt(3);
    return k == 0 ? pick(YAML_SPECIALS) : k == 1 ? text() : pick(PLAIN);
  }

  /** A rule comment: awkward but legal (no control characters). */
  private String comment() {
    return oneIn(3) ? pick(YAML_SPECIALS) : text();
  }

  /** A description, which may run over several lines. */
  private String description() {
    if (oneIn(4)) {
      return text() + "\n" + text() + (oneIn(2) ? "\n" : "");
    }
    return oneIn(3) ? pick(YAML_SPECIALS) : text();
  }

  /** Random text from an alphabet YAML cares about; sometimes with edge spaces. */
  private String text() {
    StringBuilder sb = new StringBuilder();
    int n = 1 + rnd.nextInt(12);
    for (int i = 0; i < n; i++) {
      if (oneIn(20)) {
        sb.append(pick(ASTRAL));
      } else {
        sb.append(ALPHABET.charAt(rnd.nextInt(ALPHABET.length())));
      }
    }
    if (oneIn(8)) {
      sb.insert(0, ' ');
    }
    if (oneIn(8)) {
      sb.append(' ');
    }
    return sb.toString();
  }

  private int integer() {
    switch (rnd.nextInt(6)) {
      case 0:
        return pick(new Integer[] {0, 1, -1, 5, 255, 65535, 999_999_999, -999_999_999});
      case 1:
        return rnd.nextInt();
      default:
        return rnd.nextInt(1000);
    }
  }

  private double probability() {
    switch (rnd.nextInt(4)) {
      case 0:
        return pick(new Double[] {0.0, -0.0, 1.0, 0.5, 1e-5, 1e10, 0.1, 1.0 / 3, -2.5,
          Double.MIN_VALUE, Double.MAX_VALUE, 123456789.125});
      default:
        return rnd.nextDouble();
    }
  }

  // ------------------------------------------------------------------ helpers

  private <T> Negatable<T> neg(T value) {
    return rnd.nextBoolean() ? Negatable.is(value) : Negatable.not(value);
  }

  /** One value (written as a scalar) half the time, else a list of {@code min}+ values. */
  private <T> List<T> list(Supplier<T> item, int min) {
    int n = oneIn(2) ? 1 : oneIn(10) ? min : 2 + rnd.nextInt(3);
    List<T> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(item.get());
    }
    return out;
  }

  private <T> T maybe(Supplier<T> s) {
    return oneIn(4) ? s.get() : null;
  }

  private boolean oneIn(int n) {
    return rnd.nextInt(n) == 0;
  }

  private <T> T pick(T[] values) {
    return values[rnd.nextInt(values.length)];
  }

  // ------------------------------------------------------------------ shrinking

  /**
   * Smaller versions of a model, simplest first: without a chain, a rule, a match component, a
   * comment, an object, the host or the description, and with a plainer action.
   */
  public static List<Policy> shrink(Policy p) {
    List<Policy> out = new ArrayList<>();
    List<ChainSpec> chains = p.chains();
    for (int c = 0; c < chains.size(); c++) {
      List<ChainSpec> fewer = new ArrayList<>(chains);
      fewer.remove(c);
      out.add(withChains(p, fewer));
    }
    for (int c = 0; c < chains.size(); c++) {
      ChainSpec ch = chains.get(c);
      for (int r = 0; r < ch.rules().size(); r++) {
        List<RuleSpec> rules = new ArrayList<>(ch.rules());
        rules.remove(r);
        out.add(withChain(p, c, new ChainSpec(ch.table(), ch.name(), ch.policy(), rules)));
      }
      if (ch.policy() != null) {
        out.add(withChain(p, c, new ChainSpec(ch.table(), ch.name(), null, ch.rules())));
      }
    }
    for (int c = 0; c < chains.size(); c++) {
      ChainSpec ch = chains.get(c);
      for (int r = 0; r < ch.rules().size(); r++) {
        for (RuleSpec smaller : smaller(ch.rules().get(r))) {
          List<RuleSpec> rules = new ArrayList<>(ch.rules());
          rules.set(r, smaller);
          out.add(withChain(p, c, new ChainSpec(ch.table(), ch.name(), ch.policy(), rules)));
        }
      }
    }
    if (p.host() != null) {
      out.add(new Policy(p.name(), p.description(), null, p.objects(), chains, null));
    }
    if (p.description() != null) {
      out.add(new Policy(p.name(), null, p.host(), p.objects(), chains, null));
    }
    PolicyObjects o = p.objects();
    for (int kind = 0; kind < 3; kind++) {
      Map<String, List<String>> groups =
          kind == 0 ? o.networks() : kind == 1 ? o.services() : o.interfaces();
      for (String g : groups.keySet()) {
        Map<String, List<String>> fewer = new LinkedHashMap<>(groups);
        fewer.remove(g);
        out.add(withObjects(p, new PolicyObjects(
            kind == 0 ? fewer : o.networks(), kind == 1 ? fewer : o.services(),
            kind == 2 ? fewer : o.interfaces(), o.sets())));
      }
    }
    for (int s = 0; s < o.sets().size(); s++) {
      List<IpSetSpec> fewer = new ArrayList<>(o.sets());
      fewer.remove(s);
      out.add(withObjects(p,
          new PolicyObjects(o.networks(), o.services(), o.interfaces(), fewer)));
    }
    return out;
  }

  private static List<RuleSpec> smaller(RuleSpec r) {
    List<RuleSpec> out = new ArrayList<>();
    for (MatchSpec m : withoutOneComponent(r.match())) {
      out.add(new RuleSpec(m, r.action(), r.comment()));
    }
    if (r.comment() != null) {
      out.add(new RuleSpec(r.match(), r.action(), null));
    }
    if (!(r.action() instanceof Action.Accept)) {
      out.add(new RuleSpec(r.match(), new Action.Accept(), r.comment()));
    }
    return out;
  }

  /** The match with one present component removed, for each present component. */
  static List<MatchSpec> withoutOneComponent(MatchSpec m) {
    RecordComponent[] rc = MatchSpec.class.getRecordComponents();
    Object[] values = new Object[rc.length];
    Class<?>[] types = new Class<?>[rc.length];
    try {
      for (int i = 0; i < rc.length; i++) {
        values[i] = rc[i].getAccessor().invoke(m);
        types[i] = rc[i].getType();
      }
      Constructor<MatchSpec> ctor = MatchSpec.class.getDeclaredConstructor(types);
      List<MatchSpec> out = new ArrayList<>();
      for (int i = 0; i < rc.length; i++) {
        if (values[i] != null) {
          Object[] fewer = values.clone();
          fewer[i] = null;
          out.add(ctor.newInstance(fewer));
        }
      }
      return out;
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(
          e instanceof InvocationTargetException ite ? ite.getCause() : e);
    }
  }

  private static Policy withChains(Policy p, List<ChainSpec> chains) {
    return new Policy(p.name(), p.description(), p.host(), p.objects(), chains, null);
  }

  private static Policy withChain(Policy p, int index, ChainSpec chain) {
    List<ChainSpec> chains = new ArrayList<>(p.chains());
    chains.set(index, chain);
    return withChains(p, chains);
  }

  private static Policy withObjects(Policy p, PolicyObjects objects) {
    return new Policy(p.name(), p.description(), p.host(), objects, p.chains(), null);
  }
}
