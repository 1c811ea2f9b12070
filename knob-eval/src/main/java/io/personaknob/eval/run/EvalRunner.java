package io.personaknob.eval.run;

import io.personaknob.core.Provenance;
import io.personaknob.core.UserException;
import io.personaknob.core.data.Dimension;
import io.personaknob.core.data.PersonaData;
import io.personaknob.core.data.PersonaRow;
import io.personaknob.eval.bench.AreYouSure;
import io.personaknob.eval.bench.XsTest;
import io.personaknob.eval.judge.Judge;
import io.personaknob.eval.judge.SentenceEmbedder;
import io.personaknob.eval.report.EvalReport;
import io.personaknob.eval.report.HtmlReport;
import io.personaknob.lm.LanguageModel;
import io.personaknob.lm.LanguageModels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Runs an evaluation ({@link EvalConfig}) end to end and writes {@code report.json} and
 * {@code report.html} into the run directory. The library entry point of {@code knob eval} and of the demo:
 *
 * <pre>{@code
 * EvalRunner.Result r = EvalRunner.run(EvalConfig.load(Path.of("eval.yaml")), System.err::println);
 * System.out.println(r.html());
 * }</pre>
 *
 * <p>Order of work: every input is read and validated first (a file in the wrong format fails before any
 * model is loaded or called); offline judges are trained (or loaded); each model answers (selection
 * log-likelihoods, generation, the "are you sure?" dialogue, XSTest prompts); judges rate every answer on
 * every active dimension (pointwise) and against the golden (pairwise), and rate the golden answers too
 * (pointwise); ratings and comparisons are calibrated jointly with the many-facet Rasch model of knob-irt
 * (facets model×dimension with the goldens as elements {@code golden·<dim>}, judge, item; Andrich rating
 * scale on 1–7; answer-vs-golden comparisons as Rasch/Bradley–Terry paired comparisons).
 * Each finished unit goes to the run journal, so an interrupted run resumes where it stopped.
 *
 * <p>This class keeps the run's flow; {@link EvalAnswers} (the models answer), {@link EvalJudging} (the judges
 * rate, compare and classify) and {@link EvalReportBuilder} (the report) do the work, sharing one {@link EvalState}.
 */
public final class EvalRunner {
  private final EvalState s;

  private EvalRunner(EvalState s) {
    this.s = s;
  }

  /** What a run produced. {@code resumed} units came from an earlier run's journal; {@code computed} are new. */
  public record Result(EvalReport report, Path runDir, Path json, Path html, int resumed, int computed) {}

  /** Receives progress lines. */
  public interface Progress {
    void say(String line);
  }

  public static Result run(EvalConfig cfg) {
    return run(cfg, System.err::println);
  }

  public static Result run(EvalConfig cfg, Progress progress) {
    return run(cfg, progress, dir -> LanguageModels.load(dir, "cpu"));
  }

  /** As {@link #run(EvalConfig, Progress)} with a custom model loader (tests, other devices). */
  public static Result run(EvalConfig cfg, Progress progress, Function<Path, LanguageModel> loader) {
    return run(cfg, progress, loader, List.of());
  }

  /**
   * As above, with judges built by the caller (e.g. an LLM judge over a provider of the caller's choice)
   * added after the configured ones.
   */
  public static Result run(EvalConfig cfg, Progress progress, Function<Path, LanguageModel> loader, List<Judge> extraJudges) {
    EvalState s = new EvalState(cfg, progress, loader);
    s.extra.addAll(extraJudges);
    return new EvalRunner(s).execute();
  }

  /** Re-renders report.html (and rewrites report.json) of a finished run directory from its report.json. */
  public static Path rerender(Path runDir) {
    Path json = Files.isDirectory(runDir) ? runDir.resolve("report.json") : runDir;
    if (!Files.exists(json)) throw new UserException(runDir + ": no report.json (is this a knob eval run directory?)");
    EvalReport r = EvalReport.readJson(json);
    Path html = json.resolveSibling("report.html");
    HtmlReport.write(r, html);
    return html;
  }

  /** The journal key of a rating under a rubric variant (for tests). */
  static String rateKeyForTest(String judge, String model, String row, Dimension d, String rubric) {
    return EvalJudging.rateKey(judge, model, row, d, rubric);
  }

