package io.personaknob.lm.structured;

import com.fasterxml.jackson.databind.JsonNode;
import io.personaknob.lm.Tokenizer;
import io.personaknob.lm.decode.TokenConstraint;
import io.personaknob.lm.tokenizer.HfTokenizer;
import io.personaknob.lm.tokenizer.Tokenizers;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Structured outputs for one vocabulary: compiles a JSON schema (or "any JSON object") into a grammar
 * whose {@link TokenConstraint}s mask the vocabulary at every step. The tokens allowed in a parser state
 * are found by walking the {@link TokenTrie} and cached per state (shared by every sequence of the same
 * grammar), so a state is walked once and later steps in it cost a hash lookup.
 */
public final class JsonConstraints {
  /** Cached masks per grammar before its cache is cleared (bounds memory on long runs). */
  static final int MAX_CACHED_STATES = 50_000;

  private final TokenTrie trie;
  private final int defaultMaxLength;
  private final AtomicLong walks = new AtomicLong();
  private final AtomicLong lookups = new AtomicLong();

  /**
   * @param defaultMaxLength characters allowed in a string whose schema gives no maxLength
   */
  public JsonConstraints(Tokenizer tokenizer, int vocabSize, Set<Integer> eos, int defaultMaxLength) {
    this(new TokenTrie(vocabularyBytes(tokenizer, vocabSize, eos)), defaultMaxLength);
  }

  public JsonConstraints(TokenTrie trie, int defaultMaxLength) {
    this.trie = trie;
    this.defaultMaxLength = defaultMaxLength;
  }

  /** Each token id's bytes; null for ids that are special, end a sequence or lie beyond the tokenizer. */
  public static byte[][] vocabularyBytes(Tokenizer tokenizer, int vocabSize, Set<Integer> eos) {
    byte[][] out = new byte[vocabSize][];
    int n = Math.min(vocabSize, tokenizer.vocabSize());
    for (int id = 0; id < n; id++) {
      if (eos.contains(id)) continue;
      if (tokenizer instanceof HfTokenizer hf && hf.isSpecial(id)) continue;
      byte[] b = Tokenizers.tokenBytes(tokenizer, id);
      if (b.length == 0 || b.length > Grammar.SATURATE) continue;
      out[id] = b;
    }
    return out;
  }

  public TokenTrie trie() {
    return trie;
  }

  /** Trie walks (cache misses) and mask look-ups so far, over every grammar. */
  public long[] stats() {
    return new long[] {walks.get(), lookups.get()};
  }

  /** A compiled grammar: makes constraints that share its cache. */
  public final class Compiled {
    private final Grammar.St start;
    private final ConcurrentHashMap<Object, int[]> cache = new ConcurrentHashMap<>();

    Compiled(Grammar.St start) {
      this.start = start;
    }

    public TokenConstraint newConstraint() {
      return new Constraint(this);
    }

    int[] allowed(Grammar.St s) {
      lookups.incrementAndGet();
      Object key = s.key();
      int[] a = cache.get(key);
      if (a == null) {
        walks.incrementAndGet();
        a = trie.allowed(s);
        if (cache.size() >= MAX_CACHED_STATES) cache.clear();
        cache.put(key, a);
      }
      return a;
    }
  }

  /**
   * The grammar of a JSON schema whose root is an object.
   *
   * @throws SchemaException naming an unsupported keyword, or when the schema allows nothing
   */
  public Compiled schema(JsonNode schema) {
    Node root = new SchemaCompiler(defaultMaxLength).compile(schema, "schema");
    if (root == null) throw new SchemaException("schema: allows no value (no JSON document can satisfy it)");
    if (!(root instanceof Node.Obj)) throw new SchemaException("schema: the root must be an object (\"type\": \"object\")");
    return new Compiled(new Grammar.Start(root, Grammar.Done.INSTANCE));
  }

  /** The grammar of any JSON object (json_object), nested at most {@code depth} levels. */
  public Compiled anyObject(int depth) {
    return new Compiled(new Grammar.AnyRoot(new Node.Any(depth, defaultMaxLength)));
  }

  /** The parser state of a constraint made here (for tests). */
  static Grammar.St stateOf(TokenConstraint c) {
    return ((Constraint) c).state;
  }

  private final class Constraint implements TokenConstraint {
    private final Compiled g;
    private Grammar.St state;

    Constraint(Compiled g) {
      this.g = g;
      this.state = g.start;
    }

    @Override
    public int[] allowed() {
      return g.allowed(state);
    }

    @Override
    public void accept(int token) {
      byte[] b = trie.bytes(token);
      if (b == null) throw new IllegalStateException("token " + token + " is not in the constrained vocabulary");
      Grammar.St s = state;
      for (byte x : b) {
        s = s.step(x & 0xFF);
        if (s == null) throw new IllegalStateException("token " + token + " is not allowed here");
      }
      state = s;
    }

    @Override
    public boolean complete() {
      return state instanceof Grammar.Done;
    }
  }
}
