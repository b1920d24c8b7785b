package dev.policyc.compiler.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A network namespace that a test creates for itself and removes when closed, even when the test
 * fails. Only namespaces named with this class's prefix are ever touched, so the host's own
 * network and other namespaces never see the test's traffic or rules.
 */
public final class Netns implements AutoCloseable {
  public static final String PREFIX = "policyc-t-";
  private static final AtomicInteger SEQ = new AtomicInteger();

  private final String name;

  /**
   * A shell started inside the namespace once, which runs every later command: a fork and exec
   * there instead of a new {@code ip netns exec} (which enters the namespace and mounts its
   * {@code /sys} anew) from the JVM each time, about a third of what a kernel oracle probe
   * waited for.
   */
  private Shell shell;

  private Netns(String name) {
    this.name = name;
  }

  /** Why kernel tests cannot run here, or null when they can (root, ip netns, iptables). */
  public static String unavailableReason() {
    if (!"root".equals(System.getProperty("user.name"))) {
      return "kernel tests need root (run as root, as .ci/run does)";
    }
    for (String tool : List.of("ip", "iptables-restore", "ip6tables-restore", "iptables-save",
        "ipset")) {
      if (which(tool) == null) {
        return "kernel tests need '" + tool + "' (apt-get install iproute2 iptables ipset)";
      }
    }
    try (Netns probe = create("probe")) {
      probe.run("iptables-save");
    } catch (IOException | RuntimeException e) {
      return "cannot create a network namespace here: " + e.getMessage();
    }
    return null;
  }

  static String which(String tool) {
    for (String dir : List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin")) {
      if (Files.isExecutable(Path.of(dir, tool))) {
        return dir + "/" + tool;
      }
    }
    return null;
  }

  /** Creates a fresh namespace; a stale one of the same name (from a crashed run) is removed. */
  public static Netns create(String suffix) throws IOException {
    // the counter keeps two namespaces of one run apart even when their suffixes are equal
    String name = PREFIX + ProcessHandle.current().pid() + "-" + SEQ.incrementAndGet() + "-"
        + suffix;
    exec(List.of("ip", "netns", "del", name), true);
    exec(List.of("ip", "netns", "add", name), false);
    Netns ns = new Netns(name);
    ns.run("ip", "link", "set", "lo", "up");
    return ns;
  }

  public String name() {
    return name;
  }

  /** Runs a command inside the namespace; returns stdout, throws on a non-zero exit. */
  public String run(String... cmd) throws IOException {
    Result r = tryRun(cmd);
    if (r.code() != 0) {
      throw new IOException("ip netns exec " + name + " " + String.join(" ", cmd) + " failed ("
          + r.code() + "): " + r.err().strip());
    }
    return r.out();
  }

  /** Runs a command inside the namespace and returns its result whatever the exit status. */
  public synchronized Result tryRun(String... cmd) throws IOException {
    if (shell != null && !shell.process.isAlive()) {
      shell.close(); // a command hung and the watchdog ended the shell: the next gets a new one
      shell = null;
    }
    if (shell == null) {
      shell = new Shell(name);
    }
    return shell.run(List.of(cmd));
  }

  /**
   * {@code sh} inside the namespace, reading one command a line: each runs with its input from
   * {@code /dev/null}, its outputs to two files the JVM reads when the shell prints the
   * command's exit status; a command still running after 120 s ends the shell, as {@link
   * #exec} ends the command.
   */
  private static final class Shell {
    private static final java.util.concurrent.ScheduledExecutorService WATCHDOG =
        java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
          Thread t = new Thread(r, "netns-watchdog");
          t.setDaemon(true);
          return t;
        });

    private final Process process;
    private final java.io.Writer in;
    private final java.io.BufferedReader status;
    private final Path out;
    private final Path err;

    Shell(String ns) throws IOException {
      out = Files.createTempFile("policyc-ns", ".out");
      err = Files.createTempFile("policyc-ns", ".err");
      process = new ProcessBuilder("ip", "netns", "exec", ns, "sh")
          .redirectError(ProcessBuilder.Redirect.DISCARD)
          .start();
      in = new java.io.OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
      status = new java.io.BufferedReader(
          new java.io.InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    Result run(List<String> cmd) throws IOException {
      StringBuilder line = new StringBuilder();
      for (String arg : cmd) {
        line.append(quote(arg)).append(' ');
      }
      line.append("<").append(quote("/dev/null")).append(" >").append(quote(out.toString()))
          .append(" 2>").append(quote(err.toString())).append("; echo $?\n");
      in.write(line.toString());
      in.flush();
      java.util.concurrent.ScheduledFuture<?> watchdog =
          WATCHDOG.schedule(process::destroyForcibly, 120, TimeUnit.SECONDS);
      String code;
      try {
        code = status.readLine();
      } finally {
        watchdog.cancel(false);
      }
      if (code == null) {
        throw new IOException("the namespace's shell ended before: " + String.join(" ", cmd));
      }
      return new Result(Integer.parseInt(code.strip()),
          Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    }

    /** One word for sh, whatever it holds: single quotes, each quote in it as '\''. */
    private static String quote(String s) {
      return "'" + s.replace("'", "'\\''") + "'";
    }

    void close() throws IOException {
      try {
        in.close();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
      } finally {
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
      }
    }
  }

  /** Exit status and outputs of a command. */
  public record Result(int code, String out, String err) {}

  public static Result exec(List<String> cmd, boolean allowFailure) throws IOException {
    Path outFile = Files.createTempFile("policyc-ns", ".out");
    Path errFile = Files.createTempFile("policyc-ns", ".err");
    try {
      ProcessBuilder pb = new ProcessBuilder(cmd)
          .redirectOutput(outFile.toFile())
          .redirectError(errFile.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      Process p = pb.start();
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("timed out: " + String.join(" ", cmd));
      }
      Result r = new Result(p.exitValue(), Files.readString(outFile, StandardCharsets.UTF_8),
          Files.readString(errFile, StandardCharsets.UTF_8));
      if (r.code() != 0 && !allowFailure) {
        throw new IOException(String.join(" ", cmd) + " failed (" + r.code() + "): "
            + r.err().strip());
      }
      return r;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    } finally {
      Files.deleteIfExists(outFile);
      Files.deleteIfExists(errFile);
    }
  }

  @Override
  public void close() throws IOException {
    synchronized (this) {
      if (shell != null) {
        try {
          shell.close();
        } finally {
          shell = null;
        }
      }
    }
    exec(List.of("ip", "netns", "del", name), true);
  }
}
