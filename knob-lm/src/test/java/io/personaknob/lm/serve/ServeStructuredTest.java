package io.personaknob.lm.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.personaknob.lm.DjlLanguageModel;
import io.personaknob.lm.LanguageModels;
import io.personaknob.lm.structured.MiniValidator;
import io.personaknob.lm.structured.Schemas;
import io.personaknob.lm.testing.TinyModels;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Structured outputs end to end: a tiny RANDOM Llama (it has never seen JSON) answers through the
 * OpenAI API with response_format json_schema / json_object, and every answer, over many seeds and
 * concurrent requests, parses and validates against the schema (independent validator).
 */
class ServeStructuredTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient CLIENT = HttpClient.newHttpClient();

  @TempDir static Path dir;
  static DjlLanguageModel model;
  static OpenAiServer server;

  @BeforeAll
  static void start() throws Exception {
    TinyModels.create(dir, "llama", 512, 5);
    model = LanguageModels.load(dir, "cpu");
    server = new OpenAiServer(model, "tiny", "127.0.0.1", 0, new OpenAiServer.Options(8, 4, 16)).start();
  }

  @AfterAll
  static void stop() {
    if (server != null) server.stop(0);
    if (model != null) model.close();
  }

  static HttpRequest req(String body) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v1/chat/completions"))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
  }

  static String body(String schema, long seed, double temperature, String extra) {
    return """
        {"model": "tiny", "messages": [{"role": "user", "content": "Rate the answer."}], "temperature": %s, "seed": %d,
         "max_tokens": 400, "response_format": {"type": "json_schema", "json_schema": {"name": "r", "strict": true, "schema": %s}}%s}"""
        .formatted(temperature, seed, schema, extra);
  }

  static void conforms(String schema, int seeds, double temperature) throws Exception {
    List<CompletableFuture<HttpResponse<String>>> fs = new ArrayList<>();
    for (int seed = 0; seed < seeds; seed++) {
      fs.add(CLIENT.sendAsync(req(body(schema, seed, temperature, "")), HttpResponse.BodyHandlers.ofString()));
    }
    JsonNode s = JSON.readTree(schema);
    for (var f : fs) {
      HttpResponse<String> r = f.join();
      assertEquals(200, r.statusCode(), r.body());
      JsonNode choice = JSON.readTree(r.body()).path("choices").path(0);
      assertEquals("stop", choice.path("finish_reason").asText(), r.body());
      String content = choice.path("message").path("content").asText();
      JsonNode v = JSON.readTree(content);
      assertEquals(List.of(), MiniValidator.validate(s, v), content);
    }
  }

  @Test
  void judgeRepliesFromARandomModelAlwaysValidate() throws Exception {
    conforms(Schemas.JUDGE, 10, 1.0);
    conforms(Schemas.JUDGE, 2, 0.0);
  }

  @Test
  void pairwiseAndNestedBuildRecordsAlwaysValidate() throws Exception {
    conforms(Schemas.PAIRWISE, 6, 1.0);
    // the byte-level model spends up to 4 tokens per character: a smaller build record fits max_tokens
    conforms(Schemas.BUILD.replace("\"maxItems\":4", "\"maxItems\":3").replace("\"maxLength\":20", "\"maxLength\":8"), 6, 1.3);
  }

  @Test
  void jsonObjectAndStreamingAreConstrainedToo() throws Exception {
    for (int seed = 0; seed < 4; seed++) {
      HttpResponse<String> r = CLIENT.send(req("""
          {"messages": [{"role": "user", "content": "JSON please"}], "seed": %d, "max_tokens": 400,
           "response_format": {"type": "json_object"}}""".formatted(seed)), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), r.body());
      assertTrue(JSON.readTree(JSON.readTree(r.body()).path("choices").path(0).path("message").path("content").asText()).isObject());
    }
    String whole = JSON.readTree(CLIENT.send(req(body(Schemas.PAIRWISE, 42, 1.0, "")), HttpResponse.BodyHandlers.ofString()).body())
        .path("choices").path(0).path("message").path("content").asText();
    List<String> data = ServeStreamingTest.stream(server, "/v1/chat/completions", body(Schemas.PAIRWISE, 42, 1.0, ", \"stream\": true"));
    StringBuilder sb = new StringBuilder();
    for (String d : data.subList(0, data.size() - 1)) sb.append(JSON.readTree(d).path("choices").path(0).path("delta").path("content").asText(""));
    assertEquals(whole, sb.toString());
    assertEquals(List.of(), MiniValidator.validate(JSON.readTree(Schemas.PAIRWISE), JSON.readTree(sb.toString())));
  }

  @Test
  void badSchemasGetOpenAi400sAndTheServerKeepsServing() throws Exception {
    String pattern = "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"pattern\":\"^x$\"}},\"required\":[\"a\"]}";
    JsonNode e = JSON.readTree(CLIENT.send(req(body(pattern, 1, 1.0, "")), HttpResponse.BodyHandlers.ofString()).body()).path("error");
    assertEquals("response_format.json_schema.schema", e.path("param").asText());
    assertTrue(e.path("message").asText().contains("'pattern'"), e.toString());
    assertEquals("invalid_request_error", e.path("type").asText());
    String nothing = "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\",\"minimum\":3,\"maximum\":2}},\"required\":[\"a\"]}";
    HttpResponse<String> r = CLIENT.send(req(body(nothing, 1, 1.0, "")), HttpResponse.BodyHandlers.ofString());
    assertEquals(400, r.statusCode());
    assertTrue(r.body().contains("allows no value"), r.body());
    r = CLIENT.send(req("{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"response_format\": {\"type\": \"yaml\"}}"),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(400, r.statusCode());
    assertEquals("response_format.type", JSON.readTree(r.body()).path("error").path("param").asText());
    r = CLIENT.send(req("{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"response_format\": {\"type\": \"json_schema\"}}"),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(400, r.statusCode());
    conforms(Schemas.JUDGE, 1, 0.7); // still serving
  }
}
