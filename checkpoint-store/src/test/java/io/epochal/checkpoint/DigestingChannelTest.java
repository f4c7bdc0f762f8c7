package io.epochal.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DigestingChannelTest {

  private static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  @Test
  void digestCoversEveryByteReadInOrderAcrossBuffersPartialReadsAndMebibyteSlices() throws Exception {
    byte[] data = random((5 << 20) + 77, 1);
    // reads of at most 8 KiB (as Channels.newChannel gives) into heap, direct and offset buffers
    try (DigestingChannel ch = new DigestingChannel(Channels.newChannel(new ByteArrayInputStream(data)), "t")) {
      ByteBuffer small = ByteBuffer.allocate(13);
      ByteBuffer big = ByteBuffer.allocateDirect(3 << 20); // filled by many reads, hashed in 1 MiB slices
      ByteBuffer offset = ByteBuffer.allocate(data.length).position(13 + (3 << 20)); // a region inside a buffer
      fill(ch, small);
      fill(ch, big);
      fill(ch, offset);
      assertThat(ch.read(ByteBuffer.allocate(1))).isEqualTo(-1);
      assertThat(ch.sha256Hex()).isEqualTo(Sha256.hex(Sha256.newDigest().digest(data)));
      big.flip();
      byte[] middle = new byte[big.remaining()];
      big.get(middle);
      assertThat(middle).isEqualTo(java.util.Arrays.copyOfRange(data, 13, 13 + (3 << 20)));
    }
  }

  @Test
  void twoReadsIntoTheSameBufferThatDoNotFollowEachOtherAreHashedInReadOrder() throws Exception {
    byte[] data = random(64, 2);
    try (DigestingChannel ch = new DigestingChannel(Channels.newChannel(new ByteArrayInputStream(data)), "t")) {
      ByteBuffer buf = ByteBuffer.allocate(128);
      buf.position(64).limit(96);
      fill(ch, buf); // bytes 0..31 land at 64..95
      buf.position(0).limit(32);
      fill(ch, buf); // bytes 32..63 land at 0..31
      assertThat(ch.sha256Hex()).isEqualTo(Sha256.hex(Sha256.newDigest().digest(data)));
    }
  }

  @Test
  void closingClosesTheUnderlyingChannel() throws Exception {
    ReadableByteChannel inner = Channels.newChannel(new ByteArrayInputStream(new byte[4]));
    new DigestingChannel(inner, "t").close();
    assertThat(inner.isOpen()).isFalse();
    assertThatThrownBy(() -> inner.read(ByteBuffer.allocate(1))).isInstanceOf(IOException.class);
  }

  private static void fill(ReadableByteChannel ch, ByteBuffer dst) throws IOException {
    while (dst.hasRemaining() && ch.read(dst) >= 0) {
      // read on
    }
  }
}
