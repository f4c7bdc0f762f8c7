package io.epochal.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;

class HdfsPacketBuffersTest {

  @Test
  void unsetByteArrayManagerIsEnabledInACopy() {
    Configuration conf = new Configuration(false);

    Configuration tuned = HdfsPacketBuffers.apply(conf);

    assertThat(tuned.getBoolean(HdfsPacketBuffers.BYTE_ARRAY_MANAGER_KEY, false)).isTrue();
    assertThat(tuned.get(HdfsPacketBuffers.CONTEXT_KEY)).isEqualTo("epochal-checkpoint-store");
    assertThat(tuned.getInt(HdfsPacketBuffers.PACKETS_IN_FLIGHT_KEY, -1)).isEqualTo(4);
    assertThat(tuned.getInt(HdfsPacketBuffers.PACKET_SIZE_KEY, -1)).isEqualTo(256 << 10);
    assertThat(conf.get(HdfsPacketBuffers.BYTE_ARRAY_MANAGER_KEY)).as("the caller's configuration is not changed")
        .isNull();
  }

  @Test
  void clientContextTheUserNamedIsKept() {
    Configuration conf = new Configuration(false);
    conf.set(HdfsPacketBuffers.CONTEXT_KEY, "shared");

    Configuration tuned = HdfsPacketBuffers.apply(conf);

    assertThat(tuned.getBoolean(HdfsPacketBuffers.BYTE_ARRAY_MANAGER_KEY, false)).isTrue();
    assertThat(tuned.get(HdfsPacketBuffers.CONTEXT_KEY)).isEqualTo("shared");
  }

  @Test
  void valueFromTheDefaultsFileCountsAsUnset() {
    Configuration conf = new Configuration(false);
    conf.set(HdfsPacketBuffers.BYTE_ARRAY_MANAGER_KEY, "false", "hdfs-default.xml");

    assertThat(HdfsPacketBuffers.apply(conf).getBoolean(HdfsPacketBuffers.BYTE_ARRAY_MANAGER_KEY, false)).isTrue();
  }

  @Test
  void valuesTheUserChoseAreKeptAndTheOthersStillApplied() {
    Configuration conf = new Configuration(false);
    conf.setBoolean(HdfsPacketBuffers.BYTE_ARRAY_MANAGER_KEY, false);
    conf.setInt(HdfsPacketBuffers.PACKETS_IN_FLIGHT_KEY, 80);
    conf.setInt(HdfsPacketBuffers.PACKET_SIZE_KEY, 64 << 10);

    Configuration tuned = HdfsPacketBuffers.apply(conf);

    assertThat(tuned.getBoolean(HdfsPacketBuffers.BYTE_ARRAY_MANAGER_KEY, true)).isFalse();
    assertThat(tuned.getInt(HdfsPacketBuffers.PACKETS_IN_FLIGHT_KEY, -1)).isEqualTo(80);
    assertThat(tuned.getInt(HdfsPacketBuffers.PACKET_SIZE_KEY, -1)).isEqualTo(64 << 10);
    assertThat(tuned.get(HdfsPacketBuffers.CONTEXT_KEY)).isEqualTo("epochal-checkpoint-store");
  }
}
