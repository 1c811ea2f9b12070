package io.personaknob.build;

import com.fasterxml.jackson.databind.JsonNode;
import io.personaknob.core.UserException;
import io.personaknob.llm.ChatRequest;
import io.personaknob.llm.LlmClient;
import io.personaknob.llm.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Seed scenes drawn by an LLM from a topic list (when no seed-scene file is given): the rows are shared out
 * over the topics as evenly as possible (the first n mod t topics get one more), and the first generator of
 * the pool writes that many scenes per topic with the seed-scenes prompt. Each scene's source is
 * {@code llm:MODEL:TOPIC}. The calls are cached like every other, so re-planning costs nothing.
 */
final class TopicScenes {
  private TopicScenes() {}

  static int[] counts(int n, int topics) {
    int[] c = new int[topics];
    for (int i = 0; i < topics; i++) c[i] = n / topics + (i < n % topics ? 1 : 0);
    return c;
  }

  static List<ChatRequest> requests(BuildSpec spec, Prompts prompts) {
    List<ChatRequest> out = new ArrayList<>();
    int[] c = counts(spec.n(), spec.topics().size());
    for (int i = 0; i < c.length; i++) {
      if (c[i] == 0) continue;
      out.add(Asker.request(spec.generators().get(0), messages(prompts, spec.topics().get(i), c[i]), Schemas.seedScenes(c[i])));
    }
    return out;
  }

  private static List<Message> messages(Prompts prompts, String topic, int count) {
    return prompts.render("seed-scenes", Map.of("topic", topic, "count", String.valueOf(count),
        "json_shape", Schemas.shape(Schemas.seedScenes(count))));
  }

  static List<SeedScenes.Scene> draw(BuildSpec spec, LlmClient client, Prompts prompts, boolean dryRun) {
    if (spec.topics().isEmpty()) throw new UserException("no seed scenes: give --seed-scenes FILE or --topics");
    String model = spec.generators().get(0);
    int[] c = counts(spec.n(), spec.topics().size());
    List<SeedScenes.Scene> out = new ArrayList<>();
    for (int i = 0; i < c.length; i++) {
      String topic = spec.topics().get(i);
      if (c[i] == 0) continue;
      if (dryRun) {
        for (int k = 0; k < c[i]; k++) out.add(new SeedScenes.Scene("(a scene to be drawn on " + topic + ")", "llm:" + model + ":" + topic));
        continue;
      }
      Asker.Result r = Asker.ask(client, model, messages(prompts, topic, c[i]), Schemas.seedScenes(c[i]), spec.maxRepairs());
      if (!r.ok()) throw new UserException("seed scenes for topic '" + topic + "' from " + model + ": " + r.error()
          + " (nothing planned; re-run to retry)");
      for (JsonNode s : r.value().path("scenes")) out.add(new SeedScenes.Scene(s.asText().strip(), "llm:" + model + ":" + topic));
    }
    return out;
  }
}
