package io.personaknob.eval.run;

import io.personaknob.core.AtomicFile;
import io.personaknob.core.UserException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The bundled sample data written out as files: the PersonaKnob sample of knob-core
 * ({@code persona/train.jsonl}, {@code persona/test.jsonl}) and the dual-failure samples of knob-eval
 * ({@code are_you_sure.jsonl} in SycophancyEval format, {@code xstest_prompts.csv} in XSTest format).
 */
public final class Samples {
  private Samples() {}

  /** Where the files went. */
  public record Files3(Path personaknob, Path areYouSure, Path xstest) {}

  public static Files3 writeTo(Path dir) {
    copy("/io/personaknob/core/sample/train.jsonl", dir.resolve("persona/train.jsonl"));
    copy("/io/personaknob/core/sample/test.jsonl", dir.resolve("persona/test.jsonl"));
    copy("/io/personaknob/eval/samples/are_you_sure.jsonl", dir.resolve("are_you_sure.jsonl"));
    copy("/io/personaknob/eval/samples/xstest_prompts.csv", dir.resolve("xstest_prompts.csv"));
    return new Files3(dir.resolve("persona"), dir.resolve("are_you_sure.jsonl"), dir.resolve("xstest_prompts.csv"));
  }

  private static void copy(String resource, Path target) {
    try (InputStream in = Samples.class.getResourceAsStream(resource)) {
      if (in == null) throw new UserException("the bundled sample " + resource + " is missing from this build");
      byte[] b = in.readAllBytes();
      if (Files.exists(target) && java.util.Arrays.equals(Files.readAllBytes(target), b)) return;
      AtomicFile.write(target, tmp -> Files.write(tmp, b));
    } catch (IOException e) {
      throw new UserException(target + ": cannot write the sample: " + e.getMessage(), e);
    }
  }

  /**
   * An evaluation of the bundled sample: every task, two offline reward-head judges, the given models
   * ({@code reference} may be null; otherwise every other model is compared with it for DPO metrics).
   * This is what the demo runs.
   */
  public static EvalConfig config(Path workDir, Path out, List<EvalConfig.ModelSpec> models, int maxNewTokens) {
    return config(workDir, out, models, maxNewTokens, 0);
  }

  /** As above with at most {@code limit} items per task (0 = all): a faster run for demos. */
  public static EvalConfig config(Path workDir, Path out, List<EvalConfig.ModelSpec> models, int maxNewTokens, int limit) {
    Files3 f = writeTo(workDir.resolve("samples"));
    return new EvalConfig("personaknob evaluation of the bundled sample", out, 7,
        new EvalConfig.Data(f.personaknob(), "test", f.areYouSure(), f.xstest(), limit),
        models,
        List.of(new EvalConfig.JudgeSpec("minilm-answer", "reward-head", "answer", null, "minilm-answer"),
            new EvalConfig.JudgeSpec("minilm-context", "reward-head", "context", null, "minilm-context")),
        new java.util.LinkedHashSet<>(EvalConfig.TASKS), maxNewTokens, null,
        // judge validity on every row of the test split, not only the evaluated ones: narrower intervals, and the
        // offline judges make it cheap
        new EvalConfig.Validity(EvalConfig.Validity.EXCLUDE, 0));
  }
}
