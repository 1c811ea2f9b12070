package io.personaknob.lm.serve;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personaknob.lm.GenerationResult;
import io.personaknob.lm.TokenLogprob;
import io.personaknob.lm.Tokenizer;
import io.personaknob.lm.tokenizer.Tokenizers;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Parts of OpenAI's response shapes shared by whole answers and stream chunks. */
final class Responses {
  private Responses() {}

  private static final com.fasterxml.jackson.databind.ObjectMapper JSON = OpenAiServer.JSON;

  /** The fields every answer and chunk opens with: {@code id}, {@code object}, {@code created}, {@code model}. */
  static ObjectNode envelope(String id, String object, long created, String model) {
    ObjectNode o = JSON.createObjectNode();
    o.put("id", id);
    o.put("object", object);
    o.put("created", created);
    o.put("model", model);
    return o;
  }

  /** Chat logprobs entries ({@code logprobs.content}) of some tokens. */
  static ArrayNode chatLogprobs(Tokenizer tok, List<TokenLogprob> lps) {
    ArrayNode content = JSON.createArrayNode();
    for (TokenLogprob t : lps) {
      ObjectNode o = content.addObject();
      tokenFields(o, tok, t.token(), t.logprob());
      ArrayNode top = o.putArray("top_logprobs");
      for (TokenLogprob.Alternative a : t.top()) tokenFields(top.addObject(), tok, a.token(), a.logprob());
    }
    return content;
  }

  /** Legacy completions logprobs of some tokens whose text starts at {@code offset} of the choice's text. */
  static ObjectNode completionLogprobs(Tokenizer tok, List<TokenLogprob> lps, int offset) {
    ObjectNode lp = JSON.createObjectNode();
    ArrayNode tokens = lp.putArray("tokens");
    ArrayNode tokenLogprobs = lp.putArray("token_logprobs");
    ArrayNode topLogprobs = lp.putArray("top_logprobs");
    ArrayNode offsets = lp.putArray("text_offset");
    for (TokenLogprob t : lps) {
      String text = tokenText(tok, t.token());
      tokens.add(text);
      tokenLogprobs.add(t.logprob());
      ObjectNode top = topLogprobs.addObject();
      for (TokenLogprob.Alternative a : t.top()) {
        String at = tokenText(tok, a.token());
        if (!top.has(at)) top.put(at, a.logprob());
      }
      offsets.add(offset);
      offset += text.length();
    }
    return lp;
  }

  static void tokenFields(ObjectNode o, Tokenizer tok, int id, double logprob) {
    byte[] b = Tokenizers.tokenBytes(tok, id);
    o.put("token", new String(b, StandardCharsets.UTF_8));
    o.put("logprob", logprob);
    ArrayNode bytes = o.putArray("bytes");
    for (byte x : b) bytes.add(x & 0xFF);
  }

  static String tokenText(Tokenizer tok, int id) {
    return new String(Tokenizers.tokenBytes(tok, id), StandardCharsets.UTF_8);
  }

  /** Usage of a request: the prompt once, the completion tokens of every choice. */
  static void usage(ObjectNode root, List<GenerationResult> rs) {
    int prompt = rs.isEmpty() ? 0 : rs.get(0).promptTokens();
    int completion = 0;
    for (GenerationResult r : rs) completion += r.tokens().length;
    ObjectNode u = root.putObject("usage");
    u.put("prompt_tokens", prompt);
    u.put("completion_tokens", completion);
    u.put("total_tokens", prompt + completion);
  }

}
