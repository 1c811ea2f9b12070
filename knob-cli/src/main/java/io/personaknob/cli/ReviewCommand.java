package io.personaknob.cli;

import io.personaknob.studio.Judgments;
import io.personaknob.studio.ReviewImport;
import io.personaknob.studio.Studio;
import io.personaknob.studio.StudioDb;
import io.personaknob.studio.stats.ReviewStats;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code knob review}: the studio's database from the command line (import verdicts, agreement, export). */
@Command(
    name = "review",
    mixinStandardHelpOptions = true,
    description = "Human review data of the studio: import verdicts and queues, agreement statistics, exports (docs/studio.md).",
    subcommands = {ReviewCommand.Import.class, ReviewCommand.Stats.class, ReviewCommand.Queue.class, ReviewCommand.Export.class,
        ReviewCommand.Tasks.class})
final class ReviewCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "import", mixinStandardHelpOptions = true, description = {
      "Import verdicts made elsewhere.",
      "CSV (header) or JSONL with item_id, reviewer, check, verdict",
      "(pass, fail, unsure or an integer rating), optional comment and time. Bad lines are reported as",
      "file:line: field: message and nothing is imported."})
  static final class Import implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;
    @Option(names = "--db", required = true, paramLabel = "FILE", description = "Studio database (created if missing).") Path db;
    @Option(names = "--reviews", required = true, paramLabel = "FILE", description = "Verdicts: .csv or .jsonl.") Path reviews;

    @Override
    public Integer call() {
      PrintWriter err = spec.commandLine().getErr();
      try (StudioDb d = new StudioDb(db)) {
        int n = ReviewImport.importInto(reviews, d);
        spec.commandLine().getOut().println("imported " + n + " verdicts into " + db);
      } catch (ReviewImport.BadLines e) {
        for (String line : e.errors()) err.println(line);
        err.println("knob review import: " + e.errors().size() + " bad lines; nothing imported");
        err.flush();
        return Knob.EXIT_USER;
      }
      return Knob.EXIT_OK;
    }
  }

  @Command(name = "stats", mixinStandardHelpOptions = true, description = {
      "Print agreement per check and overall, each statistic with its 95 % interval.",
      "Keys: n_items, n_reviewers, percent_agreement, cohen_kappa (two reviewers),",
      "fleiss_kappa, krippendorff_alpha_nominal (+ _ordinal, _interval for integer ratings), pass_rate; each",
      "an object {value, ci_low, ci_high} (bootstrap over items; Wilson for pass_rate)."})
  static final class Stats implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;
    @Option(names = "--db", required = true, paramLabel = "FILE") Path db;
    @Option(names = "--json", description = "Print JSON (default: a table).") boolean json;
    @Option(names = "--bootstrap", defaultValue = "" + ReviewStats.DEFAULT_REPLICATES, paramLabel = "N",
        description = "Bootstrap resamples (default: ${DEFAULT-VALUE}).") int replicates;

    @Override
    @SuppressWarnings("unchecked")
    public Integer call() {
      if (!Files.isRegularFile(db)) throw new io.personaknob.core.UserException(db + ": no such database");
      try (StudioDb d = new StudioDb(db)) {
        Map<String, Object> r = new Studio(d).stats(replicates);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
          out.println(CliJson.pretty(r));
          return Knob.EXIT_OK;
        }
        out.printf(Locale.ROOT, "%-32s %6s %5s  %-22s %-22s %-22s %-22s%n", "check", "items", "revs", "percent agreement", "fleiss kappa",
            "alpha nominal", "pass rate");
        line(out, "overall", (Map<String, Object>) r.get("overall"));
        for (var e : ((Map<String, Object>) r.get("checks")).entrySet()) line(out, e.getKey(), (Map<String, Object>) e.getValue());
        out.println("accept rule: " + r.get("accept_rule") + "; intervals: bootstrap 95 % over items, Wilson for the pass rate");
      }
      return Knob.EXIT_OK;
    }

    @SuppressWarnings("unchecked")
    private static void line(PrintWriter out, String name, Map<String, Object> b) {
      out.printf(Locale.ROOT, "%-32s %6s %5s  %-22s %-22s %-22s %-22s%n", name, b.get("n_items"), b.get("n_reviewers"),
          cell(b.get("percent_agreement")), cell(b.get("fleiss_kappa")), cell(b.get("krippendorff_alpha_nominal")), cell(b.get("pass_rate")));
    }

    @SuppressWarnings("unchecked")
    private static String cell(Object o) {
      if (!(o instanceof Map<?, ?> m)) return "-";
      return f(m.get("value")) + " [" + f(m.get("ci_low")) + ", " + f(m.get("ci_high")) + "]";
    }

    private static String f(Object o) {
      return o instanceof Double d ? String.format(Locale.ROOT, "%.3f", d) : "-";
    }
  }

  @Command(name = "queue", mixinStandardHelpOptions = true, description = "Add review items: a PersonaKnob file or folder, a knob build rows.jsonl (rows with status review), or --sample.")
  static final class Queue implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;
    @Option(names = "--db", required = true, paramLabel = "FILE") Path db;
    @Option(names = "--rows", paramLabel = "FILE") Path rows;
    @Option(names = "--sample", description = "The bundled sample's test split.") boolean sample;

    @Override
    public Integer call() {
      if ((rows == null) == !sample) throw new CommandLine.ParameterException(spec.commandLine(), "give --rows FILE or --sample");
      try (StudioDb d = new StudioDb(db)) {
        Studio s = new Studio(d);
        int n = sample ? s.importSample() : s.importQueue(rows);
        spec.commandLine().getOut().println("queued " + n + " new items (" + d.items().size() + " in " + db + ")");
      }
      return Knob.EXIT_OK;
    }
  }

  @Command(name = "export", mixinStandardHelpOptions = true, description = {
      "Export accepted rows, the review log and human ratings.",
      "Accepted rows (under the studio's acceptance rule) as a PersonaKnob dataset (.jsonl/.json/.parquet, or a folder",
      "in the Hub layout), the review log as JSONL or Parquet, and human ratings in the long format of knob irt fit."})
  static final class Export implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;
    @Option(names = "--db", required = true, paramLabel = "FILE") Path db;
    @Option(names = "--accepted", paramLabel = "OUT") Path accepted;
    @Option(names = "--log", paramLabel = "OUT.{jsonl,parquet}", description = "The full review log (every verdict, withdrawn ones too); Parquet by extension.") Path log;
    @Option(names = "--human-ratings", paramLabel = "OUT.csv") Path ratings;

    @Override
    public Integer call() {
      if (!Files.isRegularFile(db)) throw new io.personaknob.core.UserException(db + ": no such database");
      if (accepted == null && log == null && ratings == null)
        throw new CommandLine.ParameterException(spec.commandLine(), "give --accepted, --log and/or --human-ratings");
      PrintWriter out = spec.commandLine().getOut();
      try (StudioDb d = new StudioDb(db)) {
        Studio s = new Studio(d);
        if (accepted != null) out.println("accepted rows: " + s.exportAccepted(accepted) + " -> " + accepted);
        if (log != null) {
          s.exportLog(log);
          out.println("review log: " + d.count("verdicts") + " verdict rows -> " + log);
        }
        if (ratings != null) {
          var rs = Judgments.humanRatings(d);
          io.personaknob.core.AtomicFile.write(ratings, tmp -> Files.writeString(tmp, Judgments.ratingsCsv(rs)));
          out.println("human ratings: " + rs.size() + " -> " + ratings);
        }
      }
      return Knob.EXIT_OK;
    }
  }

  @Command(name = "tasks", mixinStandardHelpOptions = true, description = {
      "Add human-judgment tasks from model outputs.",
      "Input JSONL: row_id, model, prompt, answer, mask. Tasks: blind pointwise",
      "1-7 per answer and dimension, and pairwise A/B per row, dimension and pair of models (order randomised, recorded)."})
  static final class Tasks implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;
    @Option(names = "--db", required = true, paramLabel = "FILE") Path db;
    @Option(names = "--outputs", required = true, paramLabel = "FILE.jsonl") Path outputs;

    @Override
    public Integer call() {
      try (StudioDb d = new StudioDb(db)) {
        spec.commandLine().getOut().println("added " + Judgments.importOutputs(outputs, d) + " judgment tasks");
      }
      return Knob.EXIT_OK;
    }
  }
}
