package io.personaknob.core.data;

import com.fasterxml.jackson.core.JsonGenerator;
import io.personaknob.core.AtomicFile;
import io.personaknob.core.UserException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Reading, validating and writing PersonaKnob data: the entry point other modules call.
 *
 * <p>A path is a data file ({@code .jsonl}, {@code .json}, {@code .parquet}) or a dataset folder (the
 * Hugging Face layout {@code data/train-00000-of-00001.parquet}, {@code data/test-...}, or
 * {@code train.jsonl}/{@code test.jsonl}), whose files are read split by split with {@code split} set
 * from the file name when the rows have none. Rows without an id get {@code <split or file stem>-<n>}
 * (n = 1-based record number in its file).
 *
 * <p>{@link #read} streams: JSONL and JSON arrays hold one record in memory at a time and Parquet is
 * fetched in chunks, so validating a file of any size needs constant memory.
 */
public final class PersonaData {
  private PersonaData() {}

  /** Column order used when writing. */
  public static final List<String> COLUMNS = List.of(
      "id", "mask", "seed_scene", "context", "trigger", "prompt", "golden",
      "reject_A", "reject_T", "reject_E", "reject_C", "task", "split");

  // ------------------------------------------------------------------ locating files

  /** One file to read, with the split and id prefix given to its rows. */
  public record DataFile(Path path, Format format, String split, String idPrefix) {}

  private static final Pattern SHARD = Pattern.compile("^(.+?)-\\d{5}-of-\\d{5}(\\..+)?$");
  private static final List<String> SPLIT_ORDER = List.of("train", "validation", "valid", "dev", "test");

  /** The split a file name implies: {@code train-00000-of-00001.parquet}, {@code test.jsonl}, or the folder of {@code train/0000.parquet}. */
  public static String splitOf(Path file) {
    String name = file.getFileName().toString();
    String stem = name.contains(".") ? name.substring(0, name.indexOf('.')) : name;
    Matcher m = SHARD.matcher(name);
    if (m.matches()) return m.group(1);
    if (stem.matches("\\d+") && file.getParent() != null && file.getParent().getFileName() != null) {
      return file.getParent().getFileName().toString();
    }
    return stem;
  }

  /**
   * The data files a path stands for: the file itself, or for a folder every data file below it
   * (hidden folders skipped), grouped by split in the order train, validation, test, then others.
   */
  public static List<DataFile> files(Path path) {
    if (!Files.exists(path)) throw new UserException(path + ": no such file or directory");
    if (!Files.isDirectory(path)) {
      return List.of(new DataFile(path, sniff(path), null, splitOf(path)));
    }
    List<Path> found;
    try (Stream<Path> s = Files.walk(path, 4)) {
      found = s.filter(Files::isRegularFile)
          .filter(p -> !path.relativize(p).toString().matches("(^|.*/)\\..*"))
          .filter(p -> Format.forName(p.getFileName().toString()).isPresent())
          .filter(p -> !isMetadata(p.getFileName().toString()))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UserException(path + ": cannot list: " + e.getMessage(), e);
    }
    if (found.isEmpty()) throw new UserException(path + ": no data files (.jsonl, .json, .parquet) in this folder");
    Map<String, List<Path>> bySplit = new TreeMap<>(Comparator
        .comparingInt((String sp) -> SPLIT_ORDER.indexOf(sp) < 0 ? SPLIT_ORDER.size() : SPLIT_ORDER.indexOf(sp))
        .thenComparing(Comparator.naturalOrder()));
    for (Path p : found) bySplit.computeIfAbsent(splitOf(p), k -> new ArrayList<>()).add(p);
    List<DataFile> out = new ArrayList<>();
    for (var e : bySplit.entrySet()) {
      List<Path> ps = e.getValue();
      for (int i = 0; i < ps.size(); i++) {
        String prefix = ps.size() == 1 ? e.getKey() : e.getKey() + "-" + i;
        out.add(new DataFile(ps.get(i), sniff(ps.get(i)), e.getKey(), prefix));
      }
    }
    requireDataset(path, out);
    return out;
  }

  /**
   * A folder whose data files all hold records without any PersonaKnob column (a model folder's
   * config.json and tokenizer.json, say) is not a dataset: one error says so, instead of one per
   * record and field. Files whose first record cannot be read leave the decision to validation.
   */
  private static void requireDataset(Path dir, List<DataFile> files) {
    boolean sawRecord = false;
    for (DataFile f : files) {
      try (RecordSource src = open(f)) {
        RecordSource.Item it = src.next();
        if (it instanceof RecordSource.Problem) return;
        if (it instanceof RecordSource.Record r) {
          sawRecord = true;
          if (r.fields().keySet().stream().anyMatch(k -> k.equals("mask") || k.equals("prompt") || k.equals("golden")
              || k.startsWith("reject_"))) {
            return;
          }
        }
      } catch (UserException e) {
        return; // unreadable: validation will say why
      }
    }
    if (!sawRecord) return;
    List<String> names = files.stream().map(f -> dir.relativize(f.path()).toString()).limit(6).toList();
    throw new UserException(dir + ": not a PersonaKnob dataset folder: none of its data files ("
        + String.join(", ", names) + (files.size() > names.size() ? ", ..." : "")
        + ") holds rows with mask, prompt, golden or reject_* columns");
  }

  /** Hub and personaknob side files that are not rows: dataset_info.json, *.provenance.json, ... */
  static boolean isMetadata(String name) {
    return name.endsWith(".provenance.json") || java.util.Set.of("dataset_info.json", "dataset_infos.json",
        "dataset_dict.json", "state.json", "provenance.json", "stats.json").contains(name);
  }

  /** The split names of a dataset folder with their files. */
  public static Map<String, List<Path>> splits(Path dir) {
    Map<String, List<Path>> m = new LinkedHashMap<>();
    for (DataFile f : files(dir)) m.computeIfAbsent(f.split() == null ? "train" : f.split(), k -> new ArrayList<>()).add(f.path());
    return m;
  }

  /**
   * Format by extension, except that a {@code .json} file whose first line is a complete JSON object
   * is JSON Lines; one starting with '{' over several lines (a pretty-printed object) is JSON.
   */
  private static Format sniff(Path p) {
    Format f = Format.of(p);
    if (f != Format.JSON) return f;
    try (InputStream in = new BufferedInputStream(Files.newInputStream(p))) {
      int c;
      while ((c = in.read()) >= 0) {
        if (c == 0xEF || c == 0xBB || c == 0xBF || Character.isWhitespace(c)) continue;
        if (c != '{') return Format.JSON;
        java.io.ByteArrayOutputStream first = new java.io.ByteArrayOutputStream();
        first.write(c);
        while ((c = in.read()) >= 0 && c != '\n' && first.size() < (64 << 20)) first.write(c);
        try {
          return JsonValues.MAPPER.readTree(first.toByteArray()).isObject() ? Format.JSONL : Format.JSON;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
          return Format.JSON; // the first line is not a whole object: one object over several lines
        }
      }
      return Format.JSON;
    } catch (IOException e) {
      throw new UserException(p + ": cannot read: " + e.getMessage(), e);
    }
  }

  // ------------------------------------------------------------------ scanning (validation)

  private static RecordSource open(DataFile f) {
    String name = f.path().toString();
    try {
      return switch (f.format()) {
        case JSONL -> new JsonlSource(name, Files.newInputStream(f.path()));
        case JSON -> new JsonArraySource(name, Files.newInputStream(f.path()));
        case PARQUET -> new ParquetSource(name, f.path());
      };
    } catch (NoSuchFileException e) {
      throw new UserException(f.path() + ": no such file", e);
    } catch (IOException e) {
      throw new UserException(f.path() + ": cannot read: " + e.getMessage(), e);
    }
  }

  /**
   * Reads every row of a file or dataset folder with every rule applied, never stopping at the first
   * problem: each issue goes to {@code issues} (in file order), each valid row to {@code rows}.
   */
  public static ValidationReport scan(Path path, Consumer<Issue> issues, Consumer<PersonaRow> rows) {
    long[] c = new long[4];
    for (DataFile f : files(path)) {
      try (RecordSource src = open(f)) {
        scanSource(src, f.path().toString(), new RowDecoder(f.path().toString(), f.idPrefix(), f.split()), issues, rows, c);
      }
    }
    return new ValidationReport(path.toString(), c[0], c[1], c[2], c[3]);
  }

  /** {@link #scan(Path, Consumer, Consumer)} for a stream (e.g. a resource); closes it. */
  public static ValidationReport scan(InputStream in, String name, Format format,
      Consumer<Issue> issues, Consumer<PersonaRow> rows) {
    long[] c = new long[4];
    try (RecordSource src = openStream(in, name, format)) {
      scanSource(src, name, new RowDecoder(name, splitOf(Path.of(name)), null), issues, rows, c);
    }
    return new ValidationReport(name, c[0], c[1], c[2], c[3]);
  }

  private static RecordSource openStream(InputStream in, String name, Format format) {
    return switch (format) {
      case JSONL -> new JsonlSource(name, in);
      case JSON -> new JsonArraySource(name, in);
      case PARQUET -> throw new IllegalArgumentException("Parquet needs a file, not a stream");
    };
  }

  private static void scanSource(RecordSource src, String name, RowDecoder dec, Consumer<Issue> issues,
      Consumer<PersonaRow> rows, long[] c) {
    long before = c[0];
    boolean anyProblem = false;
    Consumer<Issue> counting = i -> {
      if (i.isError()) c[2]++;
      else c[3]++;
      issues.accept(i);
    };
    RecordSource.Item it;
    while ((it = src.next()) != null) {
      if (it instanceof RecordSource.Problem p) {
        anyProblem = true;
        counting.accept(p.issue());
        if (p.fatal()) break;
      } else if (it instanceof RecordSource.Record r) {
        c[0]++;
        PersonaRow row = dec.decode(r, counting);
        if (row != null) {
          c[1]++;
          rows.accept(row);
        }
      }
    }
    if (c[0] == before && !anyProblem) {
      counting.accept(new Issue(name, 0, "file", Issue.Severity.ERROR, "empty (no rows)"));
    }
  }

  // ------------------------------------------------------------------ reading

  /**
   * Streams the valid rows of a file or dataset folder. Close the stream (try-with-resources). The
   * first error ends the stream with a {@link UserException} naming file, line and field; run
   * {@link #scan} to see every problem at once. Warnings are ignored.
   */
  public static Stream<PersonaRow> read(Path path) {
    List<DataFile> files = files(path);
    RowIterator it = new RowIterator(files.iterator(), null);
    return StreamSupport.stream(Spliterators.spliteratorUnknownSize(it, Spliterator.ORDERED | Spliterator.NONNULL), false)
        .onClose(it::close);
  }

  /** Streams the rows of a JSONL or JSON stream named {@code name} (e.g. a classpath resource). */
  public static Stream<PersonaRow> read(InputStream in, String name, Format format) {
    RecordSource src = openStream(in, name, format);
    RowIterator it = new RowIterator(null, new Object[] {src, new RowDecoder(name, splitOf(Path.of(name)), null), name});
    return StreamSupport.stream(Spliterators.spliteratorUnknownSize(it, Spliterator.ORDERED | Spliterator.NONNULL), false)
        .onClose(it::close);
  }

  /** All rows of a file or dataset folder; a UserException naming file, line and field on the first error. */
  public static List<PersonaRow> readAll(Path path) {
    try (Stream<PersonaRow> s = read(path)) {
      return s.toList();
    }
  }

  private static final class RowIterator implements Iterator<PersonaRow> {
    private final Iterator<DataFile> files;
    private RecordSource src;
    private RowDecoder dec;
    private String name;
    private long records;
    private PersonaRow next;
    private Issue firstError;

    RowIterator(Iterator<DataFile> files, Object[] single) {
      this.files = files;
      if (single != null) {
        src = (RecordSource) single[0];
        dec = (RowDecoder) single[1];
        name = (String) single[2];
      }
    }

    private Consumer<Issue> errors() {
      return i -> {
        if (i.isError() && firstError == null) firstError = i;
      };
    }

    @Override
    public boolean hasNext() {
      while (next == null) {
        if (src == null) {
          if (files == null || !files.hasNext()) return false;
          DataFile f = files.next();
          src = open(f);
          name = f.path().toString();
          dec = new RowDecoder(name, f.idPrefix(), f.split());
          records = 0;
        }
        RecordSource.Item it = src.next();
        if (it == null) {
          src.close();
          src = null;
          if (records == 0) throw new UserException(name + ": file: empty (no rows)");
          continue;
        }
        if (it instanceof RecordSource.Problem p) throw new UserException(p.issue().format());
        RecordSource.Record r = (RecordSource.Record) it;
        records++;
        firstError = null;
        PersonaRow row = dec.decode(r, errors());
        if (firstError != null) throw new UserException(firstError.format());
        next = row;
      }
      return true;
    }

    @Override
    public PersonaRow next() {
      if (!hasNext()) throw new NoSuchElementException();
      PersonaRow r = next;
      next = null;
      return r;
    }

    void close() {
      if (src != null) src.close();
      src = null;
    }
  }

  // ------------------------------------------------------------------ pairs

  /** One preference pair per active dimension k, in mask order: (prompt, golden ≻ reject_k). */
  public static List<PreferencePair> pairs(PersonaRow row) {
    List<PreferencePair> out = new ArrayList<>(row.mask().size());
    for (Dimension d : row.mask()) {
      out.add(new PreferencePair(row.prompt(), row.golden(), row.reject(d), d, row.id()));
    }
    return out;
  }

  /** Writes pairs as JSONL: prompt, chosen, rejected, dimension, row_id (atomically). Returns the count. */
  public static long writePairs(Path out, Iterable<PreferencePair> pairs) {
    long[] n = {0};
    AtomicFile.write(out, tmp -> {
      try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16);
           JsonGenerator g = JsonValues.MAPPER.createGenerator(os)) {
        g.setRootValueSeparator(null);
        for (PreferencePair p : pairs) {
          g.writeStartObject();
          g.writeStringField("prompt", p.prompt());
          g.writeStringField("chosen", p.chosen());
          g.writeStringField("rejected", p.rejected());
          g.writeStringField("dimension", p.dimension().name());
          g.writeStringField("row_id", p.rowId());
          g.writeEndObject();
          g.writeRaw('\n');
          n[0]++;
        }
      }
    });
    return n[0];
  }

  // ------------------------------------------------------------------ writing

  /** Writes rows to a file, format by extension (.jsonl, .json, .parquet), atomically. Returns the row count. */
  public static long write(Path out, Iterable<? extends PersonaRow> rows) {
    Format f = Format.of(out);
    long[] n = {0};
    AtomicFile.write(out, tmp -> {
      switch (f) {
        case JSONL, JSON -> n[0] = writeJson(tmp, rows, f == Format.JSON);
        case PARQUET -> n[0] = writeParquet(tmp, rows);
      }
    });
    return n[0];
  }

  /** Writes rows from a stream (closing it), format by extension, atomically. */
  public static long write(Path out, Stream<? extends PersonaRow> rows) {
    try (rows) {
      Iterator<? extends PersonaRow> it = rows.iterator();
      return write(out, (Iterable<PersonaRow>) () -> (Iterator<PersonaRow>) it);
    }
  }

  /**
   * Writes rows as a Hugging Face dataset folder: {@code dir/data/<split>-00000-of-00001.parquet} per
   * split (rows without a split go to "train"). Returns rows per split.
   */
  public static Map<String, Long> writeDataset(Path dir, Iterable<? extends PersonaRow> rows) {
    Map<String, List<PersonaRow>> bySplit = new LinkedHashMap<>();
    for (PersonaRow r : rows) bySplit.computeIfAbsent(r.split() == null ? "train" : r.split(), k -> new ArrayList<>()).add(r);
    Map<String, Long> counts = new LinkedHashMap<>();
    for (var e : bySplit.entrySet()) {
      counts.put(e.getKey(), write(dir.resolve("data").resolve(e.getKey() + "-00000-of-00001.parquet"), e.getValue()));
    }
    return counts;
  }

  private static long writeJson(Path tmp, Iterable<? extends PersonaRow> rows, boolean array) throws IOException {
    long n = 0;
    try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16);
         JsonGenerator g = JsonValues.MAPPER.createGenerator(os)) {
      g.setRootValueSeparator(null);
      if (array) g.writeRaw("[\n");
      for (PersonaRow r : rows) {
        if (array && n > 0) g.writeRaw(",\n");
        writeRow(g, r);
        if (!array) g.writeRaw('\n');
        n++;
      }
      if (array) g.writeRaw("\n]\n");
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    return n;
  }

  /** One row as a JSONL line (no newline), in the column order used when writing. */
  public static String toJsonLine(PersonaRow r) {
    java.io.StringWriter w = new java.io.StringWriter();
    try (JsonGenerator g = JsonValues.MAPPER.createGenerator(w)) {
      writeRow(g, r);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return w.toString();
  }

  private static void writeRow(JsonGenerator g, PersonaRow r) throws IOException {
    g.writeStartObject();
    g.writeStringField("id", r.id());
    g.writeArrayFieldStart("mask");
    for (Dimension d : r.mask()) g.writeString(d.name());
    g.writeEndArray();
    g.writeStringField("seed_scene", r.seedScene());
    g.writeStringField("context", r.context());
    g.writeStringField("trigger", r.trigger());
    g.writeStringField("prompt", r.prompt());
    g.writeStringField("golden", r.golden());
    for (Dimension d : Dimension.values()) g.writeStringField(d.rejectColumn(), r.reject(d));
    g.writeStringField("task", r.task());
    g.writeStringField("split", r.split());
    g.writeEndObject();
  }

  /** Parquet through DuckDB: rows go to a temporary JSONL that DuckDB reads with a fixed schema and copies. */
  private static long writeParquet(Path tmp, Iterable<? extends PersonaRow> rows) throws IOException {
    // staged beside the target (same disk, no /tmp size surprises); removed whatever happens
    Path staging = tmp.resolveSibling(tmp.getFileName() + ".staging.jsonl");
    try {
      long n = writeJson(staging, rows, false);
      StringBuilder cols = new StringBuilder();
      for (String c : COLUMNS) {
        if (cols.length() > 0) cols.append(", ");
        cols.append('"').append(c).append("\": '").append(c.equals("mask") ? "VARCHAR[]" : "VARCHAR").append("'");
      }
      String select = "SELECT " + String.join(", ", COLUMNS.stream().map(c -> '"' + c + '"').toList())
          + " FROM read_json(" + Duck.literal(staging) + ", format='newline_delimited', columns={" + cols
          + "}, maximum_object_size=" + (JsonlSource.MAX_LINE_BYTES) + ")";
      try (Connection c = Duck.open(); Statement st = c.createStatement()) {
        st.execute("COPY (" + select + ") TO " + Duck.literal(tmp) + " (FORMAT PARQUET, COMPRESSION ZSTD)");
      } catch (SQLException e) {
        throw new IOException("DuckDB: " + String.valueOf(e.getMessage()).lines().findFirst().orElse(""), e);
      }
      return n;
    } finally {
      Files.deleteIfExists(staging);
    }
  }
}
