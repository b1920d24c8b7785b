package dev.policyc.dsl.testing;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The first difference between two model values, as a path and the two values there, so that a
 * failed comparison of two large policies says where they differ ({@code
 * chains[2].rules[0].match.src.value[1]: expected "a b" but was "a"}).
 */
public final class ModelDiff {
  private ModelDiff() {}

  /** Null when {@code a} equals {@code b}, else the first difference found. */
  public static String first(Object a, Object b) {
    if (Objects.equals(a, b)) {
      return null;
    }
    String d = walk(a, b, "");
    return d != null ? d : "the values differ but no component does: " + a + " vs " + b;
  }

  private static String walk(Object a, Object b, String path) {
    if (Objects.equals(a, b)) {
      return null;
    }
    String here = path.isEmpty() ? "(root)" : path;
    if (a == null || b == null || a.getClass() != b.getClass()) {
      return here + ": expected " + show(a) + " but was " + show(b);
    }
    if (a instanceof Record) {
      for (RecordComponent rc : a.getClass().getRecordComponents()) {
        try {
          String d = walk(rc.getAccessor().invoke(a), rc.getAccessor().invoke(b),
              join(path, rc.getName()));
          if (d != null) {
            return d;
          }
        } catch (ReflectiveOperationException e) {
          throw new IllegalStateException(e);
        }
      }
    } else if (a instanceof List<?> x && b instanceof List<?> y) {
      for (int i = 0; i < Math.min(x.size(), y.size()); i++) {
        String d = walk(x.get(i), y.get(i), path + "[" + i + "]");
        if (d != null) {
          return d;
        }
      }
      return here + ": expected " + x.size() + " items " + show(x) + " but was " + y.size()
          + " items " + show(y);
    } else if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
      List<?> kx = new ArrayList<>(x.keySet());
      List<?> ky = new ArrayList<>(y.keySet());
      if (!kx.equals(ky)) {
        return here + ": expected keys " + show(kx) + " but was " + show(ky);
      }
      for (Object k : kx) {
        String d = walk(x.get(k), y.get(k), join(path, String.valueOf(k)));
        if (d != null) {
          return d;
        }
      }
    }
    return here + ": expected " + show(a) + " but was " + show(b);
  }

  private static String join(String path, String name) {
    return path.isEmpty() ? name : path + "." + name;
  }

  /** Strings quoted with escapes, so that spaces, newlines and look-alikes show. */
  private static String show(Object v) {
    if (v instanceof String s) {
      StringBuilder sb = new StringBuilder("\"");
      for (char c : s.toCharArray()) {
        if (c == '"' || c == '\\') {
          sb.append('\\').append(c);
        } else if (c < 0x20 || c == 0x7f) {
          sb.append(String.format("\\u%04x", (int) c));
        } else {
          sb.append(c);
        }
      }
      return sb.append('"').toString();
    }
    if (v instanceof List<?> l) {
      List<String> parts = new ArrayList<>();
      l.forEach(x -> parts.add(show(x)));
      return parts.toString();
    }
    return v == null ? "null" : v + " (" + v.getClass().getSimpleName() + ")";
  }
}
