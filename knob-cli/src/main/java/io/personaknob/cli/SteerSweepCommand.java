package io.personaknob.cli;

import io.personaknob.core.UserException;
import io.personaknob.core.data.Dimension;
import io.personaknob.eval.steer.SteeringSweep;
import io.personaknob.lm.steer.SteeringVector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code knob steer sweep}: steering coefficients measured by one calibrated evaluation. */
@Command(
    name = "sweep",
    mixinStandardHelpOptions = true,
    description = {
      "Measure steering coefficients with one calibrated evaluation.",
      "Evaluates a model steered by each vector at each coefficient, all in one `knob eval` run on the",
      "bundled sample: per variant the calibrated A/T/E/C, the on-axis gain and off-axis drift against the",
      "unsteered model, the activation monitor and its agreement with the judges; --trained models (e.g. Lag-DPO",
      "from the same base) are placed on the steering curve at equal drift. Writes sweep.json and sweep.md."
    })
final class SteerSweepCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "DIR", description = "The base model the vectors were made from.")
  Path model;

  @Option(names = "--vector", required = true, paramLabel = "DIM=FILE", description = "A vector per dimension, e.g. A=a.safetensors (repeatable).")
  List<String> vectors = new ArrayList<>();

  @Option(names = "--coefs", defaultValue = "-4,0,4,8", split = ",", paramLabel = "C1,C2", description = "Coefficients (default: ${DEFAULT-VALUE}).")
  List<Double> coefs = new ArrayList<>();

  @Option(names = "--trained", paramLabel = "NAME=DIR", description = "A trained model evaluated beside the variants (repeatable).")
  List<String> trained = new ArrayList<>();

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "The sweep directory (resumable).")
  Path out;

  @Option(names = "--limit", defaultValue = "0", description = "At most N test rows (0 = all; default: ${DEFAULT-VALUE}).")
  int limit;

  @Option(names = "--max-new-tokens", defaultValue = "32", description = "Answer length budget (default: ${DEFAULT-VALUE}).")
  int maxNewTokens;

  @Override
  public Integer call() {
    CommandLine cl = spec.commandLine();
    if (!Files.isDirectory(model)) throw new UserException(model + ": no such model directory");
    Map<Dimension, SteeringVector> vs = new LinkedHashMap<>();
    for (String v : vectors) {
      int i = v.indexOf('=');
      if (i <= 0) throw new CommandLine.ParameterException(cl, "--vector expects DIM=FILE, got '" + v + "'");
      Dimension d = Dimension.parse(v.substring(0, i)).orElseThrow(() ->
          new CommandLine.ParameterException(cl, "--vector " + v + ": dimension must be A, T, E or C"));
      vs.put(d, SteeringVector.load(Path.of(v.substring(i + 1))));
    }
    Map<String, Path> tr = new LinkedHashMap<>();
    for (String t : trained) {
      int i = t.indexOf('=');
      if (i <= 0) throw new CommandLine.ParameterException(cl, "--trained expects NAME=DIR, got '" + t + "'");
      Path p = Path.of(t.substring(i + 1));
      if (!Files.isDirectory(p)) throw new UserException(p + ": no such model directory (--trained " + t.substring(0, i) + ")");
      tr.put(t.substring(0, i), p);
    }
    for (double c : coefs) if (!Double.isFinite(c)) throw new CommandLine.ParameterException(cl, "--coefs: " + c + " is not finite");
    var err = cl.getErr();
    SteeringSweep.Result r = SteeringSweep.run(new SteeringSweep.Spec(model, vs, coefs, tr, out, limit, maxNewTokens),
        line -> { err.println(line); err.flush(); });
    cl.getOut().print(Files2.read(r.markdown()));
    cl.getOut().println("wrote " + r.json() + " and " + r.markdown());
    cl.getOut().flush();
    return Knob.EXIT_OK;
  }
}
