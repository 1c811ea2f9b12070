package io.personaknob.eval.judge;

import io.personaknob.core.data.Dimension;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Is a judge better than chance at what it is used for? Scored on pairs whose order is known by
 * construction: in PersonaKnob the golden answer is better than reject_k on dimension k (reject_k breaks
 * exactly that dimension). Any judge can be scored — an offline reward head, an LLM judge, a human (a
 * {@link Judge} whose {@code rate}/{@code compare} ask a person, or ratings collected elsewhere and handed in
 * as {@link Trial}s) — because only its verdicts on such pairs are needed:
 *
 * <ul>
 *   <li><b>pointwise</b>: the judge rates the golden and reject_k on dimension k (under each wording it uses);
 *       a pair scores 1 when rating(golden) &gt; rating(reject_k), ½ on a tie, 0 otherwise (averaged over
 *       the wordings, so one pair counts once);
 *   <li><b>pairwise</b>: the judge compares the two in both presentation orders (golden first, then reject
 *       first); each order scores 1 when the golden is preferred, ½ on a tie; a pair scores the mean of its
 *       orders (a judge that always prefers the first position scores ½).
 * </ul>
 *
 * <p>Accuracy per judge, dimension and mode = mean pair score, with the Wilson 95% score interval computed
 * with the (possibly fractional) sum of scores as successes over the number of pairs. A judge is
 * <em>better than chance</em> on a dimension when the interval's lower bound is above ½; an interval that
 * includes ½ (or no scored pair) is "not better than chance": its numbers say nothing established.
 */
public final class JudgeValidity {
  private JudgeValidity() {}

  static final double Z95 = 1.959963984540054;

  public static final String POINTWISE = "pointwise";
  public static final String PAIRWISE = "pairwise";

  /**
   * One scored pair of a judge: {@code score} in [0, 1] (1 = the known order found). {@code pair} identifies
   * the pair (several trials of one pair — wordings, orders — are averaged into one pair score).
   */
  public record Trial(String judge, Dimension dimension, String mode, String pair, double score) {}

  /** Accuracy of a judge on a dimension in one mode, with its Wilson 95% interval. */
  public record Accuracy(String judge, Dimension dimension, String mode, int pairs, double accuracy, double low,
      double high) {
    /** Better than chance: the interval lies above ½. */
    public boolean betterThanChance() { return pairs > 0 && low > 0.5; }
  }

  /** Scores every (judge, dimension, mode) that has trials, in order of first appearance. */
  public static List<Accuracy> score(List<Trial> trials) {
    Map<String, Map<String, double[]>> byCell = new LinkedHashMap<>(); // cell -> pair -> sum, n
    Map<String, Trial> first = new LinkedHashMap<>();
    for (Trial t : trials) {
      if (!(t.score() >= 0 && t.score() <= 1)) throw new IllegalArgumentException("score outside [0, 1]: " + t);
      String cell = t.judge() + "\u0000" + t.dimension() + "\u0000" + t.mode();
      first.putIfAbsent(cell, t);
      double[] s = byCell.computeIfAbsent(cell, k -> new LinkedHashMap<>()).computeIfAbsent(t.pair(), k -> new double[2]);
      s[0] += t.score();
      s[1]++;
    }
    List<Accuracy> out = new ArrayList<>();
    byCell.forEach((cell, pairs) -> {
      double k = 0;
      for (double[] s : pairs.values()) k += s[0] / s[1];
      Trial t = first.get(cell);
      double[] w = wilson(k, pairs.size());
      out.add(new Accuracy(t.judge(), t.dimension(), t.mode(), pairs.size(), k / pairs.size(), w[0], w[1]));
    });
    return out;
  }

  /** The Wilson 95% score interval for k successes (possibly fractional) in n trials; [0, 1] when n = 0. */
  public static double[] wilson(double k, int n) {
    if (n == 0) return new double[] {0, 1};
    double p = k / n, z2 = Z95 * Z95;
    double denom = 1 + z2 / n;
    double centre = (p + z2 / (2.0 * n)) / denom;
    double half = Z95 * Math.sqrt(Math.max(0, p * (1 - p)) / n + z2 / (4.0 * n * n)) / denom;
    return new double[] {Math.max(0, centre - half), Math.min(1, centre + half)};
  }

  /** A pointwise pair score from the two ratings. */
  public static double pointwiseScore(double goldenRating, double rejectRating) {
    return goldenRating > rejectRating ? 1 : goldenRating == rejectRating ? 0.5 : 0;
  }

  /** Per judge, the dimensions on which it is better than chance in {@code mode}. */
  public static Map<String, EnumMap<Dimension, Boolean>> valid(List<Accuracy> as, String mode) {
    Map<String, EnumMap<Dimension, Boolean>> out = new LinkedHashMap<>();
    for (Accuracy a : as)
      if (a.mode().equals(mode)) out.computeIfAbsent(a.judge(), k -> new EnumMap<>(Dimension.class)).put(a.dimension(), a.betterThanChance());
    return out;
  }
}
