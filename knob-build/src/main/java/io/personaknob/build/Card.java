package io.personaknob.build;

import io.personaknob.core.data.Dimension;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The dataset card (README.md with YAML front matter, in the style of the PersonaKnob card) of a release. */
final class Card {
  private Card() {}

  static String sizeCategory(int n) {
    if (n < 1_000) return "n<1K";
    if (n < 10_000) return "1K<n<10K";
    if (n < 100_000) return "10K<n<100K";
    return "100K<n<1M";
  }

  private static String q(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  static String text(BuildSpec spec, List<BuildRow> all, List<BuildRow> released, int train, int test, double fraction,
      long seed, boolean unreviewed, String license) {
    int n = train + test;
    Map<String, Integer> masks = new LinkedHashMap<>();
    for (String m : Masks.all(List.of(Dimension.values()), 1)) {
      int c = (int) released.stream().filter(r -> r.mask.equals(m)).count();
      if (c > 0) masks.put(m, c);
    }
    Map<Integer, Integer> sizes = new java.util.TreeMap<>();
    for (BuildRow r : released) sizes.merge(r.mask.length(), 1, Integer::sum);
    Set<String> gens = new LinkedHashSet<>(), vers = new LinkedHashSet<>(), judges = new LinkedHashSet<>();
    for (BuildRow r : released) {
      gens.add(r.generator);
      vers.add(r.verifier);
      judges.addAll(r.judges);
    }
    Map<String, int[]> rates = Status.passRates(all);
    StringBuilder y = new StringBuilder("---\n");
    y.append("license: ").append(license).append('\n');
    y.append("language:\n- en\ntask_categories:\n- text-generation\n");
    y.append("size_categories:\n- ").append(sizeCategory(n)).append('\n');
    y.append("tags:\n");
    for (String t : List.of("persona", "alignment", "dpo", "multi-objective", "sycophancy", "trustworthiness", "empathy",
        "creativity", "synthetic", "personaknob")) y.append("- ").append(t).append('\n');
    y.append("configs:\n- config_name: default\n  data_files:\n");
    if (train > 0) y.append("  - split: train\n    path: data/train-*\n");
    if (test > 0) y.append("  - split: test\n    path: data/test-*\n");
    y.append("dataset_info:\n  features:\n");
    for (String c : io.personaknob.core.data.PersonaData.COLUMNS) {
      y.append("  - name: ").append(c).append('\n');
      if (c.equals("mask")) y.append("    sequence: string\n");
      else y.append("    dtype: string\n");
    }
    y.append("  splits:\n");
    if (train > 0) y.append("  - name: train\n    num_examples: ").append(train).append('\n');
    if (test > 0) y.append("  - name: test\n    num_examples: ").append(test).append('\n');
    y.append("personaknob_build:\n");
    y.append("  build: ").append(spec.name()).append('\n');
    y.append("  planned_rows: ").append(spec.n()).append('\n');
    y.append("  sampler: ").append(spec.sampler()).append('\n');
    y.append("  seed: ").append(seed).append('\n');
    y.append("  generators: [").append(String.join(", ", spec.generators())).append("]\n");
    y.append("  verifiers: [").append(String.join(", ", spec.verifiers())).append("]\n");
    y.append("  judges: [").append(String.join(", ", spec.judges())).append("]\n");
    y.append("  mask_shares:\n");
    masks.forEach((m, c) -> y.append("    ").append(m).append(": ").append(String.format("%.4f", (double) c / n)).append('\n'));
    y.append("  mask_size_shares:\n");
    sizes.forEach((s, c) -> y.append("    ").append(s).append(": ").append(String.format("%.4f", (double) c / n)).append('\n'));
    y.append("  pass_rates:\n");
    rates.forEach((s, v) -> y.append("    ").append(s).append(": {decided: ").append(v[0]).append(", passed: ").append(v[1])
        .append(v[0] > 0 ? String.format(", rate: %.4f", (double) v[1] / v[0]) : "").append("}\n"));
    y.append("  prompt_versions:\n");
    new java.util.TreeMap<>(spec.promptVersions()).forEach((k, v) -> y.append("    ").append(k).append(": ").append(q(v)).append('\n'));
    y.append("  unreviewed_rows_included: ").append(unreviewed).append('\n');
    y.append("---\n\n");

    y.append("# ").append(spec.name()).append(": a PersonaKnob-format dataset built with `knob build`\n\n");
    y.append("Rows in the PersonaKnob schema (mask, seed_scene, context, trigger, prompt, golden, reject_A/T/E/C): for every\n"
        + "active dimension k the golden answer is preferred to reject_k on k, and reject_k is no better than the golden on\n"
        + "the other dimensions.\n\n");
    y.append("| split | rows |\n|---|---|\n| train | ").append(train).append(" |\n| test | ").append(test).append(" |\n\n");
    y.append("Split: seeded (").append(seed).append("), stratified by mask, ").append(Math.round(fraction * 100)).append(" % test.\n\n");
    y.append("| mask | rows | share |\n|---|---|---|\n");
    masks.forEach((m, c) -> y.append("| ").append(m).append(" | ").append(c).append(" | ")
        .append(String.format("%.1f %%", 100.0 * c / n)).append(" |\n"));
    y.append("\n| stage | decided | passed | pass rate |\n|---|---|---|---|\n");
    rates.forEach((s, v) -> y.append("| ").append(s).append(" | ").append(v[0]).append(" | ").append(v[1]).append(" | ")
        .append(v[0] > 0 ? String.format("%.1f %%", 100.0 * v[1] / v[0]) : "–").append(" |\n"));
    y.append("\nModels (names from knob.yaml): generators ").append(String.join(", ", gens)).append("; verifiers ")
        .append(String.join(", ", vers)).append("; judges ").append(String.join(", ", judges)).append(".\n");
    if (unreviewed) y.append("\n**Includes rows that passed the automatic checks but were not reviewed by a person.**\n");
    return y.toString();
  }
}
