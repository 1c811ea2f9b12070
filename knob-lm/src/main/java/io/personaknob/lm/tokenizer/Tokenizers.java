package io.personaknob.lm.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.personaknob.core.UserException;
import io.personaknob.lm.Tokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Loads the tokenizer of a model directory in the Hugging Face Hub layout, and writes the byte-level
 * tokenizer that the tiny models of this project use.
 *
 * <p>Files read: {@code tokenizer.json} (required: vocabulary, added tokens, pipeline; encoding runs in
 * the Rust {@code tokenizers} library through DJL), {@code tokenizer_config.json} (bos/eos tokens),
 * {@code special_tokens_map.json} (fallback for bos/eos), {@code generation_config.json} and
 * {@code config.json} ({@code eos_token_id}, an id or a list). The EOS ids that end generation are the
 * union of generation_config's (or, without it, config's) ids and the id of tokenizer_config's
 * eos_token — Qwen3 instruct, for instance, stops on both {@code <|im_end|>} and {@code <|endoftext|>}.
 */
public final class Tokenizers {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The special tokens of the byte-level tokenizer, at ids 256, 257, 258. */
  public static final List<String> BYTE_LEVEL_SPECIALS = List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>");

  /** Vocabulary size of the byte-level tokenizer: 256 bytes and 3 special tokens. */
  public static final int BYTE_LEVEL_VOCAB = 259;

  /** The ChatML template written with the byte-level tokenizer (the form Qwen and SmolLM2 use). */
  public static final String CHATML_TEMPLATE =
      "{% for message in messages %}"
          + "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
          + "{% endfor %}"
          + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

  private Tokenizers() {}

  static {
    // The native library ships in the tokenizers jar; never let DJL fall back to a download.
    if (System.getProperty("ai.djl.offline") == null) System.setProperty("ai.djl.offline", "true");
  }

  /** Loads {@code modelDir/tokenizer.json} with the special-token settings of the directory. */
  public static HfTokenizer load(Path modelDir) {
    Path file = Files.isDirectory(modelDir) ? modelDir.resolve("tokenizer.json") : modelDir;
    Path dir = Files.isDirectory(modelDir) ? modelDir : modelDir.toAbsolutePath().getParent();
    if (!Files.isRegularFile(file)) {
      throw new UserException(file + ": no such file (a model directory needs a tokenizer.json)");
    }
    JsonNode tok = readJson(file);
    JsonNode model = tok.path("model");
    if (!model.isObject()) throw new UserException(file + ": field 'model': missing or not an object");

    Map<String, Integer> tokenToId = new HashMap<>();
    int maxId = -1;
    JsonNode vocab = model.path("vocab");
    if (vocab.isObject()) {
      for (var e : vocab.properties()) {
        if (!e.getValue().canConvertToInt()) {
          throw new UserException(file + ": field 'model.vocab." + e.getKey() + "': not an integer id");
        }
        int id = e.getValue().intValue();
        tokenToId.put(e.getKey(), id);
        maxId = Math.max(maxId, id);
      }
    } else if (vocab.isArray()) { // Unigram: [[piece, score], ...], id = position
      for (int i = 0; i < vocab.size(); i++) {
        tokenToId.put(vocab.get(i).path(0).asText(), i);
      }
      maxId = vocab.size() - 1;
    } else {
      throw new UserException(file + ": field 'model.vocab': missing or neither an object nor a list");
    }

    Set<Integer> specials = new LinkedHashSet<>();
    Set<Integer> added = new LinkedHashSet<>();
    for (JsonNode a : tok.path("added_tokens")) {
      if (!a.path("id").canConvertToInt() || !a.path("content").isTextual()) {
        throw new UserException(file + ": field 'added_tokens': each entry needs an integer 'id' and a string 'content'");
      }
      int id = a.get("id").intValue();
      tokenToId.put(a.get("content").asText(), id);
      added.add(id);
      if (a.path("special").asBoolean(false)) specials.add(id);
      maxId = Math.max(maxId, id);
    }
    String[] idToToken = new String[maxId + 1];
    for (var e : tokenToId.entrySet()) idToToken[e.getValue()] = e.getKey();

    boolean byteLevel = mentionsByteLevel(tok.path("decoder"));

    JsonNode tcfg = optionalJson(dir.resolve("tokenizer_config.json"));
    JsonNode stm = optionalJson(dir.resolve("special_tokens_map.json"));
    JsonNode gcfg = optionalJson(dir.resolve("generation_config.json"));
    JsonNode cfg = optionalJson(dir.resolve("config.json"));
    String bos = tokenText(tcfg.path("bos_token"));
    if (bos == null) bos = tokenText(stm.path("bos_token"));
    String eos = tokenText(tcfg.path("eos_token"));
    if (eos == null) eos = tokenText(stm.path("eos_token"));

    Set<Integer> eosIds = new LinkedHashSet<>();
    if (gcfg.has("eos_token_id")) addIds(eosIds, gcfg.get("eos_token_id"), dir.resolve("generation_config.json"));
    else if (cfg.has("eos_token_id")) addIds(eosIds, cfg.get("eos_token_id"), dir.resolve("config.json"));
    if (eos != null) {
      Integer id = tokenToId.get(eos);
      if (id == null) {
        throw new UserException(dir.resolve("tokenizer_config.json") + ": field 'eos_token': '" + eos + "' is not in " + file);
      }
      eosIds.add(id);
    }
    if (eos == null && eosIds.size() >= 1) {
      int first = eosIds.iterator().next();
      if (first < idToToken.length) eos = idToToken[first];
    }

    HuggingFaceTokenizer hf;
    try {
      hf = HuggingFaceTokenizer.builder()
          .optTokenizerPath(file)
          .optAddSpecialTokens(false)
          .optTruncation(false)
          .optPadding(false)
          .build();
    } catch (IOException | RuntimeException e) {
      throw new UserException(file + ": cannot load tokenizer: " + oneLine(e), e);
    }
    return new HfTokenizer(hf, tokenToId, idToToken, specials, added, eosIds, bos, eos, byteLevel);
  }

