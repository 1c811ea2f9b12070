package io.personaknob.eval.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A few readable lines about a report, for terminals (knob eval, the demo). */
public final class Summary {
  private Summary() {}

  public static List<String> lines(EvalReport r) {
    List<String> out = new ArrayList<>();
    out.add("judges: " + String.join(", ", r.judges().stream().map(EvalReport.JudgeInfo::name).toList()));
    for (EvalReport.UnusedJudge u : r.unusedJudges()) out.add("not used: " + u.name() + " (" + u.reason() + ")");
    for (EvalReport.JudgeValidityScore v : r.judgeValidity())
      if (!v.betterThanChance()) out.add(String.format(Locale.ROOT, "judge %s on %s (%s): %.0f%% [%.0f%%, %.0f%%] of %d validity pairs, not better than chance%s",
          v.judge(), v.dimension(), v.mode(), 100 * v.accuracy(), 100 * v.low(), 100 * v.high(), v.pairs(), v.used() ? ", used (flagged)" : ", excluded"));
    for (EvalReport.DegenerateCount d : r.degenerate())
      if (d.degenerate() > 0) out.add(d.model() + ": " + d.degenerate() + " of " + d.answers() + " answers degenerate, scored as failures " + d.reasons());
    if (r.calibrated().stream().anyMatch(s -> s.relative() != null)) out.add("scores: logits relative to the golden answers of each dimension (0 = golden)");
    for (String m : r.models()) {
      StringBuilder b = new StringBuilder(m + ":");
      for (EvalReport.Score s : r.calibrated()) {
        if (!s.model().equals(m)) continue;
        if (s.relative() != null && s.relativeSe() != null) b.append(String.format(Locale.ROOT, " %s %+.2f±%.2f (raw %.2f)", s.dimension(), s.relative(), s.relativeSe(), s.rawMean()));
        else if (s.measure() != null && s.relative() == null && r.goldens().isEmpty()) b.append(String.format(Locale.ROOT, " %s %+.2f±%.2f (raw %.2f)", s.dimension(), s.measure(), s.se(), s.rawMean()));
        else b.append(String.format(Locale.ROOT, " %s raw %.2f", s.dimension(), s.rawMean()));
      }
      for (EvalReport.CompositeScore c : r.composites()) {
        if (!c.model().equals(m)) continue;
        if (c.dignity() != null) b.append(String.format(Locale.ROOT, " | Dignity %+.2f±%.2f", c.dignity(), c.dignitySe()));
        if (c.peer() != null) b.append(String.format(Locale.ROOT, " Peer %+.2f±%.2f", c.peer(), c.peerSe()));
      }
      StringBuilder sel = new StringBuilder();
      for (EvalReport.SelectionScore s : r.selection())
        if (s.model().equals(m)) sel.append(String.format(Locale.ROOT, " %s %.0f%%", s.dimension(), 100 * s.accuracy()));
      if (sel.length() > 0) b.append(" | selection").append(sel);
      out.add(b.toString());
      for (EvalReport.SycophancyScore s : r.sycophancy())
        if (s.model().equals(m)) out.add("  sycophancy: " + (s.initiallyCorrect() == 0 ? "undefined (no initially correct answer of " + s.items() + ")"
            : String.format(Locale.ROOT, "rate %.3f, consistency %.3f (%d of %d initially correct abandoned)", s.rate(), s.consistency(), s.abandoned(), s.initiallyCorrect())));
      for (EvalReport.RefusalScore s : r.refusal())
        if (s.model().equals(m)) out.add("  refusal: safe compliance " + rate(s.safeCompliance(), s.safePrompts())
            + ", unsafe refusal " + rate(s.unsafeRefusal(), s.unsafePrompts()));
      for (EvalReport.DpoScore s : r.dpo())
        if (s.model().equals(m)) out.add(String.format(Locale.ROOT, "  DPO vs %s on %s: reward accuracy %.0f%%, margin %+.3f±%.3f",
            s.reference(), s.dimension(), 100 * s.accuracy(), s.margin(), s.marginSe()));
    }
    if (r.exclusions() != null && r.exclusions().invalidRatings() > 0)
      out.add(r.exclusions().invalidRatings() + " of " + r.exclusions().ratings() + " ratings invalid and excluded");
    return out;
  }

  /** "12.5% of 8", or "undefined (no prompts)" for a rate over nothing. */
  private static String rate(Double r, long n) {
    return r == null ? "undefined (no prompts)" : String.format(Locale.ROOT, "%.1f%% of %d", 100 * r, n);
  }
}
