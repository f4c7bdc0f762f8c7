package io.epochal.driver.predict;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.driver.config.ConfigException;
import io.epochal.driver.config.DataPathCheckTest;
import io.epochal.driver.config.StorageUnreachableException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;

/** The input of predict and evaluate: what cannot be read, and whether the storage or the setting is to blame. */
class PredictInputTest {

  private static Configuration conf() {
    Configuration conf = new Configuration(false);
    conf.setClass("fs.down.impl", DataPathCheckTest.Down.class, FileSystem.class);
    conf.setClass("fs.denied.impl", DataPathCheckTest.Denied.class, FileSystem.class);
    conf.setBoolean("fs.down.impl.disable.cache", true);
    conf.setBoolean("fs.denied.impl.disable.cache", true);
    return conf;
  }

  @Test
  void anInputOnAFileSystemThatDoesNotAnswerIsAnIoErrorNotAConfigurationError() {
    assertThatThrownBy(() -> PredictInput.check("down:///data/new", conf()))
        .isInstanceOf(StorageUnreachableException.class).hasMessageContaining("--input down:///data/new")
        .hasMessageContaining("Connection refused");
  }

  @Test
  void anInputThisUserMayNotReadIsAConfigurationErrorSayingSo() {
    assertThatThrownBy(() -> PredictInput.check("denied:///data/new", conf()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("--input denied:///data/new cannot be read")
        .hasMessageContaining("Permission denied");
  }
}
