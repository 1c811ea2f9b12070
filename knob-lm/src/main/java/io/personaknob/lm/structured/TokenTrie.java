package io.personaknob.lm.structured;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The vocabulary as a byte trie laid out in depth-first order: node i has a label byte, a depth and
 * {@code skip[i]}, the index just past its subtree, and the tokens whose bytes end at it. Walking it
 * against a parser state ({@link #allowed}) is a linear scan that skips every subtree whose first byte
 * the parser refuses, so each byte prefix shared by many tokens is checked once.
 */
public final class TokenTrie {
  private final byte[] label;
  private final int[] depth;
  private final int[] skip;
  private final int[] tokStart;
  private final int[] toks;
  private final byte[][] tokenBytes;
  private final int maxDepth;

  /**
   * @param tokenBytes the bytes of each token id; null (or empty) for ids that must never be produced
   *     (special tokens, end of sequence, ids beyond the tokenizer)
   */
  public TokenTrie(byte[][] tokenBytes) {
    this.tokenBytes = tokenBytes;
    List<Integer> ids = new ArrayList<>();
    for (int i = 0; i < tokenBytes.length; i++) if (tokenBytes[i] != null && tokenBytes[i].length > 0) ids.add(i);
    ids.sort((a, b) -> Arrays.compareUnsigned(tokenBytes[a], tokenBytes[b]));
    int cap = 1;
    int longest = 0;
    for (int id : ids) {
      cap += tokenBytes[id].length;
      longest = Math.max(longest, tokenBytes[id].length);
    }
    byte[] lab = new byte[cap];
    int[] dep = new int[cap];
    int[] sk = new int[cap];
    int[] endNode = new int[tokenBytes.length];
    Arrays.fill(endNode, -1);
    int n = 1; // node 0 is the root
    int[] path = new int[longest + 1]; // path[d] = node at depth d on the current branch
    int pathLen = 1;
    byte[] prev = new byte[0];
    for (int id : ids) {
      byte[] t = tokenBytes[id];
      int lcp = 0;
      while (lcp < t.length && lcp < prev.length && t[lcp] == prev[lcp]) lcp++;
      while (pathLen > lcp + 1) sk[path[--pathLen]] = n; // leave the branch below the common prefix
      for (int d = lcp; d < t.length; d++) {
        lab[n] = t[d];
        dep[n] = d + 1;
        path[pathLen++] = n;
        n++;
      }
      endNode[id] = path[t.length];
      prev = t;
    }
    while (pathLen > 1) sk[path[--pathLen]] = n;
    sk[0] = n;
    int[] counts = new int[n + 1];
    for (int id = 0; id < tokenBytes.length; id++) if (endNode[id] >= 0) counts[endNode[id] + 1]++;
    for (int i = 0; i < n; i++) counts[i + 1] += counts[i];
    int[] fill = Arrays.copyOf(counts, n + 1);
    int[] tk = new int[counts[n]];
    for (int id = 0; id < tokenBytes.length; id++) if (endNode[id] >= 0) tk[fill[endNode[id]]++] = id;
    this.label = Arrays.copyOf(lab, n);
    this.depth = Arrays.copyOf(dep, n);
    this.skip = Arrays.copyOf(sk, n);
    this.tokStart = counts;
    this.toks = tk;
    this.maxDepth = longest;
  }

  /** Number of trie nodes (root included). */
  public int nodes() {
    return label.length;
  }

  /** Length in bytes of the longest token. */
  public int longestToken() {
    return maxDepth;
  }

  /** The bytes of a token, or null if it is never offered. */
  byte[] bytes(int token) {
    return token >= 0 && token < tokenBytes.length ? tokenBytes[token] : null;
  }

  /** The tokens whose every byte the parser accepts from {@code state}, ascending. */
  int[] allowed(Grammar.St state) {
    Grammar.St[] st = new Grammar.St[maxDepth + 1];
    st[0] = state;
    int[] out = new int[64];
    int count = 0;
    int n = label.length;
    int i = 1;
    while (i < n) {
      Grammar.St next = st[depth[i] - 1].step(label[i] & 0xFF);
      if (next == null) {
        i = skip[i];
        continue;
      }
      st[depth[i]] = next;
      for (int j = tokStart[i]; j < tokStart[i + 1]; j++) {
        if (count == out.length) out = Arrays.copyOf(out, count * 2);
        out[count++] = toks[j];
      }
      i++;
    }
    int[] r = Arrays.copyOf(out, count);
    Arrays.sort(r);
    return r;
  }
}
