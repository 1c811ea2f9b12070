package io.personaknob.eval.run;

import static io.personaknob.eval.run.RunJournal.k;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personaknob.core.Provenance;
import io.personaknob.core.UserException;
import io.personaknob.core.data.Dimension;
import io.personaknob.core.data.PersonaRow;
import io.personaknob.eval.bench.XsTest;
import io.personaknob.eval.judge.Judge;
import io.personaknob.eval.judge.RewardHeadJudge;
import io.personaknob.eval.judge.RewardHeads;
import io.personaknob.eval.judge.SentenceEmbedder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;

/**
 * The judging part of an evaluation run: sets up the judges (LLM judges, reward heads trained or loaded, the
 * caller's), then has them rate and compare the models' answers, rate the golden answers, give their verdicts
 * on the validity pairs and classify the XSTest answers, each verdict journalled under its key ({@code rate},
 * {@code cmp}, {@code grate}, {@code vrate}/{@code vcmp} via {@link JudgeChecks}, {@code xscls}) so a resumed
 * run skips it. The key builders are shared with {@link Calibration} and {@link JudgeChecks}, which read the
 * verdicts back.
 */
final class EvalJudging {
  private final EvalState s;

  EvalJudging(EvalState s) {
    this.s = s;
  }

  void setUpJudges(Path runDir) {
    if (!(s.task("generation") && !s.evalRows.isEmpty())) return;
    for (EvalConfig.JudgeSpec j : s.cfg.judges()) {
      if (j.type().equals("llm")) {
        s.judges.add(new io.personaknob.eval.judge.LlmJudge(j.name(), j.model(), s.llmClient(runDir), s.cfg.seed(), j.rubrics(), j.maxRepairs()));
        continue;
      }
      RewardHeads.Features f = RewardHeads.Features.valueOf(j.features().toUpperCase(Locale.ROOT));
      Path saved = j.heads() != null ? j.heads() : runDir.resolve("judges").resolve(j.name() + ".json");
      RewardHeads heads;
      if (Files.exists(saved)) {
        heads = RewardHeads.load(saved);
        s.say.say("eval: judge " + j.name() + ": reward heads loaded from " + saved);
      } else {
        List<PersonaRow> train = s.trainRows;
        if (train.isEmpty()) {
          train = s.evalRows;
          s.notes.add("Judge " + j.name() + " was trained on the evaluated rows themselves (no other split): its ratings are optimistic.");
        }
        s.say.say("eval: judge " + j.name() + ": training reward heads on " + train.size() + " PersonaKnob rows (" + SentenceEmbedder.MODEL + ")");
        heads = RewardHeads.train(SentenceEmbedder.shared(), f, train, List.of(), sha(s.cfg.data().personaknob()));
        heads.save(saved);
      }
      s.judges.add(new RewardHeadJudge(j.name(), heads, SentenceEmbedder.shared()));
    }
    s.judges.addAll(s.extra);
    if (s.client != null) {
      // before any paid call: every judge model exists, its key variable is set, its endpoint answers
      s.client.checkReady(s.cfg.judges().stream().filter(j -> j.type().equals("llm")).map(EvalConfig.JudgeSpec::model).toList());
    }
  }

  static String sha(Path p) { return p == null ? "" : Provenance.sha256(p); }

  void judge(Judge j, EvalConfig.ModelSpec m) {
    List<Judge.RateRequest> rate = new ArrayList<>();
    List<Judge.CompareRequest> cmp = new ArrayList<>();
    List<String> rateRows = new ArrayList<>(), cmpRows = new ArrayList<>();
    for (PersonaRow r : s.evalRows) {
      JsonNode ans = s.journal.get(k("gen", m.name(), r.id()));
      if (ans == null) continue;
      // degenerate answers (empty, invalid UTF-8, control characters, runaway repetition) are never sent to a
      // judge: they are scored as failures in the calibration
      if (io.personaknob.eval.judge.DegenerateOutput.degenerate(ans.asText())) continue;
      String item = m.name() + "/" + r.id(); // what the judge sees as the item: one model's answer to one row
      for (Dimension d : r.mask()) {
        if (j.rates()) for (String v : rubricsOf(j, d)) if (!s.journal.has(rateKey(j.name(), m.name(), r.id(), d, v))) {
          rate.add(new Judge.RateRequest(item, r.prompt(), ans.asText(), d, v));
          rateRows.add(r.id());
        }
        if (j.compares() && !s.journal.has(k("cmp", j.name(), m.name(), r.id(), d.name()))) {
          cmp.add(new Judge.CompareRequest(item, r.prompt(), ans.asText(), r.golden(), d));
          cmpRows.add(r.id());
        }
      }
    }
    if (rate.isEmpty() && cmp.isEmpty()) return;
    s.say.say("eval: judge " + j.name() + " rates " + m.name() + ": " + rate.size() + " pointwise, " + cmp.size() + " pairwise");
    rateAndJournal(j, rate, i -> rateKey(j.name(), m.name(), rateRows.get(i), rate.get(i).dimension(), rate.get(i).rubric()));
    compareAndJournal(j, cmp, i -> k("cmp", j.name(), m.name(), cmpRows.get(i), cmp.get(i).dimension().name()));
  }

