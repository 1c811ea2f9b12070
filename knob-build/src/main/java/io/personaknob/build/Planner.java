package io.personaknob.build;

import io.personaknob.core.UserException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;

/**
 * Stage 1, plan: which mask each new row gets, its seed scene and its generator.
 *
 * <p>{@code quota}: every mask gets ⌊n/m⌋ rows, the remainder goes one each to masks chosen by a seeded
 * shuffle, then the whole list is shuffled with the seed (so with n a multiple of m the counts are exactly
 * equal, and sizes 2/3/4 over the 11 masks come out 6/11, 4/11, 1/11 as in PersonaKnob). {@code uniform}:
 * each row draws its mask uniformly with a seeded generator. Seed scenes are used in a seeded order, every
 * scene once before any repeats. The generator of row i is drawn uniformly from the pool with a generator
 * seeded by (seed, i), so adding rows never changes the draws of earlier ones.
 */
public final class Planner {
  private Planner() {}

  /** The mask of every row, in row order. */
  public static List<String> masks(String sampler, List<String> masks, int n, long seed) {
    if (n <= 0) throw new UserException("--n must be at least 1, got " + n);
    if (masks.isEmpty()) throw new UserException("no masks to plan from");
    List<String> out = new ArrayList<>(n);
    switch (sampler) {
      case "quota" -> {
        int m = masks.size();
        List<String> extra = new ArrayList<>(masks);
        Collections.shuffle(extra, new Random(seed ^ 0x51A7L));
        Map<String, Integer> count = new LinkedHashMap<>();
        for (String mask : masks) count.put(mask, n / m);
        for (int i = 0; i < n % m; i++) count.merge(extra.get(i), 1, Integer::sum);
        count.forEach((mask, c) -> {
          for (int i = 0; i < c; i++) out.add(mask);
        });
        Collections.shuffle(out, new Random(seed));
      }
      case "uniform" -> {
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) out.add(masks.get(r.nextInt(masks.size())));
      }
      default -> throw new UserException("--sampler must be quota or uniform, got '" + sampler + "'");
    }
    return out;
  }

  /** The index into the generator pool for row {@code i}: a seeded uniform draw, stable per row. */
  public static int generatorDraw(long seed, int i, int poolSize) {
    return new SplittableRandom(seed * 0x9E3779B97F4A7C15L + i + 1).nextInt(poolSize);
  }

  /** The plan's rows (stage plan, status pending). */
  public static List<BuildRow> plan(BuildSpec spec, List<SeedScenes.Scene> scenes) {
    List<String> masks = masks(spec.sampler(), spec.masks(), spec.n(), spec.seed());
    if (scenes.isEmpty()) throw new UserException("no seed scenes");
    List<Integer> order = new ArrayList<>();
    Random sr = new Random(spec.seed() ^ 0x5CE4EL);
    List<BuildRow> rows = new ArrayList<>(spec.n());
    for (int i = 0; i < spec.n(); i++) {
      if (order.isEmpty()) {
        for (int k = 0; k < scenes.size(); k++) order.add(k);
        Collections.shuffle(order, sr);
      }
      SeedScenes.Scene s = scenes.get(order.remove(0));
      BuildRow r = new BuildRow();
      r.index = i;
      r.buildId = String.format("%s-%05d", spec.name(), i + 1);
      r.mask = masks.get(i);
      r.seedScene = s.text();
      r.seedSource = s.source();
      r.generator = spec.generators().get(generatorDraw(spec.seed(), i, spec.generators().size()));
      r.verifier = verifierFor(r.generator, spec);
      r.judges = new ArrayList<>(spec.judges());
      rows.add(r);
    }
    return rows;
  }

  /** The first verifier that is not the row's generator (or the first at all when self-verification is allowed). */
  static String verifierFor(String generator, BuildSpec spec) {
    for (String v : spec.verifiers()) if (!v.equals(generator)) return v;
    if (spec.allowSelfVerify() && !spec.verifiers().isEmpty()) return spec.verifiers().get(0);
    throw new UserException("generator '" + generator + "' is also the only verifier; the verifier must be a different"
        + " model by default: give another --verifier (or --allow-self-verify)");
  }
}
