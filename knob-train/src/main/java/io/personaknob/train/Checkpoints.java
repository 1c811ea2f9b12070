package io.personaknob.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.personaknob.core.Provenance;
import io.personaknob.core.UserException;
import io.personaknob.lm.engine.LmEngine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * What a Lag-DPO run keeps on disk besides its metrics: atomic checkpoints (trainable tensors, optimiser
 * moments, trainer state) and their exact restore with the resume checks of docs/lag-dpo.md §7, the final
 * model or adapter, and the run's provenance with the history of its resumes.
 */
final class Checkpoints {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** What {@link #restore} brought back: the step, bco_pair's moments, and what this resume changed (or nulls). */
  record Restored(int step, DpoLoss.RunningMoments bco, Map<String, Object> record, String warning) {}

  private final TrainConfig cfg;
  private final Path out;
  private final String dataHash;
  private final String modelHash;
  private final int totalSteps;
  /** The settings changed by earlier resumes: [{step, changed: {key: [before, after]}}] (provenance, state). */
  private final List<Map<String, Object>> resumeHistory = new ArrayList<>();

  Checkpoints(TrainConfig cfg, Path out, String dataHash, String modelHash, int totalSteps) {
    this.cfg = cfg;
    this.out = out;
    this.dataHash = dataHash;
    this.modelHash = modelHash;
    this.totalSteps = totalSteps;
  }

  /**
   * Everything a checkpoint holds: the live state, or a copy of it (native copies of the tensors, owned by
   * {@code manager}, which {@link #close()} frees). A live state has no manager.
   */
  record State(int step, Map<String, NDArray> weights, Map<String, NDArray> m, Map<String, NDArray> v,
      long optimizerSteps, Map<String, Object> lagrangian, DpoLoss.RunningMoments bco, NDManager manager)
      implements AutoCloseable {
    @Override
    public void close() {
      if (manager != null) manager.close();
    }
  }

  /** A copy of the current state (before this step's update), with bco_pair's δ as it was at the step's start. */
  static State capture(int step, Map<String, NDArray> trainable, AdamW optimizer, Lagrangian lagrangian,
      DpoLoss.RunningMoments bcoState) {
    NDManager mg = LmEngine.get().newBaseManager();
    java.util.function.Function<Map<String, NDArray>, Map<String, NDArray>> dup = src -> {
      Map<String, NDArray> d = new LinkedHashMap<>();
      src.forEach((k, a) -> {
        NDArray c = a.duplicate();
        c.attach(mg);
        ai.djl.ndarray.NDScope.unregister(c);
        d.put(k, c);
      });
      return d;
    };
    return new State(step, dup.apply(trainable), dup.apply(optimizer.m), dup.apply(optimizer.v), optimizer.t,
        lagrangian.state(), bcoState.copy(), mg);
  }

  /** The newest complete checkpoint of this run, or null. */
  Path latest() {
    return latestIn(out);
  }

  /** The newest complete checkpoint ("checkpoint-N" with its trainer_state.json) in {@code out}, or null. */
  static Path latestIn(Path out) {
    if (!Files.isDirectory(out)) return null;
    try (var s = Files.list(out)) {
      return s.filter(p -> p.getFileName().toString().matches("checkpoint-\\d+") && Files.isRegularFile(p.resolve("trainer_state.json")))
          .max((a, b) -> Integer.compare(stepOf(a), stepOf(b))).orElse(null);
    } catch (IOException e) {
      throw new UserException(out + ": cannot list: " + e.getMessage());
    }
  }

  /** N of "checkpoint-N". */
  static int stepOf(Path ck) {
    return Integer.parseInt(ck.getFileName().toString().substring("checkpoint-".length()));
  }

  private static Map<String, io.personaknob.lm.safetensors.SafeTensors.FloatTensor> tensors(String prefix,
      Map<String, NDArray> a, Map<String, io.personaknob.lm.safetensors.SafeTensors.FloatTensor> into) {
    a.forEach((k, x) -> into.put(prefix + k, Tensors.of(x.getShape().getShape(), x.toFloatArray())));
    return into;
  }

