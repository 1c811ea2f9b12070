package io.personaknob.train.steer;

import io.personaknob.core.UserException;
import io.personaknob.lm.DjlLanguageModel;
import io.personaknob.lm.Tokenizer;
import io.personaknob.lm.steer.HiddenStates;
import io.personaknob.lm.steer.SteeringVector;
import io.personaknob.lm.steer.VectorExtraction;
import io.personaknob.train.PreferenceGroups;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.IntConsumer;

/**
 * Builds a steering vector from contrastive pairs: prompts rendered as training renders them (the chat
 * template, or knob's plain template), positive and negative answers run through the model, the residual
 * stream read at the chosen position after each candidate layer, a direction fitted per layer
 * ({@link VectorExtraction}), and the layers kept that were asked for — or, with {@code auto:K}, the K
 * with the best held-out AUROC.
 */
public final class VectorBuilder {
  private VectorBuilder() {}

  /**
   * @param layers "3,5", "-1" (last), "all", or "auto" / "auto:K" (the K best by held-out AUROC; K = 1)
   * @param maxLength tokens per prompt + answer; longer answers are cut, prompts keep their last tokens
   */
  public record Options(String layers, VectorExtraction.Method method, HiddenStates.Position position, double holdout,
      long seed, int batchSize, int maxLength) {}

  /** The vector and what each candidate layer showed. */
  public record Result(SteeringVector vector, List<VectorExtraction.LayerResult> candidates, List<Integer> chosen) {}

  public static Result build(DjlLanguageModel lm, List<ContrastPairs.Pair> pairs, Options o, Map<String, String> meta,
      IntConsumer progress) {
    Tokenizer tok = lm.tokenizer();
    if (tok == null) throw new UserException("the model has no tokenizer.json; steering vectors need text");
    if (!(o.holdout() >= 0 && o.holdout() < 1)) throw new UserException("--holdout must be in [0, 1), got " + o.holdout());
    int numLayers = lm.model().config().numLayers();
    boolean auto = o.layers().startsWith("auto");
    int k = 1;
    if (auto && o.layers().contains(":")) {
      try {
        k = Integer.parseInt(o.layers().substring(o.layers().indexOf(':') + 1));
      } catch (NumberFormatException e) {
        throw new UserException("--layers " + o.layers() + ": expected auto:K with a number K");
      }
      if (k < 1 || k > numLayers) throw new UserException("--layers " + o.layers() + ": K must be 1.." + numLayers);
    }
    List<Integer> candidates = new ArrayList<>();
    if (auto || o.layers().equals("all")) {
      for (int l = 0; l < numLayers; l++) candidates.add(l);
    } else {
      candidates = HiddenStates.parseLayers(o.layers(), numLayers);
    }
    int max = Math.min(o.maxLength(), lm.contextLength());
    List<HiddenStates.Text> texts = new ArrayList<>(2 * pairs.size());
    for (ContrastPairs.Pair p : pairs) {
      int[] prompt = tok.encode(PreferenceGroups.renderPrompt(p.prompt(), lm.chatTemplate()), false);
      if (prompt.length >= max) prompt = Arrays.copyOfRange(prompt, prompt.length - max / 2, prompt.length);
      for (String answer : new String[] {p.positive(), p.negative()}) {
        int[] a = tok.encode(answer, false);
        if (a.length == 0) throw new UserException("pair " + p.id() + ": empty answer");
        if (prompt.length + a.length > max) a = Arrays.copyOf(a, max - prompt.length);
        texts.add(new HiddenStates.Text(prompt, a));
      }
    }
    Set<Integer> ls = new LinkedHashSet<>(candidates);
    Map<Integer, float[][]> h = HiddenStates.collect(lm, texts, ls, o.position(), o.batchSize(), progress);
    List<VectorExtraction.LayerResult> results = new ArrayList<>();
    for (int l : candidates) {
      float[][] all = h.get(l);
      float[][] pos = new float[pairs.size()][], neg = new float[pairs.size()][];
      for (int i = 0; i < pairs.size(); i++) {
        pos[i] = all[2 * i];
        neg[i] = all[2 * i + 1];
      }
      results.add(VectorExtraction.fit(l, pos, neg, o.method(), o.holdout(), o.seed()));
    }
    List<VectorExtraction.LayerResult> keep = new ArrayList<>(results);
    if (auto) {
      keep.sort(Comparator.comparingDouble((VectorExtraction.LayerResult r) -> Double.isNaN(r.auroc()) ? -1 : r.auroc()).reversed()
          .thenComparingInt(r -> Math.abs(2 * r.layer() - (numLayers - 1)))); // ties: nearer the middle
      keep = new ArrayList<>(keep.subList(0, k));
    }
    Map<Integer, float[]> dirs = new TreeMap<>();
    for (VectorExtraction.LayerResult r : keep) dirs.put(r.layer(), r.direction());
    Map<String, String> m = new LinkedHashMap<>(meta);
    m.put("method", o.method().label());
    m.put("position", o.position().label());
    m.put("pairs", Integer.toString(pairs.size()));
    m.put("holdout", Double.toString(o.holdout()));
    m.put("seed", Long.toString(o.seed()));
    StringBuilder sep = new StringBuilder();
    for (VectorExtraction.LayerResult r : results) {
      if (sep.length() > 0) sep.append(',');
      sep.append(r.layer()).append(':').append(String.format(Locale.ROOT, "%.4f", r.auroc()));
    }
    m.put("auroc_by_layer", sep.toString());
    SteeringVector v = new SteeringVector(lm.info().name(), lm.info().modelType(), lm.model().config().hiddenSize(), numLayers, dirs, m);
    List<Integer> chosen = new ArrayList<>(dirs.keySet());
    return new Result(v, results, chosen);
  }
}
