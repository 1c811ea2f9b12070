package io.personaknob.cli;

import io.personaknob.studio.Studio;
import io.personaknob.studio.web.StudioServer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code knob studio}: the local web app for human review, human judgments and agreement (knob-studio). */
@Command(
    name = "studio",
    mixinStandardHelpOptions = true,
    description = {
      "Serve the studio, the local web app for human review, human judgments and agreement.",
      "Review PersonaKnob rows (keyboard-first), judge model outputs blind, see agreement",
      "(kappa, alpha, pass rate with intervals), export accepted rows and the review log, browse the workspace.",
      "Everything is stored in a SQLite file in the workspace (default WORKSPACE/studio.sqlite).",
      "Listens on loopback; another --host needs --token, which every request must then carry. See docs/studio.md."
    })
final class StudioCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--port", defaultValue = "8700", description = "Port (0 picks a free one; default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to bind (default: ${DEFAULT-VALUE}).")
  String host;

  @Option(names = "--token", paramLabel = "TOKEN", description = "Required for a non-loopback --host: every request must carry it (?token= or Authorization: Bearer).")
  String token;

  @Option(names = "--workspace", defaultValue = ".", paramLabel = "DIR", description = "Workspace folder: runs to browse, files to import (default: the current folder).")
  Path workspace;

  @Option(names = "--db", paramLabel = "FILE", description = "Studio database (default: WORKSPACE/studio.sqlite).")
  Path db;

  @Option(names = "--queue", paramLabel = "FILE", description = "Import a review queue first: a PersonaKnob file or folder, or a knob build rows.jsonl (repeatable).")
  List<Path> queues = List.of();

  @Option(names = "--no-sample", description = "Do not queue the bundled sample when the database has no items.")
  boolean noSample;

  /** Counted down to stop the server (tests). */
  final CountDownLatch stop = new CountDownLatch(1);
  volatile StudioServer server;

  @Override
  public Integer call() throws Exception {
    if (port < 0 || port > 65535) throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--port must be 0..65535, got " + port);
    PrintWriter out = spec.commandLine().getOut();
    Path dbFile = db != null ? db : workspace.resolve("studio.sqlite");
    StudioServer s = StudioServer.start(new StudioServer.Options(host, port, token, workspace, dbFile));
    server = s;
    try {
      Studio studio = s.studio();
      for (Path q : queues) out.println("knob studio: queued " + studio.importQueue(q) + " new items from " + q);
      if (s.db().items().isEmpty() && !noSample) out.println("knob studio: queued the bundled sample (" + studio.importSample() + " rows)");
      out.println("knob studio: " + s.db().items().size() + " items, database " + dbFile);
      out.println("knob studio: serving " + s.url());
      out.flush();
      Thread hook = new Thread(stop::countDown, "knob-studio-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      stop.await();
    } finally {
      s.close();
    }
    return Knob.EXIT_OK;
  }
}