  /**
   * Writes {@code state} as checkpoint-STEP (tensors, optimiser moments, trainer_state.json with settings,
   * hashes, multipliers, bco moments, resume history and provenance) atomically, then deletes all but the
   * newest {@code keep-checkpoints}.
   */
  void write(State state, Provenance prov) throws IOException {
    int at = state.step();
    Path dir = out.resolve("checkpoint-" + at);
    Path tmp = out.resolve(".checkpoint-" + at + ".tmp");
    TrainFiles.deleteTree(tmp);
    Files.createDirectories(tmp);
    Tensors.write(tmp.resolve("trainable.safetensors"), tensors("", state.weights(), new LinkedHashMap<>()),
        Map.of("format", "pt"));
    // the moments as AdamW.state() names them ("m.NAME", "v.NAME")
    Tensors.write(tmp.resolve("optimizer.safetensors"),
        tensors("v.", state.v(), tensors("m.", state.m(), new LinkedHashMap<>())), Map.of());
    Map<String, Object> st = new LinkedHashMap<>();
    st.put("step", at);
    st.put("total_steps", totalSteps);
    st.put("data_position", (long) at * cfg.gradAccum * cfg.batchSize);
    st.put("optimizer_steps", state.optimizerSteps());
    st.put("config", cfg.toMap());
    st.put("data_sha256", dataHash);
    st.put("model_sha256", modelHash);
    st.put("lagrangian", state.lagrangian());
    st.put("bco", Map.of("mean", state.bco().mean, "var", state.bco().var, "count", state.bco().count));
    st.put("resume_history", resumeHistory);
    st.put("rng", Map.of("seed", cfg.seed, "note", "shuffles and PCGrad orders derive from (seed, epoch, step)"));
    st.put("provenance", provMap(prov));
    Files.writeString(tmp.resolve("trainer_state.json"),
        JSON.writerWithDefaultPrettyPrinter().writeValueAsString(st));
    TrainFiles.deleteTree(dir);
    TrainFiles.moveAtomic(tmp, dir);
    // keep the newest checkpoints only
    try (var s = Files.list(out)) {
      List<Path> cks = s.filter(p -> p.getFileName().toString().matches("checkpoint-\\d+"))
          .sorted((a, b) -> Integer.compare(stepOf(b), stepOf(a))).toList();
      for (int i = Math.max(1, cfg.keepCheckpoints); i < cks.size(); i++) TrainFiles.deleteTree(cks.get(i));
    }
  }

  /**
   * Makes {@code good} the newest checkpoint: a checkpoint newer than it holds weights that diverge, and
   * resuming must not pick it, so those are deleted before {@code good} is written.
   */
  void rollBackTo(State good, Provenance prov) throws IOException {
    try (var ls = Files.list(out)) {
      for (Path p : ls.filter(x -> x.getFileName().toString().matches("checkpoint-\\d+") && stepOf(x) > good.step()).toList())
        TrainFiles.deleteTree(p);
    }
    write(good, prov);
  }

  /**
   * The settings of the newest checkpoint in {@code out} (what {@code knob train --resume} starts from before
   * its flags), or null when there is none.
   */
  static TrainConfig savedConfig(Path out) {
    Path ck = latestIn(out);
    if (ck == null) return null;
    try {
      return TrainConfig.JSON.treeToValue(JSON.readTree(ck.resolve("trainer_state.json").toFile()).path("config"),
          TrainConfig.class);
    } catch (IOException e) {
      throw new UserException(ck.resolve("trainer_state.json") + ": cannot read the run's settings: " + e.getMessage());
    }
  }

