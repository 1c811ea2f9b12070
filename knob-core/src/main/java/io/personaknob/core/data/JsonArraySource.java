package io.personaknob.core.data;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import io.personaknob.core.data.Issue.Severity;
import java.io.IOException;
import java.io.InputStream;

/**
 * A JSON array of objects (or a single object, pretty-printed or not), read element by element with Jackson's streaming parser (one element in
 * memory at a time). Each record's line is where its object starts. A syntax error or invalid UTF-8
 * inside an array cannot be skipped safely, so it ends the file with one error naming the line.
 */
final class JsonArraySource implements RecordSource {
  private final String source;
  private final JsonParser p;
  private long index;
  private boolean started;
  private boolean done;

  JsonArraySource(String source, InputStream in) {
    this.source = source;
    try {
      this.p = JsonValues.MAPPER.createParser(in);
    } catch (IOException e) {
      throw new io.personaknob.core.UserException(source + ": cannot read: " + e.getMessage(), e);
    }
  }

  @Override
  public Item next() {
    if (done) return null;
    try {
      if (!started) {
        started = true;
        JsonToken t = p.nextToken();
        if (t == JsonToken.START_OBJECT) {
          // one object, pretty-printed or not: the file's only record
          done = true;
          long line = p.currentTokenLocation().getLineNr();
          JsonNode node = JsonValues.MAPPER.readerFor(JsonNode.class)
              .without(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS).readValue(p);
          if (p.nextToken() != null) {
            return fatal(p.currentTokenLocation().getLineNr(), "unexpected content after the object (a .json file"
                + " holds one array of objects or one object; use .jsonl for one object per line)");
          }
          index++;
          return new Record(line, index, JsonValues.fields(node));
        }
        if (t != JsonToken.START_ARRAY) {
          done = true;
          return fatal(p.currentLocation().getLineNr(), "expected a JSON array of objects or one object, got "
              + (t == null ? "nothing" : p.getText()));
        }
      }
      JsonToken t = p.nextToken();
      if (t == JsonToken.END_ARRAY) {
        done = true;
        if (p.nextToken() != null) {
          return fatal(p.currentLocation().getLineNr(), "unexpected content after the array");
        }
        return null;
      }
      long line = p.currentTokenLocation().getLineNr();
      JsonNode node = JsonValues.MAPPER.readerFor(JsonNode.class)
          .without(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS).readValue(p);
      if (node == null || !node.isObject()) {
        return new Problem(new Issue(source, line, "json", Severity.ERROR,
            "expected a JSON object, got " + (node == null ? "nothing" : JsonValues.typeName(node))), false);
      }
      index++;
      return new Record(line, index, JsonValues.fields(node));
    } catch (JsonProcessingException e) {
      done = true;
      String msg = io.personaknob.core.ParseErrors.reason(e);
      boolean utf = msg.contains("UTF-8") || msg.contains("UTF8");
      int col = e.getLocation() == null ? 0 : e.getLocation().getColumnNr();
      return new Problem(new Issue(source, e.getLocation() == null ? 0 : e.getLocation().getLineNr(),
          utf ? "utf-8" : "json", Severity.ERROR,
          (utf ? "invalid UTF-8" : "malformed JSON") + (col > 0 ? " at column " + col : "") + ": " + msg
              + " (reading stopped here)"), true);
    } catch (IOException e) {
      throw new io.personaknob.core.UserException(source + ": cannot read: " + e.getMessage(), e);
    }
  }

  private Problem fatal(long line, String msg) {
    return new Problem(new Issue(source, line, "json", Severity.ERROR, msg), true);
  }

  @Override
  public void close() {
    try {
      p.close();
    } catch (IOException e) {
      // nothing useful to do
    }
  }
}
