package io.personaknob.lm.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.Arrays;

/**
 * Keys and values of past positions, per layer, in preallocated buffers (batch, kvHeads, capacity, headDim), plus which
 * past positions are real tokens (padding is cached too but never attended to) and how many real tokens
 * each row has seen (the next position id). The arrays live in the cache's own manager; close the cache
 * to free them.
 */
public final class KvCache implements AutoCloseable {
  final NDManager manager;
  final NDArray[] keys;
  final NDArray[] values;
  private int batch;
  private final int capacity;
  private int length;
  private boolean[][] valid;
  private int[] seen;

  KvCache(NDManager parent, int layers, int batch, int capacity) {
    this.manager = parent.newSubManager();
    this.capacity = capacity;
    this.keys = new NDArray[layers];
    this.values = new NDArray[layers];
    this.batch = batch;
    this.valid = new boolean[batch][16];
    this.seen = new int[batch];
  }

  public int batch() {
    return batch;
  }

  /** Number of cached positions (padding included). */
  public int length() {
    return length;
  }

  /** Real tokens row {@code b} has seen so far (the position id of its next token). */
  public int seen(int b) {
    return seen[b];
  }

  boolean valid(int b, int j) {
    return valid[b][j];
  }

  /** Records the mask of {@code t} new positions; called once per forward, before the layers run. */
  void extend(boolean[][] mask, int t) {
    int need = length + t;
    if (batch > 0 && need > valid[0].length) {
      int cap = Math.max(need, valid[0].length * 2);
      for (int b = 0; b < batch; b++) valid[b] = Arrays.copyOf(valid[b], cap);
    }
    for (int b = 0; b < batch; b++) {
      for (int i = 0; i < t; i++) {
        valid[b][length + i] = mask[b][i];
        if (mask[b][i]) seen[b]++;
      }
    }
    length = need;
  }

  /**
   * Writes this step's k, v (batch, kvHeads, t, headDim) of a layer after the cached positions and returns
   * views of all of them, k and v (batch, kvHeads, length, headDim), attached to k's manager (the step's).
   * The buffers are preallocated (the capacity given to {@link CausalLM#newCache(int, int)}, doubled when
   * exceeded), so a decoding step writes one position instead of copying the whole cache.
   */
  NDArray[] append(int layer, NDArray k, NDArray v) {
    long[] ks = k.getShape().getShape();
    int t = (int) ks[2];
    int off = length - t; // extend() already counted this step's positions
    ensureCapacity(layer, k, length);
    write(keys[layer], k, off, t);
    write(values[layer], v, off, t);
    NDManager step = k.getManager();
    NDArray kv = JniUtils.slice((PtNDArray) keys[layer], 2, 0, length, 1);
    NDArray vv = JniUtils.slice((PtNDArray) values[layer], 2, 0, length, 1);
    kv.attach(step);
    vv.attach(step);
    return new NDArray[] {kv, vv};
  }

  private void ensureCapacity(int layer, NDArray like, int need) {
    NDArray old = keys[layer];
    long cap = old == null ? 0 : old.getShape().get(2);
    if (need <= cap) return;
    long newCap = Math.max(need, Math.max(capacity, 2 * cap));
    long[] s = like.getShape().getShape();
    Shape shape = new Shape(s[0], s[1], newCap, s[3]);
    NDArray nk = manager.zeros(shape, like.getDataType(), like.getDevice());
    NDArray nv = manager.zeros(shape, like.getDataType(), like.getDevice());
    if (old != null) {
      write(nk, old, 0, (int) cap);
      write(nv, values[layer], 0, (int) cap);
      old.close();
      values[layer].close();
    }
    keys[layer] = nk;
    values[layer] = nv;
  }

  /** buffer[:, :, off:off+t, :] = x, in place (one indexing call). */
  private static void write(NDArray buffer, NDArray x, int off, int t) {
    long[] s = buffer.getShape().getShape();
    JniUtils.indexSet((PtNDArray) buffer, (PtNDArray) x, new long[] {0, 0, off, 0}, new long[] {s[0], s[1], off + t, s[3]},
        new long[] {1, 1, 1, 1});
  }

  // ------------------------------------------------ continuous batching: rows join and leave

  /**
   * Keeps only the given rows (in that order), dropping the others: what a running batch does when
   * sequences finish. Copies the cached keys and values of the kept rows.
   */
  public void retainRows(int[] rows) {
    for (int l = 0; l < keys.length; l++) {
      if (keys[l] == null) continue;
      keys[l] = pick(keys[l], rows);
      values[l] = pick(values[l], rows);
    }
    boolean[][] nv = new boolean[rows.length][];
    int[] ns = new int[rows.length];
    for (int i = 0; i < rows.length; i++) {
      nv[i] = valid[rows[i]];
      ns[i] = seen[rows[i]];
    }
    valid = nv;
    seen = ns;
    batch = rows.length;
  }

  private NDArray pick(NDArray a, int[] rows) {
    ai.djl.ndarray.NDList parts = new ai.djl.ndarray.NDList();
    for (int r : rows) parts.add(a.get(r + ":" + (r + 1)));
    NDArray out = parts.size() == 1 ? parts.get(0).duplicate() : ai.djl.ndarray.NDArrays.concat(parts, 0);
    out.attach(manager);
    parts.close();
    a.close();
    return out;
  }

