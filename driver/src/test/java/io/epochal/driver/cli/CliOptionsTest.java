package io.epochal.driver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;

class CliOptionsTest {

  @Test
  void theHadoopConfigurationTakesEverySparkHadoopEntryAsItsHadoopKeyAndNothingElse() {
    CliOptions options = CliOptions.builder().optSparkConf(Map.of(
        "spark.hadoop.dfs.replication", "2",
        "spark.hadoop.epochal.checkpoint.io-threads", "3",
        "spark.executor.memory", "2g",
        "spark.hadoop.", "ignored")).build();

    Configuration conf = options.hadoopConfiguration();

    assertThat(conf.get("dfs.replication")).isEqualTo("2");
    assertThat(conf.get("epochal.checkpoint.io-threads")).isEqualTo("3");
    assertThat(conf.getPropertySources("epochal.checkpoint.io-threads"))
        .containsExactly("spark conf spark.hadoop.epochal.checkpoint.io-threads");
    assertThat(conf.get("spark.executor.memory")).isNull();
    assertThat(conf.get("executor.memory")).isNull();
    assertThat(conf.get("")).isNull();
  }

  @Test
  void withoutSparkHadoopEntriesItIsTheClassPathsConfiguration() {
    Configuration conf = CliOptions.builder().build().hadoopConfiguration();
    assertThat(conf.get("fs.defaultFS")).isEqualTo(new Configuration().get("fs.defaultFS"));
    assertThat(conf.get("epochal.checkpoint.io-threads")).isNull();
  }
}
