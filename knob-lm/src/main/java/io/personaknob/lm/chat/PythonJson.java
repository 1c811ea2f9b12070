package io.personaknob.lm.chat;

import io.personaknob.core.PythonText;
import java.lang.reflect.Array;
import java.math.BigInteger;
import java.util.Map;

/**
 * JSON text as Python's {@code json.dumps} writes it, which is what Hugging Face's {@code tojson} filter
 * produces ({@code ensure_ascii=False}): separators {@code ", "} and {@code ": "} (or {@code ","} and a
 * newline with {@code indent}), keys in insertion order, non-ASCII characters kept, control characters
 * escaped, floats in Python's repr (knob-core's {@link PythonText}). Tool schemas rendered into prompts must match byte for byte what
 * the model saw in training.
 */
final class PythonJson {
  private PythonJson() {}

  static String dumps(Object value, Integer indent) {
    StringBuilder sb = new StringBuilder();
    write(sb, value, indent, 0);
    return sb.toString();
  }

  private static void newline(StringBuilder sb, Integer indent, int depth) {
    sb.append('\n');
    sb.append(" ".repeat(indent * depth));
  }

  private static void write(StringBuilder sb, Object v, Integer indent, int depth) {
    if (v == null) {
      sb.append("null");
    } else if (v instanceof Boolean b) {
      sb.append(b ? "true" : "false");
    } else if (v instanceof CharSequence || v instanceof Character) {
      PythonText.jsonString(sb, v.toString(), false);
    } else if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte
        || v instanceof BigInteger) {
      sb.append(v);
    } else if (v instanceof Number n) {
      sb.append(PythonText.repr(n.doubleValue()));
    } else if (v instanceof Map<?, ?> m) {
      if (m.isEmpty()) {
        sb.append("{}");
        return;
      }
      sb.append('{');
      boolean first = true;
      for (var e : m.entrySet()) {
        if (!first) sb.append(indent == null ? ", " : ",");
        if (indent != null) newline(sb, indent, depth + 1);
        first = false;
        PythonText.jsonString(sb, String.valueOf(e.getKey()), false);
        sb.append(": ");
        write(sb, e.getValue(), indent, depth + 1);
      }
      if (indent != null) newline(sb, indent, depth);
      sb.append('}');
    } else if (v instanceof Iterable<?> || v.getClass().isArray()) {
      java.util.List<Object> items = new java.util.ArrayList<>();
      if (v instanceof Iterable<?> it) {
        for (Object o : it) items.add(o);
      } else {
        for (int i = 0; i < Array.getLength(v); i++) items.add(Array.get(v, i));
      }
      if (items.isEmpty()) {
        sb.append("[]");
        return;
      }
      sb.append('[');
      for (int i = 0; i < items.size(); i++) {
        if (i > 0) sb.append(indent == null ? ", " : ",");
        if (indent != null) newline(sb, indent, depth + 1);
        write(sb, items.get(i), indent, depth + 1);
      }
      if (indent != null) newline(sb, indent, depth);
      sb.append(']');
    } else {
      PythonText.jsonString(sb, v.toString(), false);
    }
  }
}
