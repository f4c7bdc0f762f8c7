package io.epochal.driver.data;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.driver.spark.EpochalSpark;
import io.epochal.driver.spark.SparkSessions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data in more partition directories than Spark lists on the driver by default (32, {@code
 * spark.sql.sources.parallelPartitionDiscovery.threshold}) loads in Epochal's session, whose Kryo requires every
 * class it writes to be registered: Spark would otherwise list them in a job of its own, sending paths and each file
 * system's file statuses.
 */
class ManyPartitionDirectoriesTest {

  @TempDir
  Path tmp;

  @Test
  void dataInMoreThan32PartitionDirectoriesLoadsInEpochalsSession() throws Exception {
    Path dir = tmp.resolve("many-partitions");
    for (int p = 0; p <= 32; p++) {
      Files.createDirectories(dir.resolve("p=" + p));
      Files.write(dir.resolve("p=" + p + "/data.csv"), List.of("f0,label", p + ",0"), StandardCharsets.UTF_8);
    }
    try (EpochalSpark spark = SparkSessions.builder().setMaster("local[2]").optAppName("many-partitions").build()) {
      LoadedDataset data = new DatasetLoader(spark.session()).load(DataOptions.builder()
          .setPath(dir.toUri().toString()).setFormat("csv").setFeatures(List.of("f0")).setLabel("label")
          .setWorkers(1).build());
      assertThat(data.rows()).isEqualTo(33);
      data.unpersist();
    }
  }
}
