package dev.policyc.compiler.oracle;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The oracle's packet agent ({@code agent.py}, scapy) running in one namespace: it crafts and
 * sends packets and reports the frames its veth received. One JSON command per line each way.
 */
final class Agent implements AutoCloseable {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final String name;
  private final Process process;
  private final Writer in;
  private final BufferedReader out;

  Agent(String name, String namespace, Path script, String iface, String peerMac)
      throws IOException {
    this.name = name;
    List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", namespace,
        "/usr/bin/python3", "-u", script.toString(), iface == null ? "-" : iface));
    if (peerMac != null) {
      cmd.add(peerMac);
    }
    this.process = new ProcessBuilder(cmd)
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    this.out = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    JsonNode ready = read();
    if (!ready.path("ready").asBoolean(false)) {
      throw new IOException("agent " + name + " did not start: " + ready);
    }
  }

  /** One captured frame's fields, as agent.py describes them. */
  record Frame(Map<String, Object> fields) {
    Object get(String k) {
      return fields.get(k);
    }

    int num(String k) {
      Object v = fields.get(k);
      return v == null ? -1 : ((Number) v).intValue();
    }

    String str(String k) {
      Object v = fields.get(k);
      return v == null ? null : v.toString();
    }
  }

  int send(Map<String, Object> pkt, boolean l2) throws IOException {
    JsonNode r = call(Map.of("op", "send", "via", l2 ? "l2" : "l3", "pkt", pkt));
    return r.path("sent").asInt();
  }

  List<Frame> drain() throws IOException {
    JsonNode r = call(Map.of("op", "drain"));
    List<Frame> frames = new ArrayList<>();
    for (JsonNode f : r.path("frames")) {
      @SuppressWarnings("unchecked")
      Map<String, Object> m = JSON.convertValue(f, Map.class);
      frames.add(new Frame(m));
    }
    return frames;
  }

  private JsonNode call(Map<String, Object> cmd) throws IOException {
    in.write(JSON.writeValueAsString(cmd));
    in.write('\n');
    in.flush();
    JsonNode r = read();
    if (!r.path("ok").asBoolean(false)) {
      throw new IOException("agent " + name + " failed: " + r.path("error").asString());
    }
    return r;
  }

  private JsonNode read() throws IOException {
    String line = out.readLine();
    if (line == null) {
      throw new IOException("agent " + name + " exited");
    }
    return JSON.readTree(line);
  }

  @Override
  public void close() {
    try {
      in.close();
    } catch (IOException e) {
      // the process is going away anyway
    }
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
