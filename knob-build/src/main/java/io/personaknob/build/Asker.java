package io.personaknob.build;

import com.fasterxml.jackson.databind.JsonNode;
import io.personaknob.llm.ChatRequest;
import io.personaknob.llm.LlmClient;
import io.personaknob.llm.Message;
import java.util.ArrayList;
import java.util.List;

/**
 * One structured call with bounded repair turns: the reply must be a JSON object conforming to the schema;
 * an unusable reply is sent back with what is wrong ("Your reply could not be used: ...") at most
 * {@code maxRepairs} times, as the judging protocol does.
 */
final class Asker {
  private Asker() {}

  /**
   * @param value the conforming object, or null
   * @param error why there is none (a call failure or the last violation)
   * @param callFailed the call itself failed (after the client's retries) or was not done
   * @param cancelled the call was not done because the client was cancelled or the provider is down
   * @param keys run-store keys of the calls made
   */
  record Result(JsonNode value, String error, boolean callFailed, boolean cancelled, List<String> keys) {
    boolean ok() { return value != null; }
  }

  /** The first-attempt request (also what --dry-run counts). */
  static ChatRequest request(String model, List<Message> msgs, JsonNode schema) {
    return request(model, msgs, schema, 0);
  }

  /** {@code sample} &gt; 0 makes a deliberate new call for the same messages (a cache key of its own; never sent). */
  static ChatRequest request(String model, List<Message> msgs, JsonNode schema, int sample) {
    return new ChatRequest(model, msgs, null, null, null, schema, null, sample);
  }

  static Result ask(LlmClient client, String model, List<Message> msgs, JsonNode schema, int maxRepairs) {
    return ask(client, model, msgs, schema, maxRepairs, 0);
  }

  static Result ask(LlmClient client, String model, List<Message> msgs, JsonNode schema, int maxRepairs, int sample) {
    List<Message> conv = new ArrayList<>(msgs);
    List<String> keys = new ArrayList<>();
    for (int round = 0; ; round++) {
      LlmClient.CallResult r = client.call(request(model, conv, schema, sample));
      keys.add(r.key());
      if (!r.ok()) return new Result(null, "call failed: " + r.error(), true, r.cancelled(), keys);
      String content = r.response().content();
      JsonNode v = io.personaknob.llm.Json.objectIn(content);
      String why = v == null ? "the reply is not a JSON object" : Schemas.violation(v, schema);
      if (why == null) return new Result(v, null, false, false, keys);
      if (round >= maxRepairs)
        return new Result(null, "unusable reply after " + (round + 1) + " attempt(s): " + why, false, false, keys);
      conv.add(Message.assistant(content == null ? "" : content));
      conv.add(Message.user("Your reply could not be used: " + why + ". Reply again with only the JSON object, exactly in"
          + " this form: " + Schemas.shape(schema)));
    }
  }
}
