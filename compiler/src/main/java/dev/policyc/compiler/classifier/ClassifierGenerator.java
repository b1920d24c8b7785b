package dev.policyc.compiler.classifier;

import com.palantir.javapoet.ArrayTypeName;
import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.JavaFile;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.ParameterizedTypeName;
import com.palantir.javapoet.TypeName;
import com.palantir.javapoet.TypeSpec;
import dev.policyc.compiler.ipvs.IpvsConfig;
import dev.policyc.compiler.ir.IcmpTypes;
import dev.policyc.compiler.ir.IrPolicy;
import dev.policyc.compiler.ir.Protocols;
import dev.policyc.dsl.Family;
import dev.policyc.dsl.TcpFlag;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.Modifier;

/**
 * Generates the Java classifier of a policy: the fixed runtime ({@code Packet}, {@code Decision},
 * {@code Engine}, {@code Host}: templates kept in this package's resources, copied with the
 * package name put in), and with JavaPoet the classifier class and the vocabulary of the packet
 * syntax; the rules, trees and host model go to a table resource ({@link ClassifierTables}) so
 * that no method or constant pool grows with the policy. See {@code docs/classifier.md}.
 */
public final class ClassifierGenerator {
  private static final List<String> RUNTIME = List.of("Decision", "Engine", "Host", "Ipvs",
      "IpvsService", "Packet");
  private static final Pattern PACKAGE = Pattern.compile("[a-z_][a-z0-9_]*(\\.[a-z_][a-z0-9_]*)*");

  private ClassifierGenerator() {}

  /** Why the classifier cannot model a policy, one line per feature; empty when it can. */
  public static List<String> unsupported(IrPolicy policy) {
    return Unsupported.of(policy);
  }

  /** As {@link #unsupported(IrPolicy)}, on a host that also runs the IPVS services {@code ipvs}. */
  public static List<String> unsupported(IrPolicy policy, IpvsConfig ipvs) {
    List<String> out = new ArrayList<>(Unsupported.of(policy));
    out.addAll(ClassifierIpvs.unsupported(ipvs));
    return out;
  }

  /**
   * The classifier of {@code policy} in package {@code packageName}; the policy must be one the
   * classifier models ({@link #unsupported} empty), else IllegalArgumentException.
   *
   * @param version policyc's version, named in the javadoc
   */
  public static GeneratedClassifier generate(IrPolicy policy, String packageName,
      String version) {
    return generate(policy, IpvsConfig.NONE, packageName, className(policy.name()), version);
  }

  /**
   * The classifier of {@code policy} on a host that also runs the IPVS services {@code ipvs}
   * (the policy's {@code ipvs:} section): packets to a virtual service are scheduled as the
   * interpreter schedules them, the schedulers advancing from one decision to the next.
   */
  public static GeneratedClassifier generate(IrPolicy policy, IpvsConfig ipvs,
      String packageName, String version) {
    return generate(policy, ipvs, packageName, className(policy.name()), version);
  }

  /**
   * As {@link #generate(IrPolicy, String, String)}, with the classifier class's name given:
   * classifiers of several policies may share one package (and its runtime, the same for all).
   */
  public static GeneratedClassifier generate(IrPolicy policy, String packageName,
      String className, String version) {
    return generate(policy, IpvsConfig.NONE, packageName, className, version);
  }

