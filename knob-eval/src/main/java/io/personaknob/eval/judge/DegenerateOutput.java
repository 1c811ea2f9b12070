package io.personaknob.eval.judge;

import java.util.ArrayList;
import java.util.List;

/**
 * Answers no judge should see: they are detected before judging, counted per model, and scored as failures
 * (the lowest category of the rating scale; the golden wins every comparison). A judge that rates text by
 * resemblance (an embedding reward head) or a lenient LLM judge can rate byte gibberish highly; this rule
 * does not depend on any judge.
 *
 * <p>The rules, in the order they are reported (an answer may break several):
 *
 * <ul>
 *   <li>{@link Reason#EMPTY}: nothing but white space.
 *   <li>{@link Reason#NO_WORDS}: not one word — no two letters in a row anywhere (e.g. "W^", "?!", "7"): a
 *       model that stops after a token or two of noise. "No." and "OK" are words.
 *   <li>{@link Reason#INVALID_UTF8}: a U+FFFD replacement character, i.e. bytes that were not valid UTF-8
 *       when decoded — except up to three at the very end, where a generation cut inside one multi-byte
 *       character leaves them.
 *   <li>{@link Reason#CONTROL}: a control character other than tab, line feed and carriage return (C0
 *       controls, DEL, C1 controls) or a Unicode non-character / unassigned-surrogate code unit. Text never
 *       contains them; decoded random bytes nearly always do.
 *   <li>{@link Reason#REPETITION}: runaway repetition — one unit of 1 to 100 characters repeated back to
 *       back at least four times, the repeated run covering at least 32 characters and at least 30% of the
 *       answer (e.g. "the the the the …", a sentence looping to the token limit); or, in a short answer,
 *       a unit repeated at least eight times over at least 90% of it ("!!!!!!!!!!!!", "abababababababab"),
 *       or at least four times over at least 60% of it ("I'd how how how how how", a model stuck on a word).
 * </ul>
 */
public final class DegenerateOutput {
  private DegenerateOutput() {}

  /** Why an answer is degenerate. */
  public enum Reason {
    EMPTY("empty answer"),
    NO_WORDS("no word (no two letters in a row)"),
    INVALID_UTF8("invalid UTF-8 (replacement characters)"),
    CONTROL("control characters"),
    REPETITION("runaway repetition");

    private final String label;

    Reason(String label) { this.label = label; }

    /** How reports name it. */
    public String label() { return label; }
  }

  static final int MAX_PERIOD = 100;
  static final int MIN_REPEATS = 4;
  static final int MIN_RUN = 32;
  static final double MIN_SHARE = 0.30;
  /** A unit repeated at least four times over most of the answer ("I'd how how how how how"). */
  static final double SHORT_SHARE = 0.60;

  /** The reasons an answer is degenerate; empty when it may be judged. */
  public static List<Reason> check(String answer) {
    List<Reason> out = new ArrayList<>();
    if (answer == null || answer.isBlank()) {
      out.add(Reason.EMPTY);
      return out;
    }
    int end = answer.length();
    int trailing = 0;
    while (end > 0 && answer.charAt(end - 1) == '\uFFFD' && trailing < 3) { end--; trailing++; }
    if (answer.substring(0, end).indexOf('\uFFFD') >= 0) out.add(Reason.INVALID_UTF8);
    if (!hasWord(answer)) out.add(Reason.NO_WORDS);
    if (hasControl(answer)) out.add(Reason.CONTROL);
    if (repetition(answer)) out.add(Reason.REPETITION);
    return out;
  }

  /** True when {@link #check} finds anything. */
  public static boolean degenerate(String answer) {
    return !check(answer).isEmpty();
  }

  /** Two letters in a row (any script). */
  static boolean hasWord(String s) {
    int run = 0;
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      run = Character.isLetter(cp) ? run + 1 : 0;
      if (run >= 2) return true;
      i += Character.charCount(cp);
    }
    return false;
  }

  static boolean hasControl(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\t' || c == '\n' || c == '\r') continue;
      if (c < 0x20 || (c >= 0x7F && c <= 0x9F)) return true;
      if (c == '\uFFFE' || c == '\uFFFF') return true;
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) { i++; continue; }
        return true;
      }
      if (Character.isLowSurrogate(c)) return true;
    }
    return false;
  }

  /**
   * The longest back-to-back repetition of a unit of period p (1..100): positions i where s[i] == s[i+p]
   * in an unbroken stretch of length L make a run of L + p characters holding (L + p) / p copies.
   */
  static boolean repetition(String s) {
    int n = s.length();
    int maxP = Math.min(MAX_PERIOD, n / MIN_REPEATS);
    for (int p = 1; p <= maxP; p++) {
      int len = 0;
      for (int i = 0; i + p < n; i++) {
        if (s.charAt(i) == s.charAt(i + p)) {
          len++;
          int run = len + p;
          if (run / p >= MIN_REPEATS && run >= MIN_RUN && run >= MIN_SHARE * n) return true;
          if (run / p >= 8 && run >= 0.9 * n) return true;
          if (run / p >= MIN_REPEATS && run >= SHORT_SHARE * n) return true;
        } else {
          len = 0;
        }
      }
    }
    return false;
  }
}