  /**
   * Writes a byte-level tokenizer into {@code modelDir}: {@code tokenizer.json} (BPE over the 256 GPT-2
   * byte tokens at ids 0..255, no merges, ByteLevel pre-tokenizer and decoder, then the special tokens
   * {@code <|endoftext|>}=256, {@code <|im_start|>}=257, {@code <|im_end|>}=258) and
   * {@code tokenizer_config.json} (ChatML chat template, eos {@code <|im_end|>}, pad
   * {@code <|endoftext|>}). Each file is written beside its target and renamed into place.
   */
  public static void writeByteLevel(Path modelDir) {
    Map<String, Object> vocab = new LinkedHashMap<>();
    for (int b = 0; b < 256; b++) vocab.put(String.valueOf(ByteLevel.charOf(b)), b);

    List<Map<String, Object>> addedTokens = new ArrayList<>();
    Map<String, Object> addedDecoder = new LinkedHashMap<>();
    for (int i = 0; i < BYTE_LEVEL_SPECIALS.size(); i++) {
      Map<String, Object> t = new LinkedHashMap<>();
      t.put("id", 256 + i);
      t.put("content", BYTE_LEVEL_SPECIALS.get(i));
      t.put("single_word", false);
      t.put("lstrip", false);
      t.put("rstrip", false);
      t.put("normalized", false);
      t.put("special", true);
      addedTokens.add(t);
      Map<String, Object> d = new LinkedHashMap<>(t);
      d.remove("id");
      addedDecoder.put(String.valueOf(256 + i), d);
    }
    Map<String, Object> byteLevel = new LinkedHashMap<>();
    byteLevel.put("type", "ByteLevel");
    byteLevel.put("add_prefix_space", false);
    byteLevel.put("trim_offsets", false);
    byteLevel.put("use_regex", true);

    Map<String, Object> model = new LinkedHashMap<>();
    model.put("type", "BPE");
    model.put("dropout", null);
    model.put("unk_token", null);
    model.put("continuing_subword_prefix", null);
    model.put("end_of_word_suffix", null);
    model.put("fuse_unk", false);
    model.put("byte_fallback", false);
    model.put("ignore_merges", false);
    model.put("vocab", vocab);
    model.put("merges", List.of());

    Map<String, Object> tok = new LinkedHashMap<>();
    tok.put("version", "1.0");
    tok.put("truncation", null);
    tok.put("padding", null);
    tok.put("added_tokens", addedTokens);
    tok.put("normalizer", null);
    tok.put("pre_tokenizer", byteLevel);
    tok.put("post_processor", byteLevel);
    tok.put("decoder", byteLevel);
    tok.put("model", model);

    Map<String, Object> cfg = new LinkedHashMap<>();
    cfg.put("add_bos_token", false);
    cfg.put("add_eos_token", false);
    cfg.put("added_tokens_decoder", addedDecoder);
    cfg.put("bos_token", null);
    cfg.put("chat_template", CHATML_TEMPLATE);
    cfg.put("clean_up_tokenization_spaces", false);
    cfg.put("eos_token", "<|im_end|>");
    cfg.put("pad_token", "<|endoftext|>");
    cfg.put("tokenizer_class", "PreTrainedTokenizerFast");
    cfg.put("unk_token", null);

    try {
      Files.createDirectories(modelDir);
    } catch (IOException e) {
      throw new UserException(modelDir + ": cannot create directory: " + oneLine(e), e);
    }
    writeJson(modelDir.resolve("tokenizer.json"), tok);
    writeJson(modelDir.resolve("tokenizer_config.json"), cfg);
  }

