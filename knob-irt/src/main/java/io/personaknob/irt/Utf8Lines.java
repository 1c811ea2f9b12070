package io.personaknob.irt;

import io.personaknob.core.UserException;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Lines of a text file decoded as strict UTF-8: an invalid byte stops reading with a message naming the
 * file, the line, the byte's column in the line and its offset in the file (a {@code BufferedReader}
 * only says "Input length = 1"). Lines end at '\n'; a trailing '\r' is dropped.
 */
final class Utf8Lines implements Closeable {
  private final Path file;
  private final InputStream in;
  private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
  private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
  private long lineNo;
  private long offset; // bytes read before the current line

  Utf8Lines(Path file) throws IOException {
    this.file = file;
    this.in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
  }

  /** The next line, or null at the end of the file. */
  String readLine() throws IOException {
    line.reset();
    int c;
    boolean any = false;
    while ((c = in.read()) >= 0) {
      any = true;
      if (c == '\n') break;
      line.write(c);
    }
    if (!any) return null;
    lineNo++;
    byte[] b = line.toByteArray();
    long start = offset;
    offset += b.length + (c == '\n' ? 1 : 0);
    int len = b.length > 0 && b[b.length - 1] == '\r' ? b.length - 1 : b.length;
    try {
      return decoder.reset().decode(ByteBuffer.wrap(b, 0, len)).toString();
    } catch (CharacterCodingException e) {
      ByteBuffer bb = ByteBuffer.wrap(b, 0, len);
      var r = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .decode(bb, java.nio.CharBuffer.allocate(len + 1), true);
      int at = r.isError() ? bb.position() : len;
      String what = at < len ? String.format("byte 0x%02X at column %d (byte offset %d in the file)", b[at] & 0xff, at + 1, start + at)
          : "a truncated sequence at the end of the line";
      throw new UserException(file + ":" + lineNo + ": not UTF-8 text: " + what + "; save the file as UTF-8");
    }
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
