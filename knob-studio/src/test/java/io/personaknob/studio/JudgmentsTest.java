package io.personaknob.studio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.personaknob.irt.ElementStat;
import io.personaknob.irt.RaschFit;
import io.personaknob.studio.Judgments.LongRating;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Humans as judges in one many-facet Rasch fit with LLM judges. */
class JudgmentsTest {

  /** Rating-scale model: P(k) ∝ exp(Σ_{j≤k} (θ − β − δ − τ_j)), k = 1..7. */
  static int draw(SplittableRandom rnd, double logit, double[] tau) {
    double[] w = new double[7];
    double s = 0;
    double cum = 0;
    for (int k = 0; k < 7; k++) {
      if (k > 0) cum += logit - tau[k - 1];
      w[k] = Math.exp(cum);
      s += w[k];
    }
    double u = rnd.nextDouble() * s;
    for (int k = 0; k < 7; k++) {
      u -= w[k];
      if (u <= 0) return k + 1;
    }
    return 7;
  }

  @Test
  void humanAndLlmJudgesLandOnOneSeverityScale() {
    Map<String, Double> ability = Map.of("base·A", -0.8, "base·E", 0.2, "tuned·A", 0.6, "tuned·E", 1.0);
    Map<String, Double> severity = new java.util.LinkedHashMap<>();
    severity.put("llm-lenient", -0.9);
    severity.put("llm-strict", 0.5);
    severity.put("human:ann", 1.1);
    severity.put("human:bob", -0.2);
    double[] tau = {-2.0, -1.2, -0.4, 0.4, 1.2, 2.0};
    SplittableRandom rnd = new SplittableRandom(42);
    double[] itemDiff = new double[40];
    for (int i = 0; i < itemDiff.length; i++) itemDiff[i] = rnd.nextGaussian() * 0.5;
    List<LongRating> llm = new ArrayList<>();
    List<LongRating> human = new ArrayList<>();
    for (var m : ability.entrySet()) {
      for (var j : severity.entrySet()) {
        for (int i = 0; i < itemDiff.length; i++) {
          int r = draw(rnd, m.getValue() - j.getValue() - itemDiff[i], tau);
          LongRating lr = new LongRating(m.getKey(), j.getKey(), "row" + i, m.getKey().substring(m.getKey().indexOf('·') + 1) + "/default", r);
          (j.getKey().startsWith(Judgments.HUMAN_PREFIX) ? human : llm).add(lr);
        }
      }
    }
    RaschFit fit = Judgments.jointFit(llm, human, List.of());
    assertTrue(fit.converged());
    var judges = fit.facet("judge");
    assertEquals(4, judges.elements().size(), "humans are judges beside the LLM judges");
    double meanTrue = severity.values().stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    double meanEst = judges.elements().stream().mapToDouble(ElementStat::measure).average().orElseThrow();
    for (ElementStat e : judges.elements()) {
      double truth = severity.get(e.element()) - meanTrue;
      assertEquals(truth, e.measure() - meanEst, 0.25, e.element());
    }
    // the severity order, humans and LLMs interleaved, is recovered
    List<String> order = judges.elements().stream().sorted(java.util.Comparator.comparingDouble(ElementStat::measure)).map(ElementStat::element).toList();
    assertEquals(List.of("llm-lenient", "human:bob", "llm-strict", "human:ann"), order);
    // the model abilities keep their order too
    var md = fit.facet("model_dimension");
    assertTrue(md.element("base·A").measure() < md.element("base·E").measure());
    assertTrue(md.element("base·E").measure() < md.element("tuned·E").measure());
  }
}
