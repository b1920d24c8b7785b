package dev.policyc.compiler.classifier;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Map;

/**
 * A generated classifier compiled and loaded in this JVM ({@link ClassifierCompiler}), driven by
 * reflection: packets in the syntax of {@code policyc explain}, decisions as the runtime's text.
 */
public final class LoadedClassifier {
  private final GeneratedClassifier generated;
  private final Map<String, byte[]> classFiles;
  private final Method parse;
  private final Method classify;
  private final Method verdict;

  LoadedClassifier(GeneratedClassifier generated, ClassLoader loader,
      Map<String, byte[]> classFiles) {
    this.generated = generated;
    this.classFiles = Map.copyOf(classFiles);
    try {
      String pkg = generated.packageName().isEmpty() ? "" : generated.packageName() + ".";
      Class<?> packet = Class.forName(pkg + "Packet", true, loader);
      Class<?> main = Class.forName(generated.qualifiedName(), true, loader);
      this.parse = packet.getMethod("parse", String.class);
      this.classify = main.getMethod("classify", packet);
      this.verdict = main.getMethod("verdict", int.class, int.class, int.class, int.class,
          int.class, String.class, String.class);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("generated classifier without its API", e);
    }
  }

  public GeneratedClassifier generated() {
    return generated;
  }

  /** The loaded classifier class (for a caller that calls it directly, as a benchmark does). */
  public Class<?> classifierClass() {
    return verdict.getDeclaringClass();
  }

  /** The compiled class files of this classifier, by binary class name. */
  public Map<String, byte[]> classFiles() {
    return classFiles;
  }

  /** The generated {@code Packet} of a packet's text; IllegalArgumentException when bad. */
  public Object packet(String text) {
    return call(parse, null, text);
  }

  /** The generated {@code Decision} for a generated {@code Packet}. */
  public Object classify(Object packet) {
    return call(classify, null, packet);
  }

  /** The decision for a packet in the packet syntax, as the runtime's text. */
  public String decide(String packetText) {
    return classify(packet(packetText)).toString();
  }

  /**
   * The label of the first rule a packet matched: its comment (a ClassBench filter's number), or
   * {@code TABLE/CHAIN#N}; {@code -} when no rule matched.
   */
  public String firstRuleLabel(Object packet) {
    Object d = classify(packet);
    for (Object step : (List<?>) get(d, "path")) {
      if (get(step, "policy") == null) {
        Object comment = get(step, "comment");
        return comment != null ? (String) comment
            : get(step, "table") + "/" + get(step, "chain") + "#" + get(step, "rule");
      }
    }
    return "-";
  }

  /**
   * The generated {@code Packet} of a new connection's first IPv4 packet, built (not parsed: a
   * trace may hold protocols the packet syntax has no name for) with the builder's defaults.
   */
  public Object ipv4Packet(int proto, long src, long dst, int sport, int dport, String in,
      String out) {
    try {
      Object b = parse.getDeclaringClass().getMethod("builder").invoke(null);
      Class<?> bc = b.getClass();
      bc.getMethod("src", int.class).invoke(b, (int) src);
      bc.getMethod("dst", int.class).invoke(b, (int) dst);
      bc.getMethod("proto", int.class).invoke(b, proto);
      bc.getMethod("sport", int.class).invoke(b, sport);
      bc.getMethod("dport", int.class).invoke(b, dport);
      bc.getMethod("in", String.class).invoke(b, in);
      bc.getMethod("out", String.class).invoke(b, out);
      return bc.getMethod("build").invoke(b);
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("generated Packet without its builder", e);
    }
  }

  /**
   * What an accessor of a generated object returns: a {@code Decision}'s {@code outcomeName},
   * {@code path}…, a {@code Decision.Step}'s {@code table}, {@code rule}….
   */
  public static Object property(Object o, String accessor) {
    return get(o, accessor);
  }

  private static Object get(Object o, String accessor) {
    try {
      return call(o.getClass().getMethod(accessor), o);
    } catch (NoSuchMethodException e) {
      throw new IllegalStateException("generated classifier without " + accessor, e);
    }
  }

  /** The fast path's outcome for an IPv4 packet of a new connection. */
  public int verdict(int proto, int src, int dst, int sport, int dport, String in, String out) {
    return (Integer) call(verdict, null, proto, src, dst, sport, dport, in, out);
  }

  private static Object call(Method m, Object self, Object... args) {
    try {
      return m.invoke(self, args);
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(e);
    }
  }
}
