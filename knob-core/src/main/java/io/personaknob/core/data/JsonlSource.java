package io.personaknob.core.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.personaknob.core.data.Issue.Severity;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * JSON Lines, read line by line from bytes: each line is decoded as strict UTF-8 (an invalid byte is
 * reported with its line and column instead of being replaced), then parsed on its own, so one bad
 * line does not stop the rest. Blank lines are skipped; a UTF-8 byte-order mark is allowed. Memory is
 * bounded by the longest line.
 */
final class JsonlSource implements RecordSource {

  /** Lines longer than this are rejected rather than buffered. */
  static final int MAX_LINE_BYTES = 256 << 20;

  private final String source;
  private final InputStream in;
  private final byte[] buf = new byte[1 << 16];
  private int pos;
  private int lim;
  private byte[] line = new byte[1 << 12];
  private long lineNo;
  private long index;
  private boolean eof;
  private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPORT)
      .onUnmappableCharacter(CodingErrorAction.REPORT);

  JsonlSource(String source, InputStream in) {
    this.source = source;
    this.in = in;
  }

  /** Reads the next line into {@link #line}; returns its length, or -1 at the end. */
  private int readLine() throws IOException {
    if (eof) return -1;
    int n = 0;
    boolean any = false;
    while (true) {
      if (pos == lim) {
        lim = in.read(buf, 0, buf.length);
        pos = 0;
        if (lim <= 0) {
          lim = 0;
          eof = true;
          return any ? n : -1;
        }
      }
      any = true;
      int start = pos;
      while (pos < lim && buf[pos] != '\n') pos++;
      int len = pos - start;
      if (n + len > MAX_LINE_BYTES) throw new LineTooLong();
      if (n + len > line.length) line = Arrays.copyOf(line, Math.max(line.length * 2, n + len));
      System.arraycopy(buf, start, line, n, len);
      n += len;
      if (pos < lim) {
        pos++; // the '\n'
        return n;
      }
    }
  }

  private static final class LineTooLong extends IOException {
    private static final long serialVersionUID = 1L;
  }

  @Override
  public Item next() {
    while (true) {
      int n;
      try {
        n = readLine();
      } catch (LineTooLong e) {
        lineNo++;
        return new Problem(new Issue(source, lineNo, "json", Severity.ERROR,
            "line longer than " + (MAX_LINE_BYTES >> 20) + " MiB"), true);
      } catch (IOException e) {
        throw new io.personaknob.core.UserException(source + ": cannot read: " + e.getMessage(), e);
      }
      if (n < 0) return null;
      lineNo++;
      int off = 0;
      if (lineNo == 1 && n >= 3 && (line[0] & 0xff) == 0xEF && (line[1] & 0xff) == 0xBB && (line[2] & 0xff) == 0xBF) {
        off = 3;
      }
      int end = n;
      if (end > off && line[end - 1] == '\r') end--;
      String text;
      try {
        text = decoder.reset().decode(ByteBuffer.wrap(line, off, end - off)).toString();
      } catch (CharacterCodingException e) {
        return new Problem(new Issue(source, lineNo, "utf-8", Severity.ERROR,
            "invalid UTF-8 " + badByte(off, end)), false);
      }
      if (text.isBlank()) continue;
      JsonNode node;
      try {
        node = JsonValues.MAPPER.readTree(text);
      } catch (JsonProcessingException e) {
        return new Problem(new Issue(source, lineNo, "json", Severity.ERROR,
            "malformed JSON at column " + e.getLocation().getColumnNr() + ": "
                + io.personaknob.core.ParseErrors.reason(e)), false);
      }
      if (node == null || !node.isObject()) {
        return new Problem(new Issue(source, lineNo, "json", Severity.ERROR,
            "expected a JSON object, got " + (node == null ? "nothing" : JsonValues.typeName(node))), false);
      }
      index++;
      return new Record(lineNo, index, JsonValues.fields(node));
    }
  }

  /** Describes the first invalid byte: its value and 1-based byte column. */
  private String badByte(int off, int end) {
    CharsetDecoder d = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer bb = ByteBuffer.wrap(line, off, end - off);
    CharBuffer cb = CharBuffer.allocate(end - off + 1);
    var r = d.decode(bb, cb, true);
    int at = bb.position();
    if (r.isError() && at < end) {
      return String.format("(byte 0x%02X at byte column %d)", line[at] & 0xff, at - off + 1);
    }
    return "(truncated sequence at end of line)";
  }

  @Override
  public void close() {
    try {
      in.close();
    } catch (IOException e) {
      // closing a reader: nothing useful to do
    }
  }
}