  /** As {@link #generate(IrPolicy, IpvsConfig, String, String)}, with the class's name given. */
  public static GeneratedClassifier generate(IrPolicy policy, IpvsConfig ipvs,
      String packageName, String className, String version) {
    if (!SourceVersion.isName(className) || className.contains(".")
        || RUNTIME.contains(className) || className.equals("Vocabulary")) {
      throw new IllegalArgumentException("'" + className + "' cannot name the classifier class");
    }
    checkPackage(packageName);
    List<String> missing = unsupported(policy, ipvs);
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException("the Java classifier does not model "
          + String.join("; ", missing));
    }
    String dir = packageName.replace('.', '/') + "/";
    Map<String, String> sources = new LinkedHashMap<>();
    sources.put(dir + className + ".java",
        classifier(policy, packageName, className, version, !ipvs.isEmpty()).toString());
    for (String r : RUNTIME) {
      sources.put(dir + r + ".java", template(r, packageName));
    }
    sources.put(dir + "Vocabulary.java", vocabulary(packageName).toString());
    Map<String, String> resources = new LinkedHashMap<>();
    resources.put(dir + className + ".tables", Base64.getMimeEncoder(76, new byte[] {'\n'})
        .encodeToString(new ClassifierTables(ClassifierIpvs.withVips(policy, ipvs)).write())
        + "\n");
    if (!ipvs.isEmpty()) {
      resources.put(dir + className + ".ipvs", ClassifierIpvs.text(ipvs));
    }
    return new GeneratedClassifier(packageName, className, sources, resources);
  }

  /** Throws IllegalArgumentException when {@code name} cannot name the generated package. */
  /**
   * The size of a policy's classifier tables, as the runtime holds them: {@code bytes} of the
   * binary table (rules as programs and their constants, origins, comments, the search
   * structure, the host model, the strings), of which {@code searchBytes} are the search
   * structure (the trees, each IPv4 rule's quick test and target); the trees written, and the
   * rule entries of their leaves.
   */
  public record TableSize(int bytes, long searchBytes, int trees, int leafEntries) {}

  /** Measures the tables of a policy's classifier (what {@link #generate} writes). */
  public static TableSize tableSize(IrPolicy policy) {
    ClassifierTables t = new ClassifierTables(policy);
    byte[] b = t.write();
    return new TableSize(b.length, 4 * t.searchInts, t.trees, t.leafRules);
  }

  public static void checkPackage(String name) {
    if (!PACKAGE.matcher(name).matches() || List.of(name.split("\\.")).stream()
        .anyMatch(SourceVersion::isKeyword)) {
      throw new IllegalArgumentException("'" + name + "' is not a Java package name (lower-case"
          + " words separated by dots, no keyword)");
    }
  }

  /** {@code host-firewall} → {@code HostFirewallClassifier}. */
  static String className(String policyName) {
    StringBuilder sb = new StringBuilder();
    boolean up = true;
    for (char c : policyName.toCharArray()) {
      if (Character.isLetterOrDigit(c) && c < 128) {
        sb.append(up ? Character.toUpperCase(c) : c);
        up = false;
      } else {
        up = true;
      }
    }
    if (sb.length() == 0 || !Character.isLetter(sb.charAt(0))) {
      sb.insert(0, "Policy");
    }
    return sb.append("Classifier").toString();
  }

  private static String template(String name, String packageName) {
    try (InputStream in = ClassifierGenerator.class.getResourceAsStream("runtime/" + name
        + ".java")) {
      if (in == null) {
        throw new IllegalStateException("missing runtime template " + name);
      }
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      return text.replace("package __PACKAGE__;", packageName.isEmpty() ? ""
          : "package " + packageName + ";");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static JavaFile classifier(IrPolicy policy, String pkg, String className,
      String version, boolean ipvs) {
    ClassName self = ClassName.get(pkg, className);
    ClassName engine = ClassName.get(pkg, "Engine");
    ClassName trip = engine.nestedClass("Trip");
    ClassName packet = ClassName.get(pkg, "Packet");
    ClassName decision = ClassName.get(pkg, "Decision");
    TypeSpec type = TypeSpec.classBuilder(className)
        .addModifiers(Modifier.PUBLIC, Modifier.FINAL)
        .addJavadoc("The packet classifier of policy {@code $L}, generated by policyc $L:\n"
            + "what the host does with a packet under the policy, as policyc's reference\n"
            + "interpreter decides it.\n\n<p>Its rules and decision trees load from the resource"
            + "\n{@code $L.tables} beside this class. Do not edit: generate again from the\n"
            + "policy.\n", policy.name(), version, className)
        .addJavadoc(!ipvs ? CodeBlock.of("") : CodeBlock.of("\n<p>The host runs IPVS: its "
            + "virtual services load from {@code $L.ipvs}, and\nthe schedulers' state lives as "
            + "long as this class, so that each decision sees\nthe state the earlier ones left, "
            + "as in one interpreter. {@link #classify} and\n{@link #verdict} decide one packet "
            + "at a time.\n", className))
        .addField(FieldSpec.builder(String.class, "POLICY", Modifier.PUBLIC, Modifier.STATIC,
            Modifier.FINAL).initializer("$S", policy.name())
            .addJavadoc("The name of the policy this classifier decides.\n").build())
        .addField(FieldSpec.builder(String.class, "POLICYC_VERSION", Modifier.PUBLIC,
            Modifier.STATIC, Modifier.FINAL).initializer("$S", version).build())
        .addField(FieldSpec.builder(engine, "ENGINE", Modifier.PRIVATE, Modifier.STATIC,
            Modifier.FINAL).initializer(ipvs ? "withIpvs(load())" : "load()").build())
        .addField(FieldSpec.builder(ParameterizedTypeName.get(ClassName.get(ThreadLocal.class),
            trip), "TRIP", Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL)
            .initializer("$T.withInitial($W() -> new $T(false))", ThreadLocal.class, trip)
            .addJavadoc("One reusable trip per thread: the fast path allocates nothing.\n")
            .build())
        .addMethod(MethodSpec.constructorBuilder().addModifiers(Modifier.PRIVATE).build())
        .addMethod(MethodSpec.methodBuilder("classify")
            .addJavadoc("Decides a packet: the outcome, the rules it matched and the packet as "
                + "it leaves.\n")
            .addModifiers(modifiers(ipvs))
            .returns(decision)
            .addParameter(packet, "packet")
            .addStatement("return ENGINE.classify(packet)")
            .build())
        .addMethod(MethodSpec.methodBuilder("verdict")
            .addJavadoc("The outcome ({@link $T#DELIVERED}, {@link $T#DROPPED}…) for an IPv4\n"
                + "packet of a new connection with the defaults of {@link $T#parse}, without\n"
                + "allocating.\n", decision, decision, packet)
            .addJavadoc(ipvs ? "\n<p>With IPVS every packet makes the whole trip, and one that "
                + "reaches a virtual\nservice is scheduled (and recorded) as by {@link "
                + "#classify}.\n" : "")
            .addJavadoc("\n@param src the source address, its 32 bits in an int\n"
                + "@param in the interface it arrives on, null when the host sends it\n"
                + "@param out the interface it leaves by, null when it is for the host\n")
            .addModifiers(modifiers(ipvs))
            .returns(int.class)
            .addParameter(int.class, "proto")
            .addParameter(int.class, "src")
            .addParameter(int.class, "dst")
            .addParameter(int.class, "sport")
            .addParameter(int.class, "dport")
            .addParameter(String.class, "in")
            .addParameter(String.class, "out")
            .addCode(ipvs
                // IPVS takes packets the fast path would deliver: every one makes the trip
                ? CodeBlock.of("return ENGINE.verdict4(TRIP.get(), proto, src, dst, sport, dport,"
                    + "$Win, out);\n")
                : CodeBlock.builder()
                    .addStatement("int v = ENGINE.fast4(proto, src, dst, sport, dport, in, out)")
                    .addStatement("return v != $T.SLOW ? v$W: ENGINE.verdict4(TRIP.get(), proto,"
                        + " src, dst, sport, dport, in, out)", engine).build())
            .build())
        .addMethod(MethodSpec.methodBuilder("load")
            .addModifiers(Modifier.PRIVATE, Modifier.STATIC)
            .returns(engine)
            .beginControlFlow("try ($T in =$W$T.class.getResourceAsStream($S))", InputStream.class,
                self, className + ".tables")
            .beginControlFlow("if (in == null)")
            .addStatement("throw new $T($S)", IllegalStateException.class,
                "missing resource " + className + ".tables")
            .endControlFlow()
            .addStatement("return new $T(new $T(in))", engine, java.io.BufferedInputStream.class)
            .nextControlFlow("catch ($T e)", IOException.class)
            .addStatement("throw new $T(e)", UncheckedIOException.class)
            .endControlFlow()
            .build())
        .addMethods(ipvs ? List.of(withIpvs(self, engine, className)) : List.of())
        .build();
    return JavaFile.builder(pkg, type).skipJavaLangImports(true).indent("  ").build();
  }

  /** Static; synchronized when IPVS state is shared by the decisions. */
  private static Modifier[] modifiers(boolean ipvs) {
    return ipvs ? new Modifier[] {Modifier.PUBLIC, Modifier.STATIC, Modifier.SYNCHRONIZED}
        : new Modifier[] {Modifier.PUBLIC, Modifier.STATIC};
  }

  /** The method that gives the engine the host's IPVS services, from their resource. */
  private static MethodSpec withIpvs(ClassName self, ClassName engine, String className) {
    return MethodSpec.methodBuilder("withIpvs")
        .addModifiers(Modifier.PRIVATE, Modifier.STATIC)
        .returns(engine)
        .addParameter(engine, "engine")
        .beginControlFlow("try ($T in =$W$T.class.getResourceAsStream($S))", InputStream.class,
            self, className + ".ipvs")
        .beginControlFlow("if (in == null)")
        .addStatement("throw new $T($S)", IllegalStateException.class,
            "missing resource " + className + ".ipvs")
        .endControlFlow()
        .addStatement("engine.ipvs = new $T(in)", ClassName.get(self.packageName(), "Ipvs"))
        .addStatement("return engine")
        .nextControlFlow("catch ($T e)", IOException.class)
        .addStatement("throw new $T(e)", UncheckedIOException.class)
        .endControlFlow()
        .build();
  }

  /** The names the packet syntax reads, from policyc's own tables. */
  private static JavaFile vocabulary(String pkg) {
    TypeName strings = ArrayTypeName.of(String.class);
    TypeName ints = ArrayTypeName.of(int.class);
    Map<String, Integer> protocols = Protocols.names();
    Map<Integer, String> protoNames = new TreeMap<>();
    for (int n = 0; n < 256; n++) {
      protoNames.put(n, Protocols.name(n));
    }
    TypeSpec.Builder type = TypeSpec.classBuilder("Vocabulary")
        .addModifiers(Modifier.FINAL)
        .addJavadoc("The names of the packet syntax: protocols, ICMP types, TCP flags, as "
            + "policyc knows them.\n")
        .addMethod(MethodSpec.constructorBuilder().addModifiers(Modifier.PRIVATE).build());
    type.addField(array(strings, "PROTOCOL_NAMES", List.copyOf(protocols.keySet()), "$S"));
    type.addField(array(ints, "PROTOCOL_NUMBERS", List.copyOf(protocols.values()), "$L"));
    type.addField(array(strings, "PROTOCOL_BY_NUMBER", List.copyOf(protoNames.values()), "$S"));
    for (Family f : Family.values()) {
      Map<String, IcmpTypes.TypeCode> icmp = IcmpTypes.names(f);
      String v = f == Family.IPV4 ? "ICMP4" : "ICMP6";
      type.addField(array(strings, v + "_NAMES", List.copyOf(icmp.keySet()), "$S"));
      type.addField(array(ints, v + "_TYPES", icmp.values().stream().map(IcmpTypes.TypeCode::type)
          .toList(), "$L"));
      type.addField(array(ints, v + "_CODES", icmp.values().stream()
          .map(tc -> tc.codeLo() == tc.codeHi() ? tc.codeLo() : 0).toList(), "$L"));
    }
    List<TcpFlag> flags = List.of(TcpFlag.values());
    type.addField(array(strings, "TCP_FLAG_NAMES", flags.stream().map(Enum::name).toList(), "$S"));
    type.addField(array(ints, "TCP_FLAG_BITS", flags.stream().map(TcpFlag::bit).toList(), "$L"));
    type.addMethod(MethodSpec.methodBuilder("protocol")
        .addJavadoc("The number of a protocol name or decimal number; -1 when unknown.\n")
        .addModifiers(Modifier.STATIC).returns(int.class).addParameter(String.class, "text")
        .addStatement("String t = text.toLowerCase($T.ROOT)", Locale.class)
        .beginControlFlow("if (t.equals($S))", "all").addStatement("return 0").endControlFlow()
        .beginControlFlow("if (t.matches($S))", "[0-9]{1,3}")
        .addStatement("int n = Integer.parseInt(t)")
        .addStatement("return n <= 255 ? n : -1")
        .endControlFlow()
        .beginControlFlow("for (int i = 0; i < PROTOCOL_NAMES.length; i++)")
        .beginControlFlow("if (PROTOCOL_NAMES[i].equals(t))")
        .addStatement("return PROTOCOL_NUMBERS[i]")
        .endControlFlow()
        .endControlFlow()
        .addStatement("return -1")
        .build());
    type.addMethod(MethodSpec.methodBuilder("protocolName")
        .addModifiers(Modifier.STATIC).returns(String.class).addParameter(int.class, "number")
        .addStatement("return PROTOCOL_BY_NUMBER[number]")
        .build());
    type.addMethod(MethodSpec.methodBuilder("icmp")
        .addJavadoc("{type, code} of an ICMP type name or number (code 0 when it names every "
            + "code), or null.\n")
        .addModifiers(Modifier.STATIC).returns(ints)
        .addParameter(int.class, "family").addParameter(String.class, "text")
        .addStatement("String t = text.toLowerCase($T.ROOT)", Locale.class)
        .addStatement("String[] names = family == 4 ? ICMP4_NAMES : ICMP6_NAMES")
        .beginControlFlow("for (int i = 0; i < names.length; i++)")
        .beginControlFlow("if (names[i].equals(t))")
        .addStatement("return family == 4$W? new int[] {ICMP4_TYPES[i], ICMP4_CODES[i]}$W"
            + ": new int[] {ICMP6_TYPES[i], ICMP6_CODES[i]}")
        .endControlFlow()
        .endControlFlow()
        .beginControlFlow("if (t.matches($S) && Integer.parseInt(t) <= 255)", "[0-9]{1,3}")
        .addStatement("return new int[] {Integer.parseInt(t), 0}")
        .endControlFlow()
        .addStatement("return null")
        .build());
    type.addMethod(MethodSpec.methodBuilder("tcpFlag")
        .addModifiers(Modifier.STATIC).returns(int.class).addParameter(String.class, "name")
        .addStatement("String n = name.toUpperCase($T.ROOT)", Locale.class)
        .beginControlFlow("if (n.equals($S))", "ALL").addStatement("return 0x3f").endControlFlow()
        .beginControlFlow("if (n.equals($S))", "NONE").addStatement("return 0").endControlFlow()
        .beginControlFlow("for (int i = 0; i < TCP_FLAG_NAMES.length; i++)")
        .beginControlFlow("if (TCP_FLAG_NAMES[i].equals(n))")
        .addStatement("return TCP_FLAG_BITS[i]")
        .endControlFlow()
        .endControlFlow()
        .addStatement("return -1")
        .build());
    type.addMethod(MethodSpec.methodBuilder("tcpFlagNames")
        .addModifiers(Modifier.STATIC).returns(String.class).addParameter(int.class, "bits")
        .beginControlFlow("if (bits == 0)").addStatement("return $S", "NONE").endControlFlow()
        .addStatement("StringBuilder sb = new StringBuilder()")
        .beginControlFlow("for (int i = 0; i < TCP_FLAG_NAMES.length; i++)")
        .beginControlFlow("if ((bits & TCP_FLAG_BITS[i]) != 0)")
        .addStatement("sb.append(sb.length() == 0 ? $S : $S).append(TCP_FLAG_NAMES[i])", "", ",")
        .endControlFlow()
        .endControlFlow()
        .addStatement("return sb.toString()")
        .build());
    return JavaFile.builder(pkg, type.build()).skipJavaLangImports(true).indent("  ").build();
  }

  private static FieldSpec array(TypeName type, String name, List<?> values, String format) {
    CodeBlock.Builder init = CodeBlock.builder().add("{");
    for (int i = 0; i < values.size(); i++) {
      init.add(i == 0 ? "" : ",$W").add(format, values.get(i));
    }
    return FieldSpec.builder(type, name, Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL)
        .initializer(init.add("}").build()).build();
  }
}