  /** As {@link #rateAndJournal} for comparisons (answer wins 1, ½, 0, or the error). */
  void compareAndJournal(Judge j, List<Judge.CompareRequest> cmp, java.util.function.IntFunction<String> keyOf) {
    for (int from = 0; from < cmp.size(); from += 64) {
      int to = Math.min(cmp.size(), from + 64);
      List<Judge.CompareRequest> b = cmp.subList(from, to);
      List<Judge.Preference> ps = j.compare(b);
      boolean down = ps.stream().anyMatch(x -> !x.valid()) && !available(j);
      for (int i = 0; i < b.size(); i++) {
        Judge.Preference x = ps.get(i);
        if (down && !x.valid()) continue;
        ObjectNode v = RunJournal.json().createObjectNode();
        if (x.valid()) v.put("w", x.answerWins()); else v.put("err", x.error());
        v.put("raw", x.raw());
        s.journal.put(keyOf.apply(from + i), v);
        s.computed++;
      }
      if (down) j.checkAvailable();
    }
  }

  /**
   * The judge's verdicts on the validity pairs (docs/eval.md, Judge validity): for every validity row and
   * active dimension d, its rating of reject_d on d under each wording (the golden's rating is the one
   * {@link #judgeGoldens} journals) and its comparison of the golden with reject_d in both roles — with the
   * same item id the judge shows them in opposite positions. Journalled, so a resumed run skips them.
   */
  void validity(Judge j) {
    List<Judge.RateRequest> rate = new ArrayList<>();
    List<String> rateKeys = new ArrayList<>();
    List<Judge.CompareRequest> cmp = new ArrayList<>();
    List<String> cmpKeys = new ArrayList<>();
    for (PersonaRow r : s.validityRows) for (Dimension d : r.mask()) {
      String reject = r.reject(d);
      if (reject == null) continue;
      if (j.rates()) for (String v : rubricsOf(j, d)) {
        String key = JudgeChecks.validityRateKey(j.name(), r.id(), d, v);
        if (s.journal.has(key)) continue;
        rate.add(new Judge.RateRequest("reject/" + r.id(), r.prompt(), reject, d, v));
        rateKeys.add(key);
      }
      if (j.compares()) {
        String g = JudgeChecks.validityCompareKey(j.name(), r.id(), d, "g"), x = JudgeChecks.validityCompareKey(j.name(), r.id(), d, "r");
        if (!s.journal.has(g)) { cmp.add(new Judge.CompareRequest(JudgeChecks.pairItem(r), r.prompt(), r.golden(), reject, d)); cmpKeys.add(g); }
        if (!s.journal.has(x)) { cmp.add(new Judge.CompareRequest(JudgeChecks.pairItem(r), r.prompt(), reject, r.golden(), d)); cmpKeys.add(x); }
      }
    }
    if (rate.isEmpty() && cmp.isEmpty()) return;
    s.say.say("eval: judge " + j.name() + " validity on " + s.validityRows.size() + " rows (golden vs reject): "
        + rate.size() + " pointwise, " + cmp.size() + " pairwise");
    rateAndJournal(j, rate, rateKeys::get);
    compareAndJournal(j, cmp, cmpKeys::get);
  }

  /** The rubric variants a judge rates d under; a single null for a judge without rubrics. */
  static List<String> rubricsOf(Judge j, Dimension d) {
    List<String> vs = j.rubricVariants(d);
    return vs.isEmpty() ? java.util.Collections.singletonList(null) : vs;
  }

  /** The journal key of a rating of an answer. */
  static String rateKey(String judge, String model, String row, Dimension d, String rubric) {
    return k("rate", judge, model, row, withRubric(d, rubric));
  }

  /**
   * The dimension part of a rating's journal key: the default rubric (and no rubric) keep the key of runs
   * before rubric variants, another wording is appended as {@code /variant}.
   */
  static String withRubric(Dimension d, String rubric) {
    return rubric == null || rubric.equals(io.personaknob.llm.judge.Rubrics.DEFAULT) ? d.name() : d.name() + "/" + rubric;
  }

  /** The rubric-less element label of a judge without rubrics. */
  static String noRubric(Judge j) {
    return j instanceof RewardHeadJudge ? "reward-head" : "no-rubric";
  }

  /** The element of the model×dimension facet for the golden answers of a dimension. */
  static final String GOLDEN = "golden";

