package io.epochal.checkpoint.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StoreBenchmarkVerdictsTest {

  @Test
  void verdictsJudgeEachTargetFromTheRowsFiguresAndNameThePlainWritesHeapWhenItIsAboveTarget() {
    String[] local = {"local (idle heap 27 MiB)", "1091", "965", "1.13", "–", "–", "448", "365", "1.23", "1.01",
        "1.01", "1.01", "1.01", "0.01", "1.01", "1.21", "1.00"};
    assertThat(StoreBenchmark.verdicts(local)).isEqualTo("local: write 1.13 met, read 1.23 met, write heap 1.01 met"
        + " (held + allocated; GC-observed 1.01), read memory 1.02 met");
    String[] hdfs = {"hdfs (MiniDFS) (idle heap 68 MiB)", "330", "547", "0.60", "448", "0.73", "415", "402", "0.89",
        "1.24", "1.27", "2.10", "2.00", "0.00", "1.00", "1.30", "1.00"};
    assertThat(StoreBenchmark.verdicts(hdfs)).isEqualTo("hdfs (MiniDFS): write 0.60 NOT met (0.73 against the"
        + " SYNC_BLOCK stream), read 0.89 NOT met, write heap 1.24 NOT met (held + allocated; GC-observed 1.27;"
        + " the plain write's 2.10, garbage of its HDFS client's packets), read memory 1.00 met");
  }

  @Test
  void theLocalRowsPlainWriteHeapAboveTargetIsNamedWithoutClaimingAnHdfsClient() {
    String[] local = {"local (idle heap 27 MiB)", "900", "950", "0.95", "–", "–", "448", "365", "1.23", "1.10",
        "1.10", "1.69", "1.69", "0.01", "1.01", "1.21", "1.00"};
    assertThat(StoreBenchmark.verdicts(local)).isEqualTo("local: write 0.95 met, read 1.23 met, write heap 1.10 met"
        + " (held + allocated; GC-observed 1.10; the plain write's 1.69), read memory 1.02 met");
  }

  @Test
  void figuresJustShortOfATargetArePrintedShortOfItAndJudgedNotMet() {
    assertThat(StoreBenchmark.down(700.0 / 779.0)).as("0.8986").isEqualTo("0.89");
    assertThat(StoreBenchmark.down(1.0)).isEqualTo("1.00");
    assertThat(StoreBenchmark.up(1.2049)).isEqualTo("1.21");
    assertThat(StoreBenchmark.up(0.014)).isEqualTo("0.02");
    String[] row = {"hdfs (MiniDFS) (idle heap 68 MiB)", "700", "779", StoreBenchmark.down(700.0 / 779.0), "600",
        StoreBenchmark.down(700.0 / 600.0), "415", "402", "1.03", StoreBenchmark.up(1.2049), "1.21", "2.10", "2.00",
        StoreBenchmark.up(0.014), StoreBenchmark.up(1.194), "1.30", "1.00"};
    assertThat(StoreBenchmark.verdicts(row)).contains("write 0.89 NOT met", "write heap 1.21 NOT met",
        "read memory 1.22 NOT met");
  }
}
