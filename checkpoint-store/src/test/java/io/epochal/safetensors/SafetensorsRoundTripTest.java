package io.epochal.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.tensor.DType;
import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsRoundTripTest {

  @TempDir
  Path tmp;

  /** One tensor of every dtype, plus an empty one (a 0 dimension) and 0-d ones. */
  static StateDict everyDType() {
    Random r = new Random(42);
    StateDict.Builder b = StateDict.builder();
    for (DType t : DType.values()) {
      long[] shape = {2, 3};
      byte[] bytes = new byte[(int) Tensor.byteSize(t, shape)];
      r.nextBytes(bytes);
      if (t == DType.BOOL) {
        for (int i = 0; i < bytes.length; i++) {
          bytes[i] = (byte) (bytes[i] & 1);
        }
      }
      b.put("layer." + t.name().toLowerCase() + ".weight", Tensor.of(t, shape, ByteBuffer.wrap(bytes)));
      b.put("empty." + t.name().toLowerCase(), Tensor.of(t, new long[] {0, 4}, ByteBuffer.allocate(0)));
    }
    b.put("bn1.num_batches_tracked", Tensor.scalarLong(123456789L));
    b.put("scale", Tensor.scalarFloat(0.5f));
    return b.build();
  }

  private static final Map<String, String> META = Map.of("format", "pt", "epoch", "7");

  @Test
  void everyDTypeEmptyAndScalarTensorsSurviveAStreamRoundTrip() throws Exception {
    StateDict dict = everyDType();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    long n = SafetensorsWriter.write(dict, META, out);
    assertThat(n).isEqualTo(out.size()).isEqualTo(SafetensorsWriter.fileSize(dict, META));
    byte[] bytes = out.toByteArray();
    SafetensorsFile f = SafetensorsReader.read(new ByteArrayInputStream(bytes), bytes.length, "mem");
    assertThat(f.tensors()).isEqualTo(dict);
    assertThat(f.tensors().nameList()).isEqualTo(dict.nameList());
    assertThat(f.metadata()).isEqualTo(META);
    assertThat(f).isEqualTo(new SafetensorsFile(dict, META));
  }

  @Test
  void filesReadBackTheSameStreamedAndMemoryMapped() throws Exception {
    StateDict dict = everyDType();
    Path file = tmp.resolve("model.safetensors");
    try (OutputStream out = Files.newOutputStream(file)) {
      SafetensorsWriter.write(dict, META, out);
    }
    assertThat(Files.size(file)).isEqualTo(SafetensorsWriter.fileSize(dict, META));
    assertThat(SafetensorsReader.read(file).tensors()).isEqualTo(dict);
    SafetensorsFile mapped = SafetensorsReader.readMapped(file);
    assertThat(mapped.tensors()).isEqualTo(dict);
    assertThat(mapped.metadata()).isEqualTo(META);
  }

  @Test
  void emptyStateDictIsAValidFile() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    SafetensorsWriter.write(StateDict.empty(), out);
    byte[] bytes = out.toByteArray();
    assertThat(bytes).hasSize(16); // "{}" padded to 8, plus the prefix
    SafetensorsFile f = SafetensorsReader.read(new ByteArrayInputStream(bytes), bytes.length, "empty");
    assertThat(f.tensors().isEmpty()).isTrue();
    assertThat(f.metadata()).isEmpty();
  }

  @Test
  void aTensorNamedLikeTheMetadataKeyIsRefused() {
    StateDict dict = StateDict.builder().put("__metadata__", Tensor.scalarFloat(1f)).build();
    assertThatThrownBy(() -> SafetensorsWriter.write(dict, new ByteArrayOutputStream()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("__metadata__");
  }
}
