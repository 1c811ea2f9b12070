package io.personaknob.persona;

/** Escaping for text placed in SVG and HTML (element content and attribute values). */
public final class Svg {
  private Svg() {}

  public static String esc(String s) {
    if (s == null) return "";
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '<' -> sb.append("&lt;");
        case '>' -> sb.append("&gt;");
        case '&' -> sb.append("&amp;");
        case '"' -> sb.append("&quot;");
        case '\'' -> sb.append("&#39;");
        default -> {
          if (c < 0x20 && c != '\n' && c != '\t') sb.append(' ');
          else sb.append(c);
        }
      }
    }
    return sb.toString();
  }
}
