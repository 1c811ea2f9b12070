package io.personaknob.lm;

import io.personaknob.core.UserException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Picks the next token from a row of logits: greedy (temperature 0) or sampling with temperature,
 * top-k and top-p (nucleus) filters, in that order, as Hugging Face's logits warpers do. Log-probabilities
 * reported to callers are those of the model's own distribution (before temperature and filters).
 */
public final class Sampler {
  private Sampler() {}

  /** Rejects invalid sampling parameters with a clear message. */
  public static void validate(SamplingParams p) {
    if (p.maxNewTokens() < 0) throw new UserException("max_tokens must be ≥ 0, got " + p.maxNewTokens());
    if (!(p.temperature() >= 0) || Double.isInfinite(p.temperature())) throw new UserException("temperature must be ≥ 0, got " + p.temperature());
    if (p.topK() < 0) throw new UserException("top_k must be ≥ 0 (0 disables it), got " + p.topK());
    if (!(p.topP() > 0 && p.topP() <= 1)) throw new UserException("top_p must be in (0, 1], got " + p.topP());
    if (p.topLogprobs() < 0 || p.topLogprobs() > 20) throw new UserException("top_logprobs must be between 0 and 20, got " + p.topLogprobs());
    for (String s : p.stop()) if (s == null || s.isEmpty()) throw new UserException("stop strings must not be empty");
  }

  /** log-softmax of a row of logits, in double. */
  public static double[] logSoftmax(float[] logits, int off, int v) {
    double mx = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < v; i++) mx = Math.max(mx, logits[off + i]);
    double z = 0;
    for (int i = 0; i < v; i++) z += Math.exp(logits[off + i] - mx);
    double lz = mx + Math.log(z);
    double[] out = new double[v];
    for (int i = 0; i < v; i++) out[i] = logits[off + i] - lz;
    return out;
  }

  public static int argmax(float[] logits, int off, int v) {
    int best = 0;
    for (int i = 1; i < v; i++) if (logits[off + i] > logits[off + best]) best = i;
    return best;
  }

  /** The next token for one row. */
  public static int next(float[] logits, int off, int v, SamplingParams p, Random rnd) {
    if (p.temperature() == 0) return argmax(logits, off, v);
    double t = p.temperature();
    Integer[] idx = null;
    double[] s = new double[v];
    double mx = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < v; i++) {
      s[i] = logits[off + i] / t;
      mx = Math.max(mx, s[i]);
    }
    boolean[] keep = new boolean[v];
    Arrays.fill(keep, true);
    if (p.topK() > 0 || p.topP() < 1) {
      idx = new Integer[v];
      for (int i = 0; i < v; i++) idx[i] = i;
      final double[] sc = s;
      Arrays.sort(idx, (a, b) -> a.equals(b) ? 0 : sc[b] != sc[a] ? Double.compare(sc[b], sc[a]) : Integer.compare(a, b));
      if (p.topK() > 0) for (int r = p.topK(); r < v; r++) keep[idx[r]] = false;
      if (p.topP() < 1) {
        double z = 0;
        for (int i = 0; i < v; i++) if (keep[i]) z += Math.exp(s[i] - mx);
        double cum = 0;
        boolean reached = false;
        for (int r = 0; r < v; r++) {
          int i = idx[r];
          if (!keep[i]) continue;
          if (reached) {
            keep[i] = false;
            continue;
          }
          cum += Math.exp(s[i] - mx) / z;
          if (cum >= p.topP()) reached = true; // keep the smallest prefix whose mass reaches top_p
        }
      }
    }
    double z = 0;
    double[] w = new double[v];
    for (int i = 0; i < v; i++) if (keep[i]) z += w[i] = Math.exp(s[i] - mx);
    double u = rnd.nextDouble() * z;
    double acc = 0;
    int last = -1;
    for (int i = 0; i < v; i++) {
      if (!keep[i]) continue;
      last = i;
      acc += w[i];
      if (u < acc) return i;
    }
    return last;
  }

  /** The k most likely tokens of a log-probability row, most likely first. */
  public static List<int[]> topIndices(double[] lp, int k) {
    List<int[]> out = new ArrayList<>();
    boolean[] used = new boolean[lp.length];
    for (int r = 0; r < Math.min(k, lp.length); r++) {
      int best = -1;
      for (int i = 0; i < lp.length; i++) if (!used[i] && (best < 0 || lp[i] > lp[best])) best = i;
      used[best] = true;
      out.add(new int[] {best});
    }
    return out;
  }
}
