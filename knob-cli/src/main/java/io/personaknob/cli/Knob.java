package io.personaknob.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code knob} command line. Each subcommand lives in its own class and is registered here.
 *
 * <p>Exit codes: 0 success, 1 user error (bad input data, failed validation, missing file),
 * 2 usage error (unknown option, bad flag value), 3 internal failure (a bug: please report it).
 */
@Command(
    name = "knob",
    mixinStandardHelpOptions = true,
    versionProvider = KnobVersion.class,
    description = "Build, train and measure the persona of large language models.",
    footerHeading = "%nExit codes:%n",
    footer = {
      "  0  success",
      "  1  user error: bad input, failed validation, missing file",
      "  2  usage error: unknown command or option, bad option value",
      "  3  internal failure (a bug; rerun with --verbose and report it)"
    },
    subcommands = {
      CommandLine.HelpCommand.class,
      // data (knob-core)
      DataCommand.class,

      // irt (knob-irt)
      IrtCommand.class,

      // model, generate, serve (knob-lm)
      ModelCommand.class,
      GenerateCommand.class,
      ServeCommand.class,

      // train (knob-train)
      TrainCommand.class,

      // judge (knob-llm)
      JudgeCommand.class,

      // eval, report, demo (knob-eval)
      EvalCommand.class,
      ReportCommand.class,
      DemoCommand.class,
      PersonaCommand.class, // persona (knob-persona)
      BuildCommand.class, // build (knob-build)

      StudioCommand.class, ReviewCommand.class, // studio, review (knob-studio)
      SteerCommand.class, // steer run|stats|export (knob-steer), vector|monitor|sweep (knob-lm, -train, -eval)
      BenchCommand.class,
    })
public final class Knob implements Runnable {

  public static final int EXIT_OK = 0;
  public static final int EXIT_USER = 1;
  public static final int EXIT_USAGE = 2;
  public static final int EXIT_INTERNAL = 3;

  @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
      description = "Print stack traces and extra detail on errors.")
  boolean verbose;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the CLI and returns the exit code (used by tests that run commands in-process). */
  public static int run(String... args) {
    return commandLine().execute(args);
  }

  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Knob());
    cl.setExecutionExceptionHandler(new Errors());
    cl.setParameterExceptionHandler(Errors::onParameterException);
    return cl;
  }
}
