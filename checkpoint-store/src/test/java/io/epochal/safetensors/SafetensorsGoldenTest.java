package io.epochal.safetensors;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The exact bytes of a small file, written out by hand from the format description. */
class SafetensorsGoldenTest {

  /** F32 [2] = {1.0, -2.0} named "a", I64 [] = 7 named "b", metadata format=pt. */
  private static byte[] expectedBytes() {
    String json = "{\"__metadata__\":{\"format\":\"pt\"},"
        + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
        + "\"b\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[8,16]}}"
        + "      "; // 138 bytes of JSON + 6 spaces = 144, a multiple of 8
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    // header length 144 = 0x90, 8 bytes little-endian
    out.writeBytes(new byte[] {(byte) 0x90, 0, 0, 0, 0, 0, 0, 0});
    out.writeBytes(json.getBytes(StandardCharsets.UTF_8));
    // 1.0f = 0x3F800000, -2.0f = 0xC0000000, little-endian
    out.writeBytes(new byte[] {0, 0, (byte) 0x80, 0x3F, 0, 0, 0, (byte) 0xC0});
    // 7L little-endian
    out.writeBytes(new byte[] {7, 0, 0, 0, 0, 0, 0, 0});
    return out.toByteArray();
  }

  private static StateDict dict() {
    return StateDict.builder()
        .put("a", Tensor.ofFloats(new long[] {2}, 1.0f, -2.0f))
        .put("b", Tensor.scalarLong(7))
        .build();
  }

  @Test
  void writerProducesTheExactBytesOfTheFormat() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    long n = SafetensorsWriter.write(dict(), Map.of("format", "pt"), out);
    byte[] expected = expectedBytes();
    assertThat(expected).hasSize(8 + 144 + 16);
    assertThat(out.toByteArray()).isEqualTo(expected);
    assertThat(n).isEqualTo(expected.length);
    assertThat(SafetensorsWriter.fileSize(dict(), Map.of("format", "pt"))).isEqualTo(expected.length);
  }

  @Test
  void readerDecodesTheHandWrittenBytes() throws Exception {
    byte[] bytes = expectedBytes();
    SafetensorsFile f = SafetensorsReader.read(new ByteArrayInputStream(bytes), bytes.length, "golden");
    assertThat(f.metadata()).containsExactly(Map.entry("format", "pt"));
    assertThat(f.tensors().nameList()).containsExactly("a", "b");
    assertThat(f.tensors().require("a").toFloatArray()).containsExactly(1.0f, -2.0f);
    assertThat(f.tensors().require("b").rank()).isZero();
    assertThat(f.tensors().require("b").longValue()).isEqualTo(7L);
    assertThat(f.tensors()).isEqualTo(dict());
  }

  @Test
  void headerWithoutMetadataOmitsTheMetadataKey() {
    byte[] header = SafetensorsWriter.header(dict(), Map.of());
    String text = new String(header, StandardCharsets.UTF_8);
    assertThat(text).doesNotContain("__metadata__").startsWith("{\"a\":");
    assertThat(header.length % 8).isZero();
  }
}
