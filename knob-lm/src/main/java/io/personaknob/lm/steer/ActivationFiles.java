package io.personaknob.lm.steer;

import io.personaknob.core.UserException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * Activations streamed to disk for sets too large to hold: one file {@code layer-L.f32} per layer, row i
 * (little-endian float32 × hidden size) at byte offset {@code 4·i·hidden}, written as batches arrive,
 * so memory stays at one batch. {@link #read} maps a row back.
 */
public final class ActivationFiles implements HiddenStates.Sink, AutoCloseable {
  private final Path dir;
  private final int hidden;
  private final Map<Integer, FileChannel> channels = new TreeMap<>();

  public ActivationFiles(Path dir, int hidden) {
    this.dir = dir;
    this.hidden = hidden;
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UserException(dir + ": cannot create: " + e.getMessage(), e);
    }
  }

  public static Path file(Path dir, int layer) {
    return dir.resolve("layer-" + layer + ".f32");
  }

  @Override
  public synchronized void accept(int layer, int first, float[][] vectors) {
    try {
      FileChannel ch = channels.get(layer);
      if (ch == null) {
        ch = new RandomAccessFile(file(dir, layer).toFile(), "rw").getChannel();
        channels.put(layer, ch);
      }
      ByteBuffer out = ByteBuffer.allocate(4 * hidden * vectors.length).order(ByteOrder.LITTLE_ENDIAN);
      for (float[] v : vectors) for (float x : v) out.putFloat(x);
      out.flip();
      long at = 4L * hidden * first;
      while (out.hasRemaining()) at += ch.write(out, at);
    } catch (IOException e) {
      throw new UserException(file(dir, layer) + ": cannot write: " + e.getMessage(), e);
    }
  }

  /** Row {@code i} of a layer's file. */
  public static float[] read(Path dir, int layer, int i, int hidden) {
    try (FileChannel ch = FileChannel.open(file(dir, layer))) {
      ByteBuffer b = ByteBuffer.allocate(4 * hidden).order(ByteOrder.LITTLE_ENDIAN);
      long at = 4L * hidden * i;
      while (b.hasRemaining()) {
        int n = ch.read(b, at + b.position());
        if (n < 0) throw new UserException(file(dir, layer) + ": row " + i + " is past the end of the file");
      }
      b.flip();
      float[] v = new float[hidden];
      b.asFloatBuffer().get(v);
      return v;
    } catch (IOException e) {
      throw new UserException(file(dir, layer) + ": cannot read: " + e.getMessage(), e);
    }
  }

  @Override
  public synchronized void close() {
    for (FileChannel ch : channels.values()) {
      try {
        ch.close();
      } catch (IOException ignored) {
        // closing a file we wrote
      }
    }
    channels.clear();
  }
}
