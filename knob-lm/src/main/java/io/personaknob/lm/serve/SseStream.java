package io.personaknob.lm.serve;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import io.personaknob.lm.GenerationResult;
import io.personaknob.lm.SamplingParams;
import io.personaknob.lm.TokenLogprob;
import io.personaknob.lm.Tokenizer;
import io.personaknob.lm.decode.SequenceListener;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * One {@code stream: true} request answered as server-sent events in OpenAI's chunk format: for chat a
 * first chunk per choice with the assistant role, then content deltas (with their tokens' logprobs when
 * asked), a chunk with the finish reason, with {@code stream_options.include_usage} a last chunk with
 * empty choices and the usage, then {@code data: [DONE]}. Text is held back while it could still be cut
 * by a stop string or ends inside a UTF-8 character, so the deltas concatenate to exactly the text of
 * the non-streamed answer. When the client goes away (a write fails) the request's sequences are
 * cancelled and leave the running batch at the next step. Tokens produced while the previous write
 * was in progress go out as one delta per choice with one flush, so a slow client or a busy machine
 * costs fewer writes, not a growing backlog.
 */
final class SseStream {
  private final OpenAiServer server;
  private final HttpExchange ex;
  private final OpenAiServer.Prepared p;
  private final Tokenizer tok;
  private final LinkedBlockingQueue<Object[]> events = new LinkedBlockingQueue<>();
  private volatile boolean gone;
  private final String id;
  private final long created = Instant.now().getEpochSecond();

  SseStream(OpenAiServer server, HttpExchange ex, OpenAiServer.Prepared p) {
    this.server = server;
    this.ex = ex;
    this.p = p;
    this.tok = server.tokenizerOrFail();
    this.id = (p.chat() ? "chatcmpl-" : "cmpl-") + server.randomId();
  }

  /** Per choice: tokens so far, text sent, logprobs not yet sent. */
  private static final class Choice {
    final List<Integer> tokens = new ArrayList<>();
    final List<TokenLogprob> pending = new ArrayList<>();
    String sent = "";
    GenerationResult result;
  }

