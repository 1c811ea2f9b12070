package io.personaknob.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.personaknob.core.data.Dimension;
import io.personaknob.train.PreferenceGroups.Group;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Sequences and their log-probabilities for the trainer: the batch of a list of preference groups (each golden
 * and each (group, dimension) reject as one prompt + completion sequence), the summed completion
 * log-probabilities of a batch under given weights, and the reference model's, computed once and cached.
 */
final class LogProbs {

  private LogProbs() {}

  /** Sequences of a batch of groups: index of each golden and of each (group, dimension) reject. */
  record Batch(List<int[]> prompts, List<int[]> comps, List<Integer> golden,
      Map<Dimension, List<int[]>> pairs /* [groupPos, chosenIdx, rejectedIdx, globalGroup] */) {}

  /**
   * The batch of the groups {@code groupIdx} of {@code src}; with {@code only} set, just the groups with a
   * reject of those dimensions, and of them just those rejects.
   */
  static Batch batch(List<Integer> groupIdx, List<Group> src, Set<Dimension> only) {
    List<int[]> prompts = new ArrayList<>();
    List<int[]> comps = new ArrayList<>();
    List<Integer> golden = new ArrayList<>();
    Map<Dimension, List<int[]>> pairs = new EnumMap<>(Dimension.class);
    for (int gi : groupIdx) {
      Group g = src.get(gi);
      boolean any = only == null || g.rejects().keySet().stream().anyMatch(only::contains);
      if (!any) continue;
      int c = prompts.size();
      prompts.add(g.prompt());
      comps.add(g.golden());
      golden.add(c);
      int k = 0;
      for (var e : g.rejects().entrySet()) {
        k++;
        if (only != null && !only.contains(e.getKey())) continue;
        int r = prompts.size();
        prompts.add(g.prompt());
        comps.add(e.getValue());
        pairs.computeIfAbsent(e.getKey(), x -> new ArrayList<>()).add(new int[] {gi, c, r, k});
      }
    }
    return new Batch(prompts, comps, golden, pairs);
  }

  /** Summed completion log-probabilities [n] (prompt and padding masked). */
  static NDArray sequenceLogps(TrainableLm model, NDManager s, Map<String, NDArray> w, List<int[]> prompts,
      List<int[]> comps) {
    int n = prompts.size();
    int t = 0;
    for (int i = 0; i < n; i++) t = Math.max(t, prompts.get(i).length + comps.get(i).length);
    int pad = model.tokenizer().eosTokenIds().stream().mapToInt(Integer::intValue).min().orElse(0);
    int[] ids = new int[n * t];
    float[] mask = new float[n * t];
    float[] tmask = new float[n * (t - 1)];
    java.util.Arrays.fill(ids, pad);
    for (int i = 0; i < n; i++) {
      int[] p = prompts.get(i), c = comps.get(i);
      System.arraycopy(p, 0, ids, i * t, p.length);
      System.arraycopy(c, 0, ids, i * t + p.length, c.length);
      for (int j = 0; j < p.length + c.length; j++) mask[i * t + j] = 1;
      // position j predicts token j+1: a completion target when p.length <= j+1 < p.length + c.length
      for (int j = p.length - 1; j < p.length + c.length - 1; j++) tmask[i * (t - 1) + j] = 1;
    }
    NDArray idArr = s.create(ids, new Shape(n, t));
    NDArray logits = model.forward(s, w, idArr, s.create(mask, new Shape(n, t)));
    NDArray lp = logits.get(":, :-1, :").logSoftmax(-1);
    NDArray tgt = idArr.get(":, 1:").toType(DataType.INT64, false).expandDims(-1);
    NDArray tok = lp.gather(tgt, -1).squeeze(-1);
    return tok.mul(s.create(tmask, new Shape(n, t - 1))).sum(new int[] {1});
  }

  /**
   * The reference model's summed log-probabilities per group ([golden, rejects in mask order]), read from the
   * cache under {@code cfg.refCache} (else {@code out/ref-cache}) when it holds them for this model, data,
   * chat template and lengths, else computed in batches of {@code cfg.batchSize} with the untrained weights
   * and cached.
   */
  static float[][] reference(TrainableLm model, NDManager parent, TrainConfig cfg, Path out, List<Group> src,
      String name, String dataHash, String modelHash, Consumer<String> say) throws IOException {
    String key = TrainFiles.sha256(modelHash + "|" + dataHash
        + "|" + PreferenceGroups.renderPrompt("{prompt}", model.chatTemplate()) + "|" + cfg.maxLength + "|"
        + cfg.maxPromptLength);
    Path dir = cfg.refCache != null ? Path.of(cfg.refCache) : out.resolve("ref-cache");
    Path file = dir.resolve("ref-" + name + "-" + key.substring(0, 24) + ".safetensors");
    float[][] r = new float[src.size()][];
    if (Files.isRegularFile(file)) {
      var t = Tensors.read(file).get("logps");
      int o = 0;
      for (int i = 0; i < src.size(); i++) {
        r[i] = java.util.Arrays.copyOfRange(t.data(), o, o + src.get(i).sequences());
        o += src.get(i).sequences();
      }
      return r;
    }
    say.accept("computing reference log-probabilities of " + src.size() + " " + name + " rows (cached in " + dir + ")");
    List<Float> all = new ArrayList<>();
    int chunk = Math.max(1, cfg.batchSize);
    for (int i = 0; i < src.size(); i += chunk) {
      List<Integer> idx = new ArrayList<>();
      for (int j = i; j < Math.min(src.size(), i + chunk); j++) idx.add(j);
      Batch b = batch(idx, src, null);
      try (NDManager s = parent.newSubManager(); ai.djl.ndarray.NDScope scope = new ai.djl.ndarray.NDScope()) {
        float[] lp = sequenceLogps(model, s, model.parameters(), b.prompts(), b.comps()).toFloatArray();
        int o = 0;
        for (int gi : idx) {
          int n = src.get(gi).sequences();
          r[gi] = java.util.Arrays.copyOfRange(lp, o, o + n);
          o += n;
        }
      }
    }
    for (float[] x : r) for (float v : x) all.add(v);
    float[] flat = new float[all.size()];
    for (int i = 0; i < flat.length; i++) flat[i] = all.get(i);
    Files.createDirectories(dir);
    Path tmp = dir.resolve("." + file.getFileName() + ".tmp");
    Tensors.write(tmp, Map.of("logps", Tensors.of(new long[] {flat.length}, flat)),
        Map.of("model", modelHash, "key", key));
    TrainFiles.moveAtomic(tmp, file);
    return r;
  }
}
