package io.personaknob.eval.judge;

import static org.junit.jupiter.api.Assertions.*;

import io.personaknob.core.data.Dimension;
import io.personaknob.eval.judge.JudgeValidity.Trial;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class JudgeValidityTest {

  @Test
  void wilsonIntervalMatchesTheHandComputedOne() {
    // 8 of 10: p = 0.8, z = 1.96; centre (0.8 + z²/20)/(1 + z²/10) = 0.71672,
    // half-width z·sqrt(0.016 + z²/400)/(1 + z²/10) = 0.22658 -> [0.4902, 0.9433]
    double[] w = JudgeValidity.wilson(8, 10);
    assertEquals(0.4902, w[0], 1e-4);
    assertEquals(0.9433, w[1], 1e-4);
    // all n right: lower bound n/(n + z²)
    assertEquals(20 / (20 + 1.959963984540054 * 1.959963984540054), JudgeValidity.wilson(20, 20)[0], 1e-12);
    assertEquals(1.0, JudgeValidity.wilson(20, 20)[1], 1e-12);
  }

  @Test
  void pointwiseTiesCountHalfAndWordingsOfOnePairCountOnce() {
    assertEquals(1, JudgeValidity.pointwiseScore(6, 3));
    assertEquals(0.5, JudgeValidity.pointwiseScore(4, 4));
    assertEquals(0, JudgeValidity.pointwiseScore(2, 5));
    List<Trial> ts = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      // two wordings per pair: one right, one a tie -> the pair scores 0.75
      ts.add(new Trial("j", Dimension.A, JudgeValidity.POINTWISE, "r" + i, 1));
      ts.add(new Trial("j", Dimension.A, JudgeValidity.POINTWISE, "r" + i, 0.5));
    }
    var a = JudgeValidity.score(ts).get(0);
    assertEquals(10, a.pairs());
    assertEquals(0.75, a.accuracy(), 1e-12);
    double[] w = JudgeValidity.wilson(7.5, 10);
    assertEquals(w[0], a.low(), 1e-12);
    assertFalse(a.betterThanChance(), "7.5 of 10: the interval includes one half (" + a.low() + ")");
  }

  @Test
  void aJudgeThatAlwaysPrefersOnePositionIsAtChanceAnAccurateOneIsNot() {
    List<Trial> ts = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      // position-biased: the golden wins when shown as the request's answer, loses when the reject is
      ts.add(new Trial("biased", Dimension.T, JudgeValidity.PAIRWISE, "r" + i, 1));
      ts.add(new Trial("biased", Dimension.T, JudgeValidity.PAIRWISE, "r" + i, 0));
      ts.add(new Trial("good", Dimension.T, JudgeValidity.PAIRWISE, "r" + i, 1));
      ts.add(new Trial("good", Dimension.T, JudgeValidity.PAIRWISE, "r" + i, i % 10 == 0 ? 0 : 1));
    }
    var as = JudgeValidity.score(ts);
    var biased = as.stream().filter(a -> a.judge().equals("biased")).findFirst().orElseThrow();
    var good = as.stream().filter(a -> a.judge().equals("good")).findFirst().orElseThrow();
    assertEquals(0.5, biased.accuracy(), 1e-12);
    assertEquals(30, biased.pairs());
    assertFalse(biased.betterThanChance());
    assertEquals((27 + 3 * 0.5) / 30, good.accuracy(), 1e-12);
    assertTrue(good.betterThanChance(), good.toString());
    assertFalse(JudgeValidity.valid(as, JudgeValidity.PAIRWISE).get("biased").get(Dimension.T));
    assertTrue(JudgeValidity.valid(as, JudgeValidity.PAIRWISE).get("good").get(Dimension.T));
  }
}
