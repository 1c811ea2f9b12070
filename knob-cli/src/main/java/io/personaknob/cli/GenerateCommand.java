package io.personaknob.cli;

import io.personaknob.core.UserException;
import io.personaknob.lm.ChatMessage;
import io.personaknob.lm.ChatTemplate;
import io.personaknob.lm.DjlLanguageModel;
import io.personaknob.lm.GenerationResult;
import io.personaknob.lm.LanguageModels;
import io.personaknob.lm.SamplingParams;
import io.personaknob.lm.chat.JinjaChatTemplate;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code knob generate}: one completion from a local model, printed to stdout. */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    description =
        "Generate text from a model directory. With --chat the prompt is the user turn of the model's "
            + "chat template (and --system its system turn). The text goes to stdout, a summary line to "
            + "stderr.")
final class GenerateCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "DIR", description = "Model directory (Hugging Face layout).")
  Path model;

  @Option(names = "--prompt", required = true, paramLabel = "TEXT", description = "The prompt (the user message with --chat).")
  String prompt;

  @Option(names = "--chat", description = "Render the prompt through the model's chat template.")
  boolean chat;

  @Option(names = "--system", paramLabel = "TEXT", description = "System message (needs --chat).")
  String system;

  @Option(names = "--no-thinking", description = "With --chat: pass enable_thinking=false to the template (Qwen3).")
  boolean noThinking;

  @Option(names = "--device", defaultValue = "auto", description = "auto, cpu, cuda or cuda:N (default: ${DEFAULT-VALUE}).")
  String device;

  @Mixin SamplingOptions sampling = new SamplingOptions();

  @Mixin SteerOptions steering = new SteerOptions();

  @Override
  public Integer call() {
    CommandLine cl = spec.commandLine();
    if (system != null && !chat) throw new CommandLine.ParameterException(cl, "--system needs --chat");
    if (noThinking && !chat) throw new CommandLine.ParameterException(cl, "--no-thinking needs --chat");
    if (prompt.isEmpty() && !chat) throw new CommandLine.ParameterException(cl, "--prompt must not be empty");
    SamplingParams params = sampling.toParams(cl, false, 0);
    PrintWriter out = cl.getOut();
    PrintWriter err = cl.getErr();
    try (DjlLanguageModel lm = LanguageModels.load(model, device)) {
      if (lm.tokenizer() == null) throw new UserException(model + ": no tokenizer.json; generate needs one");
      steering.apply(lm, err);
      int[] ids;
      if (chat) {
        ChatTemplate t = lm.chatTemplate().orElseThrow(() -> new UserException(
            model.resolve("tokenizer_config.json") + ": no chat_template; run without --chat"));
        List<ChatMessage> msgs = new ArrayList<>();
        if (system != null) msgs.add(ChatMessage.system(system));
        msgs.add(ChatMessage.user(prompt));
        String text;
        if (noThinking && t instanceof JinjaChatTemplate j) {
          List<Map<String, ?>> maps = new ArrayList<>();
          for (ChatMessage m : msgs) maps.add(Map.of("role", m.role(), "content", m.content()));
          text = j.render(maps, true, Map.of("enable_thinking", false));
        } else {
          text = t.render(msgs, true);
        }
        ids = lm.tokenizer().encode(text, false);
      } else {
        ids = lm.tokenizer().encode(prompt, true);
      }
      if (ids.length + params.maxNewTokens() > lm.contextLength()) {
        if (ids.length >= lm.contextLength()) {
          throw new UserException("--prompt: " + ids.length + " tokens, more than the model's context of " + lm.contextLength());
        }
        params = new SamplingParams(lm.contextLength() - ids.length, params.temperature(), params.topK(), params.topP(),
            params.seed(), params.stop(), false, 0);
      }
      long t0 = System.nanoTime();
      GenerationResult r = lm.generate(List.of(ids), params).get(0);
      double secs = (System.nanoTime() - t0) / 1e9;
      out.println(r.text());
      out.flush();
      err.printf("knob: %d prompt tokens, %d new tokens, finish=%s, %.1f tokens/s%n",
          r.promptTokens(), r.tokens().length, r.finishReason(), r.tokens().length / Math.max(secs, 1e-9));
      err.flush();
    }
    return Knob.EXIT_OK;
  }
}
