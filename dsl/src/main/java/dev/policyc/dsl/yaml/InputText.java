package dev.policyc.dsl.yaml;

import dev.policyc.dsl.SourcePos;
import dev.policyc.dsl.diag.Code;
import dev.policyc.dsl.diag.Diagnostic;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The text of an input policyc reads (a policy file, standard input, a filter set or an
 * iptables-save file): at most {@link #MAX_BYTES} bytes of UTF-8, read before anything parses
 * it. An input that goes on past the limit ({@code /dev/zero}, a stream that never ends) is
 * refused once the limit is read (PC0007), and a byte that is not UTF-8 is a problem at its line
 * and column (PC0001), where {@code Files.readString} would only say "Input length = 1".
 */
public final class InputText {
  /** The most bytes an input may hold: a policy of 100K rules takes about 17 MiB. */
  public static final int MAX_BYTES = 64 * 1024 * 1024;

  private InputText() {}

  /** The text of the file at {@code path}. */
  public static String read(Path path) throws IOException, PolicyParseException {
    try (InputStream in = Files.newInputStream(path)) {
      return read(path.toString(), in);
    }
  }

  /** The text of {@code in}, read to its end or to the limit; {@code name} names it. */
  public static String read(String name, InputStream in)
      throws IOException, PolicyParseException {
    byte[] bytes = in.readNBytes(MAX_BYTES + 1);
    if (bytes.length > MAX_BYTES) {
      throw new PolicyParseException(List.of(new Diagnostic(Code.PC0007, "the input is longer"
          + " than " + MAX_BYTES / (1024 * 1024) + " MiB; policyc reads no further",
          positionOf(name, bytes, MAX_BYTES))));
    }
    return utf8(name, bytes);
  }

  /**
   * The line and column (in characters) of byte {@code offset}, counting the bytes that start a
   * UTF-8 character; called only for a problem.
   */
  private static SourcePos positionOf(String name, byte[] bytes, int offset) {
    int line = 1;
    int column = 1;
    for (int i = 0; i < offset; i++) {
      byte b = bytes[i];
      if (b == '\n') {
        line++;
        column = 1;
      } else if ((b & 0xC0) != 0x80) {
        column++;
      }
    }
    return new SourcePos(name, line, column);
  }

  private static String utf8(String name, byte[] bytes) throws PolicyParseException {
    if (ascii(bytes)) {
      return new String(bytes, StandardCharsets.US_ASCII); // the common case, decoded at once
    }
    CharBuffer out = CharBuffer.allocate(bytes.length); // UTF-8 never decodes to more chars
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder(); // reports malformed input
    CoderResult r = dec.decode(in, out, true);
    if (!r.isError()) {
      r = dec.flush(out);
    }
    if (r.isError()) {
      int line = 1;
      int lineStart = 0;
      for (int i = 0; i < out.position(); i++) {
        if (out.get(i) == '\n') {
          line++;
          lineStart = i + 1;
        }
      }
      throw new PolicyParseException(List.of(new Diagnostic(Code.PC0001,
          String.format("byte 0x%02X is not UTF-8; policy files are UTF-8 text",
              bytes[in.position()] & 0xff),
          new SourcePos(name, line, out.position() - lineStart + 1))));
    }
    return out.flip().toString();
  }

  private static boolean ascii(byte[] bytes) {
    for (byte b : bytes) {
      if (b < 0) {
        return false;
      }
    }
    return true;
  }
}
