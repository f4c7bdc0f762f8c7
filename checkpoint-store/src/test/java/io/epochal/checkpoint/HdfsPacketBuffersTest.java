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
    assertThat(conf.get(HdfsPacketBuffers.BYTE_ARRAY_MANAGER_KEY)).as("the caller's configuration is not changed")
        .isNull();
  }

  @Test
  void valueFromTheDefaultsFileCountsAsUnset() {
    Configuration conf = new Configuration(false);
    conf.set(HdfsPacketBuffers.BYTE_ARRAY_MANAGER_KEY, "false", "hdfs-default.xml");

    assertThat(HdfsPacketBuffers.apply(conf).getBoolean(HdfsPacketBuffers.BYTE_ARRAY_MANAGER_KEY, false)).isTrue();
  }

  @Test
  void valueTheUserChoseIsKept() {
    Configuration conf = new Configuration(false);
    conf.setBoolean(HdfsPacketBuffers.BYTE_ARRAY_MANAGER_KEY, false);

    assertThat(HdfsPacketBuffers.apply(conf).getBoolean(HdfsPacketBuffers.BYTE_ARRAY_MANAGER_KEY, true)).isFalse();
  }
}
