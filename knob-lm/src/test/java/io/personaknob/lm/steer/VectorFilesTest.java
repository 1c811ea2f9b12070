package io.personaknob.lm.steer;

import static org.junit.jupiter.api.Assertions.*;

import io.personaknob.core.UserException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Vector files: safetensors with metadata, and llama.cpp's control-vector GGUF, written by us and read
 * back by a reader that follows the published layout; the reader also parses a GGUF file assembled
 * byte by byte in this test (independently of our writer), with metadata of every scalar type and an array.
 */
class VectorFilesTest {

  static SteeringVector vector(int c) {
    Random r = new Random(1);
    float[] a = new float[c], b = new float[c];
    for (int i = 0; i < c; i++) {
      a[i] = (float) r.nextGaussian();
      b[i] = (float) r.nextGaussian();
    }
    return new SteeringVector("tiny-llama", "llama", c, 4, Map.of(1, a, 3, b),
        Map.of("method", "mean-diff", "dimension", "A", "data_sha256", "abc"));
  }

  @Test
  void safetensorsRoundTripKeepsDirectionsAndMetadata(@TempDir Path dir) {
    SteeringVector v = vector(24);
    Path f = dir.resolve("v.safetensors");
    v.save(f);
    SteeringVector back = SteeringVector.load(f);
    assertEquals(v.model(), back.model());
    assertEquals(v.modelType(), back.modelType());
    assertEquals(24, back.hiddenSize());
    assertEquals(4, back.numLayers());
    assertEquals(List.of(1, 3), List.copyOf(back.directions().keySet()));
    assertArrayEquals(v.directions().get(3), back.directions().get(3), 0f);
    assertEquals("A", back.metadata().get("dimension"));
  }

  @Test
  void ggufControlVectorRoundTripFollowsTheLayout(@TempDir Path dir) throws Exception {
    SteeringVector v = vector(24);
    Path f = dir.resolve("v.gguf");
    Gguf.writeControlVector(f, v);
    byte[] raw = Files.readAllBytes(f);
    assertEquals("GGUF", new String(raw, 0, 4, StandardCharsets.US_ASCII), "magic");
    ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(3, b.getInt(4), "version");
    assertEquals(2, b.getLong(8), "tensor count");
    assertEquals(3, b.getLong(16), "metadata count");
    assertEquals(0, raw.length % 32, "file padded to the alignment");

    Gguf.File g = Gguf.read(f);
    assertEquals(3, g.version());
    assertEquals("controlvector", g.metadata().get("general.architecture"));
    assertEquals("llama", g.metadata().get("controlvector.model_hint"));
    assertEquals(2, g.metadata().get("controlvector.layer_count"));
    assertEquals(List.of("direction.1", "direction.3"), List.copyOf(g.tensors().keySet()));
    for (Gguf.Tensor t : g.tensors().values()) {
      assertEquals(0, t.offset() % 32, "tensor data aligned");
      assertArrayEquals(new long[] {24}, t.dims());
      assertEquals(Gguf.GGML_F32, t.type());
    }
    assertArrayEquals(v.directions().get(1), g.tensors().get("direction.1").f32(), 0f);
    SteeringVector back = Gguf.readControlVector(f);
    assertArrayEquals(v.directions().get(3), back.directions().get(3), 0f);
  }

