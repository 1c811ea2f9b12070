package io.personaknob.lm.steer;

import io.personaknob.core.AtomicFile;
import io.personaknob.core.UserException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * GGUF, the file format of llama.cpp (ggml's docs/gguf.md), as far as control vectors need it: our own
 * writer and a reader that follows the published layout, so that a vector made here can be handed to
 * {@code llama-cli --control-vector FILE} and a GGUF file can be checked or read back.
 *
 * <pre>
 * header:   magic "GGUF" (bytes 47 47 55 46), uint32 version (3), uint64 tensor_count, uint64 kv_count
 * kv pairs: string key, uint32 value_type, value      (string = uint64 length + UTF-8 bytes;
 *           types 0 u8, 1 i8, 2 u16, 3 i16, 4 u32, 5 i32, 6 f32, 7 bool, 8 string, 9 array, 10 u64, 11 i64, 12 f64;
 *           array = uint32 element type, uint64 count, elements)
 * tensors:  string name, uint32 n_dims, uint64 dims[n_dims] (innermost first), uint32 ggml type (0 = F32),
 *           uint64 offset into the data section (a multiple of the alignment)
 * padding to general.alignment (default 32), then the data section, each tensor padded to the alignment
 * </pre>
 *
 * <p>Control vectors (llama.cpp's cvector-generator and repeng's {@code export_gguf}): architecture
 * {@code controlvector}, {@code controlvector.model_hint} (string), {@code controlvector.layer_count}
 * (int32), one F32 tensor {@code direction.L} of n_embd values per layer. llama.cpp adds
 * {@code direction.L} to the output of block L (0-based), which is where personaknob adds layer L; it
 * never applies {@code direction.0}.
 */
public final class Gguf {
  public static final int MAGIC = 0x46554747; // "GGUF" read as little-endian uint32
  public static final int VERSION = 3;
  public static final int DEFAULT_ALIGNMENT = 32;
  static final int T_U8 = 0, T_I8 = 1, T_U16 = 2, T_I16 = 3, T_U32 = 4, T_I32 = 5, T_F32 = 6, T_BOOL = 7, T_STRING = 8,
      T_ARRAY = 9, T_U64 = 10, T_I64 = 11, T_F64 = 12;
  public static final int GGML_F32 = 0;

  private Gguf() {}

  /** One tensor of a GGUF file (F32 only is decoded; other types keep their raw bytes). */
  public record Tensor(String name, long[] dims, int type, long offset, float[] f32) {}

  /** A parsed GGUF file: version, metadata in file order (values as Java objects), tensors in file order. */
  public record File(int version, Map<String, Object> metadata, Map<String, Tensor> tensors, int alignment) {}

  /** Writes a steering vector as a llama.cpp control vector, atomically. */
  public static void writeControlVector(Path file, SteeringVector v) {
    v.validate(file.toString());
    Map<String, Object> meta = new LinkedHashMap<>();
    meta.put("general.architecture", "controlvector");
    meta.put("controlvector.model_hint", v.modelType().isEmpty() ? v.model() : v.modelType());
    meta.put("controlvector.layer_count", v.directions().size());
    Map<String, float[]> tensors = new LinkedHashMap<>();
    v.directions().forEach((l, d) -> tensors.put(SteeringVector.tensorName(l), d));
    byte[] bytes = encode(meta, tensors, DEFAULT_ALIGNMENT);
    AtomicFile.write(file, tmp -> Files.write(tmp, bytes));
  }

  /**
   * The bytes of a GGUF file with string / Integer (int32) / Long (uint64) / Float / Double / Boolean
   * metadata values and 1-D F32 tensors.
   */
  public static byte[] encode(Map<String, Object> meta, Map<String, float[]> tensors, int alignment) {
    Out o = new Out();
    o.u32(MAGIC);
    o.u32(VERSION);
    o.u64(tensors.size());
    o.u64(meta.size());
    for (var e : meta.entrySet()) {
      o.str(e.getKey());
      Object val = e.getValue();
      if (val instanceof String s) { o.u32(T_STRING); o.str(s); }
      else if (val instanceof Integer i) { o.u32(T_I32); o.u32(i); }
      else if (val instanceof Long l) { o.u32(T_U64); o.u64(l); }
      else if (val instanceof Float f) { o.u32(T_F32); o.u32(Float.floatToRawIntBits(f)); }
      else if (val instanceof Double d) { o.u32(T_F64); o.u64(Double.doubleToRawLongBits(d)); }
      else if (val instanceof Boolean b) { o.u32(T_BOOL); o.b.write(b ? 1 : 0); }
      else throw new IllegalArgumentException("unsupported GGUF metadata value for " + e.getKey() + ": " + val);
    }
    long offset = 0;
    List<Long> offsets = new ArrayList<>();
    for (var e : tensors.entrySet()) {
      o.str(e.getKey());
      o.u32(1);
      o.u64(e.getValue().length);
      o.u32(GGML_F32);
      o.u64(offset);
      offsets.add(offset);
      offset = pad(offset + 4L * e.getValue().length, alignment);
    }
    o.padTo(alignment);
    long dataStart = o.b.size();
    int i = 0;
    for (float[] d : tensors.values()) {
      while (o.b.size() - dataStart < offsets.get(i)) o.b.write(0);
      ByteBuffer bb = ByteBuffer.allocate(4 * d.length).order(ByteOrder.LITTLE_ENDIAN);
      bb.asFloatBuffer().put(d);
      o.b.writeBytes(bb.array());
      i++;
    }
    o.padTo(alignment);
    return o.b.toByteArray();
  }

  /** Reads a GGUF file (versions 2 and 3) following the published layout. */
  public static File read(Path file) {
    byte[] all;
    try {
      all = Files.readAllBytes(file);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new UserException(file + ": no such file");
    } catch (IOException e) {
      throw new UserException(file + ": cannot read: " + e.getMessage(), e);
    }
    ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
    try {
      if (all.length < 24 || b.getInt() != MAGIC) throw new UserException(file + ": not a GGUF file (no GGUF magic)");
      int version = b.getInt();
      if (version < 2 || version > 3) throw new UserException(file + ": GGUF version " + version + " is not supported (2 or 3)");
      long nTensors = b.getLong();
      long nKv = b.getLong();
      if (nTensors < 0 || nKv < 0 || nTensors > 1_000_000 || nKv > 1_000_000) throw new UserException(file + ": implausible GGUF counts");
      Map<String, Object> meta = new LinkedHashMap<>();
      for (long k = 0; k < nKv; k++) {
        String key = str(b, file);
        int type = b.getInt();
        meta.put(key, value(b, type, file, key));
      }
      int alignment = meta.get("general.alignment") instanceof Number n ? n.intValue() : DEFAULT_ALIGNMENT;
      if (alignment <= 0 || (alignment & (alignment - 1)) != 0) throw new UserException(file + ": general.alignment " + alignment + " is not a power of two");
      record Info(String name, long[] dims, int type, long offset) {}
      List<Info> infos = new ArrayList<>();
      for (long t = 0; t < nTensors; t++) {
        String name = str(b, file);
        int nd = b.getInt();
        if (nd < 1 || nd > 4) throw new UserException(file + ": tensor '" + name + "': " + nd + " dimensions");
        long[] dims = new long[nd];
        for (int d = 0; d < nd; d++) dims[d] = b.getLong();
        int type = b.getInt();
        long off = b.getLong();
        if (off % alignment != 0) throw new UserException(file + ": tensor '" + name + "': offset " + off + " is not aligned to " + alignment);
        infos.add(new Info(name, dims, type, off));
      }
      long dataStart = pad(b.position(), alignment);
      Map<String, Tensor> tensors = new LinkedHashMap<>();
      for (Info in : infos) {
        long n = 1;
        for (long d : in.dims()) n *= d;
        float[] f = null;
        if (in.type() == GGML_F32) {
          long at = dataStart + in.offset();
          if (n > Integer.MAX_VALUE / 4 || at + 4 * n > all.length) throw new UserException(file + ": tensor '" + in.name() + "' runs past the end of the file");
          f = new float[(int) n];
          ByteBuffer.wrap(all, (int) at, (int) (4 * n)).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
        }
        tensors.put(in.name(), new Tensor(in.name(), in.dims(), in.type(), in.offset(), f));
      }
      return new File(version, meta, tensors, alignment);
    } catch (java.nio.BufferUnderflowException e) {
      throw new UserException(file + ": truncated GGUF file");
    }
  }

  /** Reads a llama.cpp control vector back as a steering vector (hidden size from the tensors). */
  public static SteeringVector readControlVector(Path file) {
    File g = read(file);
    if (!"controlvector".equals(g.metadata().get("general.architecture"))) {
      throw new UserException(file + ": general.architecture is " + g.metadata().get("general.architecture") + ", not controlvector");
    }
    Map<Integer, float[]> dirs = new TreeMap<>();
    for (Tensor t : g.tensors().values()) {
      if (!t.name().startsWith("direction.")) continue;
      if (t.f32() == null || t.dims().length != 1) throw new UserException(file + ": tensor '" + t.name() + "' is not a 1-D F32 tensor");
      dirs.put(Integer.parseInt(t.name().substring("direction.".length())), t.f32());
    }
    int hidden = dirs.isEmpty() ? 0 : dirs.values().iterator().next().length;
    String hint = String.valueOf(g.metadata().getOrDefault("controlvector.model_hint", ""));
    SteeringVector v = new SteeringVector(hint, hint, hidden, 0, dirs, Map.of("source", "gguf"));
    v.validate(file.toString());
    return v;
  }

  private static long pad(long x, int a) {
    return (x + a - 1) / a * a;
  }

  private static String str(ByteBuffer b, Path file) {
    long n = b.getLong();
    if (n < 0 || n > b.remaining()) throw new UserException(file + ": string length " + n + " runs past the end of the file");
    byte[] s = new byte[(int) n];
    b.get(s);
    return new String(s, StandardCharsets.UTF_8);
  }

  private static Object value(ByteBuffer b, int type, Path file, String key) {
    return switch (type) {
      case T_U8 -> (long) (b.get() & 0xff);
      case T_I8 -> (long) b.get();
      case T_U16 -> (long) (b.getShort() & 0xffff);
      case T_I16 -> (long) b.getShort();
      case T_U32 -> b.getInt() & 0xffffffffL;
      case T_I32 -> b.getInt();
      case T_F32 -> b.getFloat();
      case T_BOOL -> b.get() != 0;
      case T_STRING -> str(b, file);
      case T_ARRAY -> {
        int et = b.getInt();
        long n = b.getLong();
        if (n < 0 || n > b.remaining()) throw new UserException(file + ": metadata '" + key + "': array length " + n + " runs past the end");
        List<Object> out = new ArrayList<>();
        for (long i = 0; i < n; i++) out.add(value(b, et, file, key));
        yield out;
      }
      case T_U64, T_I64 -> b.getLong();
      case T_F64 -> b.getDouble();
      default -> throw new UserException(file + ": metadata '" + key + "': unknown value type " + type);
    };
  }

  private static final class Out {
    final ByteArrayOutputStream b = new ByteArrayOutputStream();

    void u32(int v) { b.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array()); }
    void u64(long v) { b.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array()); }
    void str(String s) {
      byte[] x = s.getBytes(StandardCharsets.UTF_8);
      u64(x.length);
      b.writeBytes(x);
    }
    void padTo(int a) { while (b.size() % a != 0) b.write(0); }
  }
}
