package io.personaknob.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Which preference groups each micro-batch holds. Epoch e visits the groups in a seeded shuffle derived from
 * (seed, e) alone, so a resumed run re-derives the order of any step without saving it.
 */
final class DataOrder {

  private final int groups;
  private final int batchSize;
  private final long seed;
  private final Map<Integer, List<Integer>> orders = new TreeMap<>();

  DataOrder(int groups, int batchSize, long seed) {
    this.groups = groups;
    this.batchSize = batchSize;
    this.seed = seed;
  }

  /** The groups of micro-batch k (the k-th run of {@code batch-size} positions through the epochs' orders). */
  List<Integer> microBatch(long k) {
    int n = groups;
    List<Integer> idx = new ArrayList<>();
    for (long i = k * batchSize; i < (k + 1) * batchSize; i++) {
      int epoch = (int) (i / n);
      idx.add(order(epoch).get((int) (i % n)));
    }
    return idx;
  }

  /** The seeded shuffle of epoch e: derived from (seed, epoch) so a resume re-derives it. */
  private List<Integer> order(int epoch) {
    return orders.computeIfAbsent(epoch, e -> {
      List<Integer> o = new ArrayList<>();
      for (int i = 0; i < groups; i++) o.add(i);
      Collections.shuffle(o, new Random(seed * 1_000_003L + e));
      return o;
    });
  }
}