  private Result execute() {
    long t0 = System.nanoTime();
    // 1. inputs, all validated before any model is touched
    Map<String, Path> inputs = readInputs();

    Provenance prov = Provenance.of(s.cfg.toMap(), inputs).withVersions(Map.of("judge_embedding", SentenceEmbedder.MODEL));
    s.prov = prov;
    String hash = configHash(prov);
    Path runDir = s.cfg.out();
    s.journal = new RunJournal(runDir.resolve("journal.jsonl"), hash);
    try {
      if (s.journal.resumed() > 0) s.say.say("eval: resuming " + runDir + ": " + s.journal.resumed() + " finished units found in the journal");
      // 2. judges
      EvalJudging judging = new EvalJudging(s);
      judging.setUpJudges(runDir);
      List<String> endpoints = s.cfg.models().stream().filter(m -> !m.local()).map(EvalConfig.ModelSpec::endpoint).toList();
      if (!endpoints.isEmpty()) s.llmClient(runDir).checkReady(endpoints); // before any call
      // 3. models answer
      EvalAnswers answers = new EvalAnswers(s);
      for (EvalConfig.ModelSpec m : s.cfg.models()) answers.answer(m);
      // 4. judging
      if (s.task("generation") && !s.evalRows.isEmpty()) {
        if (s.judges.isEmpty()) s.notes.add("No judges configured: generated answers were not rated.");
        for (Judge j : s.judges) {
          judging.judgeGoldens(j);
          judging.validity(j); // before its numbers are used, on pairs with a known order
          for (EvalConfig.ModelSpec m : s.cfg.models()) judging.judge(j, m);
        }
      }
      // refusal classification by the LLM judges, beside the string matcher
      if (s.task("refusal") && !s.xs.isEmpty()) for (Judge j : judging.llmJudges()) for (EvalConfig.ModelSpec m : s.cfg.models()) judging.classify(j, m);
      // 5. report
      EvalReport report = new EvalReportBuilder(s).build(prov, runDir);
      Path json = runDir.resolve("report.json"), html = runDir.resolve("report.html");
      report.writeJson(json);
      HtmlReport.write(report, html);
      s.say.say(String.format(Locale.ROOT, "eval: done in %.1f s (%d units computed, %d resumed); report: %s",
          (System.nanoTime() - t0) / 1e9, s.computed, s.journal.resumed(), html));
      return new Result(report, runDir, json, html, s.journal.resumed(), s.computed);
    } finally {
      s.journal.close();
      if (s.client != null) s.client.close();
      if (s.store != null) s.store.close();
    }
  }

  /** Reads and validates every input into the run's state; returns them by provenance name. */
  private Map<String, Path> readInputs() {
    Map<String, Path> inputs = new LinkedHashMap<>();
    var d = s.cfg.data();
    boolean needRows = s.task("selection") || s.task("generation") || s.task("dpo");
    if (d.personaknob() != null && needRows) {
      List<PersonaRow> all = PersonaData.readAll(d.personaknob());
      List<PersonaRow> ev = all.stream().filter(r -> s.cfg.data().split().equals(r.split())).toList();
      if (ev.isEmpty()) {
        ev = all;
        s.trainRows = List.of();
        s.notes.add("No row has split '" + d.split() + "': every row is evaluated.");
      } else {
        s.trainRows = all.stream().filter(r -> !s.cfg.data().split().equals(r.split())).toList();
      }
      s.evalRows = limit(ev);
      Integer vr = s.cfg.validity().rows();
      s.validityRows = vr == null ? s.evalRows : vr == 0 || vr >= ev.size() ? ev : ev.subList(0, vr);
      inputs.put("personaknob", d.personaknob());
    } else if (needRows) {
      s.notes.add("No PersonaKnob data configured: selection, generation and DPO tasks skipped.");
    }
    if (s.task("sycophancy")) {
      if (d.areYouSure() != null) { s.ays = limit(AreYouSure.read(d.areYouSure())); inputs.put("are_you_sure", d.areYouSure()); }
      else s.notes.add("No are_you_sure data configured: the sycophancy benchmark was skipped.");
    }
    if (s.task("refusal")) {
      if (d.xstest() != null) { s.xs = balanced(XsTest.read(d.xstest())); inputs.put("xstest", d.xstest()); }
      else s.notes.add("No XSTest data configured: the refusal benchmark was skipped.");
    }
    for (EvalConfig.ModelSpec m : s.cfg.models()) {
      if (!m.local()) continue;
      if (!Files.isDirectory(m.path())) throw new UserException(m.path() + ": no such model directory (model '" + m.name() + "')");
      inputs.put("model:" + m.name(), m.path());
    }
    for (EvalConfig.JudgeSpec j : s.cfg.judges()) if (j.heads() != null) inputs.put("judge:" + j.name(), j.heads());
    return inputs;
  }

  private <T> List<T> limit(List<T> l) {
    int n = s.cfg.data().limit();
    return n > 0 && l.size() > n ? l.subList(0, n) : l;
  }

  /** The XSTest limit keeps both kinds: up to ⌈n/2⌉ safe and the rest unsafe prompts, in file order. */
  private List<XsTest.Prompt> balanced(List<XsTest.Prompt> all) {
    int n = s.cfg.data().limit();
    if (n <= 0 || all.size() <= n) return all;
    List<XsTest.Prompt> safe = all.stream().filter(XsTest.Prompt::safe).toList();
    List<XsTest.Prompt> unsafe = all.stream().filter(p -> !p.safe()).toList();
    int ns = Math.min(safe.size(), (n + 1) / 2), nu = Math.min(unsafe.size(), n - ns);
    ns = Math.min(safe.size(), n - nu);
    java.util.Set<XsTest.Prompt> keep = new java.util.HashSet<>(safe.subList(0, ns));
    keep.addAll(unsafe.subList(0, nu));
    return all.stream().filter(keep::contains).toList();
  }

  static String configHash(Provenance p) {
    return configHash(p.config(), p.dataHashes());
  }

  /**
   * The hash a run directory's journal is bound to (see {@link RunJournal}): the SHA-256 of the configuration
   * and the input hashes as canonical JSON (map keys sorted at every level: the iteration order of the maps
   * differs between JVM runs, the hash must not).
   */
  static String configHash(Map<String, Object> config, Map<String, String> dataHashes) {
    try {
      var m = new com.fasterxml.jackson.databind.ObjectMapper()
          .enable(com.fasterxml.jackson.databind.SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
      String canonical = m.writeValueAsString(config) + m.writeValueAsString(dataHashes);
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8)));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
