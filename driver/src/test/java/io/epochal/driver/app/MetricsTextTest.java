package io.epochal.driver.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Numbers in status and inspect read as what they are: a tiny loss is not zero, a count has no fraction. */
class MetricsTextTest {

  @Test
  void aLossTooSmallForSixDecimalsIsShownInExponentFormNotAsZero() {
    assertThat(JobStatusReport.lossText(2.92e-9)).isEqualTo("2.920e-09");
    assertThat(JobStatusReport.lossText(9.11e-7)).isEqualTo("9.110e-07");
    assertThat(JobStatusReport.lossText(0.0256)).isEqualTo("0.025600");
    assertThat(JobStatusReport.lossText(0.0)).isEqualTo("0.000000");
    assertThat(JobStatusReport.lossText(null)).isEqualTo("-");
  }

  @Test
  void countsAreIntegersTheRateHasOneDecimalAndTheLossIsExact() {
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("train_loss", 0.0031234567891);
    m.put("samples", 512.0);
    m.put("skipped_rows", 0.0);
    m.put("data_rows", 512.0);
    m.put("samples_per_second", 249.73052461467984);
    assertThat(CheckpointInspector.metricsText(m)).isEqualTo("{train_loss=0.0031234567891, samples=512, "
        + "skipped_rows=0, data_rows=512, samples_per_second=249.7}");
  }
}
