package io.personaknob.lm.chat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.personaknob.core.UserException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Finds the chat template of a model directory, as {@code transformers} does: {@code chat_template.jinja}
 * if present, else the {@code chat_template} field of {@code tokenizer_config.json} (a string, or a list
 * of {name, template} of which "default" is used). The special tokens of tokenizer_config.json are
 * passed to the template as variables.
 */
public final class ChatTemplates {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ChatTemplates() {}

  public static Optional<JinjaChatTemplate> load(Path modelDir) {
    Path cfgFile = modelDir.resolve("tokenizer_config.json");
    JsonNode cfg = JSON.createObjectNode();
    if (Files.isRegularFile(cfgFile)) {
      try {
        cfg = JSON.readTree(cfgFile.toFile());
      } catch (JsonProcessingException e) {
        throw new UserException(cfgFile + ": line " + io.personaknob.core.ParseErrors.of(e).line() + ", column "
            + io.personaknob.core.ParseErrors.of(e).column() + ": invalid JSON: " + io.personaknob.core.ParseErrors.reason(e), e);
      } catch (IOException e) {
        throw new UserException(cfgFile + ": cannot read: " + e.getMessage(), e);
      }
    }
    Map<String, Object> specials = new LinkedHashMap<>();
    for (String k : new String[] {"bos_token", "eos_token", "pad_token", "unk_token", "sep_token", "cls_token", "mask_token"}) {
      JsonNode n = cfg.path(k);
      if (n.isTextual()) specials.put(k, n.asText());
      else if (n.isObject() && n.path("content").isTextual()) specials.put(k, n.get("content").asText());
    }
    Path jinjaFile = modelDir.resolve("chat_template.jinja");
    if (Files.isRegularFile(jinjaFile)) {
      try {
        return Optional.of(new JinjaChatTemplate(Files.readString(jinjaFile, StandardCharsets.UTF_8), jinjaFile.toString(), specials));
      } catch (IOException e) {
        throw new UserException(jinjaFile + ": cannot read: " + e.getMessage(), e);
      }
    }
    JsonNode t = cfg.path("chat_template");
    String origin = cfgFile + ": chat_template";
    if (t.isTextual()) return Optional.of(new JinjaChatTemplate(t.asText(), origin, specials));
    if (t.isArray()) {
      for (JsonNode e : t) {
        if ("default".equals(e.path("name").asText()) && e.path("template").isTextual()) {
          return Optional.of(new JinjaChatTemplate(e.get("template").asText(), origin + "[default]", specials));
        }
      }
      throw new UserException(origin + ": a list of templates without one named 'default'");
    }
    if (!t.isMissingNode() && !t.isNull()) throw new UserException(origin + ": expected a string or a list of {name, template}");
    return Optional.empty();
  }
}
