package io.epochal.driver.data;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.driver.config.ConfigException;
import org.junit.jupiter.api.Test;

/** A worker's shard is one Java array of feature values: data too large for it names the workers it needs. */
class ShardSizeLimitTest {

  @Test
  void aShardOverOneJavaArrayIsAConfigErrorNamingTheWorkersThatFit() {
    // 2.8 M rows of 784 features on one worker: 2.2 G values
    assertThatThrownBy(() -> DatasetLoader.checkShardsFit("file:///d", 2_800_000, 1, 784))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("with train.workers=1 a worker's shard holds 2800000 rows, 2195200000 feature values")
        .hasMessageContaining("set train.workers to at least 2");
    assertThatCode(() -> DatasetLoader.checkShardsFit("file:///d", 2_800_000, 2, 784)).doesNotThrowAnyException();
    // the largest shard counts: 3 rows on 2 workers puts 2 on worker 0
    long perArray = DatasetLoader.MAX_SHARD_FLOATS;
    assertThatCode(() -> DatasetLoader.checkShardsFit("file:///d", 2, 2, (int) perArray)).doesNotThrowAnyException();
    assertThatThrownBy(() -> DatasetLoader.checkShardsFit("file:///d", 3, 2, (int) perArray))
        .hasMessageContaining("set train.workers to at least 3");
  }
}
