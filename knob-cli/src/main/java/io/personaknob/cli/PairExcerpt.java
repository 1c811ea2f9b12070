package io.personaknob.cli;

/**
 * One-line excerpts of a chosen and a rejected answer that show where they differ: when the two share a
 * long opening (PersonaKnob rejects often copy the golden answer's first sentences), both excerpts skip
 * the same shared part and start a little before the first difference, so they never look identical.
 */
final class PairExcerpt {
  private PairExcerpt() {}

  /** Context kept before the first difference, in characters. */
  static final int BEFORE = 30;

  /** The excerpts of {@code chosen} and {@code rejected}, each at most {@code width} characters. */
  static String[] of(String chosen, String rejected, int width) {
    String a = chosen.replaceAll("\\s+", " ").strip();
    String b = rejected.replaceAll("\\s+", " ").strip();
    int common = 0;
    while (common < a.length() && common < b.length() && a.charAt(common) == b.charAt(common)) common++;
    int start = 0;
    if (common > width - BEFORE - 20) {
      // skip the shared opening up to a word boundary a little before the difference
      start = Math.max(0, common - BEFORE);
      int space = a.lastIndexOf(' ', start);
      if (space > 0 && start - space < 15) start = space + 1;
    }
    return new String[] {clip(a, start, width), clip(b, start, width)};
  }

  private static String clip(String s, int start, int width) {
    String head = start > 0 ? "..." : "";
    String body = s.substring(Math.min(start, s.length()));
    int room = width - head.length();
    return head + (body.length() <= room ? body : body.substring(0, room - 3) + "...");
  }
}
