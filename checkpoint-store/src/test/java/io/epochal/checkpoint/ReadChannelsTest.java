package io.epochal.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.FileNotFoundException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadChannelsTest {

  @TempDir
  java.nio.file.Path tmp;

  private RawLocalFileSystem localFs() throws Exception {
    RawLocalFileSystem fs = new RawLocalFileSystem();
    fs.initialize(URI.create("file:///"), new Configuration());
    return fs;
  }

  @Test
  void aLocalFileFillsDirectAndHeapBuffersLargerAndSmallerThanTheChunk() throws Exception {
    byte[] data = new byte[3 * ReadChannels.LOCAL_CHUNK + 11];
    new Random(3).nextBytes(data);
    java.nio.file.Path file = Files.write(tmp.resolve("f.bin"), data);
    try (RawLocalFileSystem fs = localFs();
        ReadableByteChannel ch = ReadChannels.open(fs, new Path(file.toUri()))) {
      ByteBuffer direct = ByteBuffer.allocateDirect(2 * ReadChannels.LOCAL_CHUNK + 5);
      ByteBuffer heap = ByteBuffer.allocate(data.length - direct.capacity());
      while (direct.hasRemaining()) {
        assertThat(ch.read(direct)).isPositive();
      }
      while (heap.hasRemaining()) {
        assertThat(ch.read(heap)).isPositive();
      }
      assertThat(ch.read(ByteBuffer.allocate(1))).isEqualTo(-1);
      byte[] back = new byte[data.length];
      direct.flip().get(back, 0, direct.remaining());
      heap.flip().get(back, direct.capacity(), heap.remaining());
      assertThat(back).isEqualTo(data);
    }
  }

  @Test
  void aMissingLocalFileIsReportedAsNotFoundWithItsPath() throws Exception {
    Path missing = new Path(tmp.resolve("gone.safetensors").toUri());
    try (RawLocalFileSystem fs = localFs()) {
      assertThatThrownBy(() -> ReadChannels.open(fs, missing)).isInstanceOf(FileNotFoundException.class)
          .hasMessageContaining("gone.safetensors");
    }
  }
}
