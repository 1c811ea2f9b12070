package io.personaknob.eval.judge;

import static io.personaknob.eval.judge.DegenerateOutput.Reason.*;
import static org.junit.jupiter.api.Assertions.*;

import io.personaknob.core.data.PersonaRow;
import io.personaknob.core.data.SampleData;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DegenerateOutputTest {

  @Test
  void emptyAndBlankAnswersAreDegenerate() {
    assertEquals(List.of(EMPTY), DegenerateOutput.check(""));
    assertEquals(List.of(EMPTY), DegenerateOutput.check(" \n\t "));
    assertEquals(List.of(EMPTY), DegenerateOutput.check(null));
  }

  @Test
  void anAnswerWithoutAWordIsDegenerate() {
    // what the demo's random model wrote for two prompts before stopping
    assertEquals(List.of(NO_WORDS), DegenerateOutput.check("W^"));
    assertEquals(List.of(NO_WORDS), DegenerateOutput.check("?! 7"));
    assertEquals(List.of(), DegenerateOutput.check("No."));
    assertEquals(List.of(), DegenerateOutput.check("OK"));
    assertEquals(List.of(), DegenerateOutput.check("東京"));
  }

  @Test
  void invalidUtf8IsDegenerateExceptACharacterCutAtTheEnd() {
    // 0xC3 0x28 is an invalid two-byte sequence; Java's decoder, like Hugging Face's, puts U+FFFD in its place
    String bad = new String(new byte[] {'o', 'k', ' ', (byte) 0xC3, 0x28, ' ', 'n', 'o'}, StandardCharsets.UTF_8);
    assertTrue(bad.indexOf('\uFFFD') > 0, bad);
    assertEquals(List.of(INVALID_UTF8), DegenerateOutput.check(bad));
    // "é" is C3 A9: a generation stopped after its first byte leaves one replacement character at the end
    String cut = new String(new byte[] {'c', 'a', 'f', (byte) 0xC3}, StandardCharsets.UTF_8);
    assertEquals("caf\uFFFD", cut);
    assertEquals(List.of(), DegenerateOutput.check(cut));
    assertEquals(List.of(), DegenerateOutput.check("Café, naïve, 東京, emoji 🙂 — all fine."));
  }

  @Test
  void controlCharactersOtherThanTabAndNewlinesAreDegenerate() {
    assertEquals(List.of(CONTROL), DegenerateOutput.check("abc\u0001def"));
    assertEquals(List.of(CONTROL), DegenerateOutput.check("abc\u007Fdef"));
    assertEquals(List.of(CONTROL), DegenerateOutput.check("abc\u0085def")); // C1 (NEL)
    assertEquals(List.of(CONTROL), DegenerateOutput.check("lone \uD800 surrogate"));
    assertEquals(List.of(), DegenerateOutput.check("line one\r\nline\ttwo\n"));
  }

  @Test
  void randomBytesDecodedAsUtf8AreCaught() {
    // what a random byte-level model writes: 24 random bytes, 200 times
    SplittableRandom rnd = new SplittableRandom(7);
    for (int t = 0; t < 200; t++) {
      byte[] b = new byte[24];
      for (int i = 0; i < b.length; i++) b[i] = (byte) rnd.nextInt(256);
      String s = new String(b, StandardCharsets.UTF_8);
      assertTrue(DegenerateOutput.degenerate(s), () -> "not caught: " + s.codePoints().mapToObj(Integer::toHexString).toList());
    }
  }

  @Test
  void runawayRepetitionIsDegenerateOrdinaryRepetitionIsNot() {
    assertEquals(List.of(REPETITION), DegenerateOutput.check("I agree. ".repeat(12)));
    assertEquals(List.of(REPETITION), DegenerateOutput.check("Sure, here is my answer: " + "the the ".repeat(10)));
    assertEquals(List.of(REPETITION), DegenerateOutput.check("Hmm" + "!".repeat(40)));
    // a short answer that is nothing but one unit repeated (a random model stuck on one token)
    assertEquals(List.of(REPETITION), DegenerateOutput.check("a".repeat(24)));
    assertEquals(List.of(REPETITION), DegenerateOutput.check("ab".repeat(9)));
    // a short answer stuck on one word: what a 40-step Lag-DPO tiny model said to every test prompt
    // (24 byte tokens; the MiniLM heads rated it +3 to +5 logits above the base, docs/steer-vectors.md)
    assertEquals(List.of(REPETITION), DegenerateOutput.check("I'd how how how how how "));
    // short repeats, or a repeated run that is a small part of a long answer, are ordinary text
    assertEquals(List.of(), DegenerateOutput.check("ha ha ha ha"));
    assertEquals(List.of(), DegenerateOutput.check("No, no, no."));
    assertEquals(List.of(), DegenerateOutput.check("Step one, step two, step three: no, no, no — that is the rule."));
    String longText = "A careful answer explains the facts, names the uncertainty and offers one next step. ".repeat(1)
        + "Then it says: wait, wait, wait, wait. " + "It ends with a concrete plan for the week, a log to keep, and a review on Sunday.";
    assertEquals(List.of(), DegenerateOutput.check(longText));
  }

  @Test
  void everyGoldenAndRejectOfTheBundledSampleIsOrdinaryText() {
    List<PersonaRow> rows = new ArrayList<>(SampleData.train());
    rows.addAll(SampleData.test());
    int checked = 0;
    for (PersonaRow r : rows) {
      assertEquals(List.of(), DegenerateOutput.check(r.golden()), r.id());
      for (var d : r.mask()) if (r.reject(d) != null) { assertEquals(List.of(), DegenerateOutput.check(r.reject(d)), r.id() + " " + d); checked++; }
    }
    assertTrue(checked > 100, "checked " + checked);
  }
}
