package io.personaknob.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.personaknob.core.UserException;
import io.personaknob.core.data.Dimension;
import io.personaknob.core.data.PersonaRow;
import io.personaknob.core.data.SampleData;
import io.personaknob.lm.LanguageModels;
import io.personaknob.lm.model.ModelFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Defaults that compose: the length limits follow the model, and a tiny model holds a PersonaKnob row. */
class DefaultLengthsTest {

  @Test
  void lengthLimitsFollowTheModelsContext() {
    TrainConfig c = new TrainConfig();
    c.resolveLengths(256); // a model made with --context 256
    assertEquals(256, c.maxLength);
    assertEquals(128, c.maxPromptLength);
    TrainConfig d = new TrainConfig();
    d.resolveLengths(ModelFactory.TINY_CONTEXT); // TRL's defaults when the context allows them
    assertEquals(1024, d.maxLength);
    assertEquals(512, d.maxPromptLength);
    // only the prompt limit given: max-length still follows the model, and a prompt limit above it is named
    UserException x = assertThrows(UserException.class, () -> {
      TrainConfig f = new TrainConfig();
      f.maxPromptLength = 100;
      f.resolveLengths(64);
    });
    assertTrue(x.getMessage().startsWith("config max-prompt-length: 100 must be below max-length (64)"), x.getMessage());
    TrainConfig g = new TrainConfig();
    g.maxLength = 4096; // a limit given explicitly must fit
    UserException y = assertThrows(UserException.class, () -> g.resolveLengths(2048));
    assertEquals("config max-length: 4096 exceeds the model's context of 2048", y.getMessage());
  }

  /**
   * The longest bundled sample row (prompt in the chat template + its longest completion + EOS) in the
   * byte-level tokens of `knob model init`, against the tiny default context.
   */
  @Test
  void aTinyModelHoldsTheLongestSampleRow(@TempDir Path dir) throws Exception {
    HubLm.init("llama", "tiny", 1, dir.resolve("m")); // = knob model init --arch llama --size tiny
    try (var lm = LanguageModels.load(dir.resolve("m"), "cpu")) {
      assertEquals(ModelFactory.TINY_CONTEXT, lm.contextLength());
      var tok = lm.tokenizer();
      int longest = 0;
      List<PersonaRow> rows = new ArrayList<>(SampleData.train());
      rows.addAll(SampleData.test());
      for (PersonaRow r : rows) {
        int p = tok.encode(PreferenceGroups.renderPrompt(r.prompt(), lm.chatTemplate()), false).length;
        int c = tok.encode(r.golden(), false).length;
        for (Dimension d : r.mask()) c = Math.max(c, tok.encode(r.reject(d), false).length);
        longest = Math.max(longest, p + c + 1);
      }
      // 1,059 tokens today (the rows are 250-1,040 bytes of mostly ASCII); the context leaves room for longer ones
      assertTrue(longest > 1000 && longest <= ModelFactory.TINY_CONTEXT, "longest row " + longest);
    }
  }
}
