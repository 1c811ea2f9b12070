package io.personaknob.train.steer;

import io.personaknob.core.UserException;
import io.personaknob.lm.DjlLanguageModel;
import io.personaknob.lm.Tokenizer;
import io.personaknob.lm.steer.HiddenStates;
import io.personaknob.lm.steer.SteeringVector;
import io.personaknob.train.PreferenceGroups;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntConsumer;

/**
 * A steering vector as a cheap trait score: the answer's mean residual stream at the vector's layers,
 * projected on each layer's unit direction and averaged over the layers,
 * {@code score(prompt, answer) = (1/|L|) Σ_L ⟨h̄_L, v_L / ‖v_L‖⟩}. Over a preference set, the shift
 * {@code score(chosen) − score(rejected)} of each pair says how far training on it pushes the model along
 * the trait (the persona-vectors paper's data screening); pairs whose shift is far from the set's
 * (|z| &gt; 2) are flagged.
 */
public final class ActivationMonitor {
  private ActivationMonitor() {}

  public record Text(String prompt, String answer) {}

  /** One score per text. */
  public static double[] scores(DjlLanguageModel lm, SteeringVector v, List<Text> texts, int batchSize, int maxLength,
      IntConsumer progress) {
    Tokenizer tok = lm.tokenizer();
    if (tok == null) throw new UserException("the model has no tokenizer.json; the monitor reads text");
    int max = Math.min(maxLength, lm.contextLength());
    List<HiddenStates.Text> in = new ArrayList<>(texts.size());
    for (Text t : texts) {
      int[] p = tok.encode(PreferenceGroups.renderPrompt(t.prompt(), lm.chatTemplate()), false);
      if (p.length >= max) p = Arrays.copyOfRange(p, p.length - max / 2, p.length);
      int[] a = tok.encode(t.answer(), false);
      if (a.length == 0) a = new int[] {tok.eosTokenIds().isEmpty() ? 0 : tok.eosTokenIds().iterator().next()};
      if (p.length + a.length > max) a = Arrays.copyOf(a, max - p.length);
      in.add(new HiddenStates.Text(p, a));
    }
    Set<Integer> layers = new LinkedHashSet<>(v.directions().keySet());
    Map<Integer, float[][]> h = HiddenStates.collect(lm, in, layers, HiddenStates.Position.ANSWER_MEAN, batchSize, progress);
    double[] out = new double[texts.size()];
    for (int l : layers) {
      float[] d = v.directions().get(l);
      double n = 0;
      for (float x : d) n += (double) x * x;
      n = Math.sqrt(n);
      float[][] hl = h.get(l);
      for (int i = 0; i < out.length; i++) {
        double s = 0;
        for (int j = 0; j < d.length; j++) s += (double) hl[i][j] * d[j];
        out[i] += s / n / layers.size();
      }
    }
    return out;
  }

  /** The shift and its z-score per pair, in input order. */
  public record Shift(ContrastPairs.Pair pair, double positive, double negative, double shift, double z, boolean flagged) {}

  public static List<Shift> screen(DjlLanguageModel lm, SteeringVector v, List<ContrastPairs.Pair> pairs, int batchSize,
      int maxLength, IntConsumer progress) {
    List<Text> texts = new ArrayList<>();
    for (ContrastPairs.Pair p : pairs) {
      texts.add(new Text(p.prompt(), p.positive()));
      texts.add(new Text(p.prompt(), p.negative()));
    }
    double[] s = scores(lm, v, texts, batchSize, maxLength, progress);
    double[] shift = new double[pairs.size()];
    double mean = 0;
    for (int i = 0; i < shift.length; i++) {
      shift[i] = s[2 * i] - s[2 * i + 1];
      mean += shift[i] / shift.length;
    }
    double var = 0;
    for (double x : shift) var += (x - mean) * (x - mean);
    double sd = shift.length > 1 ? Math.sqrt(var / (shift.length - 1)) : 0;
    List<Shift> out = new ArrayList<>();
    for (int i = 0; i < shift.length; i++) {
      double z = sd > 0 ? (shift[i] - mean) / sd : 0;
      out.add(new Shift(pairs.get(i), s[2 * i], s[2 * i + 1], shift[i], z, Math.abs(z) > 2));
    }
    return out;
  }

  /** Spearman's rank correlation (average ranks for ties): the monitor's agreement with judge scores. */
  public static double spearman(double[] a, double[] b) {
    if (a.length != b.length || a.length < 2) return Double.NaN;
    double[] ra = ranks(a), rb = ranks(b);
    double ma = 0, mb = 0;
    for (int i = 0; i < a.length; i++) {
      ma += ra[i] / a.length;
      mb += rb[i] / a.length;
    }
    double sab = 0, saa = 0, sbb = 0;
    for (int i = 0; i < a.length; i++) {
      sab += (ra[i] - ma) * (rb[i] - mb);
      saa += (ra[i] - ma) * (ra[i] - ma);
      sbb += (rb[i] - mb) * (rb[i] - mb);
    }
    return saa == 0 || sbb == 0 ? Double.NaN : sab / Math.sqrt(saa * sbb);
  }

  static double[] ranks(double[] x) {
    Integer[] idx = new Integer[x.length];
    for (int i = 0; i < x.length; i++) idx[i] = i;
    Arrays.sort(idx, (p, q) -> Double.compare(x[p], x[q]));
    double[] r = new double[x.length];
    int i = 0;
    while (i < x.length) {
      int j = i;
      while (j + 1 < x.length && x[idx[j + 1]] == x[idx[i]]) j++;
      double avg = (i + j) / 2.0 + 1;
      for (int k = i; k <= j; k++) r[idx[k]] = avg;
      i = j + 1;
    }
    return r;
  }
}
