package io.personaknob.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Expected values are what CPython 3.12 prints for {@code repr(x)} and {@code json.dumps(s[, ensure_ascii=False])}. */
class PythonTextTest {

  @Test
  void reprMatchesCPython() {
    assertEquals("0.1", PythonText.repr(0.1));
    assertEquals("0.3333333333333333", PythonText.repr(1.0 / 3));
    assertEquals("2.5", PythonText.repr(2.5));
    assertEquals("1000000000000000.0", PythonText.repr(1e15));
    assertEquals("1e+16", PythonText.repr(1e16));
    assertEquals("1.2345678901234568e+17", PythonText.repr(123456789012345678.0));
    assertEquals("123456789.5", PythonText.repr(123456789.5));
    assertEquals("0.0001", PythonText.repr(1e-4));
    assertEquals("1.5e-05", PythonText.repr(1.5e-5));
    assertEquals("-0.0", PythonText.repr(-0.0));
    assertEquals("-2.0", PythonText.repr(-2.0));
    assertEquals("Infinity", PythonText.repr(Double.POSITIVE_INFINITY)); // json.dumps(float('inf'))
    assertEquals("NaN", PythonText.repr(Double.NaN));
  }

  @Test
  void jsonStringsMatchJsonDumps() {
    StringBuilder sb = new StringBuilder();
    PythonText.jsonString(sb, "a\"b\\c\nd\te\u0001é😀\u007f", false);
    assertEquals("\"a\\\"b\\\\c\\nd\\te\\u0001é😀\u007f\"", sb.toString()); // ensure_ascii=False
    sb.setLength(0);
    PythonText.jsonString(sb, "é😀\u007f", true);
    assertEquals("\"\\u00e9\\ud83d\\ude00\\u007f\"", sb.toString()); // ensure_ascii=True: surrogate pair
  }
}
