package io.personaknob.cli;

import io.personaknob.core.UserException;
import io.personaknob.lm.DjlLanguageModel;
import io.personaknob.lm.LanguageModels;
import io.personaknob.lm.serve.OpenAiServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.BindException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code knob serve}: an OpenAI-compatible HTTP server over a local model. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description =
        "Serve a model over an OpenAI-compatible HTTP API: GET /v1/models, POST /v1/chat/completions, "
            + "POST /v1/completions (temperature, top_p, top_k, seed, max_tokens, stop, logprobs, "
            + "top_logprobs, n, stream, response_format json_object / json_schema constraining decoding), "
            + "with continuous batching. Listens on loopback unless --host says otherwise; Ctrl-C stops it after the "
            + "requests in flight.")
final class ServeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "DIR", description = "Model directory (Hugging Face layout).")
  Path model;

  @picocli.CommandLine.Mixin SteerOptions steering = new SteerOptions();

  @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to bind (default: ${DEFAULT-VALUE}).")
  String host;

  @Option(names = "--port", defaultValue = "8000", description = "Port (0 picks a free one; default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--name", paramLabel = "ID", description = "Model id clients send as \"model\" (default: the directory name).")
  String name;

  @Option(names = "--device", defaultValue = "auto", description = "auto, cpu, cuda or cuda:N (default: ${DEFAULT-VALUE}).")
  String device;

  @Option(names = "--max-batch", defaultValue = "8", paramLabel = "N",
      description = "Continuous batching: at most N sequences decode together; requests join and leave between steps (default: ${DEFAULT-VALUE}; 1 = one by one).")
  int maxBatch;

  @Option(names = "--max-n", defaultValue = "8", paramLabel = "N",
      description = "Largest n (choices per request) accepted; more is a 400 (default: ${DEFAULT-VALUE}).")
  int maxN;

  @Option(names = "--max-string-length", defaultValue = "512", paramLabel = "CHARS",
      description = "Structured outputs: characters allowed in a JSON string whose schema has no maxLength, so generation ends (default: ${DEFAULT-VALUE}).")
  int maxStringLength;

  @Option(names = "--threads", defaultValue = "0", paramLabel = "N",
      description = "PyTorch intra-op threads (default: the cores the load leaves free, less one kept for request handling and streaming, at least 1; "
          + "KNOB_TORCH_THREADS also sets it).")
  int threads;

  @Option(names = "--grace", defaultValue = "10", paramLabel = "SECONDS",
      description = "On shutdown, wait this long for requests in flight (default: ${DEFAULT-VALUE}).")
  int grace;

  /** Counted down to stop the server (by the shutdown hook, or by tests). */
  final CountDownLatch stopSignal = new CountDownLatch(1);

  /** Counted down when the server has stopped and the model is closed (the shutdown hook waits for it). */
  final CountDownLatch finished = new CountDownLatch(1);

  volatile OpenAiServer server;

  private int usedThreads;

  @Override
  public Integer call() throws Exception {
    if (port < 0 || port > 65535) throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--port must be 0..65535, got " + port);
    if (maxBatch < 1) throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--max-batch must be >= 1, got " + maxBatch);
    if (maxN < 1) throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--max-n must be >= 1, got " + maxN);
    if (maxStringLength < 1) throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--max-string-length must be >= 1, got " + maxStringLength);
    if (grace < 0) throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--grace must be >= 0");
    if (threads < 0) throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--threads must be >= 0, got " + threads);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    boolean loopback;
    try {
      loopback = InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      throw new UserException("--host " + host + ": unknown host");
    }
    int before = io.personaknob.lm.engine.LmEngine.threads();
    try (DjlLanguageModel lm = LanguageModels.load(model, device)) {
      usedThreads = io.personaknob.lm.engine.LmEngine.useServingThreads(threads); // before the server's decoding thread computes
      steering.apply(lm, err);
      serve(lm, out, err, loopback);
    } finally {
      io.personaknob.lm.engine.LmEngine.setThreads(before); // the count is process-wide: give back what was there
      finished.countDown();
    }
    return Knob.EXIT_OK;
  }

  private void serve(DjlLanguageModel lm, PrintWriter out, PrintWriter err, boolean loopback) throws InterruptedException {
    String id = name != null ? name : model.toAbsolutePath().normalize().getFileName().toString();
    OpenAiServer s;
    try {
      s = new OpenAiServer(lm, id, host, port, new OpenAiServer.Options(maxBatch, maxN, maxStringLength));
    } catch (BindException e) {
      throw new UserException(host + ":" + port + ": cannot listen (" + e.getMessage() + "); choose another --port");
    } catch (IOException e) {
      throw new UserException(host + ":" + port + ": cannot listen: " + e.getMessage());
    }
    server = s.start();
    // On SIGTERM/Ctrl-C: let the serving thread drain requests and close the model before the JVM halts.
    Thread hook = new Thread(() -> {
      stopSignal.countDown();
      try {
        finished.await(grace + 5L, java.util.concurrent.TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "knob-serve-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    if (!loopback) {
      err.println("knob serve: warning: listening on " + host + ", not loopback: anyone who can reach this address can use the model");
      err.flush();
    }
    out.println("knob serve: model " + id + " (" + lm.info().architecture() + ", " + lm.info().parameters()
        + " parameters, context " + lm.contextLength() + ", " + usedThreads + " torch thread" + (usedThreads == 1 ? "" : "s")
        + ") ready at " + s.baseUrl());
    out.flush();
    try {
      stopSignal.await();
    } finally {
      s.stop(grace);
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the JVM is already exiting through the hook
      }
      err.println("knob serve: stopped after " + s.requestCount() + " requests");
      err.flush();
    }
  }
}