  /**
   * Loads a checkpoint after checking the settings against the run's (docs/lag-dpo.md §7): a changed setting
   * of {@link TrainConfig#RESUME_FIXED}, or other model or data contents, is refused with every such setting
   * named; changes of {@link TrainConfig#RESUME_FREE} settings are recorded and come back with the warning
   * to print. The trainable tensors are replaced in {@code trainable}, the optimiser and the multipliers
   * restored in place.
   */
  @SuppressWarnings("unchecked")
  Restored restore(Path ck, Map<String, NDArray> trainable, NDManager trainManager, AdamW optimizer,
      Lagrangian lagrangian) throws IOException {
    Map<String, Object> st = JSON.readValue(ck.resolve("trainer_state.json").toFile(), Map.class);
    List<String> refused = new ArrayList<>();
    if (!dataHash.equals(st.get("data_sha256")))
      refused.add("data (" + cfg.data + " is not the data the run trained on: its SHA-256 differs)");
    if (!modelHash.equals(st.get("model_sha256")))
      refused.add("model (" + cfg.model + " is not the model the run started from: its SHA-256 differs)");
    ResumeCheck check = ResumeCheck.compare((Map<String, Object>) st.get("config"), JSON.convertValue(cfg.toMap(), Map.class));
    refused.addAll(check.refused());
    Map<String, Object> changed = check.changed();
    if (!refused.isEmpty())
      throw new UserException("cannot resume " + ck + ": these settings cannot change on resume: "
          + String.join("; ", refused) + ". Resume with the run's values (flags left out take them from the "
          + "checkpoint) or start a new run with another --out.");
    var w = Tensors.read(ck.resolve("trainable.safetensors"));
    for (var e : trainable.entrySet()) {
      var t = w.get(e.getKey());
      if (t == null) throw new UserException(ck + ": trainable.safetensors lacks " + e.getKey());
      NDArray a = trainManager.create(t.data(), new Shape(t.shape()));
      a.setRequiresGradient(true);
      e.getValue().close();
      e.setValue(a);
    }
    int step = ((Number) st.get("step")).intValue();
    optimizer.restore(Tensors.read(ck.resolve("optimizer.safetensors")), ((Number) st.get("optimizer_steps")).longValue());
    lagrangian.restore((Map<String, Object>) st.get("lagrangian"));
    Map<String, Object> b = (Map<String, Object>) st.get("bco");
    var bco = new DpoLoss.RunningMoments(((Number) b.get("mean")).doubleValue(),
        b.get("var") instanceof Number v ? v.doubleValue() : 1.0, ((Number) b.get("count")).doubleValue());
    if (st.get("resume_history") instanceof List<?> h) for (Object o : h) resumeHistory.add((Map<String, Object>) o);
    if (changed.isEmpty()) return new Restored(step, bco, null, null);
    Map<String, Object> rec = new LinkedHashMap<>();
    rec.put("step", step);
    rec.put("changed", changed);
    resumeHistory.add(rec);
    String msg = "warning: resuming " + ck.getFileName() + " with changed settings: " + check.changes()
        + " (they shape only the steps from " + (step + 1) + " on; recorded in metrics.jsonl and the provenance)";
    return new Restored(step, bco, rec, msg);
  }

  /** Drops the metrics rows after step {@code upTo} (written after the checkpoint resumed from) and any cut line. */
  static void truncateMetrics(Path f, int upTo) throws IOException {
    if (!Files.exists(f)) return;
    List<String> keep = new ArrayList<>();
    for (String line : Files.readAllLines(f)) {
      if (line.isBlank()) continue;
      try {
        if (((Number) JSON.readValue(line, Map.class).get("step")).intValue() <= upTo) keep.add(line);
      } catch (IOException e) {
        // a line cut by the kill: drop it
      }
    }
    TrainFiles.writeAtomic(f, keep.isEmpty() ? "" : String.join("\n", keep) + "\n");
  }

