package io.personaknob.lm.structured;

import java.util.List;

/**
 * A compiled JSON schema: what a value may be. Identity classes (compared by reference), so parser
 * states that hold them hash cheaply.
 */
abstract sealed class Node permits Node.Obj, Node.Arr, Node.Str, Node.Lit, Node.Int, Node.Num, Node.Union, Node.Any {
  /** One property of an object, in schema order. {@code key} is its JSON text with quotes, UTF-8. */
  record Prop(String name, byte[] key, Node value, boolean required) {}

  static final class Obj extends Node {
    final List<Prop> props;

    Obj(List<Prop> props) {
      this.props = props;
    }

    /** Whether every property from index i on may be left out. */
    boolean restOptional(int i) {
      for (int j = i; j < props.size(); j++) if (props.get(j).required()) return false;
      return true;
    }
  }

  static final class Arr extends Node {
    final Node items;
    final int min;
    final int max; // Integer.MAX_VALUE: unbounded

    Arr(Node items, int min, int max) {
      this.items = items;
      this.min = min;
      this.max = max;
    }
  }

  static final class Str extends Node {
    final int minLen;
    final int maxLen;

    Str(int minLen, int maxLen) {
      this.minLen = minLen;
      this.maxLen = maxLen;
    }
  }

  /** One of some literal JSON texts (enum, const, booleans, null), UTF-8. */
  static final class Lit extends Node {
    final List<byte[]> options;

    Lit(List<byte[]> options) {
      this.options = options;
    }
  }

  static final class Int extends Node {
    final long min;
    final long max;

    Int(long min, long max) {
      this.min = min;
      this.max = max;
    }
  }

  static final class Num extends Node {
    final double min;
    final double max;
    /** At most this many fraction digits (multipleOf 10^-fractionDigits); 0 writes no '.'. */
    final int fractionDigits;

    Num(double min, double max, int fractionDigits) {
      this.min = min;
      this.max = max;
      this.fractionDigits = fractionDigits;
    }
  }

  /** One of several alternatives that start with different bytes. */
  static final class Union extends Node {
    final List<Node> alternatives;

    Union(List<Node> alternatives) {
      this.alternatives = alternatives;
    }
  }

  /** Any JSON value (json_object mode), nested at most {@code depth} more levels. */
  static final class Any extends Node {
    final int depth;
    final int maxLen;

    private Any child;

    Any(int depth, int maxLen) {
      this.depth = depth;
      this.maxLen = maxLen;
    }

    /** The node of values nested one level deeper (one instance, so states compare equal). */
    synchronized Any child() {
      if (child == null) child = new Any(Math.max(0, depth - 1), maxLen);
      return child;
    }
  }
}
