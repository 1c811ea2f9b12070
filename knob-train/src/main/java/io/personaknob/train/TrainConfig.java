package io.personaknob.train;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.personaknob.core.UserException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything a Lag-DPO run is configured by, kept apart from the {@link LagDpoTrainer} that runs it (as TRL's
 * DPOConfig / DPOTrainer). Read from YAML or JSON with the same keys as the {@code knob train} flags
 * (kebab-case, e.g. {@code lora-r}; snake_case is accepted too); flags override the file.
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public final class TrainConfig {
  // inputs and outputs
  public String model;
  public String initModel; // tiny|small|ARCH-SIZE: create a random byte-level knob-lm model at `model` when it does not exist
  public String data;
  public String evalData;
  public String out;
  public String refCache; // directory of the reference log-prob cache (default: <out>/ref-cache)

  // objective
  public String objective = "lagrangian";
  public Map<String, Double> weights = new TreeMap<>();
  public String constraint = "pairwise";
  public double eps = 0.5;
  public double lambdaLr = 0.5;
  public double lambdaMax = 10.0;
  public int lambdaWarmup = 0;
  public int lambdaWindow = 4;

  // loss
  public String loss = "sigmoid";
  public double beta = 0.1;
  public double labelSmoothing = 0.0;
  public double discopopTau = 0.05;
  public double sftWeight = 0.0;

  // optimisation
  public double lr = 5e-4;
  public String lrScheduler = "linear";
  public int warmupSteps = 0;
  public double weightDecay = 0.0;
  public double adamBeta1 = 0.9;
  public double adamBeta2 = 0.999;
  public double adamEps = 1e-8;
  public double maxGradNorm = 1.0;
  public int batchSize = 4;
  public int gradAccum = 1;
  public int steps = 0;
  public double epochs = 1;
  public long seed = 42;
  /** Max prompt+completion tokens; null: min(the model's context, {@link #DEFAULT_MAX_LENGTH}). */
  public Integer maxLength;
  /** Max prompt tokens; null: min({@link #DEFAULT_MAX_PROMPT_LENGTH}, max-length / 2). */
  public Integer maxPromptLength;

  /** TRL DPOConfig's defaults (max_length 1024, max_prompt_length 512), capped by the model's context. */
  public static final int DEFAULT_MAX_LENGTH = 1024;
  public static final int DEFAULT_MAX_PROMPT_LENGTH = 512;

  // LoRA (0 = full fine-tuning)
  public int loraR = 0;
  public double loraAlpha = 16;
  public List<String> loraTargets = new ArrayList<>(List.of("all-linear"));
  public String save = "merged"; // merged|adapter (with LoRA)

  // logging and checkpoints
  public int logEvery = 1;
  public int saveEvery = 50;
  public int keepCheckpoints = 2;
  public int cosineEvery = 10;
  public int evalEvery = 0;
  public double divergeLoss = 1e4; // a loss above this, or non-finite, stops the run

  static final ObjectMapper JSON = new ObjectMapper()
      .setPropertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  /** Reads a YAML (.yaml/.yml) or JSON config file. */
  public static TrainConfig read(Path file) {
    return read(file, new TrainConfig());
  }

  /** Reads a config file over {@code base}: the file's keys replace base's values, the others stay. */
  public static TrainConfig read(Path file, TrainConfig base) {
    try {
      ObjectMapper reader = file.toString().matches(".*\\.ya?ml$") ? new ObjectMapper(new YAMLFactory()) : new ObjectMapper();
      JsonNode n = reader.readTree(file.toFile());
      if (n == null || !n.isObject()) throw new UserException(file + ": expected a mapping of config keys");
      ObjectNode kebab = JSON.createObjectNode();
      for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
        var e = it.next();
        kebab.set(e.getKey().replace('_', '-'), e.getValue());
      }
      return JSON.readerForUpdating(base).readValue(kebab);
    } catch (com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException e) {
      throw new UserException(file + ": unknown key '" + e.getPropertyName() + "'");
    } catch (com.fasterxml.jackson.databind.exc.MismatchedInputException e) {
      String field = e.getPath().isEmpty() ? "?" : e.getPath().get(0).getFieldName();
      throw new UserException(file + ": " + field + ": wrong type (" + e.getOriginalMessage().split("\n")[0] + ")");
    } catch (java.nio.file.NoSuchFileException | java.io.FileNotFoundException e) {
      throw new UserException(file + ": no such file");
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      // a syntax error: the real line and column and the parser's whole reason
      throw new UserException(file + ":" + io.personaknob.core.ParseErrors.of(e).line() + ": cannot parse config: "
          + io.personaknob.core.ParseErrors.describe(e));
    } catch (IOException e) {
      throw new UserException(file + ": cannot read config: " + e.getMessage());
    }
  }

  /** The config as an ordered map of its keys (for provenance, trainer state and change detection). */
  @SuppressWarnings("unchecked")
  public Map<String, Object> toMap() {
    return new LinkedHashMap<>(JSON.convertValue(this, Map.class));
  }

  public TrainConfig copy() {
    return JSON.convertValue(toMap(), TrainConfig.class);
  }

  /**
   * Settings a resume may change, as the Hugging Face Trainer lets them change: they only shape what comes
   * next (how far and how fast to go, how often to log, save and evaluate, how the multipliers move) or where
   * things are written. A change is printed as a warning and recorded in the metrics and provenance. The model
   * and data are checked by their SHA-256, so their paths may change too.
   */
  public static final List<String> RESUME_FREE = List.of("model", "init-model", "data", "eval-data", "out", "ref-cache",
      "lr", "lr-scheduler", "warmup-steps", "weight-decay", "adam-beta1", "adam-beta2", "adam-eps", "max-grad-norm",
      "steps", "epochs", "lambda-lr", "lambda-max", "lambda-warmup", "save", "log-every", "save-every",
      "keep-checkpoints", "cosine-every", "eval-every", "diverge-loss");

  /**
   * Settings a resume refuses to change, each with why: the saved state (weights, optimiser moments,
   * multipliers, bco's running mean, the data position) would no longer mean what it meant.
   */
  public static final Map<String, String> RESUME_FIXED = fixed();

  private static Map<String, String> fixed() {
    Map<String, String> m = new LinkedHashMap<>();
    String obj = "it defines the objective the multipliers and optimiser state were built for";
    m.put("objective", obj);
    m.put("weights", obj);
    m.put("constraint", "the multipliers belong to the constraint form");
    m.put("eps", "the multipliers belong to the constraints and their tolerance");
    m.put("lambda-window", "the constraint windows and the frozen reference losses were taken with it");
    String loss = "it defines the loss; the margins the multipliers track and bco_pair's running mean are in its units";
    m.put("loss", loss);
    m.put("beta", loss);
    m.put("label-smoothing", loss);
    m.put("discopop-tau", loss);
    m.put("sft-weight", obj);
    m.put("batch-size", "the data position and the order of the rows are counted in it");
    m.put("grad-accum", "the data position and the order of the rows are counted in it");
    m.put("seed", "the data order is derived from it");
    m.put("max-length", "the sequences (and the cached reference log-probabilities) are cut with it");
    m.put("max-prompt-length", "the sequences (and the cached reference log-probabilities) are cut with it");
    String lora = "the trained LoRA tensors have this shape";
    m.put("lora-r", lora);
    m.put("lora-alpha", "the LoRA update is scaled by it");
    m.put("lora-targets", lora);
    return java.util.Collections.unmodifiableMap(m);
  }

  /**
   * Fills a length limit left unset from the model's context: max-length = min(context, 1024), max-prompt-length
   * = min(512, max-length / 2); a limit that was set must fit the context.
   */
  public void resolveLengths(int context) {
    if (maxLength == null) maxLength = Math.min(context, DEFAULT_MAX_LENGTH);
    else if (maxLength > context)
      throw new UserException("config max-length: " + maxLength + " exceeds the model's context of " + context);
    if (maxPromptLength == null) maxPromptLength = Math.min(DEFAULT_MAX_PROMPT_LENGTH, maxLength / 2);
    else if (maxPromptLength >= maxLength)
      throw new UserException("config max-prompt-length: " + maxPromptLength + " must be below max-length (" + maxLength + ")");
  }

  /** Checks values; the message names the key. */
  public void validate() {
    req(model != null, "model", "is required");
    req(data != null, "data", "is required");
    req(out != null, "out", "is required");
    Objective.parse(objective);
    Lagrangian.Constraint.parse(constraint);
    DpoLossType.parse(loss);
    req(beta > 0, "beta", "must be > 0");
    req(labelSmoothing >= 0 && labelSmoothing < 0.5, "label-smoothing", "must be in [0, 0.5)");
    req(eps >= 0, "eps", "must be >= 0");
    req(lambdaLr >= 0, "lambda-lr", "must be >= 0");
    req(lambdaWindow >= 1, "lambda-window", "must be >= 1");
    req(lr > 0, "lr", "must be > 0");
    req(List.of("constant", "linear", "cosine").contains(lrScheduler), "lr-scheduler", "must be constant, linear or cosine");
    req(batchSize >= 1, "batch-size", "must be >= 1");
    req(gradAccum >= 1, "grad-accum", "must be >= 1");
    req(steps > 0 || epochs > 0, "steps", "give --steps N or --epochs E");
    req(maxLength == null || maxLength >= 8, "max-length", "must be >= 8");
    req(maxPromptLength == null || maxPromptLength >= 1, "max-prompt-length", "must be >= 1");
    req(maxLength == null || maxPromptLength == null || maxPromptLength < maxLength, "max-prompt-length", "must be in [1, max-length)");
    req(loraR >= 0, "lora-r", "must be >= 0");
    req(List.of("merged", "adapter").contains(save), "save", "must be merged or adapter");
    req(!"adapter".equals(save) || loraR > 0, "save", "adapter needs --lora-r > 0");
    req(logEvery >= 1, "log-every", "must be >= 1");
    req(saveEvery >= 1, "save-every", "must be >= 1");
    req(cosineEvery >= 0, "cosine-every", "must be >= 0");
    req(maxGradNorm >= 0, "max-grad-norm", "must be >= 0");
    if (Objective.parse(objective) == Objective.WEIGHTED) {
      req(!weights.isEmpty(), "weights", "objective weighted needs weights, e.g. A=1,T=1,E=2,C=1");
      for (var e : weights.entrySet()) {
        req(io.personaknob.core.data.Dimension.parse(e.getKey()).isPresent(), "weights", "unknown dimension " + e.getKey());
        req(e.getValue() >= 0, "weights", "must be >= 0");
      }
    }
  }

  private static void req(boolean ok, String key, String msg) {
    if (!ok) throw new UserException("config " + key + ": " + msg);
  }

  /** The multi-objective strategies. */
  public enum Objective {
    SUM, WEIGHTED, PCGRAD, MGDA, LAGRANGIAN;

    public static Objective parse(String s) {
      for (Objective o : values()) if (o.name().equalsIgnoreCase(s == null ? "" : s.trim())) return o;
      throw new UserException("config objective: unknown '" + s + "'; expected lagrangian, sum, weighted, pcgrad or mgda");
    }
  }

  public static void writeJson(Path file, Object value) throws IOException {
    Files.writeString(file, new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(value));
  }
}
