package io.personaknob.cli;

import io.personaknob.core.UserException;
import io.personaknob.irt.AnchorFile;
import io.personaknob.irt.FacetsReport;
import io.personaknob.irt.FitJson;
import io.personaknob.irt.JmleEstimator;
import io.personaknob.irt.RaschFit;
import io.personaknob.irt.RaschSpec;
import io.personaknob.irt.RatingData;
import io.personaknob.irt.RatingReader;
import io.personaknob.irt.Residuals;
import io.personaknob.irt.Subset;
import io.personaknob.irt.WrightMap;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code knob irt}: many-facet Rasch calibration (knob-irt). */
@Command(
    name = "irt",
    mixinStandardHelpOptions = true,
    description = "Many-facet Rasch calibration of ratings (JMLE; see docs/irt.md).",
    subcommands = {IrtCommand.Fit.class})
final class IrtCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  enum Format { table, json }

  @Command(
      name = "fit",
      mixinStandardHelpOptions = true,
      description = {
        "Fit a many-facet Rasch model (JMLE) to long-format ratings.",
        "One row per rating; reports measures, fit statistics, thresholds, separation",
        "and reliability, disjoint subsets and bias. Example:",
        "  knob irt fit ratings.csv --facets model+dimension,judge,item",
        "    --positive model+dimension --rating score --scale rsm",
        "    --bias judge,model+dimension --out calib/"
      })
  static final class Fit implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "Ratings: .csv, .tsv, .jsonl or .parquet.")
    Path file;

    @Option(names = "--facets", required = true, split = ",", paramLabel = "FACET",
        description = "Facet columns in order; 'a+b' combines columns a and b into one facet (e.g. model+dimension).")
    List<String> facets;

    @Option(names = "--positive", required = true, paramLabel = "FACET",
        description = "The positively oriented facet (abilities); the others are severities/difficulties.")
    String positive;

    @Option(names = "--rating", defaultValue = "rating", paramLabel = "COLUMN", description = "Rating column (default: ${DEFAULT-VALUE}).")
    String rating;

    @Option(names = "--comparisons", paramLabel = "FILE", description = {"Paired comparisons fitted jointly with the "
        + "ratings (Rasch/Bradley-Terry): .csv, .tsv or .jsonl with fields a, b (elements of --compare-facet), score "
        + "(1 a preferred, 0 b preferred, 0.5 tie) and optional weight."})
    Path comparisons;

    @Option(names = "--compare-facet", paramLabel = "FACET", description = "Facet of the compared elements (default: --positive).")
    String compareFacet;

    @Option(names = "--weight", paramLabel = "COLUMN", description = "Optional weight column (positive numbers).")
    String weight;

    @Option(names = "--scale", defaultValue = "rsm", paramLabel = "rsm|pcm:FACET|dichotomous",
        description = "Rating scale model (default: ${DEFAULT-VALUE}).")
    String scale;

    @Option(names = "--min", paramLabel = "N", description = "Declared lowest rating (with --max): other ratings are errors.")
    Integer min;

    @Option(names = "--max", paramLabel = "N", description = "Declared highest rating (with --min).")
    Integer max;

    @Option(names = "--anchor", paramLabel = "FILE",
        description = "Anchor file: CSV facet,element,measure (facet @threshold anchors thresholds).")
    Path anchor;

    @Option(names = "--start", paramLabel = "FIT_JSON",
        description = "Warm start from a previous fit.json (resume, or refit after adding ratings).")
    Path start;

    @Option(names = "--float", paramLabel = "FACET", description = "The facet left uncentred (default: the positive facet).")
    String floating;

    @Option(names = "--bias", split = ",", paramLabel = "FACET", description = "Bias/interaction analysis between two facets, e.g. judge,model.")
    List<String> bias;

    @Option(names = "--bias-correction", description = "Multiply measures by (L-1)/L (JMLE statistical bias).")
    boolean biasCorrection;

    @Option(names = "--converge", split = ",", paramLabel = "RESID,CHANGE",
        description = "Convergence: largest score residual and largest logit change (default 0.01,0.0001).")
    List<Double> converge;

    @Option(names = "--max-iterations", defaultValue = "500", paramLabel = "N", description = "Iteration limit (default: ${DEFAULT-VALUE}).")
    int maxIterations;

    @Option(names = "--threads", paramLabel = "N", description = "Worker threads (default: available processors).")
    Integer threads;

    @Option(names = "--format", defaultValue = "table", paramLabel = "table|json", description = "Standard output format (default: ${DEFAULT-VALUE}).")
    Format format;

    @Option(names = "--out", paramLabel = "DIR", description = "Also write fit.json, report.txt and wright-map.svg (and residuals.csv) here.")
    Path out;

    @Option(names = "--residuals", description = "Write residuals.csv (one row per rating) into --out.")
    boolean residuals;

    @Option(names = "--allow-disjoint", description = "Report measures even if the design splits into disjoint subsets.")
    boolean allowDisjoint;

    @Option(names = "--quiet", description = "No progress on standard error.")
    boolean quiet;

    @Override
    public Integer call() throws IOException {
      CommandLine cl = spec.commandLine();
      if (!facets.contains(positive)) {
        throw new CommandLine.ParameterException(cl, "--positive " + positive + " is not one of --facets " + String.join(",", facets));
      }
      if (bias != null && (bias.size() != 2 || !facets.containsAll(bias) || bias.get(0).equals(bias.get(1)))) {
        throw new CommandLine.ParameterException(cl, "--bias needs two different facets from --facets, e.g. --bias judge," + positive);
      }
      if (floating != null && !facets.contains(floating)) {
        throw new CommandLine.ParameterException(cl, "--float " + floating + " is not one of --facets");
      }
      if (converge != null && converge.size() != 2) {
        throw new CommandLine.ParameterException(cl, "--converge needs two numbers: RESID,CHANGE");
      }
      if (residuals && out == null) throw new CommandLine.ParameterException(cl, "--residuals needs --out DIR");
      if ((min == null) != (max == null)) throw new CommandLine.ParameterException(cl, "--min and --max go together");
      RaschSpec.Builder sb = RaschSpec.builder(positive).maxIterations(maxIterations).biasCorrection(biasCorrection);
      try {
        sb.scale(scale);
      } catch (UserException e) {
        throw new CommandLine.ParameterException(cl, "--scale: " + e.getMessage());
      }
      String pcm = scale.toLowerCase(Locale.ROOT).startsWith("pcm:") ? scale.substring(4) : null;
      if (pcm != null && !facets.contains(pcm)) {
        throw new CommandLine.ParameterException(cl, "--scale pcm:" + pcm + ": not one of --facets");
      }
      if (floating != null) sb.floating(floating);
      if (converge != null) sb.convergence(converge.get(0), converge.get(1));
      if (threads != null) sb.threads(threads);
      if (anchor != null) AnchorFile.apply(anchor, sb);
      if (start != null) FitJson.applyStart(start, sb);
      RaschSpec rs = sb.build();

      PrintWriter err = cl.getErr();
      long t0 = System.nanoTime();
      if (compareFacet != null && comparisons == null)
        throw new CommandLine.ParameterException(cl, "--compare-facet needs --comparisons");
      RatingData data = RatingReader.read(file, new RatingReader.Columns(facets, rating, weight, min, max), comparisons,
          compareFacet != null ? compareFacet : positive, n -> {
        if (!quiet) {
          err.printf(Locale.ROOT, "knob irt: %,d ratings read ...%n", n);
          err.flush();
        }
      });
      if (!quiet) {
        err.printf(Locale.ROOT, "knob irt: read %,d ratings from %s%s in %.2f s%n", data.size(), file,
            comparisons == null ? "" : String.format(Locale.ROOT, " and %,d comparisons from %s", data.comparisonCount(), comparisons),
            (System.nanoTime() - t0) / 1e9);
        err.flush();
      }
      long[] last = {System.nanoTime()};
      JmleEstimator.Progress progress = quiet ? JmleEstimator.Progress.NONE : (it, r, c) -> {
        long now = System.nanoTime();
        if (now - last[0] > 500_000_000L) {
          err.printf(Locale.ROOT, "knob irt: iteration %d: max score residual %.4g, max logit change %.3g%n", it, r, c);
          err.flush();
          last[0] = now;
        }
      };
      Map<String, Path> inputs = new java.util.LinkedHashMap<>();
      inputs.put("ratings", file);
      if (anchor != null) inputs.put("anchors", anchor);
      if (comparisons != null) inputs.put("comparisons", comparisons);
      long t1 = System.nanoTime();
      RaschFit fit = JmleEstimator.fit(data, rs, inputs, progress);
      if (bias != null) fit = JmleEstimator.withBias(fit, bias.get(0), bias.get(1));
      if (!quiet) {
        err.printf(Locale.ROOT, "knob irt: %s after %d iterations in %.2f s%n",
            fit.converged() ? "converged" : "NOT converged", fit.iterations(), (System.nanoTime() - t1) / 1e9);
        err.flush();
      }
      for (String w : fit.warnings()) if (w.startsWith("WARNING: ")) err.println("knob irt: " + w);
      err.flush();
      if (!fit.connected() && !allowDisjoint) {
        List<String> parts = new ArrayList<>();
        for (Subset s : fit.subsets()) {
          List<String> f = new ArrayList<>();
          s.elements().forEach((k, v) -> f.add(k + " " + (v.size() <= 5 ? String.join(",", v) : String.join(",", v.subList(0, 5)) + ",...(" + v.size() + ")")));
          f.sort(null);
          parts.add("subset " + s.id() + ": " + String.join("; ", f));
        }
        throw new UserException(file + ": the design is disconnected into " + fit.subsets().size()
            + " disjoint subsets, so measures across them are not comparable (" + String.join(" | ", parts)
            + "); link them with shared elements or anchors, or pass --allow-disjoint");
      }
      if (out != null) {
        Files.createDirectories(out);
        final RaschFit f = fit;
        atomicWrite(out.resolve("fit.json"), w -> FitJson.write(f, w));
        atomicWrite(out.resolve("report.txt"), w -> w.write(FacetsReport.render(f)));
        atomicWrite(out.resolve("wright-map.svg"), w -> w.write(WrightMap.svg(f)));
        if (residuals) atomicWrite(out.resolve("residuals.csv"), w -> writeResiduals(f, data, w));
        if (!quiet) err.println("knob irt: wrote " + out.resolve("fit.json") + ", report.txt, wright-map.svg" + (residuals ? ", residuals.csv" : ""));
      }
      PrintWriter o = cl.getOut();
      if (format == Format.json) {
        FitJson.write(fit, o);
        o.println();
      } else {
        o.print(FacetsReport.render(fit));
      }
      o.flush();
      return Knob.EXIT_OK;
    }

    interface WriterBody {
      void write(Writer w) throws IOException;
    }

    /** Through a temporary sibling renamed into place (knob-core's AtomicFile): no partial output. */
    static void atomicWrite(Path target, WriterBody body) {
      io.personaknob.core.AtomicFile.write(target, tmp -> {
        try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
          body.write(w);
        }
      });
    }

    static void writeResiduals(RaschFit fit, RatingData data, Writer w) throws IOException {
      StringBuilder head = new StringBuilder("row");
      for (String f : data.facets()) head.append(',').append(csv(f));
      head.append(",observed,expected,variance,residual,z,estimated\n");
      w.write(head.toString());
      IOException[] failure = new IOException[1];
      Residuals.forEach(fit, data, r -> {
        if (failure[0] != null) return;
        StringBuilder sb = new StringBuilder();
        sb.append(r.row() + 1);
        for (String e : r.elements()) sb.append(',').append(csv(e));
        sb.append(String.format(Locale.ROOT, ",%d,%.6f,%.6f,%.6f,%.6f,%s%n", r.observed(), r.expected(), r.variance(),
            r.residual(), r.z(), r.estimated()));
        try {
          w.write(sb.toString());
        } catch (IOException e) {
          failure[0] = e;
        }
      });
      if (failure[0] != null) throw failure[0];
    }

    static String csv(String s) {
      if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0) return s;
      return '"' + s.replace("\"", "\"\"") + '"';
    }
  }
}
