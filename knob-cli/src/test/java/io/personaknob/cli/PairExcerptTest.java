package io.personaknob.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.personaknob.core.data.PersonaData;
import io.personaknob.core.data.PreferencePair;
import io.personaknob.core.data.SampleData;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Issue 16: the demo's example pair shows where chosen and rejected differ, not their shared opening twice. */
class PairExcerptTest {

  @Test
  void aLongSharedOpeningIsSkippedUpToJustBeforeTheDifference() {
    String shared = "I hear how much this matters to you, and it makes sense that you want a clear answer before the meeting tomorrow. ";
    String[] e = PairExcerpt.of(shared + "The figures point the other way.", shared + "You are completely right, go ahead.", 110);
    assertNotEquals(e[0], e[1]);
    assertTrue(e[0].startsWith("...") && e[1].startsWith("..."), e[0]);
    assertTrue(e[0].endsWith("The figures point the other way."), e[0]);
    assertTrue(e[1].endsWith("You are completely right, go ahead."), e[1]);
    assertTrue(e[0].length() <= 110 && e[1].length() <= 110);
    // the same skipped opening on both lines: they start alike and part where the texts part
    int i = 0;
    while (e[0].charAt(i) == e[1].charAt(i)) i++;
    assertTrue(i > 3 && i <= PairExcerpt.BEFORE + 3, "context before the difference: " + i);
  }

  @Test
  void shortOrEarlyDifferencesKeepTheBeginning() {
    String[] e = PairExcerpt.of("Yes, and here is why.", "No.", 110);
    assertEquals("Yes, and here is why.", e[0]);
    assertEquals("No.", e[1]);
    String longA = "A".repeat(50) + " x " + "b".repeat(200);
    String[] f = PairExcerpt.of(longA, "A".repeat(50) + " y", 110);
    assertTrue(f[0].startsWith("AAAA") && f[0].endsWith("...") && f[0].length() == 110, f[0]);
  }

  @Test
  void everyBundledPairIsShownApart() {
    List<PreferencePair> pairs = SampleData.train().stream().flatMap(r -> PersonaData.pairs(r).stream()).toList();
    for (PreferencePair p : pairs) {
      String[] e = PairExcerpt.of(p.chosen(), p.rejected(), 110);
      assertNotEquals(e[0], e[1], p.chosen() + "\n" + p.rejected());
    }
  }
}
