package io.personaknob.steer;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.List;

/**
 * CPython's {@code random.Random} (MT19937 seeded with {@code init_by_array}), bit for bit, for the parts
 * the steering library uses: integer and string seeds, {@code random()}, {@code getrandbits(k ≤ 32)} and
 * {@code shuffle}. The library selects scenarios with {@code Random(seed).shuffle(rows)} and decides the
 * blind A/B order with {@code Random(md5key).random() < 0.5}; reproducing its runs needs the same draws.
 */
public final class PyRandom {
  private static final int N = 624;
  private static final int M = 397;
  private final int[] mt = new int[N];
  private int mti = N + 1;

  /** {@code random.Random(seed)} for an integer seed (its absolute value, as Python does). */
  public PyRandom(long seed) {
    seedBig(BigInteger.valueOf(seed).abs());
  }

  /** {@code random.Random(text)}: version-2 string seeding (UTF-8 bytes followed by their SHA-512). */
  public PyRandom(String seed) {
    byte[] b = seed.getBytes(StandardCharsets.UTF_8);
    byte[] all;
    try {
      byte[] h = MessageDigest.getInstance("SHA-512").digest(b);
      all = new byte[b.length + h.length];
      System.arraycopy(b, 0, all, 0, b.length);
      System.arraycopy(h, 0, all, b.length, h.length);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    seedBig(new BigInteger(1, all));
  }

  private void seedBig(BigInteger n) {
    int words = Math.max(1, (n.bitLength() + 31) / 32);
    int[] key = new int[words];
    for (int i = 0; i < words; i++) key[i] = n.shiftRight(32 * i).intValue();
    initByArray(key);
  }

  private void initGenrand(int s) {
    mt[0] = s;
    for (mti = 1; mti < N; mti++) {
      mt[mti] = 1812433253 * (mt[mti - 1] ^ (mt[mti - 1] >>> 30)) + mti;
    }
  }

  private void initByArray(int[] key) {
    initGenrand(19650218);
    int i = 1;
    int j = 0;
    for (int k = Math.max(N, key.length); k > 0; k--) {
      mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >>> 30)) * 1664525)) + key[j] + j;
      i++;
      j++;
      if (i >= N) {
        mt[0] = mt[N - 1];
        i = 1;
      }
      if (j >= key.length) j = 0;
    }
    for (int k = N - 1; k > 0; k--) {
      mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >>> 30)) * 1566083941)) - i;
      i++;
      if (i >= N) {
        mt[0] = mt[N - 1];
        i = 1;
      }
    }
    mt[0] = 0x80000000;
  }

  private int next32() {
    int y;
    if (mti >= N) {
      int kk;
      for (kk = 0; kk < N - M; kk++) {
        y = (mt[kk] & 0x80000000) | (mt[kk + 1] & 0x7fffffff);
        mt[kk] = mt[kk + M] ^ (y >>> 1) ^ ((y & 1) != 0 ? 0x9908b0df : 0);
      }
      for (; kk < N - 1; kk++) {
        y = (mt[kk] & 0x80000000) | (mt[kk + 1] & 0x7fffffff);
        mt[kk] = mt[kk + (M - N)] ^ (y >>> 1) ^ ((y & 1) != 0 ? 0x9908b0df : 0);
      }
      y = (mt[N - 1] & 0x80000000) | (mt[0] & 0x7fffffff);
      mt[N - 1] = mt[M - 1] ^ (y >>> 1) ^ ((y & 1) != 0 ? 0x9908b0df : 0);
      mti = 0;
    }
    y = mt[mti++];
    y ^= (y >>> 11);
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= (y >>> 18);
    return y;
  }

  /** {@code random()}: a 53-bit float in [0, 1). */
  public double random() {
    long a = Integer.toUnsignedLong(next32()) >>> 5;
    long b = Integer.toUnsignedLong(next32()) >>> 6;
    return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
  }

  /** {@code getrandbits(k)} for 1 ≤ k ≤ 32. */
  public long getrandbits(int k) {
    if (k < 1 || k > 32) throw new IllegalArgumentException("k must be in 1..32");
    return Integer.toUnsignedLong(next32()) >>> (32 - k);
  }

  /** {@code _randbelow(n)}: rejection sampling on {@code n.bit_length()} bits. */
  public int randbelow(int n) {
    int k = 32 - Integer.numberOfLeadingZeros(n);
    long r = getrandbits(k);
    while (r >= n) r = getrandbits(k);
    return (int) r;
  }

  /** {@code shuffle(x)} in place (Fisher–Yates from the end, as CPython). */
  public <T> void shuffle(List<T> x) {
    for (int i = x.size() - 1; i > 0; i--) Collections.swap(x, i, randbelow(i + 1));
  }
}
