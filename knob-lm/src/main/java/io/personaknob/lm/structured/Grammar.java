package io.personaknob.lm.structured;

import java.util.List;

/**
 * The byte-level parser of JSON constrained by a compiled schema ({@link Node}): a pushdown automaton
 * whose states are immutable records, so a state can key a cache of the tokens allowed in it. Each state
 * takes one byte ({@link St#step}) and returns the next state, or null when the byte cannot follow.
 * A value's state holds its continuation {@code k} (the state after the value), which plays the role of
 * the stack. Output is compact JSON: one optional space after ':' and ',', nowhere else.
 */
final class Grammar {
  private Grammar() {}

  /** A parser state. */
  interface St {
    /** The state after byte {@code b} (0..255), or null if {@code b} cannot come next. */
    St step(int b);

    /** The key under which the tokens allowed in this state are cached (equal keys: equal token sets). */
    default Object key() {
      return this;
    }
  }

  /** The whole value has been read; nothing may follow. */
  record Done() implements St {
    static final Done INSTANCE = new Done();

    @Override
    public St step(int b) {
      return null;
    }
  }

  /** One optional space, then {@code next}. */
  record Sp(St next) implements St {
    @Override
    public St step(int b) {
      return b == ' ' ? next : next.step(b);
    }
  }

  /** The root of a json_object answer: an object of any content. */
  record AnyRoot(Node.Any node) implements St {
    @Override
    public St step(int b) {
      return b == '{' ? new Start(node, Done.INSTANCE).step(b) : null;
    }
  }

  /** A value of {@code node} comes next, then {@code k}. */
  record Start(Node node, St k) implements St {
    @Override
    public St step(int b) {
      return switch (node) {
        case Node.Obj o -> b == '{' ? new ObjKey(o, 0, true, k) : null;
        case Node.Arr a -> b == '[' ? new ArrOpen(a, k) : null;
        case Node.Str s -> b == '"' ? new StrIn(s.minLen, s.maxLen, 0, 0, 0x80, 0xBF, false, k) : null;
        case Node.Lit l -> new LitIn(l, 0, l.options.size() == 64 ? -1L : (1L << l.options.size()) - 1, k).step(b);
        case Node.Int i -> new IntIn(i, false, 0, 0, k).step(b);
        case Node.Num n -> new NumIn(n, "", k).step(b);
        case Node.Union u -> {
          for (Node alt : u.alternatives) {
            St s = new Start(alt, k).step(b);
            if (s != null) yield s;
          }
          yield null;
        }
        case Node.Any any -> anyStep(any, b, k);
      };
    }
  }

  static final Node.Lit JSON_LITERALS = new Node.Lit(List.of(bytes("true"), bytes("false"), bytes("null")));
  static final Node.Num ANY_NUMBER = new Node.Num(Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, NumIn.MAX_FRACTION_DIGITS);

  private static St anyStep(Node.Any any, int b, St k) {
    if (b == '{') return any.depth > 0 ? new AnyObj(any, true, k) : null;
    if (b == '[') return any.depth > 0 ? new AnyArr(any, true, k) : null;
    if (b == '"') return new StrIn(0, any.maxLen, 0, 0, 0x80, 0xBF, false, k);
    if (b == '-' || (b >= '0' && b <= '9')) return new NumIn(ANY_NUMBER, "", k).step(b);
    return new Start(JSON_LITERALS, k).step(b);
  }