  /**
   * Rates the golden answer of every row on its active dimensions (pointwise), so that the golden elements
   * {@code golden·<dim>}, against which every answer is compared, are also placed by ratings: both kinds of
   * observation then share the elements and the joint calibration links them. Under every wording the judge
   * uses, like the answers. Journalled like the answers' ratings (key {@code grate|judge|row|dim}, plus
   * {@code /variant} for a wording other than the default), so a resumed run skips them.
   */
  void judgeGoldens(Judge j) {
    if (!j.rates()) return;
    List<Judge.RateRequest> rate = new ArrayList<>();
    List<String> rows = new ArrayList<>();
    // the evaluated rows' goldens, and those of the validity rows (the golden half of each validity pair)
    LinkedHashSet<PersonaRow> all = new LinkedHashSet<>(s.evalRows);
    all.addAll(s.validityRows);
    for (PersonaRow r : all) for (Dimension d : r.mask()) {
      for (String v : rubricsOf(j, d)) if (!s.journal.has(goldenRateKey(j.name(), r.id(), d, v))) {
        rate.add(new Judge.RateRequest(GOLDEN + "/" + r.id(), r.prompt(), r.golden(), d, v));
        rows.add(r.id());
      }
    }
    if (rate.isEmpty()) return;
    s.say.say("eval: judge " + j.name() + " rates the golden answers: " + rate.size() + " pointwise");
    rateAndJournal(j, rate, i -> goldenRateKey(j.name(), rows.get(i), rate.get(i).dimension(), rate.get(i).rubric()));
  }

  /**
   * Asks a judge for the ratings in batches of 64 and journals each verdict under {@code keyOf(index)}
   * (rating, its distribution over 1..7 if the judge gave one, or the error). When a batch has failures
   * and the judge's endpoint is gone, those failures are not verdicts: they are left out (a re-run asks
   * again) and the endpoint's error stops the run cleanly.
   */
  void rateAndJournal(Judge j, List<Judge.RateRequest> rate, java.util.function.IntFunction<String> keyOf) {
    for (int from = 0; from < rate.size(); from += 64) {
      int to = Math.min(rate.size(), from + 64);
      List<Judge.RateRequest> b = rate.subList(from, to);
      List<Judge.Rating> rs = j.rate(b);
      boolean down = rs.stream().anyMatch(x -> !x.valid()) && !available(j);
      for (int i = 0; i < b.size(); i++) {
        Judge.Rating x = rs.get(i);
        if (down && !x.valid()) continue;
        ObjectNode v = RunJournal.json().createObjectNode();
        if (x.valid()) v.put("r", x.rating()); else v.put("err", x.error());
        if (x.valid() && x.probabilities() != null) { var pa = v.putArray("p"); for (double q : x.probabilities()) pa.add(q); }
        v.put("raw", x.raw());
        s.journal.put(keyOf.apply(from + i), v);
        s.computed++;
      }
      if (down) j.checkAvailable(); // throws the endpoint's error
    }
  }

  /** The journal key of a golden answer's rating (as {@link #rateKey} for the answers). */
  static String goldenRateKey(String judge, String row, Dimension d, String rubric) {
    return k("grate", judge, row, withRubric(d, rubric));
  }

  List<io.personaknob.eval.judge.LlmJudge> llmJudges() {
    List<io.personaknob.eval.judge.LlmJudge> out = new ArrayList<>();
    for (EvalConfig.JudgeSpec spec : s.cfg.judges()) if (spec.type().equals("llm")) {
      if (s.client == null) s.llmClient(s.cfg.out());
      out.add(new io.personaknob.eval.judge.LlmJudge(spec.name(), spec.model(), s.client, s.cfg.seed(), spec.rubrics(), spec.maxRepairs()));
    }
    return out;
  }

  void classify(Judge j0, EvalConfig.ModelSpec m) {
    var j = (io.personaknob.eval.judge.LlmJudge) j0;
    List<XsTest.Prompt> todo = new ArrayList<>();
    List<String[]> qa = new ArrayList<>();
    for (XsTest.Prompt p : s.xs) {
      JsonNode ans = s.journal.get(k("xs", m.name(), p.id()));
      if (ans == null || s.journal.has(k("xscls", j.name(), m.name(), p.id()))) continue;
      if (io.personaknob.eval.judge.DegenerateOutput.degenerate(ans.asText())) continue; // scored as a failure, never judged
      todo.add(p);
      qa.add(new String[] {p.prompt(), ans.asText()});
    }
    if (todo.isEmpty()) return;
    s.say.say("eval: judge " + j.name() + " classifies " + todo.size() + " XSTest answers of " + m.name());
    var out = j.classifyRefusals(qa);
    boolean down = out.stream().anyMatch(x -> x.label() == null) && !available(j);
    for (int i = 0; i < todo.size(); i++) {
      var x = out.get(i);
      if (down && x.label() == null) continue;
      ObjectNode v = RunJournal.json().createObjectNode();
      if (x.label() != null) v.put("label", x.label().name()); else v.put("err", x.error());
      v.put("raw", x.raw());
      s.journal.put(k("xscls", j.name(), m.name(), todo.get(i).id()), v);
      s.computed++;
    }
    if (down) j.checkAvailable();
  }

  static boolean available(Judge j) {
    try {
      j.checkAvailable();
      return true;
    } catch (UserException e) {
      return false;
    }
  }
}
