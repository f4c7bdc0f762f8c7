package io.epochal.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.tensor.DType;
import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import io.epochal.tensor.TestTensors;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsRoundTripTest {

  @TempDir
  Path tmp;

  static StateDict everyDType() {
    return TestTensors.everyDType();
  }

  private static final Map<String, String> META = Map.of("format", "pt", "epoch", "7");

  @Test
  void aChannelAndADigestGetExactlyTheStreamsBytesFromHeapAndOffHeapTensors() throws Exception {
    StateDict.Builder b = StateDict.builder();
    b.putAll(everyDType());
    byte[] big = new byte[(3 << 20) + 5]; // more than one 1 MiB channel slice, not a multiple of it
    new Random(7).nextBytes(big);
    b.put("big.heap", Tensor.of(DType.U8, new long[] {big.length}, ByteBuffer.wrap(big)));
    ByteBuffer direct = ByteBuffer.allocateDirect(big.length).put(big).flip();
    b.put("big.direct", Tensor.wrap(DType.U8, new long[] {big.length}, direct));
    StateDict dict = b.build();
    ByteArrayOutputStream stream = new ByteArrayOutputStream();
    SafetensorsWriter.write(dict, META, stream);

    Path file = tmp.resolve("channel.safetensors");
    long n;
    try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file,
        java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE)) {
      n = SafetensorsWriter.write(dict, META, ch);
    }
    java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
    SafetensorsWriter.digest(dict, META, md);

    assertThat(n).isEqualTo(stream.size());
    assertThat(Files.readAllBytes(file)).isEqualTo(stream.toByteArray());
    assertThat(md.digest()).isEqualTo(java.security.MessageDigest.getInstance("SHA-256").digest(stream.toByteArray()));
  }

  /**
   * A file channel reads into a heap buffer through a temporary direct buffer as large as the read,
   * which the JDK keeps for the thread: reading a whole tensor at once would hold a second copy.
   */
  @Test
  void readingAFileIntoTheHeapHoldsNoDirectCopyOfATensor() throws Exception {
    int size = 64 << 20;
    Path file = tmp.resolve("large.safetensors");
    try (OutputStream out = Files.newOutputStream(file)) {
      SafetensorsWriter.write(StateDict.builder().put("w", Tensor.of(DType.U8, new long[] {size},
          ByteBuffer.allocate(size))).build(), META, out);
    }
    java.lang.management.BufferPoolMXBean direct = java.lang.management.ManagementFactory
        .getPlatformMXBeans(java.lang.management.BufferPoolMXBean.class).stream()
        .filter(b -> b.getName().equals("direct")).findFirst().orElseThrow();
    java.util.concurrent.ExecutorService fresh = java.util.concurrent.Executors.newSingleThreadExecutor();
    long grew;
    try { // a fresh thread: no temporary buffer cached before
      grew = fresh.submit(() -> {
        long before = direct.getMemoryUsed();
        assertThat(SafetensorsReader.read(file).tensors().require("w").byteSize()).isEqualTo(size);
        return direct.getMemoryUsed() - before;
      }).get();
    } finally {
      fresh.shutdownNow();
    }
    assertThat(grew).as("direct memory kept after the read").isLessThan(size / 4);
  }

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
  void aChannelThatDeliversAFewBytesPerReadFillsHeapAndOffHeapTensors() throws Exception {
    StateDict dict = everyDType();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    SafetensorsWriter.write(dict, META, out);
    byte[] bytes = out.toByteArray();
    ReadableByteChannel trickle = new ReadableByteChannel() {
      private int pos;

      @Override
      public int read(ByteBuffer dst) {
        if (pos == bytes.length) {
          return -1;
        }
        int n = Math.min(Math.min(3, dst.remaining()), bytes.length - pos);
        dst.put(bytes, pos, n);
        pos += n;
        return n;
      }

      @Override
      public boolean isOpen() {
        return true;
      }

      @Override
      public void close() {}
    };
    SafetensorsFile f = SafetensorsReader.read(trickle, bytes.length, "trickle", TensorAllocator.offHeapFrom(8));
    assertThat(f.tensors()).isEqualTo(dict);
    assertThat(f.metadata()).isEqualTo(META);
    assertThat(f.tensors().require("layer.f64.weight").data().isDirect()).isTrue(); // 48 bytes
    assertThat(f.tensors().require("scale").data().isDirect()).isFalse(); // 4 bytes
  }

  @Test
  void aChannelReadRefusesMissingAndTrailingBytesLikeAStreamRead() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    SafetensorsWriter.write(everyDType(), META, out);
    byte[] bytes = out.toByteArray();
    byte[] cut = java.util.Arrays.copyOf(bytes, bytes.length - 3);
    assertThatThrownBy(() -> SafetensorsReader.read(Channels.newChannel(new ByteArrayInputStream(cut)),
        bytes.length, "cut.safetensors", TensorAllocator.heap()))
        .isInstanceOf(SafetensorsFormatException.class).hasMessageContaining("cut.safetensors")
        .hasMessageContaining("file ends inside tensor").hasMessageContaining("3 of its");
    byte[] longer = java.util.Arrays.copyOf(bytes, bytes.length + 1);
    assertThatThrownBy(() -> SafetensorsReader.read(Channels.newChannel(new ByteArrayInputStream(longer)),
        bytes.length, "long.safetensors", TensorAllocator.heap()))
        .isInstanceOf(SafetensorsFormatException.class).hasMessageContaining("long.safetensors")
        .hasMessageContaining("more than the expected " + bytes.length + " bytes");
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

  @Test
  void aNameOrMetadataWithALoneSurrogateIsRefusedAsTheReferenceReaderCouldNotReadIt() throws Exception {
    StateDict lone = StateDict.builder().put("a\uD800", Tensor.scalarFloat(1f)).build();
    assertThatThrownBy(() -> SafetensorsWriter.write(lone, new ByteArrayOutputStream()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tensor name 'a\uD800' holds a lone UTF-16 surrogate (U+D800) at 1");
    StateDict fine = StateDict.builder().put("w", Tensor.scalarFloat(1f)).build();
    assertThatThrownBy(() -> SafetensorsWriter.write(fine, java.util.Map.of("note", "x\uDC00"),
        new ByteArrayOutputStream())).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("value of metadata key 'note'").hasMessageContaining("(U+DC00)");
    // a pair is one character beyond the basic plane, escaped as the pair (which JSON readers, serde_json among
    // them, read as that one character) and read back
    StateDict pair = StateDict.builder().put("w\uD83D\uDE00", Tensor.scalarFloat(1f)).build();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    SafetensorsWriter.write(pair, out);
    byte[] bytes = out.toByteArray();
    assertThat(SafetensorsReader.read(new ByteArrayInputStream(bytes), bytes.length, "pair").tensors())
        .isEqualTo(pair);
  }
}
