package io.personaknob.steer;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The library's lexical audits of one response pair: word counts and length delta, content-token overlap
 * (Jaccard), repetition, persona echo (word-bounded "as a/an D", "as the D", "I am a/an D", "I'm a/an D",
 * "as someone who is D", plus the verbatim persona instruction) and refusal phrases.
 */
public final class Audits {
  private Audits() {}

  private static final Pattern WORD = Pattern.compile("[A-Za-z']+");

  static final Set<String> STOPWORDS = Set.of("a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "i", "in",
      "is", "it", "of", "or", "that", "the", "this", "to", "we", "with", "you", "your");

  /** The 22 refusal / AI-break phrases, matched case-insensitively as substrings. */
  public static final List<String> REFUSAL_PHRASES = List.of(
      "as an ai language model", "as a language model", "as an ai", "i'm sorry, but", "i apologize, but",
      "i cannot assist", "i can't assist", "i cannot fulfill", "i can't fulfill", "i cannot provide", "i can't provide",
      "i won't provide", "i am unable to", "i'm unable to", "unable to offer assistance", "cannot provide guidance",
      "cannot provide information", "cannot support or promote", "against my programming", "safety guidelines",
      "prioritize user safety", "adhere to safety");

  public static List<String> words(String text) {
    List<String> out = new ArrayList<>();
    Matcher m = WORD.matcher(text);
    while (m.find()) out.add(m.group());
    return out;
  }

  public static List<String> contentTokens(String text) {
    List<String> out = new ArrayList<>();
    for (String w : words(text)) {
      String l = w.toLowerCase(Locale.ROOT);
      if (w.length() > 2 && !STOPWORDS.contains(l)) out.add(l);
    }
    return out;
  }

  /** (w_pos − w_neg) / max(1, (w_pos + w_neg)/2), unrounded. */
  public static double wordDeltaFrac(String pos, String neg) {
    int wp = words(pos).size();
    int wn = words(neg).size();
    return (wp - wn) / Math.max(1.0, (wp + wn) / 2.0);
  }

  public static double tokenJaccard(String a, String b) {
    Set<String> l = new LinkedHashSet<>(contentTokens(a));
    Set<String> r = new LinkedHashSet<>(contentTokens(b));
    if (l.isEmpty() && r.isEmpty()) return 1.0;
    Set<String> inter = new LinkedHashSet<>(l);
    inter.retainAll(r);
    Set<String> union = new LinkedHashSet<>(l);
    union.addAll(r);
    return (double) inter.size() / union.size();
  }

  public static double repeatedTokenFrac(String text) {
    List<String> t = contentTokens(text);
    if (t.isEmpty()) return 0.0;
    return 1.0 - ((double) new LinkedHashSet<>(t).size() / t.size());
  }

  public static List<String> personaOverlapTokens(String text, String persona) {
    Set<String> r = new TreeSet<>(contentTokens(text));
    r.retainAll(new LinkedHashSet<>(contentTokens(persona)));
    return List.copyOf(r);
  }

  public static List<String> refusalHits(String text) {
    String l = text.toLowerCase(Locale.ROOT);
    return REFUSAL_PHRASES.stream().filter(l::contains).toList();
  }

  /** Python's {@code re.escape} (3.7+): escapes only characters special in a pattern. */
  static String pyEscape(String s) {
    StringBuilder sb = new StringBuilder();
    for (char c : s.toCharArray()) {
      if ("()[]{}?*+-|^$\\.&~# \t\n\r\u000b\f".indexOf(c) >= 0) sb.append('\\');
      sb.append(c);
    }
    return sb.toString();
  }

  /** Persona-echo hits, recorded as the library's pattern text (e.g. {@code \bas an? principled\b}). */
  public static List<String> personaEchoHits(String text, String descriptor, String personaInstruction) {
    String d = descriptor.toLowerCase(Locale.ROOT).replace("-", " ").strip();
    String t = text.toLowerCase(Locale.ROOT).replace("-", " ");
    String q = Pattern.quote(d);
    String e = pyEscape(d);
    String[][] pats = {
        {"\\bas an? " + q + "\\b", "\\bas an? " + e + "\\b"},
        {"\\bas the " + q + "\\b", "\\bas the " + e + "\\b"},
        {"\\bi am an? " + q + "\\b", "\\bi am an? " + e + "\\b"},
        {"\\bi'm an? " + q + "\\b", "\\bi'm an? " + e + "\\b"},
        {"\\bas someone who is " + q + "\\b", "\\bas someone who is " + e + "\\b"}};
    List<String> hits = new ArrayList<>();
    for (String[] p : pats) {
      if (Pattern.compile(p[0], Pattern.UNICODE_CHARACTER_CLASS).matcher(t).find()) hits.add(p[1]);
    }
    String instr = personaInstruction.strip().toLowerCase(Locale.ROOT).replace("-", " ");
    if (!instr.isEmpty() && t.contains(instr)) hits.add("verbatim_persona_instruction");
    return hits;
  }
}
