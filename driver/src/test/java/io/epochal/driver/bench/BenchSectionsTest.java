package io.epochal.driver.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BenchSectionsTest {

  @Test
  void sectionOnesLabelNamesTheRealNumberOfEpochs() {
    assertThat(BenchSections.oneWorkerLabel(3)).isEqualTo("3 epochs on 1 worker: Spark vs local loop");
    assertThat(BenchSections.oneWorkerLabel(1)).isEqualTo("1 epoch on 1 worker: Spark vs local loop");
  }
}
