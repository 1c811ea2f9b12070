package io.personaknob.build.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personaknob.llm.Json;
import io.personaknob.llm.testing.SchemaFaker;
import io.personaknob.llm.testing.ScriptedOpenAiServer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A script for {@link ScriptedOpenAiServer} that plays every model of a {@code knob build} run as a
 * cooperative one, so a build produces rows that pass, and plants known-bad items on request. Test and
 * benchmark support: no model is asked anything.
 *
 * <ul>
 *   <li>Generator (a schema with {@code golden}): distinct texts from the request's seed; the trigger holds one
 *       phrase per active dimension and the attribution quotes it; the golden ends with {@code [g]}, reject_K
 *       with {@code [r:K]}; the prompt quotes the seed scene (and so any {@code PLANT:...} tag in it).</li>
 *   <li>Attribution checker and verifier: every check true.</li>
 *   <li>Judges (pairwise): the golden wins on the reject's own dimension and ties elsewhere.</li>
 * </ul>
 * Plants, by a tag in the seed scene: {@code PLANT:identical} (reject of the first active dimension equals the
 * golden), {@code PLANT:no-trigger} (the attribution of the last active dimension quotes nothing in the trigger),
 * {@code PLANT:reject-better} (judges prefer reject_K to the golden on K), {@code PLANT:better-elsewhere} (judges
 * prefer reject_K on another dimension), {@code PLANT:non-json} (the generator answers prose),
 * {@code PLANT:bad-schema} (the generator's JSON lacks the golden), {@code PLANT:not-needed} (the verifier says
 * the first trait is not needed).
 */
public final class BuildScript implements ScriptedOpenAiServer.Script {

  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  @Override
  public ScriptedOpenAiServer.Reply answer(ScriptedOpenAiServer.Request req) {
    JsonNode schema = req.schema();
    String user = allUser(req.body());
    if (schema == null) {
      if (user.contains("[Answer A]")) return ScriptedOpenAiServer.Reply.content(judge(user));
      return null;
    }
    JsonNode props = schema.path("properties");
    if (props.has("golden")) return ScriptedOpenAiServer.Reply.content(generator(req, props, user));
    if (props.has("preferred")) return ScriptedOpenAiServer.Reply.content(judge(user));
    if (props.path("dimensions").path("properties").size() > 0) {
      ObjectNode o = F.objectNode();
      ObjectNode dims = o.putObject("dimensions");
      boolean first = true;
      for (var it = props.path("dimensions").path("properties").fieldNames(); it.hasNext(); ) {
        String k = it.next();
        ObjectNode d = dims.putObject(k);
        if (props.has("rejects")) {
          boolean notNeeded = first && user.contains("PLANT:not-needed");
          d.put("needed", !notNeeded);
          d.put("reason", notNeeded ? "nothing in the scenario calls for " + k : "the trigger calls for " + k);
        } else {
          d.put("traced", true);
          d.put("reason", "the phrase calls for " + k);
        }
        first = false;
      }
      if (props.has("rejects")) {
        ObjectNode rj = o.putObject("rejects");
        for (var it = props.path("rejects").path("properties").fieldNames(); it.hasNext(); ) {
          String k = it.next();
          rj.putObject(k).put("fails_own", true).put("keeps_others", true).put("reason", "fails " + k + " only");
        }
      }
      return ScriptedOpenAiServer.Reply.content(Json.write(o));
    }
    return null;
  }

  /** Every user message of the conversation (a repair turn keeps the first one). */
  private static String allUser(JsonNode body) {
    StringBuilder sb = new StringBuilder();
    for (JsonNode m : body.path("messages")) if ("user".equals(m.path("role").asText())) sb.append(m.path("content").asText()).append('\n');
    return sb.toString();
  }

  private static String plant(String text) {
    int i = text.indexOf("PLANT:");
    if (i < 0) return "";
    int j = i + 6;
    while (j < text.length() && (Character.isLetter(text.charAt(j)) || text.charAt(j) == '-')) j++;
    return text.substring(i, j);
  }

  private static String generator(ScriptedOpenAiServer.Request req, JsonNode props, String user) {
    String tag = plant(user);
    if (tag.equals("PLANT:non-json")) return "Sure! Here is a lovely scenario about your topic, written as prose.";
    List<String> mask = new ArrayList<>();
    props.path("rejects").path("properties").fieldNames().forEachRemaining(mask::add);
    SplittableRandom rnd = new SplittableRandom(req.seed());
    ObjectNode o = F.objectNode();
    o.put("context", SchemaFaker.sentence(rnd, 12, 24) + " " + SchemaFaker.sentence(rnd, 8, 16));
    List<String> phrases = new ArrayList<>();
    StringBuilder trigger = new StringBuilder();
    for (String k : mask) {
      String p = "cue " + k.toLowerCase() + " " + SchemaFaker.sentence(rnd, 3, 5).replace(".", "").toLowerCase();
      phrases.add(p);
      trigger.append(trigger.length() == 0 ? "" : "; ").append(p);
    }
    o.put("trigger", trigger + ".");
    String scene = between(user, "Seed scene (the topic to build on):", "Active dimensions");
    o.put("prompt", "I need help. " + scene + " " + SchemaFaker.sentence(rnd, 14, 26));
    String golden = SchemaFaker.sentence(rnd, 20, 30) + " " + SchemaFaker.sentence(rnd, 10, 20) + " [g]";
    if (!tag.equals("PLANT:bad-schema")) o.put("golden", golden);
    ObjectNode rj = o.putObject("rejects");
    for (int i = 0; i < mask.size(); i++) {
      String k = mask.get(i);
      rj.put(k, i == 0 && tag.equals("PLANT:identical") ? golden
          : SchemaFaker.sentence(rnd, 20, 30) + " " + SchemaFaker.sentence(rnd, 10, 20) + " [r:" + k + "]");
    }
    ObjectNode at = o.putObject("attribution");
    for (int i = 0; i < mask.size(); i++) {
      boolean missing = i == mask.size() - 1 && tag.equals("PLANT:no-trigger");
      at.put(mask.get(i), missing ? "a detail the trigger never mentions" : phrases.get(i));
    }
    return Json.write(o);
  }

  private static String between(String s, String a, String b) {
    int i = s.indexOf(a);
    if (i < 0) return "";
    i += a.length();
    int j = b == null ? -1 : s.indexOf(b, i);
    return (j < 0 ? s.substring(i) : s.substring(i, j)).strip();
  }

  /** Pairwise: golden ([g]) against reject_K ([r:K]) on dimension D. */
  private static String judge(String user) {
    String a = between(user, "[Answer A]", "[Answer B]");
    String b = between(user, "[Answer B]", "\n\nWhich answer");
    String d = between(user, "on dimension ", " (");
    String tag = plant(between(user, "[User message]", "[Answer A]"));
    boolean aGolden = a.endsWith("[g]");
    String reject = aGolden ? b : a;
    int r = reject.lastIndexOf("[r:");
    String k = r < 0 ? "?" : reject.substring(r + 3, r + 4);
    String winner; // "golden", "reject" or "tie"
    if (k.equals(d)) winner = tag.equals("PLANT:reject-better") ? "reject" : "golden";
    else winner = tag.equals("PLANT:better-elsewhere") ? "reject" : "tie";
    String pref = winner.equals("tie") ? "tie" : (winner.equals("golden") == aGolden) ? "A" : "B";
    return Json.write(F.objectNode().put("reason", "scripted: " + winner + " on " + d).put("preferred", pref));
  }
}