  void run() throws IOException {
    int n = p.choices().size();
    for (int i = 0; i < n; i++) {
      final int idx = i;
      SamplingParams sp = p.choices().get(i);
      server.backend().submit(p.ids(), sp, p.format() == null ? null : p.format().newConstraint(), new SequenceListener() {
        @Override
        public void onToken(int token, TokenLogprob logprob) {
          events.add(new Object[] {idx, token, logprob});
        }

        @Override
        public void onFinish(GenerationResult result) {
          events.add(new Object[] {idx, result});
        }

        @Override
        public void onError(Throwable error) {
          events.add(new Object[] {idx, error});
        }

        @Override
        public boolean cancelled() {
          return gone;
        }
      });
    }
    ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
    ex.getResponseHeaders().set("Cache-Control", "no-cache");
    ex.sendResponseHeaders(200, 0);
    OutputStream out = ex.getResponseBody();
    try {
      Choice[] cs = new Choice[n];
      for (int i = 0; i < n; i++) cs[i] = new Choice();
      if (p.chat()) {
        for (int i = 0; i < n; i++) {
          ObjectNode c = chunk();
          ObjectNode ch = choice(c, i);
          ch.putObject("delta").put("role", "assistant").put("content", "");
          ch.putNull("logprobs");
          ch.putNull("finish_reason");
          send(out, c);
        }
        out.flush();
      }
      int open = n;
      List<Object[]> batch = new ArrayList<>();
      while (open > 0) {
        // everything produced since the last write goes out together: one delta per choice, one flush
        batch.clear();
        try {
          batch.add(events.take());
        } catch (InterruptedException ie) {
          gone = true;
          Thread.currentThread().interrupt();
          return;
        }
        events.drainTo(batch);
        boolean[] dirty = new boolean[n];
        for (Object[] e : batch) {
          int i = (Integer) e[0];
          Choice c = cs[i];
          if (e.length == 3) {
            c.tokens.add((Integer) e[1]);
            if (e[2] != null) c.pending.add((TokenLogprob) e[2]);
            dirty[i] = true;
          } else if (e[1] instanceof GenerationResult r) {
            dirty[i] = false;
            c.result = r;
            String rest = r.text().startsWith(c.sent) ? r.text().substring(c.sent.length()) : "";
            if (!rest.isEmpty() || !c.pending.isEmpty()) delta(out, i, c, rest);
            c.sent = r.text();
            ObjectNode ck = chunk();
            ObjectNode ch = choice(ck, i);
            if (p.chat()) ch.putObject("delta");
            else ch.put("text", "");
            ch.putNull("logprobs");
            ch.put("finish_reason", r.finishReason());
            send(out, ck);
            open--;
          } else {
            Throwable t = (Throwable) e[1];
            gone = true; // the other choices stop too
            String msg = t instanceof CancellationException ? "The server is shutting down" : "Generation failed: " + t.getClass().getSimpleName();
            if (!(t instanceof CancellationException)) System.err.println("knob serve: generation failed in a stream: " + t);
            byte[] b = ("data: " + OpenAiServer.JSON.writeValueAsString(OpenAiServer.errorBody(msg, "server_error", null, null)) + "\n\n")
                .getBytes(StandardCharsets.UTF_8);
            out.write(b);
            out.flush();
            return;
          }
        }
        for (int i = 0; i < n; i++) {
          if (!dirty[i]) continue;
          Choice c = cs[i];
          String text = tok.decode(c.tokens.stream().mapToInt(Integer::intValue).toArray(), true);
          String safe = safePrefix(text, p.s().stop());
          if (safe.length() > c.sent.length() && safe.startsWith(c.sent)) {
            delta(out, i, c, safe.substring(c.sent.length()));
            c.sent = safe;
          }
        }
        out.flush();
      }
      if (p.s().includeUsage()) {
        ObjectNode u = chunk();
        u.putArray("choices");
        List<GenerationResult> rs = new ArrayList<>();
        for (Choice c : cs) rs.add(c.result);
        Responses.usage(u, rs);
        send(out, u);
        out.flush();
      }
      out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
      out.flush();
    } catch (IOException e) {
      gone = true; // the client went away: cancel the sequences
      throw e;
    } finally {
      try {
        out.close();
      } catch (IOException ignored) {
        gone = true;
      }
    }
  }

  /** The part of the text that can be sent: no trailing partial UTF-8 character, no tail that may start a stop string. */
  static String safePrefix(String text, List<String> stops) {
    int end = text.length();
    while (end > 0 && text.charAt(end - 1) == '\uFFFD') end--;
    int hold = 0;
    for (String s : stops) {
      for (int k = Math.min(s.length() - 1, end); k > hold; k--) {
        if (text.regionMatches(end - k, s, 0, k)) {
          hold = k;
          break;
        }
      }
    }
    return text.substring(0, end - hold);
  }

  private void delta(OutputStream out, int i, Choice c, String text) throws IOException {
    ObjectNode ck = chunk();
    ObjectNode ch = choice(ck, i);
    if (p.chat()) {
      ch.putObject("delta").put("content", text);
      if (p.s().logprobs()) ch.putObject("logprobs").set("content", Responses.chatLogprobs(tok, c.pending));
      else ch.putNull("logprobs");
    } else {
      ch.put("text", text);
      if (p.s().logprobs()) ch.set("logprobs", Responses.completionLogprobs(tok, c.pending, c.sent.length()));
      else ch.putNull("logprobs");
    }
    ch.putNull("finish_reason");
    c.pending.clear();
    send(out, ck);
  }

  private ObjectNode chunk() {
    ObjectNode c = Responses.envelope(id, p.chat() ? "chat.completion.chunk" : "text_completion", created, server.modelId);
    c.putArray("choices");
    if (p.s().includeUsage()) c.putNull("usage");
    return c;
  }

  private static ObjectNode choice(ObjectNode chunk, int i) {
    ArrayNode a = (ArrayNode) chunk.get("choices");
    return a.addObject().put("index", i);
  }

  /** Writes one event; the caller flushes. */
  private void send(OutputStream out, ObjectNode chunk) throws IOException {
    out.write(("data: " + OpenAiServer.JSON.writeValueAsString(chunk) + "\n\n").getBytes(StandardCharsets.UTF_8));
  }
}
