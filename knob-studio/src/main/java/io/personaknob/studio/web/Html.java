package io.personaknob.studio.web;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/** HTML helpers: every piece of text that reaches a page goes through {@link #esc}. */
public final class Html {
  private Html() {}

  /** Escapes text for HTML element content and double- or single-quoted attribute values. */
  public static String esc(Object o) {
    if (o == null) return "";
    String s = o.toString();
    StringBuilder b = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '&' -> b.append("&amp;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }

  /** A page: title, navigation for a logged-in reviewer (or none), body HTML. */
  public static String page(String title, String reviewer, String csrf, String body) {
    StringBuilder b = new StringBuilder();
    b.append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>").append(esc(title))
        .append(" · knob studio</title><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        .append("<link rel=\"stylesheet\" href=\"/static/studio.css\">");
    if (csrf != null) b.append("<meta name=\"csrf\" content=\"").append(esc(csrf)).append("\">");
    b.append("<script src=\"/static/studio.js\" defer></script></head><body><header><a class=\"brand\" href=\"/\">knob studio</a>");
    if (reviewer != null) {
      b.append("<nav><a href=\"/review\">Review</a><a href=\"/judge\">Judge outputs</a><a href=\"/agreement\">Agreement</a>")
          .append("<a href=\"/export\">Export</a><a href=\"/browse\">Workspace</a><a href=\"/settings\">Settings</a></nav>")
          .append("<form class=\"who\" method=\"post\" action=\"/logout\">").append(csrfField(csrf))
          .append("<span id=\"reviewer\">").append(esc(reviewer)).append("</span> <button type=\"submit\">log out</button></form>");
    }
    b.append("</header><main>").append(body).append("</main></body></html>");
    return b.toString();
  }

  public static String csrfField(String csrf) {
    return csrf == null ? "" : "<input type=\"hidden\" name=\"_csrf\" value=\"" + esc(csrf) + "\">";
  }

  public static String fmt(Object v) {
    if (v == null) return "–";
    if (v instanceof Double d) return String.format(Locale.ROOT, "%.3f", d);
    return esc(v);
  }

  private static final Pattern SENTENCE = Pattern.compile("(?<=[.!?])\\s+");

  /** Splits text into sentences (at ., ! or ? followed by white space). */
  public static List<String> sentences(String text) {
    List<String> out = new ArrayList<>();
    if (text == null || text.isBlank()) return out;
    for (String s : SENTENCE.split(text.strip())) if (!s.isBlank()) out.add(s);
    return out;
  }

  static String norm(String s) {
    return s.toLowerCase(Locale.ROOT).replaceAll("\\s+", " ").strip();
  }

  /**
   * The text as HTML with every sentence that does not occur in {@code other} wrapped in
   * {@code <mark class="diff">} (both escaped).
   */
  public static String highlight(String text, String other) {
    Set<String> there = new HashSet<>();
    for (String s : sentences(other)) there.add(norm(s));
    StringBuilder b = new StringBuilder();
    for (String s : sentences(text)) {
      if (b.length() > 0) b.append(' ');
      if (there.contains(norm(s))) b.append(esc(s));
      else b.append("<mark class=\"diff\">").append(esc(s)).append("</mark>");
    }
    return b.toString();
  }

  /** The text with sentences that are missing from any of {@code others} marked. */
  public static String highlightAgainstAll(String text, List<String> others) {
    List<Set<String>> sets = new ArrayList<>();
    for (String o : others) {
      Set<String> s = new HashSet<>();
      for (String x : sentences(o)) s.add(norm(x));
      sets.add(s);
    }
    StringBuilder b = new StringBuilder();
    for (String s : sentences(text)) {
      if (b.length() > 0) b.append(' ');
      boolean changed = sets.stream().anyMatch(set -> !set.contains(norm(s)));
      if (changed) b.append("<mark class=\"diff\">").append(esc(s)).append("</mark>");
      else b.append(esc(s));
    }
    return b.toString();
  }
}
