package io.personaknob.lm.serve;

import java.io.BufferedReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * TEST CODE ONLY: a client-side parser of text/event-stream written from the WHATWG HTML standard
 * (§9.2.6 "Interpreting an event stream"), independent of the server code: lines end with CRLF, LF or
 * CR; an empty line dispatches the event; a line starting with ':' is a comment; "field: value" with one
 * leading space of the value removed; data lines are joined with LF; an event with empty data is not
 * dispatched.
 */
final class SseClient {
  record Event(String type, String data) {}

  private SseClient() {}

  static List<Event> parse(BufferedReader in, int max) throws IOException {
    List<Event> out = new ArrayList<>();
    StringBuilder data = new StringBuilder();
    String type = "";
    String line;
    while (out.size() < max && (line = in.readLine()) != null) { // readLine splits at CRLF, LF and CR
      if (line.isEmpty()) {
        if (!data.isEmpty()) {
          String d = data.charAt(data.length() - 1) == '\n' ? data.substring(0, data.length() - 1) : data.toString();
          out.add(new Event(type.isEmpty() ? "message" : type, d));
        }
        data.setLength(0);
        type = "";
        continue;
      }
      if (line.startsWith(":")) continue;
      int colon = line.indexOf(':');
      String field = colon < 0 ? line : line.substring(0, colon);
      String value = colon < 0 ? "" : line.substring(colon + 1);
      if (value.startsWith(" ")) value = value.substring(1);
      switch (field) {
        case "data" -> data.append(value).append('\n');
        case "event" -> type = value;
        default -> { } // id, retry and unknown fields do not matter here
      }
    }
    return out;
  }
}
