package io.personaknob.build;

import io.personaknob.build.testing.BuildScript;
import io.personaknob.llm.testing.ScriptedOpenAiServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A scripted server, a knob.yaml pointing at it and helpers to run build sessions. */
final class Fixture implements AutoCloseable {
  final ScriptedOpenAiServer server;
  final Path dir;
  final Path yaml;
  final Path build;
  String out = "", err = "";

  Fixture(Path dir) throws Exception {
    this.dir = dir;
    this.server = new ScriptedOpenAiServer();
    server.script(new BuildScript());
    this.yaml = dir.resolve("knob.yaml");
    this.build = dir.resolve("build");
    Files.writeString(yaml, """
        providers:
          scripted:
            base_url: %s
            max_retries: 0
            backoff_base_ms: 1
            max_consecutive_failures: 0
        models:
          gen-a: {provider: scripted, model: gen-a, max_tokens: 1500, input_price_per_mtok: 1.0, output_price_per_mtok: 4.0}
          gen-b: {provider: scripted, model: gen-b, max_tokens: 1500}
          ver: {provider: scripted, model: ver, max_tokens: 600}
          judge-a: {provider: scripted, model: judge-a}
          judge-b: {provider: scripted, model: judge-b}
        """.formatted(server.baseUrl()));
  }

  Path scenes(List<String> texts) throws Exception {
    Path f = dir.resolve("scenes.jsonl");
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < texts.size(); i++)
      sb.append("{\"text\": \"").append(texts.get(i)).append("\", \"source\": \"test-").append(i + 1).append("\"}\n");
    Files.writeString(f, sb);
    return f;
  }

  BuildOptions options(int n, Path scenes) {
    BuildOptions o = new BuildOptions();
    o.dir = build;
    o.config = yaml;
    o.n = n;
    o.seed = 7L;
    o.seedScenes = scenes;
    o.generators = List.of("gen-a", "gen-b");
    o.verifiers = List.of("ver");
    o.judges = List.of("judge-a", "judge-b");
    return o;
  }

  int run(BuildOptions o, BuildSession.Stages stages) {
    StringWriter ow = new StringWriter(), ew = new StringWriter();
    int code = new BuildSession(o, new PrintWriter(ow, true), new PrintWriter(ew, true)).execute(stages);
    out = ow.toString();
    err = ew.toString();
    return code;
  }

  List<BuildRow> rows() {
    return BuildState.readRows(build);
  }

  @Override
  public void close() {
    server.close();
  }
}
