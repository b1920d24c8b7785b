package dev.policyc.compiler.emit.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Json's own writer writes every tree byte for byte as Jackson does. */
class JsonTest {
  private static final String CHARS = "ab Z09\"\\/:{}[],-_.\u00e9\t\n\u2028\u0001";

  @Test
  void writesRandomTreesAsJacksonDoes() {
    Random rnd = new Random(20261205L);
    for (int t = 0; t < 3000; t++) {
      Object tree = value(rnd, 0);
      assertEquals(Json.jackson(tree), Json.pretty(tree), () -> "tree " + tree);
    }
  }

  @Test
  void writesEmptyAndNestedContainersAsJacksonDoes() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("empty map", Map.of());
    m.put("empty list", List.of());
    m.put("nested", List.of(List.of(), Map.of("k", List.of(1, 2L)), "x"));
    m.put("null", null);
    m.put("quote\"back\\slash", "a\"b\\c");
    assertEquals(Json.jackson(m), Json.pretty(m));
    assertEquals(Json.jackson(List.of()), Json.pretty(List.of()));
    assertEquals(Json.jackson("x"), Json.pretty("x"));
  }

  private static Object value(Random rnd, int depth) {
    int kind = rnd.nextInt(depth > 3 ? 6 : 8);
    switch (kind) {
      case 0:
        return null;
      case 1:
        return rnd.nextBoolean();
      case 2:
        return rnd.nextInt();
      case 3:
        return rnd.nextLong();
      case 4:
      case 5:
        return text(rnd);
      case 6: {
        List<Object> l = new ArrayList<>();
        for (int i = rnd.nextInt(4); i > 0; i--) {
          l.add(value(rnd, depth + 1));
        }
        return l;
      }
      default: {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = rnd.nextInt(4); i > 0; i--) {
          m.put(text(rnd), value(rnd, depth + 1));
        }
        return m;
      }
    }
  }

  private static String text(Random rnd) {
    StringBuilder b = new StringBuilder();
    // mostly printable ASCII (the writer's own case), sometimes what Jackson must write
    String chars = rnd.nextInt(4) == 0 ? CHARS : CHARS.substring(0, 18);
    for (int i = rnd.nextInt(8); i > 0; i--) {
      b.append(chars.charAt(rnd.nextInt(chars.length())));
    }
    return b.toString();
  }
}
