package io.personaknob.irt;

import io.personaknob.core.UserException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Ratings in long format, stored compactly: per facet an {@code int} element index per rating, the rating as
 * a {@code byte} category score ({@code rating - minRating}) and an optional {@code float} weight, about 21
 * bytes per rating with four facets. Element labels are interned once per facet.
 *
 * <p>Optionally also <b>paired comparisons</b> between two elements of one facet (Rasch / Bradley–Terry–Luce,
 * docs/irt.md §1.1), estimated jointly with the ratings: two {@code int} element indices, the score of the
 * first element as a {@code byte} in halves (0 loss, 1 tie, 2 win) and an optional {@code float} weight,
 * 9 bytes per comparison.
 *
 * <p>Build with {@link #builder(String...)}; the result is immutable.
 */
public final class RatingData {
  private final List<String> facets;
  private final List<List<String>> labels;
  private final int[][] idx; // [facet][row]
  private final byte[] score; // rating - minRating
  private final float[] weight; // null: all 1
  private final int n;
  private final int minRating;
  private final int maxRating;
  private final boolean declaredScale;
  private final String source;
  private final String hash;
  // paired comparisons (none: nc == 0, compFacet == -1)
  private final int compFacet;
  private final int nc;
  private final int[] compA;
  private final int[] compB;
  private final byte[] compHalves; // score of A in halves: 0, 1, 2
  private final float[] compWeight; // null: all 1

  private RatingData(Builder b) {
    this.facets = List.copyOf(b.facets);
    List<List<String>> l = new ArrayList<>();
    for (var list : b.labels) l.add(List.copyOf(list));
    this.labels = List.copyOf(l);
    this.n = b.n;
    int f = b.facets.size();
    this.idx = new int[f][];
    for (int i = 0; i < f; i++) idx[i] = b.idx[i].length == n ? b.idx[i] : Arrays.copyOf(b.idx[i], n);
    this.minRating = b.minRating;
    this.maxRating = b.maxRating;
    this.declaredScale = b.declaredMin != null;
    byte[] s = b.raw.length == n ? b.raw : Arrays.copyOf(b.raw, n);
    for (int i = 0; i < n; i++) s[i] = (byte) (b.rawRating(i) - minRating);
    this.score = s;
    this.weight = b.weight == null ? null : (b.weight.length == n ? b.weight : Arrays.copyOf(b.weight, n));
    this.source = b.source;
    this.compFacet = b.compFacet;
    this.nc = b.nc;
    this.compA = nc == 0 ? new int[0] : Arrays.copyOf(b.compA, nc);
    this.compB = nc == 0 ? new int[0] : Arrays.copyOf(b.compB, nc);
    this.compHalves = nc == 0 ? new byte[0] : Arrays.copyOf(b.compHalves, nc);
    this.compWeight = b.compWeight == null ? null : Arrays.copyOf(b.compWeight, nc);
    this.hash = b.finishHash(labels, minRating);
  }

  /** A builder for ratings with the given facet names (in the order their elements are passed to add). */
  public static Builder builder(String... facets) {
    return new Builder(List.of(facets));
  }

  public static Builder builder(List<String> facets) {
    return new Builder(facets);
  }

  public List<String> facets() { return facets; }
  public int facetCount() { return facets.size(); }
  public int facetIndex(String name) {
    int i = facets.indexOf(name);
    if (i < 0) throw new UserException("unknown facet '" + name + "' (facets: " + String.join(", ", facets) + ")");
    return i;
  }
  public int size() { return n; }
  public int elementCount(int facet) { return labels.get(facet).size(); }
  public List<String> labels(int facet) { return labels.get(facet); }
  public String label(int facet, int element) { return labels.get(facet).get(element); }
  public int element(int facet, int row) { return idx[facet][row]; }
  /** The raw rating of a row. */
  public int rating(int row) { return (score[row] & 0xFF) + minRating; }
  public double weight(int row) { return weight == null ? 1.0 : weight[row]; }
  public boolean weighted() { return weight != null; }
  public int minRating() { return minRating; }
  public int maxRating() { return maxRating; }
  /** True when the scale's range was declared (--min/--max) rather than taken from the ratings seen. */
  public boolean declaredScale() { return declaredScale; }
  /** Where the data came from (a file name), or null. */
  public String source() { return source; }

  /** Number of paired comparisons (0 if none). */
  public int comparisonCount() { return nc; }
  /** The facet whose elements the comparisons compare, or -1 if there are none. */
  public int comparisonFacet() { return compFacet; }
  /** The first element of comparison {@code c} (an index into {@link #labels(int)} of the comparison facet). */
  public int comparisonA(int c) { return compA[c]; }
  /** The second element of comparison {@code c}. */
  public int comparisonB(int c) { return compB[c]; }
  /** The score of the first element: 1 it was preferred, 0 the second was, ½ a tie. */
  public double comparisonScore(int c) { return compHalves[c] * 0.5; }
  public double comparisonWeight(int c) { return compWeight == null ? 1.0 : compWeight[c]; }

  // package-private raw access for the estimator's loops
  int[][] idx() { return idx; }
  byte[] scores() { return score; }
  float[] weights() { return weight; }
  int[] compA() { return compA; }
  int[] compB() { return compB; }
  byte[] compHalves() { return compHalves; }
  float[] compWeights() { return compWeight; }

  /** Heap bytes held by the per-rating and per-comparison arrays (for the memory benchmark). */
  public long arrayBytes() {
    long b = (long) n * (4L * idx.length + 1) + (weight == null ? 0 : 4L * n);
    b += 9L * nc + (compWeight == null ? 0 : 4L * nc);
    return b;
  }

  /**
   * The data hash recorded in provenance: SHA-256 over the rows as they were added (element indices, raw
   * rating, weight), then the facet names and element labels and the rating range. It is computed while the
   * data are built, like a file's hash while it is read, so a fit does not pay for it.
   */
  public String contentHash() {
    return hash;
  }

  /** Accumulates ratings. Not thread-safe. */
  public static final class Builder {
    private final List<String> facets;
    private final List<List<String>> labels = new ArrayList<>();
    private final List<Map<String, Integer>> dict = new ArrayList<>();
    private int[][] idx;
    private byte[] raw; // rating - RAW_BASE while building
    private float[] weight;
    private int n;
    private int minRating = Integer.MAX_VALUE;
    private int maxRating = Integer.MIN_VALUE;
    private Integer declaredMin;
    private Integer declaredMax;
    private String source;
    private static final int RAW_BASE = -128;
    private final MessageDigest rowDigest = sha256();
    private boolean built;
    private final ByteBuffer rowBuf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
    // paired comparisons
    private int compFacet = -1;
    private int nc;
    private int[] compA = new int[0];
    private int[] compB = new int[0];
    private byte[] compHalves = new byte[0];
    private float[] compWeight;
    private java.util.BitSet[] declared;

    private Builder(List<String> facets) {
      if (facets.isEmpty()) throw new UserException("at least one facet is needed");
      for (String f : facets) {
        if (f == null || f.isBlank()) throw new UserException("facet names must not be empty");
      }
      if (new java.util.HashSet<>(facets).size() != facets.size()) {
        throw new UserException("facet names must be distinct: " + facets);
      }
      this.facets = List.copyOf(facets);
      for (int i = 0; i < facets.size(); i++) {
        labels.add(new ArrayList<>());
        dict.add(new HashMap<>());
      }
      idx = new int[facets.size()][1024];
      raw = new byte[1024];
    }

    /** Expected number of ratings (avoids regrowing the arrays). */
    public Builder expectedSize(int rows) {
      if (rows > idx[0].length) grow(rows);
      return this;
    }

    /** Declares the rating scale's range: ratings outside it are rejected, unobserved ends still count. */
    public Builder scale(int min, int max) {
      if (max <= min) throw new UserException("rating scale: max " + max + " must exceed min " + min);
      if (max - min > 100) throw new UserException("rating scale " + min + ".." + max + " has more than 101 categories");
      declaredMin = min;
      declaredMax = max;
      return this;
    }

    /** Names the data's origin for messages (e.g. the file). */
    public Builder source(String source) {
      this.source = source;
      return this;
    }

    /** The index of an element label in a facet, interning it on first sight. */
    /** Whether {@code label} is already an element of facet {@code facet} (from a rating or a declaration). */
    public boolean has(int facet, String label) {
      return dict.get(facet).containsKey(label);
    }

    public int element(int facet, String label) {
      Integer id = dict.get(facet).get(label);
      if (id == null) {
        id = labels.get(facet).size();
        dict.get(facet).put(label, id);
        labels.get(facet).add(label);
      }
      return id;
    }

    /** Adds one rating with weight 1; elements in facet order. */
    public Builder add(int rating, String... elements) {
      return add(elements, rating, 1.0);
    }

    /** Adds one rating; elements in facet order. */
    public Builder add(String[] elements, int rating, double weight) {
      if (elements.length != facets.size()) {
        throw new UserException("rating has " + elements.length + " facet values, expected " + facets.size());
      }
      for (int f = 0; f < elements.length; f++) {
        if (elements[f] == null || elements[f].isEmpty()) {
          throw new UserException("missing value for facet '" + facets.get(f) + "'");
        }
      }
      int[] ids = new int[elements.length];
      for (int f = 0; f < elements.length; f++) ids[f] = element(f, elements[f]);
      return addIds(ids, rating, weight);
    }

    /** Adds one rating with its elements given by facet name (every facet must be present). */
    public Builder add(Map<String, String> elements, int rating, double weight) {
      String[] el = new String[facets.size()];
      for (int f = 0; f < el.length; f++) el[f] = elements.get(facets.get(f));
      for (String k : elements.keySet()) {
        if (!facets.contains(k)) throw new UserException("unknown facet '" + k + "' (facets: " + String.join(", ", facets) + ")");
      }
      return add(el, rating, weight);
    }

    /** Adds one rating by element indices from {@link #element(int, String)}. */
    public Builder addIds(int[] elementIds, int rating, double w) {
      if (built) throw new IllegalStateException("this builder has already built its RatingData");
      if (declaredMin != null && (rating < declaredMin || rating > declaredMax)) {
        throw new UserException("rating " + rating + " outside the scale " + declaredMin + ".." + declaredMax);
      }
      if (rating < RAW_BASE || rating > RAW_BASE + 255) {
        throw new UserException("rating " + rating + " outside the supported range -128..127");
      }
      if (!(w > 0) || Double.isInfinite(w)) {
        throw new UserException("weight " + w + " must be a positive finite number");
      }
      if (n == raw.length) {
        if (n >= Integer.MAX_VALUE - 16) throw new UserException("more than " + n + " ratings: too many for one fit");
        grow((int) Math.max(1024L, Math.min(Integer.MAX_VALUE - 16L, (long) n + (n >> 1))));
      }
      for (int f = 0; f < elementIds.length; f++) idx[f][n] = elementIds[f];
      raw[n] = (byte) (rating - RAW_BASE);
      if (w != 1.0 && weight == null) {
        weight = new float[raw.length];
        Arrays.fill(weight, 0, n, 1f);
      }
      if (weight != null) weight[n] = (float) w;
      if (rowBuf.remaining() < 4 * elementIds.length + 5) {
        rowDigest.update(rowBuf.array(), 0, rowBuf.position());
        rowBuf.clear();
      }
      for (int id : elementIds) rowBuf.putInt(id);
      rowBuf.put(raw[n]);
      rowBuf.putFloat((float) w);
      if (rating < minRating) minRating = rating;
      if (rating > maxRating) maxRating = rating;
      n++;
      return this;
    }

    /**
     * Declares elements of a facet that may appear in comparisons without being rated (e.g. for
     * comparison-only data). Elements that occur in a rating need no declaration.
     */
    public Builder declare(String facet, String... elements) {
      int f = facetIndexOf(facet);
      if (declared == null) declared = new java.util.BitSet[facets.size()];
      if (declared[f] == null) declared[f] = new java.util.BitSet();
      for (String e : elements) {
        if (e == null || e.isEmpty()) throw new UserException("declare: empty element label for facet '" + facet + "'");
        declared[f].set(element(f, e));
      }
      return this;
    }

    /** Adds a paired comparison with weight 1; see {@link #compare(String, String, String, double, double)}. */
    public Builder compare(String facet, String a, String b, double scoreA) {
      return compare(facet, a, b, scoreA, 1.0);
    }

    /**
     * Adds a paired comparison of elements {@code a} and {@code b} of {@code facet}: {@code scoreA} is 1 if
     * {@code a} was preferred, 0 if {@code b} was, ½ for a tie (half a win each way). Every comparison of a
     * data set must be on the same facet; both elements must occur in a rating or be {@link #declare declared}
     * (checked by {@link #build()}, so the order of the calls does not matter).
     */
    public Builder compare(String facet, String a, String b, double scoreA, double w) {
      if (built) throw new IllegalStateException("this builder has already built its RatingData");
      String where = "comparison " + (nc + 1);
      int f = facets.indexOf(facet);
      if (f < 0) {
        throw new UserException(where + ": unknown facet '" + facet + "' (facets: " + String.join(", ", facets) + ")");
      }
      if (compFacet >= 0 && f != compFacet) {
        throw new UserException(where + ": compares elements of facet '" + facet + "', but the earlier comparisons"
            + " are on facet '" + facets.get(compFacet) + "' (all comparisons must be on one facet)");
      }
      if (a == null || a.isEmpty() || b == null || b.isEmpty()) {
        throw new UserException(where + ": missing element label (field '" + (a == null || a.isEmpty() ? "a" : "b") + "')");
      }
      if (a.equals(b)) throw new UserException(where + ": element '" + a + "' is compared with itself");
      int halves;
      if (scoreA == 1.0) halves = 2;
      else if (scoreA == 0.5) halves = 1;
      else if (scoreA == 0.0) halves = 0;
      else throw new UserException(where + ": field 'score' is " + scoreA + "; expected 1 (first preferred), 0.5 (tie) or 0");
      if (!(w > 0) || Double.isInfinite(w)) {
        throw new UserException(where + ": field 'weight' is " + w + "; it must be a positive finite number");
      }
      if (nc == compA.length) {
        if (nc >= Integer.MAX_VALUE - 16) throw new UserException("more than " + nc + " comparisons: too many for one fit");
        int cap = (int) Math.max(1024L, Math.min(Integer.MAX_VALUE - 16L, (long) nc + (nc >> 1)));
        compA = Arrays.copyOf(compA, cap);
        compB = Arrays.copyOf(compB, cap);
        compHalves = Arrays.copyOf(compHalves, cap);
        if (compWeight != null) compWeight = Arrays.copyOf(compWeight, cap);
      }
      compFacet = f;
      compA[nc] = element(f, a);
      compB[nc] = element(f, b);
      compHalves[nc] = (byte) halves;
      if (w != 1.0 && compWeight == null) {
        compWeight = new float[compA.length];
        Arrays.fill(compWeight, 0, nc, 1f);
      }
      if (compWeight != null) compWeight[nc] = (float) w;
      nc++;
      return this;
    }

    /** The index of a facet; a clear error naming the facets when it is unknown. */
    public int facetIndexOf(String facet) {
      int f = facets.indexOf(facet);
      if (f < 0) throw new UserException("unknown facet '" + facet + "' (facets: " + String.join(", ", facets) + ")");
      return f;
    }

    /** Every element named by a comparison must occur in a rating or be declared; says which one does not. */
    private void checkComparisonElements(String where) {
      if (nc == 0) return;
      int f = compFacet;
      java.util.BitSet known = new java.util.BitSet(labels.get(f).size());
      int[] col = idx[f];
      for (int i = 0; i < n; i++) known.set(col[i]);
      if (declared != null && declared[f] != null) known.or(declared[f]);
      for (int c = 0; c < nc; c++) {
        for (int side = 0; side < 2; side++) {
          int e = side == 0 ? compA[c] : compB[c];
          if (known.get(e)) continue;
          String label = labels.get(f).get(e);
          String other = null;
          for (int g = 0; g < facets.size() && other == null; g++) {
            if (g != f && dict.get(g).containsKey(label)) other = facets.get(g);
          }
          String field = side == 0 ? "a" : "b";
          if (other != null) {
            throw new UserException(where + ": comparison " + (c + 1) + ", field '" + field + "': '" + label
                + "' is an element of facet '" + other + "', not of facet '" + facets.get(f)
                + "' (a comparison is between two elements of the same facet)");
          }
          throw new UserException(where + ": comparison " + (c + 1) + ", field '" + field + "': unknown element '"
              + label + "' of facet '" + facets.get(f) + "' (it occurs in no rating; declare it if the data are"
              + " comparisons only)");
        }
      }
    }

    int rawRating(int i) { return (raw[i] & 0xFF) + RAW_BASE; }

    private static MessageDigest sha256() {
      try {
        return MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }

    String finishHash(List<List<String>> labels, int min) {
      rowDigest.update(rowBuf.array(), 0, rowBuf.position());
      rowBuf.clear();
      MessageDigest md = sha256();
      md.update(rowDigest.digest());
      for (int f = 0; f < facets.size(); f++) {
        md.update(facets.get(f).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        md.update((byte) 1);
        for (String s : labels.get(f)) {
          md.update(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
          md.update((byte) 0);
        }
      }
      md.update(ByteBuffer.allocate(4).putInt(min).array());
      if (nc > 0) {
        // comparisons, only when present (the hash of rating-only data is unchanged)
        ByteBuffer cb = ByteBuffer.allocate(13).order(ByteOrder.LITTLE_ENDIAN);
        md.update((byte) 2);
        md.update(ByteBuffer.allocate(4).putInt(compFacet).array());
        for (int c = 0; c < nc; c++) {
          cb.clear();
          cb.putInt(compA[c]).putInt(compB[c]).put(compHalves[c]).putFloat(compWeight == null ? 1f : compWeight[c]);
          md.update(cb.array(), 0, 13);
        }
      }
      return HexFormat.of().formatHex(md.digest());
    }

    private void grow(int cap) {
      for (int f = 0; f < idx.length; f++) idx[f] = Arrays.copyOf(idx[f], cap);
      raw = Arrays.copyOf(raw, cap);
      if (weight != null) weight = Arrays.copyOf(weight, cap);
    }

    public int size() { return n; }

    /** Builds the data; the builder hands over its arrays and cannot be used afterwards. */
    public RatingData build() {
      if (built) throw new IllegalStateException("RatingData.Builder.build() may be called once");
      built = true;
      String where = source == null ? "ratings" : source;
      if (n == 0 && nc == 0) throw new UserException(where + ": no ratings");
      checkComparisonElements(where);
      if (declaredMin != null) {
        minRating = declaredMin;
        maxRating = declaredMax;
      } else if (n == 0) {
        minRating = 0; // comparisons only: no rating scale
        maxRating = 0;
      }
      if (maxRating - minRating > 100) {
        throw new UserException(where + ": ratings span " + minRating + ".." + maxRating + ", more than 101 categories");
      }
      return new RatingData(this);
    }
  }
}