  /** A GGUF v3 file written field by field from the spec: u8, i16, u32, f32, bool, f64, string array, 2-D tensor. */
  @Test
  void readerParsesAHandAssembledFile(@TempDir Path dir) throws Exception {
    ByteBuffer b = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
    b.put("GGUF".getBytes(StandardCharsets.US_ASCII)).putInt(3).putLong(1).putLong(8);
    str(b, "general.alignment"); b.putInt(4).putInt(64);            // u32
    str(b, "a.u8"); b.putInt(0).put((byte) 200);
    str(b, "a.i16"); b.putInt(3).putShort((short) -7);
    str(b, "a.f32"); b.putInt(6).putFloat(1.5f);
    str(b, "a.bool"); b.putInt(7).put((byte) 1);
    str(b, "a.f64"); b.putInt(12).putDouble(-2.25);
    str(b, "a.arr"); b.putInt(9).putInt(8).putLong(2); str(b, "x"); str(b, "yz");
    str(b, "a.name"); b.putInt(8); str(b, "héllo");
    str(b, "w"); b.putInt(2).putLong(3).putLong(2).putInt(0).putLong(0); // dims innermost first: 3 x 2
    while (b.position() % 64 != 0) b.put((byte) 0);
    for (int i = 0; i < 6; i++) b.putFloat(i * 0.5f);
    Path f = dir.resolve("hand.gguf");
    Files.write(f, java.util.Arrays.copyOf(b.array(), b.position()));
    Gguf.File g = Gguf.read(f);
    assertEquals(64, g.alignment());
    assertEquals(64L, g.metadata().get("general.alignment"));
    assertEquals(200L, g.metadata().get("a.u8"));
    assertEquals(-7L, g.metadata().get("a.i16"));
    assertEquals(1.5f, g.metadata().get("a.f32"));
    assertEquals(true, g.metadata().get("a.bool"));
    assertEquals(-2.25, g.metadata().get("a.f64"));
    assertEquals(List.of("x", "yz"), g.metadata().get("a.arr"));
    assertEquals("héllo", g.metadata().get("a.name"));
    assertArrayEquals(new float[] {0, 0.5f, 1, 1.5f, 2, 2.5f}, g.tensors().get("w").f32(), 0f);
  }

  private static void str(ByteBuffer b, String s) {
    byte[] x = s.getBytes(StandardCharsets.UTF_8);
    b.putLong(x.length).put(x);
  }

  @Test
  void badFilesGetClearMessages(@TempDir Path dir) throws Exception {
    Path notGguf = dir.resolve("x.gguf");
    Files.writeString(notGguf, "this is not a gguf file at all, just text");
    assertTrue(assertThrows(UserException.class, () -> Gguf.read(notGguf)).getMessage().contains("not a GGUF file"));
    Path cut = dir.resolve("cut.gguf");
    Gguf.writeControlVector(dir.resolve("ok.gguf"), vector(8));
    byte[] ok = Files.readAllBytes(dir.resolve("ok.gguf"));
    Files.write(cut, java.util.Arrays.copyOf(ok, 40));
    assertTrue(assertThrows(UserException.class, () -> Gguf.read(cut)).getMessage().contains("cut.gguf"));

    float[] nan = new float[8];
    nan[3] = Float.NaN;
    SteeringVector bad = new SteeringVector("m", "llama", 8, 4, Map.of(1, nan), Map.of());
    UserException e = assertThrows(UserException.class, () -> bad.save(dir.resolve("nan.safetensors")));
    assertTrue(e.getMessage().contains("direction.1") && e.getMessage().contains("not finite"), e.getMessage());
    assertFalse(Files.exists(dir.resolve("nan.safetensors")), "nothing written");

    SteeringVector v = vector(24);
    e = assertThrows(UserException.class, () -> v.checkFits("v.safetensors", "tiny-llama", "llama", 32, 4, false));
    assertTrue(e.getMessage().contains("hidden size 24"), e.getMessage());
    e = assertThrows(UserException.class, () -> v.checkFits("v.safetensors", "tiny-llama", "llama", 24, 2, false));
    assertTrue(e.getMessage().contains("only 2 layers"), e.getMessage());
    e = assertThrows(UserException.class, () -> v.checkFits("v.safetensors", "other", "qwen2", 24, 4, false));
    assertTrue(e.getMessage().contains("made for model 'tiny-llama'"), e.getMessage());
    v.checkFits("v.safetensors", "other", "qwen2", 24, 4, true);
  }
}