  /**
   * Saves the trained result atomically: the LoRA adapter in PEFT's layout ({@code save: adapter}), else the
   * model with its effective weights in the Hugging Face layout; either with its provenance.json.
   */
  Path saveFinal(Provenance prov, TrainableLm model, NDManager trainManager, Map<String, NDArray> trainable,
      Map<String, TrainableLm.LinearShape> loraTargets, Supplier<Map<String, NDArray>> effectiveWeights)
      throws IOException {
    boolean adapter = "adapter".equals(cfg.save);
    Path dir = out.resolve(adapter ? "adapter" : "model");
    Path tmp = out.resolve("." + dir.getFileName() + ".tmp");
    TrainFiles.deleteTree(tmp);
    if (adapter) {
      Files.createDirectories(tmp);
      Map<String, io.personaknob.lm.safetensors.SafeTensors.FloatTensor> t = new LinkedHashMap<>();
      for (String k : loraTargets.keySet()) {
        String base = "base_model.model." + k.substring(0, k.length() - ".weight".length());
        NDArray a = trainable.get(k + ".lora_A").transpose(); // PEFT: lora_A.weight [r, in]
        NDArray b = trainable.get(k + ".lora_B").transpose(); // PEFT: lora_B.weight [out, r]
        t.put(base + ".lora_A.weight", Tensors.of(a.getShape().getShape(), a.toFloatArray()));
        t.put(base + ".lora_B.weight", Tensors.of(b.getShape().getShape(), b.toFloatArray()));
        a.close();
        b.close();
      }
      Tensors.write(tmp.resolve("adapter_model.safetensors"), t, Map.of("format", "pt"));
      Map<String, Object> ac = new LinkedHashMap<>();
      ac.put("peft_type", "LORA");
      ac.put("task_type", "CAUSAL_LM");
      ac.put("r", cfg.loraR);
      ac.put("lora_alpha", cfg.loraAlpha);
      ac.put("lora_dropout", 0.0);
      ac.put("bias", "none");
      // PEFT's flag for weights stored [in, out] (GPT-2's Conv1D); nn.Linear weights are [out, in]
      ac.put("fan_in_fan_out", loraTargets.values().stream().anyMatch(x -> !x.outFirst()));
      ac.put("target_modules", loraTargets.keySet().stream()
          .map(k -> k.substring(0, k.length() - ".weight".length())).toList());
      ac.put("base_model_name_or_path", Path.of(cfg.model).toAbsolutePath().toString());
      TrainConfig.writeJson(tmp.resolve("adapter_config.json"), ac);
    } else {
      try (NDManager s = trainManager.newSubManager(); ai.djl.ndarray.NDScope scope = new ai.djl.ndarray.NDScope()) {
        Map<String, NDArray> w = effectiveWeights.get();
        model.saveHubLayout(tmp, w);
      }
    }
    Files.writeString(tmp.resolve("provenance.json"),
        JSON.writerWithDefaultPrettyPrinter().writeValueAsString(provMap(prov)));
    TrainFiles.deleteTree(dir);
    TrainFiles.moveAtomic(tmp, dir);
    return dir;
  }

  /** The provenance of the run's results: settings (with the resume history), data and model hashes, versions. */
  Provenance provenance() {
    Map<String, Object> c = cfg.toMap();
    c.values().removeIf(java.util.Objects::isNull);
    if (!resumeHistory.isEmpty()) c.put("resume-history", List.copyOf(resumeHistory));
    Map<String, String> v = new LinkedHashMap<>();
    v.put("djl", LmEngine.djlVersion());
    v.put("engine", LmEngine.get().getEngineName() + " " + LmEngine.get().getVersion());
    Provenance p = new Provenance(Provenance.knobVersion(), Runtime.version().toString(),
        System.getProperty("os.name") + " " + System.getProperty("os.arch"), java.time.Instant.now(), c,
        Map.of("data", dataHash, "model", modelHash), Map.of());
    return p.withVersions(v);
  }

  /** Provenance as a JSON-ready map. */
  static Map<String, Object> provMap(Provenance p) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("version", p.version());
    m.put("java", p.javaVersion());
    m.put("os", p.os());
    m.put("created_at", p.createdAt().toString());
    m.put("config", new TreeMap<>(p.config()));
    m.put("data_sha256", new TreeMap<>(p.dataHashes()));
    m.put("versions", new TreeMap<>(p.versions()));
    return m;
  }
}