  /** The raw bytes a token stands for (see {@link HfTokenizer#tokenBytes}); UTF-8 of its text otherwise. */
  public static byte[] tokenBytes(Tokenizer tokenizer, int id) {
    if (tokenizer instanceof HfTokenizer hf) return hf.tokenBytes(id);
    return tokenizer.decode(new int[] {id}, false).getBytes(StandardCharsets.UTF_8);
  }

  private static boolean mentionsByteLevel(JsonNode decoder) {
    if ("ByteLevel".equals(decoder.path("type").asText())) return true;
    for (JsonNode d : decoder.path("decoders")) if (mentionsByteLevel(d)) return true;
    return false;
  }

  private static String tokenText(JsonNode n) {
    if (n.isTextual()) return n.asText();
    if (n.isObject() && n.path("content").isTextual()) return n.get("content").asText();
    return null;
  }

  private static void addIds(Set<Integer> into, JsonNode n, Path where) {
    if (n.isNull()) return;
    if (n.canConvertToInt()) {
      into.add(n.intValue());
    } else if (n.isArray()) {
      for (JsonNode x : n) {
        if (!x.canConvertToInt()) throw new UserException(where + ": field 'eos_token_id': not an integer: " + x);
        into.add(x.intValue());
      }
    } else {
      throw new UserException(where + ": field 'eos_token_id': expected an id or a list of ids, got " + n);
    }
  }

  static JsonNode readJson(Path file) {
    try {
      return JSON.readTree(file.toFile());
    } catch (JsonProcessingException e) {
      throw new UserException(file + ": line " + io.personaknob.core.ParseErrors.of(e).line() + ", column "
            + io.personaknob.core.ParseErrors.of(e).column() + ": invalid JSON: " + io.personaknob.core.ParseErrors.reason(e), e);
    } catch (IOException e) {
      throw new UserException(file + ": cannot read: " + oneLine(e), e);
    }
  }

  private static JsonNode optionalJson(Path file) {
    return Files.isRegularFile(file) ? readJson(file) : JSON.createObjectNode();
  }

  private static void writeJson(Path target, Object value) {
    Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
    try {
      Files.writeString(tmp, JSON.writer().with(SerializationFeature.INDENT_OUTPUT).writeValueAsString(value),
          StandardCharsets.UTF_8);
      try {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException ignored) {
        // best effort
      }
      throw new UserException(target + ": cannot write: " + oneLine(e), e);
    }
  }

  static String oneLine(Throwable e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return m.replaceAll("\\s+", " ").trim();
  }
}
