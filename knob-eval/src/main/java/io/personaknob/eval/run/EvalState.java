package io.personaknob.eval.run;

import io.personaknob.core.Provenance;
import io.personaknob.core.data.PersonaRow;
import io.personaknob.eval.bench.AreYouSure;
import io.personaknob.eval.bench.XsTest;
import io.personaknob.eval.judge.Judge;
import io.personaknob.lm.LanguageModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * What one evaluation run shares between its parts ({@link EvalRunner} reads the inputs into it,
 * {@link EvalAnswers} and {@link EvalJudging} journal their units, {@link EvalReportBuilder} reads them back):
 * the configuration, the validated inputs, the judges, the report notes, the journal and the LLM client.
 */
final class EvalState {
  final EvalConfig cfg;
  final EvalRunner.Progress say;
  final Function<Path, LanguageModel> loader;
  List<PersonaRow> evalRows = List.of(), trainRows = List.of(), validityRows = List.of();
  List<AreYouSure.Item> ays = List.of();
  List<XsTest.Prompt> xs = List.of();
  final List<Judge> judges = new ArrayList<>();
  final List<Judge> extra = new ArrayList<>();
  final List<String> notes = new ArrayList<>();
  RunJournal journal;
  int computed;
  io.personaknob.llm.RunStore store;
  io.personaknob.llm.LlmClient client;
  Provenance prov; // of this run, for the run store's row

  EvalState(EvalConfig cfg, EvalRunner.Progress say, Function<Path, LanguageModel> loader) {
    this.cfg = cfg;
    this.say = say;
    this.loader = loader;
  }

  boolean task(String t) { return cfg.tasks().contains(t); }

  /** The run's LLM client (API models, LLM judges), opened with its run store on first use. */
  io.personaknob.llm.LlmClient llmClient(Path runDir) {
    if (client == null) {
      Path kc = io.personaknob.llm.KnobConfig.locate(cfg.knobConfig(), System::getenv);
      var conf = io.personaknob.llm.KnobConfig.load(kc);
      store = io.personaknob.llm.RunStore.open(runDir.resolve("store.sqlite"));
      String runId = "eval-" + runDir.toAbsolutePath().normalize().getFileName();
      // the run's row: the client adds its accounting (calls, cache hits, failures, tokens, cost) to it on
      // close, and an UPDATE of a missing row would drop it silently
      store.startRun(runId, "eval", prov);
      client = io.personaknob.llm.LlmClient.builder(conf).store(store).runId(runId).build();
    }
    return client;
  }
}
