package io.personaknob.cli;

import io.personaknob.build.bench.BuildBench;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code knob bench build}: the build pipeline's rows/minute and calls per passed row through a loopback server. */
@Command(name = "build", mixinStandardHelpOptions = true,
    description = "knob build run through a loopback scripted server: rows/minute, HTTP requests per row that passed"
        + " to review, and the cached re-run. Prints Markdown for docs/benchmarks.md.")
final class BenchBuildCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--rows", defaultValue = "110", description = "Rows per run (default: ${DEFAULT-VALUE}).")
  int rows;

  @Option(names = "--concurrency", split = ",", defaultValue = "16", description = "Rows in flight, comma list (default: ${DEFAULT-VALUE}).")
  List<Integer> concurrency;

  @Option(names = "--latency-ms", split = ",", defaultValue = "0,200", description = "Server latency per request, comma list (default: ${DEFAULT-VALUE}).")
  List<Integer> latency;

  @Option(names = "--bad-share", defaultValue = "0.2", description = "Share of seed scenes with a planted defect (default: ${DEFAULT-VALUE}).")
  double badShare;

  @Option(names = "--order-dims", defaultValue = "all", description = "all or mask (default: ${DEFAULT-VALUE}).")
  String orderDims;

  @Override
  public Integer call() throws Exception {
    if (rows < 1) throw new CommandLine.ParameterException(spec.commandLine(), "--rows must be at least 1");
    var out = spec.commandLine().getOut();
    out.print(BuildBench.markdownHeader());
    out.flush();
    for (int l : latency)
      for (int c : concurrency) {
        out.print(BuildBench.markdownRow(BuildBench.run(rows, c, l, badShare, orderDims)));
        out.flush();
      }
    return Knob.EXIT_OK;
  }
}
