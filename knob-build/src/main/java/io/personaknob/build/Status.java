package io.personaknob.build;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personaknob.llm.Json;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Counts of a build: rows per stage and status, the plan's mask counts, and the pass rate of each stage
 * (rows that passed / rows the stage decided, failed and waiting rows excluded).
 */
public final class Status {
  private Status() {}

  static final List<String> STAGES = List.of(BuildRow.PLAN, BuildRow.SYNTHESIZE, BuildRow.VERIFY, "review");
  static final List<String> STATUSES = List.of(BuildRow.PENDING, BuildRow.REVIEW, BuildRow.ACCEPTED, BuildRow.REJECTED, BuildRow.FAILED);

  /** [decided, passed] per stage synthesize, verify, review. */
  public static Map<String, int[]> passRates(List<BuildRow> rows) {
    Map<String, int[]> m = new LinkedHashMap<>();
    for (String s : List.of(BuildRow.SYNTHESIZE, BuildRow.VERIFY, "review")) m.put(s, new int[2]);
    for (BuildRow r : rows) {
      int ord = STAGES.indexOf(r.stage);
      // synthesize: passed when the row moved on (or waits for verify); rejected there = decided, not passed
      if (ord > 1 || (ord == 1 && r.status.equals(BuildRow.PENDING))) add(m, BuildRow.SYNTHESIZE, true);
      else if (ord == 1 && r.status.equals(BuildRow.REJECTED)) add(m, BuildRow.SYNTHESIZE, false);
      if (ord > 2) add(m, BuildRow.VERIFY, true);
      else if (ord == 2 && r.status.equals(BuildRow.REJECTED)) add(m, BuildRow.VERIFY, false);
      if (ord == 3 && r.status.equals(BuildRow.ACCEPTED)) add(m, "review", true);
      else if (ord == 3 && r.status.equals(BuildRow.REJECTED)) add(m, "review", false);
    }
    return m;
  }

  private static void add(Map<String, int[]> m, String stage, boolean passed) {
    m.get(stage)[0]++;
    if (passed) m.get(stage)[1]++;
  }

  public static ObjectNode json(Path dir, List<BuildRow> rows) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("dir", dir.toString());
    o.put("rows", rows.size());
    ObjectNode byStage = o.putObject("stages");
    for (String s : STAGES) {
      ObjectNode st = JsonNodeFactory.instance.objectNode();
      for (BuildRow r : rows) if (r.stage.equals(s)) st.put(r.status, st.path(r.status).asInt() + 1);
      if (!st.isEmpty()) byStage.set(s, st);
    }
    ObjectNode byStatus = o.putObject("statuses");
    for (String s : STATUSES) {
      long c = rows.stream().filter(r -> r.status.equals(s)).count();
      if (c > 0) byStatus.put(s, c);
    }
    ObjectNode masks = o.putObject("masks");
    Map<String, Integer> mc = new TreeMap<>((a, b) -> a.length() != b.length() ? a.length() - b.length()
        : Masks.all(List.of(io.personaknob.core.data.Dimension.values()), 1).indexOf(a)
            - Masks.all(List.of(io.personaknob.core.data.Dimension.values()), 1).indexOf(b));
    for (BuildRow r : rows) mc.merge(r.mask, 1, Integer::sum);
    mc.forEach(masks::put);
    ObjectNode pr = o.putObject("pass_rates");
    passRates(rows).forEach((s, v) -> {
      ObjectNode x = pr.putObject(s);
      x.put("decided", v[0]);
      x.put("passed", v[1]);
      if (v[0] > 0) x.put("rate", Math.round(1000.0 * v[1] / v[0]) / 1000.0);
    });
    ObjectNode gen = o.putObject("generators");
    for (BuildRow r : rows) gen.put(r.generator, gen.path(r.generator).asInt() + 1);
    return o;
  }

  /** Prints the status as JSON or as a table. */
  public static void print(Path dir, List<BuildRow> rows, boolean asJson, PrintWriter out) {
    ObjectNode j = json(dir, rows);
    if (asJson) {
      out.println(Json.write(j));
      out.flush();
      return;
    }
    out.printf("build %s: %d rows%n", dir, rows.size());
    out.printf("%-11s %8s %8s %8s %9s %8s%n", "stage", "pending", "review", "accepted", "rejected", "failed");
    for (String s : STAGES) {
      var st = j.path("stages").path(s);
      if (st.isMissingNode()) continue;
      out.printf("%-11s %8d %8d %8d %9d %8d%n", s, st.path("pending").asInt(), st.path("review").asInt(),
          st.path("accepted").asInt(), st.path("rejected").asInt(), st.path("failed").asInt());
    }
    StringBuilder m = new StringBuilder("masks:");
    j.path("masks").fields().forEachRemaining(e -> m.append(' ').append(e.getKey()).append('=').append(e.getValue().asInt()));
    out.println(m);
    StringBuilder p = new StringBuilder("pass rates:");
    j.path("pass_rates").fields().forEachRemaining(e -> p.append(' ').append(e.getKey()).append(' ')
        .append(e.getValue().path("passed").asInt()).append('/').append(e.getValue().path("decided").asInt()));
    out.println(p);
    out.flush();
  }
}
