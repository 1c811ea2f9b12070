package io.personaknob.lm.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.models.ResponseFormatJsonObject;
import com.openai.models.ResponseFormatJsonSchema;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.StructuredChatCompletion;
import com.openai.models.chat.completions.StructuredChatCompletionCreateParams;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import io.personaknob.lm.DjlLanguageModel;
import io.personaknob.lm.LanguageModels;
import io.personaknob.lm.structured.MiniValidator;
import io.personaknob.lm.testing.TinyModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract checked with the client users actually run: OpenAI's official Java SDK
 * ({@code com.openai:openai-java}, test scope), unchanged, pointed at {@code knob serve} on loopback with a
 * tiny random Llama. Its own SSE parser reads the streams, its own models decode every answer (so a field
 * of the wrong type or a malformed chunk fails here), its structured-output helper derives the JSON schema
 * from a Java class and parses the reply into it, and its error types carry our 400s.
 */
class OfficialSdkTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  static DjlLanguageModel model;
  static OpenAiServer server;
  static OpenAIClient client;

  @BeforeAll
  static void start() throws Exception {
    TinyModels.create(dir, "llama", 1024, 13);
    model = LanguageModels.load(dir, "cpu");
    server = new OpenAiServer(model, "tiny", "127.0.0.1", 0, new OpenAiServer.Options(8, 3, 24)).start();
    client = OpenAIOkHttpClient.builder().baseUrl(server.baseUrl().toString()).apiKey("not-needed").maxRetries(0).build();
  }

  @AfterAll
  static void stop() {
    if (client != null) client.close();
    if (server != null) server.stop(0);
    if (model != null) model.close();
  }

  static ChatCompletionCreateParams.Builder chat(long seed) {
    return ChatCompletionCreateParams.builder().model("tiny").addUserMessage("Tell me about peers.").temperature(0.9).seed(seed)
        .maxCompletionTokens(40);
  }

  @Test
  void streamedDeltasConcatenateToTheAnswerAndUsageComesLast() {
    for (long seed = 1; seed <= 3; seed++) {
      ChatCompletion whole = client.chat().completions().create(chat(seed).build());
      String expected = whole.choices().get(0).message().content().orElse("");
      StringBuilder text = new StringBuilder();
      List<String> finishes = new ArrayList<>();
      List<ChatCompletionChunk> chunks = new ArrayList<>();
      try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(
          chat(seed).streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
        s.stream().forEach(chunks::add);
      }
      assertTrue(chunks.size() >= 3, "role, content, finish, usage: " + chunks.size());
      assertEquals("assistant", chunks.get(0).choices().get(0).delta().role().map(r -> r.asString()).orElse(""), "the role delta comes first");
      for (ChatCompletionChunk c : chunks) {
        assertEquals(chunks.get(0).id(), c.id());
        for (ChatCompletionChunk.Choice ch : c.choices()) {
          text.append(ch.delta().content().orElse(""));
          ch.finishReason().ifPresent(f -> finishes.add(f.asString()));
        }
      }
      assertEquals(expected, text.toString(), "seed " + seed);
      assertEquals(List.of(whole.choices().get(0).finishReason().asString()), finishes);
      ChatCompletionChunk last = chunks.get(chunks.size() - 1);
      assertEquals(0, last.choices().size(), "the usage chunk has no choices");
      assertEquals(whole.usage().orElseThrow().completionTokens(), last.usage().orElseThrow().completionTokens());
      assertEquals(whole.usage().orElseThrow().promptTokens(), last.usage().orElseThrow().promptTokens());
    }
  }

  @Test
  void twoChoicesWithTheirOwnSamplingStreams() {
    ChatCompletion one = client.chat().completions().create(chat(5).build());
    ChatCompletion two = client.chat().completions().create(chat(5).n(2).build());
    assertEquals(2, two.choices().size());
    assertEquals(0, two.choices().get(0).index());
    assertEquals(1, two.choices().get(1).index());
    String a = two.choices().get(0).message().content().orElse("");
    String b = two.choices().get(1).message().content().orElse("");
    assertEquals(one.choices().get(0).message().content().orElse(""), a, "choice 0 samples from the request's seed");
    assertNotEquals(a, b, "choice 1 has its own stream");
    // beyond the configured maximum (3): an OpenAI-shaped 400 the SDK maps to its type
    BadRequestException e = assertThrows(BadRequestException.class, () -> client.chat().completions().create(chat(5).n(4).build()));
    assertEquals(400, e.statusCode());
    assertTrue(e.getMessage().contains("n"), e.getMessage());
  }

  static final Map<String, Object> JUDGE = Map.of(
      "type", "object",
      "properties", Map.of(
          "verdict", Map.of("type", "string", "enum", List.of("golden", "reject", "tie")),
          "rating", Map.of("type", "integer", "minimum", 1, "maximum", 7),
          "reasons", Map.of("type", "array", "items", Map.of("type", "string", "maxLength", 12), "minItems", 1, "maxItems", 2)),
      "required", List.of("verdict", "rating", "reasons"),
      "additionalProperties", false);

  @Test
  void jsonSchemaAnswersParseAndConformForEverySeed() throws Exception {
    ResponseFormatJsonSchema.JsonSchema.Schema.Builder sb = ResponseFormatJsonSchema.JsonSchema.Schema.builder();
    JUDGE.forEach((k, v) -> sb.putAdditionalProperty(k, JsonValue.from(v)));
    ResponseFormatJsonSchema rf = ResponseFormatJsonSchema.builder()
        .jsonSchema(ResponseFormatJsonSchema.JsonSchema.builder().name("judge").strict(true).schema(sb.build()).build()).build();
    JsonNode schema = JSON.valueToTree(JUDGE);
    for (long seed = 0; seed < 12; seed++) {
      ChatCompletion c = client.chat().completions().create(chat(seed).temperature(1.0).maxCompletionTokens(200).responseFormat(rf).build());
      String content = c.choices().get(0).message().content().orElseThrow();
      assertEquals(List.of(), MiniValidator.validate(schema, JSON.readTree(content)), "seed " + seed + ": " + content);
      assertEquals("stop", c.choices().get(0).finishReason().asString());
    }
    // json_object: any object, streamed too
    StringBuilder text = new StringBuilder();
    try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(
        chat(3).temperature(1.0).maxCompletionTokens(120).responseFormat(ResponseFormatJsonObject.builder().build()).build())) {
      s.stream().forEach(ch -> ch.choices().forEach(x -> text.append(x.delta().content().orElse(""))));
    }
    assertTrue(JSON.readTree(text.toString()).isObject(), text.toString());
  }

  /** What the SDK's structured-output helper derives its schema from (victools, strict mode). */
  public static final class Rating {
    public String verdict;
    public long rating;
    public boolean confident;
  }

  @Test
  void theSdksClassDerivedSchemaIsServedAndParsedBack() {
    for (long seed = 0; seed < 4; seed++) {
      StructuredChatCompletionCreateParams<Rating> p = chat(seed).temperature(1.0).maxCompletionTokens(160).responseFormat(Rating.class).build();
      StructuredChatCompletion<Rating> c = client.chat().completions().create(p);
      Rating r = c.choices().get(0).message().content().orElseThrow(); // the SDK parsed our JSON into the class
      assertTrue(r.verdict != null, "seed " + seed);
    }
  }

  @Test
  void unsupportedSchemaKeywordsAre400sNamingTheKeywordAndTheServerKeepsServing() {
    Map<String, Object> bad = new HashMap<>(JUDGE);
    bad.put("properties", Map.of("text", Map.of("type", "string", "pattern", "^[a-z]+$")));
    bad.put("required", List.of("text"));
    ResponseFormatJsonSchema.JsonSchema.Schema.Builder sb = ResponseFormatJsonSchema.JsonSchema.Schema.builder();
    bad.forEach((k, v) -> sb.putAdditionalProperty(k, JsonValue.from(v)));
    ResponseFormatJsonSchema rf = ResponseFormatJsonSchema.builder()
        .jsonSchema(ResponseFormatJsonSchema.JsonSchema.builder().name("bad").strict(true).schema(sb.build()).build()).build();
    BadRequestException e = assertThrows(BadRequestException.class, () -> client.chat().completions().create(chat(1).responseFormat(rf).build()));
    assertTrue(e.getMessage().contains("pattern"), e.getMessage());
    assertTrue(client.chat().completions().create(chat(1).build()).choices().size() == 1, "still serving");
  }

  @Test
  void legacyCompletionsWithLogprobs() {
    Completion c = client.completions().create(CompletionCreateParams.builder().model("tiny").prompt("Once upon").maxTokens(12).temperature(0.0)
        .logprobs(2).build());
    var choice = c.choices().get(0);
    var lp = choice.logprobs().orElseThrow();
    assertEquals(c.usage().orElseThrow().completionTokens(), lp.tokens().orElseThrow().size(), "one entry per generated token");
    assertEquals(lp.tokens().orElseThrow().size(), lp.tokenLogprobs().orElseThrow().size());
    for (double x : lp.tokenLogprobs().orElseThrow()) assertTrue(x <= 0, "log-probabilities are ≤ 0");
  }
}
