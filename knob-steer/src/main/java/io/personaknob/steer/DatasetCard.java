package io.personaknob.steer;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personaknob.core.Provenance;
import java.util.List;
import java.util.Map;

/** The dataset card (README.md with Hub YAML front matter) of a steering export. */
final class DatasetCard {
  private DatasetCard() {}

  static String text(HubExport.Run run, Map<String, Integer> counts, Map<String, Map<String, String>> schemas, Provenance prov) {
    StringBuilder sb = new StringBuilder();
    sb.append("---\nlicense: mit\npretty_name: Persona steering template measurements (").append(yaml(run.measurementId())).append(")\n");
    sb.append("tags:\n- persona\n- steering\n- prompt-templates\n- llm-as-judge\n");
    sb.append("configs:\n- config_name: default\n  data_files:\n");
    for (String s : HubExport.SPLITS) sb.append("  - split: ").append(s).append("\n    path: data/").append(s).append(".parquet\n");
    sb.append("---\n\n");
    sb.append("# Persona steering template measurements: ").append(md(run.measurementId())).append("\n\n");
    sb.append("Which prompt templates (\"You are a {persona} person...\") move a model along a persona axis and nothing else. ")
        .append("Each cell is a template x persona pair; for every scenario the generator answers once per pole, blind A/B ")
        .append("axis judges compare the two answers on the positive and the negative target behaviour in both orders, a style ")
        .append("judge and a confound judge look for what else changed, and lexical audits flag persona echo and refusals. ")
        .append("Protocol and formulas: the persona-steering-template-library (MIT, github.com/wassname/persona-steering-template-library) ")
        .append("as reimplemented by personaknob (`knob steer`, docs/steer.md).\n\n");
    sb.append("## Score\n\nPer cell: `on_axis = clamp01(mean_axis_delta / 8)`, `off_axis = clamp01((mean_off_axis_problem - 1) / 6)`, ")
        .append("`score = 100 * on_axis * (1 - off_axis)` (on/off rounded to 4 dp, score to 1 dp). Per template: `score` = mean of ")
        .append("the cell scores, `score_t` = mean / (sample std / sqrt(n_cells)), `best_score` = best cell. `score_lo`/`score_hi`: ")
        .append("95% bootstrap interval over scenarios and axis judges; `decided` = pass / fail / uncertain against the pass line ")
        .append(io.personaknob.core.PythonText.repr(Uncertainty.PASS_LINE)).append(" (the score of a cell exactly at axis delta 3 and off-axis 2).\n\n");
    sb.append("## Splits\n\nOne Parquet file per split, `data/<split>.parquet`. Lists and objects are stored as JSON text.\n\n");
    sb.append("| split | rows | columns |\n|---|---|---|\n");
    for (String s : HubExport.SPLITS) {
      sb.append("| `").append(s).append("` | ").append(counts.getOrDefault(s, 0)).append(" | ")
          .append(schemas.getOrDefault(s, Map.of()).size()).append(" |\n");
    }
    sb.append("\n- `main`: one row per template (scores, strict-pass summary), sorted by best cell then score.\n")
        .append("- `template_pair_cells`: one row per template x persona pair: the library's template-pair statistics, the ")
        .append("HEAD and six-factor scores, bootstrap intervals and the run's settings.\n")
        .append("- `persona_pairs`: one row per persona pair: its best template and how many cells pass or are still uncertain.\n")
        .append("- `examples`: one row per generated pair, in the library's examples schema.\n")
        .append("- `controls`: the cells of the control templates (empty string, bare `{persona}`, a jailbreak-style wrapper).\n\n");
    sb.append("## Run\n\n");
    for (var e : run.meta().entrySet()) sb.append("- ").append(md(e.getKey())).append(": `").append(md(String.valueOf(e.getValue()))).append("`\n");
    sb.append("\n## Caveats\n\nAutomatic judges, one generator, one seed; cells with few scenarios have wide intervals (see ")
        .append("`score_lo`/`score_hi`). Treat `recommended` as \"worth a larger sweep\".\n\n");
    sb.append("## Provenance\n\nknob ").append(md(prov.version())).append(", created ").append(prov.createdAt()).append("; inputs (SHA-256):\n\n");
    prov.dataHashes().forEach((k, v) -> sb.append("- ").append(md(k)).append(": `").append(v).append("`\n"));
    List<ObjectNode> top = run.templateScores().stream().limit(10).toList();
    if (!top.isEmpty()) {
      sb.append("\n## Top templates by score_t\n\n| template | score | score_t | cells |\n|---|---|---|---|\n");
      for (ObjectNode t : top) {
        sb.append("| ").append(md(t.get("template").asText())).append(" | ").append(io.personaknob.core.PythonText.repr(t.get("score").doubleValue()))
            .append(" | ").append(io.personaknob.core.PythonText.repr(t.get("score_t").doubleValue())).append(" | ").append(t.get("n_cells").asInt()).append(" |\n");
      }
    }
    return sb.toString();
  }

  private static String yaml(String s) {
    return s.replaceAll("[^A-Za-z0-9_.-]", "_");
  }

  /** Markdown-safe one-line text (table pipes and newlines escaped, HTML brackets neutralised). */
  static String md(String s) {
    return s.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("<", "&lt;").replace(">", "&gt;").replace("`", "'");
  }
}
