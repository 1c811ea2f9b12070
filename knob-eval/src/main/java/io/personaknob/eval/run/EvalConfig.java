package io.personaknob.eval.run;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.personaknob.core.UserException;
import io.personaknob.core.data.Dimension;
import io.personaknob.llm.judge.Rubrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What {@code knob eval} runs: models, judges, tasks and data. Read from YAML or JSON
 * ({@link #load}); relative paths are resolved against the config file's directory. Example:
 *
 * <pre>
 * title: reference vs Lag-DPO
 * out: runs/demo                     # the run directory (journal, report.json, report.html); relative to this file
 * seed: 7
 * data:
 *   personaknob: data/sample         # file or directory; the 'split' rows are evaluated
 *   split: test                      # default test; all rows when no row has it
 *   are_you_sure: are_you_sure.jsonl # SycophancyEval format (optional)
 *   xstest: xstest_prompts.csv       # XSTest format (optional)
 *   limit: 0                         # at most this many items per task (0 = all)
 * models:
 *   - {name: reference, path: models/tiny}
 *   - {name: trained, path: models/tiny-dpo, reference: reference, beta: 0.1}
 * judges:
 *   - {name: minilm-answer, type: reward-head, features: answer}
 *   - {name: minilm-context, type: reward-head, features: context}
 *   - {name: judge-a, type: llm}     # a model in knob.yaml, through knob-llm's judging protocol
 *   - {name: judge-b, type: llm, rubrics: {A: [checklist]}}   # per judge: rubric variants per dimension
 *   - {name: judge-c, type: llm, max_repairs: 0}   # repair turns after an unusable reply (default 2)
 * rubrics: {A: [default, checklist]} # LLM judges' rubric variants per dimension (default: every variant)
 * tasks: [selection, generation, sycophancy, refusal, dpo]
 * generation: {max_new_tokens: 48}
 * judge_validity: {policy: exclude, rows: 0}   # exclude|flag judges not better than chance; rows 0 = whole split
 * </pre>
 */
public record EvalConfig(
    String title,
    Path out,
    long seed,
    Data data,
    List<ModelSpec> models,
    List<JudgeSpec> judges,
    Set<String> tasks,
    int maxNewTokens,
    Path knobConfig,
    Validity validity) {

  public static final List<String> TASKS = List.of("selection", "generation", "sycophancy", "refusal", "dpo");

  public record Data(Path personaknob, String split, Path areYouSure, Path xstest, int limit) {}

  /**
   * Judge validity (docs/eval.md, Judge validity). {@code policy}: {@code exclude} (default) — a judge's
   * ratings (comparisons) of a dimension enter the calibration only when its pointwise (pairwise) accuracy
   * on the validity pairs is better than chance; {@code flag} — they enter anyway and the report marks them.
   * {@code rows}: validity pairs come from the evaluated split's rows: null = the evaluated rows (after
   * {@code data.limit}), 0 = every row of the split, N = its first N rows.
   */
  public record Validity(String policy, Integer rows) {
    public static final String EXCLUDE = "exclude", FLAG = "flag";
    public static final Validity DEFAULT = new Validity(EXCLUDE, null);

    public boolean exclude() { return !FLAG.equals(policy); }
  }

  /** As the canonical constructor with the default judge-validity policy. */
  public EvalConfig(String title, Path out, long seed, Data data, List<ModelSpec> models, List<JudgeSpec> judges,
      Set<String> tasks, int maxNewTokens, Path knobConfig) {
    this(title, out, seed, data, models, judges, tasks, maxNewTokens, knobConfig, Validity.DEFAULT);
  }

  /** A copy with another judge-validity setting. */
  public EvalConfig withValidity(Validity v) {
    return new EvalConfig(title, out, seed, data, models, judges, tasks, maxNewTokens, knobConfig, v);
  }

  /**
   * A model to evaluate: a local Hugging Face directory ({@code path}) or, for API models, a model name of
   * knob.yaml ({@code endpoint}). {@code reference} names another model of the run for DPO metrics.
   */
  public record ModelSpec(String name, Path path, String endpoint, String reference, double beta) {
    public boolean local() { return path != null; }
  }

  /**
   * A judge: {@code reward-head} (offline; {@code features} answer|context, optional saved {@code heads}) or
   * {@code llm}. {@code rubrics}: for an LLM judge, the rubric variants it rates each dimension under
   * (knob-llm's {@code Rubrics.VARIANTS}; a dimension not in the map gets every variant); empty for reward heads.
   * {@code maxRepairs}: for an LLM judge, how many times it is asked to fix an unusable reply (knob-llm's
   * repair-and-retry; 0 = never, e.g. against an endpoint with structured outputs, where none is needed).
   */
  public record JudgeSpec(String name, String type, String features, Path heads, String model,
      Map<Dimension, List<String>> rubrics, int maxRepairs) {
    /** knob-llm's default number of repair turns ({@code JudgingProtocol.Options.defaults()}). */
    public static final int DEFAULT_MAX_REPAIRS = io.personaknob.llm.judge.JudgingProtocol.Options.defaults().maxRepairs();

    public JudgeSpec {
      rubrics = rubrics == null ? Map.of() : Map.copyOf(rubrics);
      if (maxRepairs < 0) throw new IllegalArgumentException("maxRepairs must be >= 0, got " + maxRepairs);
    }

    public JudgeSpec(String name, String type, String features, Path heads, String model, Map<Dimension, List<String>> rubrics) {
      this(name, type, features, heads, model, rubrics, DEFAULT_MAX_REPAIRS);
    }

    public JudgeSpec(String name, String type, String features, Path heads, String model) {
      this(name, type, features, heads, model, Map.of());
    }

    /** The variants this judge rates {@code d} under: none for a reward head, else the configured ones or all. */
    public List<String> rubricVariants(Dimension d) {
      if (!type.equals("llm")) return List.of();
      return rubrics.getOrDefault(d, Rubrics.VARIANTS);
    }
  }

  public EvalConfig {
    models = List.copyOf(models);
    judges = List.copyOf(judges);
    tasks = Set.copyOf(tasks);
    validity = validity == null ? Validity.DEFAULT : validity;
  }

  // ---- file shape ----
  static final class RawData {
    public String personaknob, split, limit;
    @JsonProperty("are_you_sure") public String areYouSure;
    public String xstest;
  }

  static final class RawModel {
    public String name, path, endpoint, reference;
    public Double beta;
  }

  static final class RawJudge {
    public String name, type, features, heads, model;
    public Map<String, List<String>> rubrics;
    @JsonProperty("max_repairs") public String maxRepairs;
  }

  static final class RawGeneration {
    @JsonProperty("max_new_tokens") public Integer maxNewTokens;
  }

  static final class Raw {
    public String title, out;
    public Long seed;
    public RawData data;
    public List<RawModel> models;
    public List<RawJudge> judges;
    public List<String> tasks;
    public RawGeneration generation;
    @JsonProperty("knob_config") public String knobConfig;
    public Map<String, List<String>> rubrics;
    @JsonProperty("judge_validity") public RawValidity judgeValidity;
  }

  static final class RawValidity {
    public String policy, rows;
  }

  public static EvalConfig load(Path file) {
    if (!Files.isRegularFile(file)) throw new UserException(file + ": no such file");
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new UserException(file + ": cannot read: " + e.getMessage(), e);
    }
    ObjectMapper m = new ObjectMapper(new YAMLFactory()).enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    Raw raw;
    try {
      raw = m.readValue(text, Raw.class);
    } catch (UnrecognizedPropertyException e) {
      throw new UserException(file + ":" + line(e) + ": unknown key '" + path(e) + "' (known: " + e.getKnownPropertyIds() + ")");
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      var syntax = io.personaknob.core.ParseErrors.yaml(e);
      if (syntax.isPresent()) {
        // a YAML syntax error: the real line and column and the parser's whole reason
        throw new UserException(file + ":" + syntax.get().line() + ": malformed YAML at column " + syntax.get().column()
            + ": " + syntax.get().reason());
      }
      throw new UserException(file + ":" + line(e) + ": " + (path(e).isEmpty() ? "" : "key '" + path(e) + "': ")
          + io.personaknob.core.ParseErrors.reason(e));
    }
    if (raw == null) throw new UserException(file + ": empty configuration");
    return fromRaw(raw, file.toAbsolutePath().getParent(), file.toString(), text);
  }

  private static int line(com.fasterxml.jackson.core.JsonProcessingException e) {
    return e.getLocation() == null ? 0 : e.getLocation().getLineNr();
  }

  private static String path(com.fasterxml.jackson.core.JsonProcessingException e) {
    if (!(e instanceof com.fasterxml.jackson.databind.JsonMappingException jm)) return "";
    StringBuilder b = new StringBuilder();
    for (var r : jm.getPath()) {
      if (r.getFieldName() != null) { if (b.length() > 0) b.append('.'); b.append(r.getFieldName()); }
      else if (r.getIndex() >= 0) b.append('[').append(r.getIndex()).append(']');
    }
    return b.toString();
  }

  private static String firstLine(String s) {
    if (s == null) return "";
    int i = s.indexOf('\n');
    return i < 0 ? s : s.substring(0, i);
  }

  static EvalConfig fromRaw(Raw raw, Path base, String src) {
    return fromRaw(raw, base, src, null);
  }

  /**
   * Rubric variants per dimension from a {@code rubrics:} map, validated. {@code key} is the key's path for
   * messages; {@code text} (the file, if known) gives their line numbers.
   */
  static Map<Dimension, List<String>> rubrics(Map<String, List<String>> raw, String src, String text, String key) {
    Map<Dimension, List<String>> out = new java.util.EnumMap<>(Dimension.class);
    if (raw == null) return out;
    for (var e : raw.entrySet()) {
      Dimension d;
      try {
        d = Dimension.valueOf(e.getKey().trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException x) {
        throw new UserException(src + lineOf(text, key, e.getKey()) + ": key '" + key + "." + e.getKey()
            + "': not a dimension (known: A, T, E, C)");
      }
      List<String> vs = e.getValue();
      if (vs == null || vs.isEmpty())
        throw new UserException(src + lineOf(text, key, e.getKey()) + ": key '" + key + "." + e.getKey()
            + "': give at least one rubric variant (known: " + String.join(", ", Rubrics.VARIANTS) + ")");
      for (int i = 0; i < vs.size(); i++) {
        String v = vs.get(i);
        if (v == null || !Rubrics.VARIANTS.contains(v))
          throw new UserException(src + lineOf(text, key, e.getKey()) + ": key '" + key + "." + e.getKey() + "[" + i
              + "]': unknown rubric variant '" + v + "' (known: " + String.join(", ", Rubrics.VARIANTS) + ")");
        if (vs.indexOf(v) != i)
          throw new UserException(src + lineOf(text, key, e.getKey()) + ": key '" + key + "." + e.getKey() + "[" + i
              + "]': rubric variant '" + v + "' given twice");
      }
      out.put(d, List.copyOf(vs));
    }
    return out;
  }

  /**
   * ":LINE" of the first line, after the line that holds the last segment of {@code key}, that starts
   * (after spaces, '-' or '{') with {@code sub} followed by ':' — or "" when the text is not known. The
   * parser has moved on when values are checked, so the line is found in the text.
   */
  static String lineOf(String text, String key, String sub) {
    if (text == null) return "";
    String[] lines = text.split("\n", -1);
    String last = key.replaceAll("\\[\\d+]", "");
    last = last.substring(last.lastIndexOf('.') + 1);
    java.util.regex.Pattern k = java.util.regex.Pattern.compile("(^|[\\s{,-])" + java.util.regex.Pattern.quote(last) + "\\s*:");
    java.util.regex.Pattern s = java.util.regex.Pattern.compile("(^|[\\s{,-])" + java.util.regex.Pattern.quote(sub) + "\\s*:");
    int from = 0;
    for (int i = 0; i < lines.length; i++) if (k.matcher(lines[i]).find()) { from = i; break; }
    for (int i = from; i < lines.length; i++) {
      String l = i == from ? lines[i].substring(Math.max(0, lines[i].indexOf(last))) : lines[i];
      if (s.matcher(l).find()) return ":" + (i + 1);
    }
    return ":" + (from + 1);
  }

  static EvalConfig fromRaw(Raw raw, Path base, String src, String text) {
    Path out = resolve(base, raw.out == null ? "runs/eval" : raw.out);
    RawData d = raw.data == null ? new RawData() : raw.data;
    int limit = 0;
    if (d.limit != null) {
      try { limit = Integer.parseInt(d.limit.trim()); } catch (NumberFormatException e) { limit = -1; }
      if (limit < 0) throw new UserException(src + ": key 'data.limit': '" + d.limit + "' is not a count");
    }
    Data data = new Data(resolve(base, d.personaknob), d.split == null ? "test" : d.split,
        resolve(base, d.areYouSure), resolve(base, d.xstest), limit);
    List<ModelSpec> models = new ArrayList<>();
    Map<String, Boolean> names = new LinkedHashMap<>();
    if (raw.models == null || raw.models.isEmpty()) throw new UserException(src + ": key 'models': at least one model is needed");
    for (int i = 0; i < raw.models.size(); i++) {
      RawModel r = raw.models.get(i);
      String k = "models[" + i + "]";
      if (r == null || r.name == null || r.name.isBlank()) throw new UserException(src + ": key '" + k + ".name': missing");
      if (names.put(r.name, true) != null) throw new UserException(src + ": key '" + k + ".name': duplicate model '" + r.name + "'");
      if (r.name.equals("golden"))
        throw new UserException(src + ": key '" + k + ".name': 'golden' is reserved (the golden answers are calibrated as the elements golden·<dimension>)");
      if ((r.path == null) == (r.endpoint == null))
        throw new UserException(src + ": key '" + k + "': give exactly one of 'path' (a local model directory) or 'endpoint' (a model of knob.yaml)");
      double beta = r.beta == null ? 0.1 : r.beta;
      if (!(beta > 0)) throw new UserException(src + ": key '" + k + ".beta': must be > 0");
      models.add(new ModelSpec(r.name, resolve(base, r.path), r.endpoint, r.reference, beta));
    }
    for (int i = 0; i < models.size(); i++) {
      String ref = models.get(i).reference();
      if (ref != null && !names.containsKey(ref))
        throw new UserException(src + ": key 'models[" + i + "].reference': no model named '" + ref + "' in this run");
    }
    Map<Dimension, List<String>> runRubrics = rubrics(raw.rubrics, src, text, "rubrics");
    List<JudgeSpec> judges = new ArrayList<>();
    Map<String, Boolean> jn = new LinkedHashMap<>();
    if (raw.judges != null) for (int i = 0; i < raw.judges.size(); i++) {
      RawJudge r = raw.judges.get(i);
      String k = "judges[" + i + "]";
      if (r == null || r.name == null || r.name.isBlank()) throw new UserException(src + ": key '" + k + ".name': missing");
      if (jn.put(r.name, true) != null) throw new UserException(src + ": key '" + k + ".name': duplicate judge '" + r.name + "'");
      String type = r.type == null ? "reward-head" : r.type.toLowerCase(Locale.ROOT);
      if (!type.equals("reward-head") && !type.equals("llm"))
        throw new UserException(src + ": key '" + k + ".type': '" + r.type + "' is not reward-head or llm");
      String f = r.features == null ? "answer" : r.features.toLowerCase(Locale.ROOT);
      if (type.equals("reward-head") && !f.equals("answer") && !f.equals("context"))
        throw new UserException(src + ": key '" + k + ".features': '" + r.features + "' is not answer or context");
      if (r.rubrics != null && !type.equals("llm"))
        throw new UserException(src + lineOf(text, "judges", "rubrics") + ": key '" + k + ".rubrics': only LLM judges"
            + " rate under rubrics (this judge is " + type + ")");
      Map<Dimension, List<String>> jr = new java.util.EnumMap<>(Dimension.class);
      if (type.equals("llm")) {
        jr.putAll(runRubrics);
        jr.putAll(rubrics(r.rubrics, src, text, k + ".rubrics"));
      }
      int repairs = JudgeSpec.DEFAULT_MAX_REPAIRS;
      if (r.maxRepairs != null) {
        if (!type.equals("llm"))
          throw new UserException(src + lineOf(text, "judges", "max_repairs") + ": key '" + k + ".max_repairs': only LLM judges"
              + " are asked to repair a reply (this judge is " + type + ")");
        try { repairs = Integer.parseInt(r.maxRepairs.trim()); } catch (NumberFormatException e) { repairs = -1; }
        if (repairs < 0) throw new UserException(src + lineOf(text, "judges", "max_repairs") + ": key '" + k + ".max_repairs': '"
            + r.maxRepairs + "' is not a count");
      }
      judges.add(new JudgeSpec(r.name, type, f, resolve(base, r.heads), r.model == null ? r.name : r.model, jr, repairs));
    }
    List<String> tasks = raw.tasks == null ? TASKS : raw.tasks;
    for (int i = 0; i < tasks.size(); i++)
      if (!TASKS.contains(tasks.get(i)))
        throw new UserException(src + ": key 'tasks[" + i + "]': unknown task '" + tasks.get(i) + "' (known: " + String.join(", ", TASKS) + ")");
    int mnt = raw.generation == null || raw.generation.maxNewTokens == null ? 48 : raw.generation.maxNewTokens;
    if (mnt <= 0) throw new UserException(src + ": key 'generation.max_new_tokens': must be positive");
    Validity validity = Validity.DEFAULT;
    if (raw.judgeValidity != null) {
      String pol = raw.judgeValidity.policy == null ? Validity.EXCLUDE : raw.judgeValidity.policy.trim().toLowerCase(Locale.ROOT);
      if (!pol.equals(Validity.EXCLUDE) && !pol.equals(Validity.FLAG))
        throw new UserException(src + lineOf(text, "judge_validity", "policy") + ": key 'judge_validity.policy': '"
            + raw.judgeValidity.policy + "' is not exclude or flag");
      Integer rows = null;
      if (raw.judgeValidity.rows != null) {
        try { rows = Integer.parseInt(raw.judgeValidity.rows.trim()); } catch (NumberFormatException e) { rows = -1; }
        if (rows < 0) throw new UserException(src + lineOf(text, "judge_validity", "rows") + ": key 'judge_validity.rows': '"
            + raw.judgeValidity.rows + "' is not a count");
      }
      validity = new Validity(pol, rows);
    }
    return new EvalConfig(raw.title == null ? "personaknob evaluation" : raw.title, out, raw.seed == null ? 7 : raw.seed,
        data, models, judges, new java.util.LinkedHashSet<>(tasks), mnt, resolve(base, raw.knobConfig), validity);
  }

  /** A copy writing to another run directory (the --out flag). */
  public EvalConfig withOut(Path o) {
    return new EvalConfig(title, o, seed, data, models, judges, tasks, maxNewTokens, knobConfig, validity);
  }

  private static Path resolve(Path base, String p) {
    if (p == null || p.isBlank()) return null;
    Path x = Path.of(p);
    return x.isAbsolute() || base == null ? x : base.resolve(x).normalize();
  }

  /** The configuration as a map, for provenance. */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("title", title);
    m.put("seed", seed);
    m.put("split", data.split());
    m.put("limit", data.limit());
    m.put("personaknob", String.valueOf(data.personaknob()));
    m.put("are_you_sure", String.valueOf(data.areYouSure()));
    m.put("xstest", String.valueOf(data.xstest()));
    List<Object> ms = new ArrayList<>();
    for (ModelSpec s : models) {
      Map<String, Object> x = new LinkedHashMap<>();
      x.put("name", s.name());
      if (s.path() != null) x.put("path", s.path().toString());
      if (s.endpoint() != null) x.put("endpoint", s.endpoint());
      if (s.reference() != null) { x.put("reference", s.reference()); x.put("beta", s.beta()); }
      ms.add(x);
    }
    m.put("models", ms);
    List<Object> js = new ArrayList<>();
    for (JudgeSpec j : judges) {
      Map<String, Object> x = new LinkedHashMap<>(Map.of("name", j.name(), "type", j.type(), "features", j.features(), "model", j.model()));
      if (j.type().equals("llm")) { // which rubric texts it rates under changes its ratings
        Map<String, Object> r = new LinkedHashMap<>();
        for (Dimension d : Dimension.values()) r.put(d.name(), j.rubricVariants(d));
        x.put("rubrics", r);
        // a repair can turn a failed rating into a rating; only when not the default, so that run
        // directories of earlier versions keep their journal hash
        if (j.maxRepairs() != JudgeSpec.DEFAULT_MAX_REPAIRS) x.put("max_repairs", j.maxRepairs());
      }
      js.add(x);
    }
    m.put("judges", js);
    m.put("tasks", TASKS.stream().filter(tasks::contains).toList());
    m.put("max_new_tokens", maxNewTokens);
    // only when not the default, so that run directories of earlier versions keep their journal hash
    if (validity.rows() != null) m.put("judge_validity_rows", validity.rows());
    return m;
  }

  static ObjectMapper json() {
    return new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
  }
}