  /**
   * Appends {@code n} empty rows (sequences joining the batch): nothing cached is valid for them, and
   * they have seen no tokens.
   */
  public void addRows(int n) {
    if (n <= 0) return;
    for (int l = 0; l < keys.length; l++) {
      if (keys[l] == null) continue;
      long[] s = keys[l].getShape().getShape();
      Shape zs = new Shape(n, s[1], s[2], s[3]);
      NDArray zk = manager.zeros(zs, keys[l].getDataType(), keys[l].getDevice());
      NDArray zv = manager.zeros(zs, keys[l].getDataType(), keys[l].getDevice());
      NDArray nk = ai.djl.ndarray.NDArrays.concat(new ai.djl.ndarray.NDList(keys[l], zk), 0);
      NDArray nvv = ai.djl.ndarray.NDArrays.concat(new ai.djl.ndarray.NDList(values[l], zv), 0);
      nk.attach(manager);
      nvv.attach(manager);
      keys[l].close();
      values[l].close();
      zk.close();
      zv.close();
      keys[l] = nk;
      values[l] = nvv;
    }
    int cols = batch == 0 ? 16 : valid[0].length;
    boolean[][] nv = Arrays.copyOf(valid, batch + n);
    for (int i = batch; i < batch + n; i++) nv[i] = new boolean[cols];
    valid = nv;
    seen = Arrays.copyOf(seen, batch + n);
    batch += n;
  }

  /**
   * Appends the rows of another cache (sequences prefilled on their own) and closes it. Their positions
   * are right-aligned with this cache's: the other's {@code p} columns land in this cache's last {@code p}
   * (if {@code p} exceeds this cache's length, this one is first padded on the left). Attention only
   * depends on which earlier columns are valid for a row, and position ids are per row, so the placement
   * changes no result. The running rows thus never compute a joining prompt's padding.
   */
  public void appendRows(KvCache other) {
    int p = other.length;
    if (p > length) padLeft(p - length);
    int off = length - p;
    int m = other.batch;
    for (int l = 0; l < keys.length; l++) {
      if (keys[l] == null || other.keys[l] == null) throw new IllegalStateException("appendRows needs two caches that have seen a forward pass");
      keys[l] = appendTo(keys[l], other.keys[l], off, p, m);
      values[l] = appendTo(values[l], other.values[l], off, p, m);
    }
    int cols = valid[0].length;
    boolean[][] nv = Arrays.copyOf(valid, batch + m);
    int[] ns = Arrays.copyOf(seen, batch + m);
    for (int r = 0; r < m; r++) {
      nv[batch + r] = new boolean[cols];
      System.arraycopy(other.valid[r], 0, nv[batch + r], off, p);
      ns[batch + r] = other.seen[r];
    }
    valid = nv;
    seen = ns;
    batch += m;
    other.close();
  }

  private NDArray appendTo(NDArray mine, NDArray theirs, int off, int p, int m) {
    long[] s = mine.getShape().getShape();
    NDArray rows = manager.zeros(new Shape(m, s[1], s[2], s[3]), mine.getDataType(), mine.getDevice());
    NDArray src = JniUtils.slice((PtNDArray) theirs, 2, 0, p, 1);
    write(rows, src, off, p);
    src.close();
    NDArray out = ai.djl.ndarray.NDArrays.concat(new ai.djl.ndarray.NDList(mine, rows), 0);
    out.attach(manager);
    mine.close();
    rows.close();
    return out;
  }

  /** Inserts {@code n} columns before the cached ones, valid for no row. */
  private void padLeft(int n) {
    for (int l = 0; l < keys.length; l++) {
      if (keys[l] == null) continue;
      keys[l] = shifted(keys[l], n);
      values[l] = shifted(values[l], n);
    }
    for (int b = 0; b < batch; b++) {
      boolean[] nv = new boolean[valid[b].length + n];
      System.arraycopy(valid[b], 0, nv, n, length);
      valid[b] = nv;
    }
    length += n;
  }

  private NDArray shifted(NDArray a, int n) {
    long[] s = a.getShape().getShape();
    NDArray out = manager.zeros(new Shape(s[0], s[1], s[2] + n, s[3]), a.getDataType(), a.getDevice());
    write(out, a, n, (int) s[2]);
    a.close();
    return out;
  }

  /** Number of leading cached positions that no row attends to (padding, or the tokens of rows that left). */
  public int deadPrefix() {
    int dead = length;
    for (int b = 0; b < batch; b++) {
      int j = 0;
      while (j < dead && !valid[b][j]) j++;
      dead = Math.min(dead, j);
    }
    return dead;
  }

  /** Drops the first {@code cols} cached positions (which no row may attend to; see {@link #deadPrefix()}). */
  public void trimLeft(int cols) {
    if (cols <= 0) return;
    if (cols > deadPrefix()) throw new IllegalArgumentException("positions still attended to");
    for (int l = 0; l < keys.length; l++) {
      if (keys[l] == null) continue;
      NDArray k = keys[l].get(":, :, " + cols + ":, :");
      NDArray v = values[l].get(":, :, " + cols + ":, :");
      k.attach(manager);
      v.attach(manager);
      keys[l].close();
      values[l].close();
      keys[l] = k;
      values[l] = v;
    }
    for (int b = 0; b < batch; b++) {
      boolean[] nv = new boolean[valid[b].length];
      System.arraycopy(valid[b], cols, nv, 0, length - cols);
      valid[b] = nv;
    }
    length -= cols;
  }

  @Override
  public void close() {
    manager.close();
  }
}
