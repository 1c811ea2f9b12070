package io.personaknob.irt;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/** Plain-text report in the style of FACETS' measurement reports (Table 7), thresholds and bias (Table 13). */
public final class FacetsReport {
  private FacetsReport() {}

  public static String render(RaschFit fit) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "Many-facet Rasch (JMLE): %s after %d iterations"
            + " (max score residual %.4g, max logit change %.4g)%n",
        fit.converged() ? "converged" : "NOT converged", fit.iterations(), fit.maxScoreResidual(),
        fit.maxLogitChange()));
    for (String w : fit.warnings()) if (w.startsWith("WARNING: ")) sb.append(w).append('\n');
    sb.append("Scale: ").append(fit.provenance().config().get("scale")).append("; positive facet: ")
        .append(fit.provenance().config().get("positive")).append("\n");
    int table = 1;
    for (FacetResult f : fit.facets()) {
      sb.append('\n');
      sb.append(String.format(Locale.ROOT, "Table 7.%d  %s Measurement Report  (arranged by measure; %s)%n", table++,
          f.name(), f.positive() ? "positive: higher = more able" : "negative: higher = more severe/difficult"));
      String line = "+" + "-".repeat(33) + "+" + "-".repeat(23) + "+" + "-".repeat(25) + "+" + "-".repeat(26) + "+";
      sb.append(line).append('\n');
      sb.append("|   Obsvd    Obsvd  Obsvd  Fair-M |        Model   Real   |  Infit       Outfit     |                          |\n");
      sb.append("|   Score    Count Average Average| Measure  S.E.   S.E.  | MnSq  ZStd  MnSq  ZStd  | Nu ").append(pad(f.name(), 22)).append("|\n");
      sb.append(line).append('\n');
      List<Integer> order = new ArrayList<>();
      for (int i = 0; i < f.elements().size(); i++) order.add(i);
      order.sort(Comparator.comparingDouble((Integer i) -> -f.elements().get(i).measure()));
      double sm = 0, sm2 = 0, sse = 0, sin = 0, sout = 0;
      int c = 0;
      for (int i : order) {
        ElementStat e = f.elements().get(i);
        String flag = e.extreme() ? (e.measure() > 0 == f.positive() ? " (max)" : " (min)") : e.anchored() ? " A" : "";
        sb.append(String.format(Locale.ROOT, "|%8s %8s %7.2f %7.2f|%8.2f %6.2f %6.2f |%5.2f %5.1f %5.2f %5.1f  |%4d %-21s|%n",
            num(e.score()), num(e.count()), e.observedAverage(), e.fairAverage(), e.measure(), e.se(), e.realSe(),
            e.infit(), e.infitZ(), e.outfit(), e.outfitZ(), i + 1, trunc(e.element() + flag, 21)));
        sm += e.measure();
        sm2 += e.measure() * e.measure();
        sse += e.se();
        sin += e.infit();
        sout += e.outfit();
        c++;
      }
      sb.append(line).append('\n');
      if (c > 0) {
        double mean = sm / c;
        double sd = Math.sqrt(Math.max(0, sm2 / c - mean * mean));
        sb.append(String.format(Locale.ROOT, "|%-33s|%8.2f %6.2f        |%5.2f       %5.2f        |%n",
            " Mean (count " + c + ")", mean, sse / c, sin / c, sout / c));
        sb.append(String.format(Locale.ROOT, "|%-33s|%8.2f%n", " S.D. (population)", sd));
      }
      Reliability r = f.reliability();
      sb.append(String.format(Locale.ROOT,
          "Model, Populn: RMSE %.2f  Adj (True) S.D. %.2f  Separation %.2f  Strata %.2f  Reliability %.2f%s%n",
          r.rmse(), r.trueSd(), r.separation(), r.strata(), r.reliability(),
          f.centred() ? "" : f.positive() ? "  (floating)" : "  (not centred)"));
    }
    if (!fit.thresholds().isEmpty()) {
      sb.append(String.format("%nTable 8.1  Category statistics (Rasch-Andrich thresholds)%n"));
      sb.append(String.format("  %-20s %8s %10s %10s %8s%n", "group", "category", "count", "threshold", "S.E."));
      java.util.Set<String> shown = new java.util.HashSet<>();
      for (ThresholdStat t : fit.thresholds()) {
        String key = String.valueOf(t.group());
        if (shown.add(key)) {
          for (ThresholdStat b : fit.bottomCategories()) {
            if (String.valueOf(b.group()).equals(key)) {
              sb.append(String.format(Locale.ROOT, "  %-20s %8d %10s %10s %8s  bottom category (no threshold below)%n",
                  b.group() == null ? "(rating scale)" : trunc(b.group(), 20), b.category(), num(b.count()), "-", "-"));
            }
          }
        }
        sb.append(String.format(Locale.ROOT, "  %-20s %8d %10s %10s %8s%s%n", t.group() == null ? "(rating scale)" : trunc(t.group(), 20),
            t.category(), num(t.count()), t.measure() == null ? "-" : String.format(Locale.ROOT, "%.2f", t.measure()),
            t.se() == null ? "-" : String.format(Locale.ROOT, "%.2f", t.se()),
            t.structuralZero() ? "  unobserved (structural zero)" : t.anchored() ? "  anchored" : ""));
      }
    }
    if (!fit.comparisons().isEmpty()) {
      sb.append(String.format("%nPaired comparisons (Rasch/Bradley-Terry; ties count half a win): %s%n",
          fit.comparisons().get(0).facet()));
      sb.append(String.format("  %-24s %8s %8s %9s %6s %6s%n", "element", "count", "wins", "expected", "infit", "outfit"));
      for (ComparisonStat c : fit.comparisons()) {
        if (c.count() == 0) continue;
        sb.append(String.format(Locale.ROOT, "  %-24s %8s %8s %9.2f %6.2f %6.2f%n", trunc(c.element(), 24), num(c.count()),
            num(c.wins()), c.expectedWins(), c.infit(), c.outfit()));
      }
    }
    if (!fit.subsets().isEmpty()) {
      sb.append(String.format("%nWARNING: %d disjoint subsets; measures are comparable only within a subset%n", fit.subsets().size()));
      for (Subset s : fit.subsets()) {
        sb.append("  subset ").append(s.id()).append(": ");
        List<String> parts = new ArrayList<>();
        for (FacetResult f : fit.facets()) {
          List<String> els = s.elements().get(f.name());
          if (els != null) parts.add(f.name() + " " + summarize(els));
        }
        sb.append(String.join("; ", parts)).append('\n');
      }
    }
    if (!fit.bias().isEmpty()) {
      sb.append(String.format("%nTable 13  Bias/Interaction Report: %s x %s (arranged by t, largest |t| first)%n",
          fit.biasFacetA(), fit.biasFacetB()));
      sb.append(String.format("  %-16s %-16s %8s %9s %9s %8s %7s %6s %7s %6s%n", fit.biasFacetA(), fit.biasFacetB(),
          "count", "observed", "expected", "obs-exp", "bias", "S.E.", "t", "infit"));
      List<BiasTerm> sorted = new ArrayList<>(fit.bias());
      sorted.sort(Comparator.comparingDouble((BiasTerm b) -> -Math.abs(b.t())));
      for (BiasTerm b : sorted) {
        sb.append(String.format(Locale.ROOT, "  %-16s %-16s %8s %9.1f %9.1f %8.2f %7.2f %6.2f %7.2f %6.2f%s%n",
            trunc(b.elementA(), 16), trunc(b.elementB(), 16), num(b.count()), b.observed(), b.expected(),
            b.obsExpAverage(), b.bias(), b.se(), b.t(), b.infit(), b.extreme() ? " extreme" : ""));
      }
    }
    if (fit.warnings().stream().anyMatch(w -> !w.startsWith("WARNING: "))) {
      sb.append('\n');
      for (String w : fit.warnings()) if (!w.startsWith("WARNING: ")) sb.append("note: ").append(w).append('\n');
    }
    return sb.toString();
  }

  private static String summarize(List<String> els) {
    if (els.size() <= 8) return String.join(", ", els);
    return String.join(", ", els.subList(0, 8)) + ", ... (" + els.size() + ")";
  }

  private static String num(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : String.format(Locale.ROOT, "%.1f", v);
  }

  private static String pad(String s, int n) {
    s = trunc(s, n);
    return s + " ".repeat(n - s.length());
  }

  private static String trunc(String s, int n) {
    return s.length() <= n ? s : s.substring(0, n - 1) + "~";
  }
}