  static byte[] bytes(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  // ------------------------------------------------------------------ objects

  /** Expecting the key of a property j ≥ i (those before j being optional), or '}' when {@code closeOk} and the rest is optional. */
  record ObjKey(Node.Obj o, int i, boolean closeOk, St k) implements St {
    @Override
    public St step(int b) {
      if (b == '}') return closeOk && o.restOptional(i) ? k : null;
      if (b != '"') return null;
      long alive = 0;
      for (int j = i; j < o.props.size(); j++) {
        alive |= 1L << j;
        if (o.props.get(j).required()) break;
      }
      return alive == 0 ? null : new KeyIn(o, 1, alive, k);
    }
  }

  /** Inside a key: {@code pos} bytes of the candidates' JSON text matched. */
  record KeyIn(Node.Obj o, int pos, long alive, St k) implements St {
    @Override
    public St step(int b) {
      long next = 0;
      for (int j = 0; j < o.props.size(); j++) {
        if ((alive & (1L << j)) == 0) continue;
        byte[] key = o.props.get(j).key();
        if (key.length > pos && (key[pos] & 0xFF) == b) {
          if (key.length == pos + 1) return new Colon(o, j, k); // a complete JSON string is no other's prefix
          next |= 1L << j;
        }
      }
      return next == 0 ? null : new KeyIn(o, pos + 1, next, k);
    }
  }

  record Colon(Node.Obj o, int j, St k) implements St {
    @Override
    public St step(int b) {
      return b == ':' ? new Sp(new Start(o.props.get(j).value(), new ObjNext(o, j + 1, k))) : null;
    }
  }

  /** After the value of a property: ',' and another key (j ≥ i), or '}' when the rest is optional. */
  record ObjNext(Node.Obj o, int i, St k) implements St {
    @Override
    public St step(int b) {
      if (b == '}') return o.restOptional(i) ? k : null;
      if (b == ',' && i < o.props.size()) return new Sp(new ObjKey(o, i, false, k));
      return null;
    }
  }

  // ------------------------------------------------------------------ arrays

  record ArrOpen(Node.Arr a, St k) implements St {
    @Override
    public St step(int b) {
      if (b == ']') return a.min == 0 ? k : null;
      if (a.max == 0) return null;
      return new Start(a.items, new ArrNext(a, 1, k)).step(b);
    }
  }

  record ArrNext(Node.Arr a, int count, St k) implements St {
    @Override
    public St step(int b) {
      if (b == ']') return count >= a.min ? k : null;
      if (b == ',' && count < a.max) return new Sp(new Start(a.items, new ArrNext(a, count + 1, k)));
      return null;
    }
  }

  // ------------------------------------------------------------------ any value (json_object)

  record AnyObj(Node.Any any, boolean closeOk, St k) implements St {
    @Override
    public St step(int b) {
      if (b == '}') return closeOk ? k : null;
      if (b != '"') return null;
      return new StrIn(0, any.maxLen, 0, 0, 0x80, 0xBF, false, new AnyColon(any, k));
    }
  }

  record AnyColon(Node.Any any, St k) implements St {
    @Override
    public St step(int b) {
      return b == ':' ? new Sp(new Start(any.child(), new AnyObjNext(any, k))) : null;
    }
  }

  record AnyObjNext(Node.Any any, St k) implements St {
    @Override
    public St step(int b) {
      if (b == '}') return k;
      if (b == ',') return new Sp(new AnyObj(any, false, k));
      return null;
    }
  }

  record AnyArr(Node.Any any, boolean first, St k) implements St {
    @Override
    public St step(int b) {
      if (b == ']' && first) return k;
      return new Start(any.child(), new AnyArrNext(any, k)).step(b);
    }
  }

  record AnyArrNext(Node.Any any, St k) implements St {
    @Override
    public St step(int b) {
      if (b == ']') return k;
      if (b == ',') return new Sp(new Start(any.child(), new AnyArrNext(any, k)));
      return null;
    }
  }

  // ------------------------------------------------------------------ strings

  /**
   * Inside a string after the opening quote: {@code count} characters so far (an escape counts one),
   * {@code need} continuation bytes of a UTF-8 character still to come (the next in [lo, hi]),
   * {@code esc} after a backslash. Only valid UTF-8 and the escapes \" \\ \/ \b \f \n \r \t are produced.
   */
  record StrIn(int minLen, int maxLen, int count, int need, int lo, int hi, boolean esc, St k) implements St {
    @Override
    public St step(int b) {
      if (need > 0) return b >= lo && b <= hi ? new StrIn(minLen, maxLen, count, need - 1, 0x80, 0xBF, false, k) : null;
      if (esc) return "\"\\/bfnrt".indexOf(b) >= 0 ? new StrIn(minLen, maxLen, count, 0, 0x80, 0xBF, false, k) : null;
      if (b == '"') return count >= minLen ? k : null;
      if (count >= maxLen || b < 0x20) return null;
      if (b == '\\') return new StrIn(minLen, maxLen, count + 1, 0, 0x80, 0xBF, true, k);
      if (b < 0x80) return new StrIn(minLen, maxLen, count + 1, 0, 0x80, 0xBF, false, k);
      if (b >= 0xC2 && b <= 0xDF) return new StrIn(minLen, maxLen, count + 1, 1, 0x80, 0xBF, false, k);
      if (b == 0xE0) return new StrIn(minLen, maxLen, count + 1, 2, 0xA0, 0xBF, false, k);
      if (b == 0xED) return new StrIn(minLen, maxLen, count + 1, 2, 0x80, 0x9F, false, k);
      if (b >= 0xE1 && b <= 0xEF) return new StrIn(minLen, maxLen, count + 1, 2, 0x80, 0xBF, false, k);
      if (b == 0xF0) return new StrIn(minLen, maxLen, count + 1, 3, 0x90, 0xBF, false, k);
      if (b >= 0xF1 && b <= 0xF3) return new StrIn(minLen, maxLen, count + 1, 3, 0x80, 0xBF, false, k);
      if (b == 0xF4) return new StrIn(minLen, maxLen, count + 1, 3, 0x80, 0x8F, false, k);
      return null;
    }

    /**
     * Tokens are at most {@link #SATURATE} bytes, so the allowed set depends on the characters left only
     * up to that many: the key saturates both distances, and states deep inside a long string share it.
     */
    @Override
    public Object key() {
      int toMax = Math.min(maxLen - count, SATURATE);
      int toMin = Math.min(Math.max(minLen - count, 0), SATURATE + 1);
      return new StrKey(toMax, toMin, need, lo, hi, esc, k);
    }
  }

  /** Longest token (bytes) the saturation of {@link StrIn#key()} allows for; longer tokens are not offered. */
  static final int SATURATE = 256;

  record StrKey(int toMax, int toMin, int need, int lo, int hi, boolean esc, St k) {}

  // ------------------------------------------------------------------ literals (enum, const, true/false/null)

  /** {@code pos} bytes of the alive options matched; an option matched in full ends on the next byte. */
  record LitIn(Node.Lit l, int pos, long alive, St k) implements St {
    @Override
    public St step(int b) {
      long next = 0;
      boolean ended = false;
      for (int j = 0; j < l.options.size(); j++) {
        if ((alive & (1L << j)) == 0) continue;
        byte[] o = l.options.get(j);
        if (o.length == pos) ended = true;
        else if ((o[pos] & 0xFF) == b) next |= 1L << j;
      }
      if (next != 0) {
        boolean allEnd = true;
        for (int j = 0; j < l.options.size(); j++) if ((next & (1L << j)) != 0 && l.options.get(j).length != pos + 1) allEnd = false;
        return allEnd ? k : new LitIn(l, pos + 1, next, k);
      }
      return ended ? k.step(b) : null;
    }
  }

  // ------------------------------------------------------------------ numbers

  /** An integer: optional '-', digits without leading zeros, kept only while some completion is in [min, max]. */
  record IntIn(Node.Int n, boolean neg, long val, int nd, St k) implements St {
    static final int MAX_DIGITS = 18;

    @Override
    public St step(int b) {
      if (b == '-' && nd == 0 && !neg) return n.min < 0 ? new IntIn(n, true, 0, 0, k) : null;
      if (b >= '0' && b <= '9') {
        int d = b - '0';
        if (nd >= 1 && val == 0) return null; // no leading zeros
        if (neg && nd == 0 && d == 0) return null; // no -0
        long nv = val * 10 + d;
        if (nd + 1 > MAX_DIGITS || !feasible(nv, nd + 1)) return null;
        return new IntIn(n, neg, nv, nd + 1, k);
      }
      if (nd == 0) return null;
      long v = neg ? -val : val;
      return v >= n.min && v <= n.max ? k.step(b) : null;
    }

    private boolean feasible(long p, int digits) {
      long scale = 1;
      for (int more = 0; digits + more <= MAX_DIGITS; more++) {
        long lo = p * scale;
        long hi = lo + scale - 1;
        long a = neg ? -hi : lo;
        long c = neg ? -lo : hi;
        if (a <= n.max && c >= n.min) return true;
        if (p == 0) return false; // a lone zero takes no more digits
        scale *= 10;
      }
      return false;
    }
  }

  /**
   * A number: optional '-', integer digits, optional '.' and fraction digits (at most the node's
   * fractionDigits; none when that is 0); no exponent.
   */
  record NumIn(Node.Num n, String text, St k) implements St {
    static final int MAX_INT_DIGITS = 15;
    static final int MAX_FRACTION_DIGITS = 8;

    @Override
    public St step(int b) {
      boolean neg = text.startsWith("-");
      String digits = neg ? text.substring(1) : text;
      int dot = digits.indexOf('.');
      if (b == '-') return text.isEmpty() && n.min < 0 ? new NumIn(n, "-", k) : null;
      if (b == '.') return !digits.isEmpty() && dot < 0 && n.fractionDigits > 0 && feasible(text + ".") ? new NumIn(n, text + ".", k) : null;
      if (b >= '0' && b <= '9') {
        String nt = text + (char) b;
        if (dot < 0) {
          if (digits.equals("0")) return null;
          if (digits.length() + 1 > MAX_INT_DIGITS) return null;
        } else if (digits.length() - dot - 1 + 1 > n.fractionDigits) {
          return null;
        }
        return feasible(nt) ? new NumIn(n, nt, k) : null;
      }
      if (digits.isEmpty() || digits.endsWith(".")) return null;
      double v = Double.parseDouble(text);
      return v >= n.min && v <= n.max ? k.step(b) : null;
    }

    /**
     * Whether some number written from this prefix lies in [min, max]: the completions of a prefix are
     * the closed range from its value up to its value plus (one unit of its last written digit) minus (one
     * unit of the last fraction digit allowed), mirrored for a '-' prefix.
     */
    private boolean feasible(String prefix) {
      boolean neg = prefix.startsWith("-");
      String digits = neg ? prefix.substring(1) : prefix;
      int dot = digits.indexOf('.');
      double last = n.fractionDigits == 0 ? 1 : Math.pow(10, -n.fractionDigits);
      if (dot >= 0) {
        double v = Double.parseDouble(digits.endsWith(".") ? digits + "0" : digits);
        int fd = digits.length() - dot - 1;
        return intersects(neg, v, fd >= n.fractionDigits ? v : v + Math.pow(10, -fd) - last);
      }
      double p = Double.parseDouble(digits);
      if (digits.equals("0")) return intersects(neg, 0, n.fractionDigits == 0 ? 0 : 1 - last);
      for (int more = 0; digits.length() + more <= MAX_INT_DIGITS; more++) {
        double s = Math.pow(10, more);
        if (intersects(neg, p * s, (p + 1) * s - last)) return true;
      }
      return false;
    }

    private boolean intersects(boolean neg, double lo, double hi) {
      double a = neg ? -hi : lo;
      double c = neg ? -lo : hi;
      return a <= n.max && c >= n.min;
    }
  }
}
