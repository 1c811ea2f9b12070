package io.personaknob.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Issue 16: {@code knob --help}, {@code knob model --help} and every other command list show each
 * subcommand's summary whole. Picocli lists the first line of a command's description (or its header),
 * so that line must be a complete sentence, and the help must show all of it.
 */
class HelpSummariesTest {

  static void collect(CommandLine cl, List<CommandLine> out) {
    out.add(cl);
    for (CommandLine sub : cl.getSubcommands().values()) if (!out.contains(sub)) collect(sub, out);
  }

  static String summary(CommandLine cl) {
    var u = cl.getCommandSpec().usageMessage();
    String[] lines = u.header().length > 0 ? u.header() : u.description();
    return lines.length == 0 ? "" : lines[0];
  }

  @Test
  void everySubcommandSummaryIsAWholeSentenceAndShownWhole() {
    List<CommandLine> all = new ArrayList<>();
    collect(Knob.commandLine(), all);
    assertTrue(all.size() > 25, "commands found: " + all.size());
    List<String> problems = new ArrayList<>();
    for (CommandLine parent : all) {
      if (parent.getSubcommands().isEmpty()) continue;
      String list = parent.getHelp().commandList().replaceAll("\\s+", "");
      for (var e : parent.getSubcommands().entrySet()) {
        if (e.getValue().getCommandSpec().usageMessage().hidden()) continue;
        String s = summary(e.getValue()).replace("%%", "%").strip(); // as picocli renders it
        String where = parent.getCommandName() + " " + e.getKey() + ": \"" + s + "\"";
        if (!(s.endsWith(".") || s.endsWith(".)"))) problems.add(where + " does not end a sentence");
        if (!list.contains(s.replaceAll("\\s+", ""))) problems.add(where + " is not shown whole in the command list");
      }
    }
    assertTrue(problems.isEmpty(), String.join("\n", problems));
  }
}
