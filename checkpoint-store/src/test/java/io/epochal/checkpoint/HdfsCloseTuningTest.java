package io.epochal.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;

class HdfsCloseTuningTest {

  @Test
  void unsetDelayStartsAt10MsWithSixMoreRetriesThanTheDefault() {
    Configuration conf = new Configuration(false);

    Configuration tuned = HdfsCloseTuning.apply(conf);

    assertThat(tuned.getInt(HdfsCloseTuning.INITIAL_DELAY_KEY, -1)).isEqualTo(10);
    assertThat(tuned.getInt(HdfsCloseTuning.RETRIES_KEY, -1)).isEqualTo(11);
    assertThat(conf.get(HdfsCloseTuning.INITIAL_DELAY_KEY)).as("the caller's configuration is not changed").isNull();
  }

  @Test
  void totalPatienceIsNeverShorterThanTheConfiguredRetries() {
    Configuration conf = new Configuration(false);
    conf.setInt(HdfsCloseTuning.RETRIES_KEY, 10);

    Configuration tuned = HdfsCloseTuning.apply(conf);

    int retries = tuned.getInt(HdfsCloseTuning.RETRIES_KEY, -1);
    assertThat(retries).isEqualTo(16);
    long tunedWait = 10L * ((1L << retries) - 1);
    long configuredWait = 400L * ((1L << 10) - 1);
    assertThat(tunedWait).isGreaterThanOrEqualTo(configuredWait);
  }

  @Test
  void delayFromTheDefaultsFileCountsAsUnset() {
    Configuration conf = new Configuration(false);
    conf.set(HdfsCloseTuning.INITIAL_DELAY_KEY, "400", "hdfs-default.xml");

    assertThat(HdfsCloseTuning.apply(conf).getInt(HdfsCloseTuning.INITIAL_DELAY_KEY, -1)).isEqualTo(10);
  }

  @Test
  void retriesSetInHdfsSiteXmlAreKeptWhenTuningComesBeforeTheHdfsClientLoads(@org.junit.jupiter.api.io.TempDir
      java.nio.file.Path tmp) throws Exception {
    // a JVM of its own: in this one an HDFS client may have loaded hdfs-site.xml already
    java.nio.file.Files.writeString(tmp.resolve("hdfs-site.xml"), "<configuration><property><name>"
        + HdfsCloseTuning.RETRIES_KEY + "</name><value>10</value></property></configuration>");
    Process p = new ProcessBuilder(java.nio.file.Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:TieredStopAtLevel=1", "-cp", tmp + java.io.File.pathSeparator + System.getProperty("java.class.path"),
        Probe.class.getName()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isZero();

    assertThat(out.strip()).as("the site's 10 retries, six more for the shorter first wait").endsWith("10 16");
  }

  /** Prints the tuned initial delay and retries of a new configuration, the first thing its JVM does. */
  public static final class Probe {
    public static void main(String[] args) {
      Configuration tuned = HdfsCloseTuning.apply(new Configuration());
      System.out.println(tuned.getInt(HdfsCloseTuning.INITIAL_DELAY_KEY, -1) + " "
          + tuned.getInt(HdfsCloseTuning.RETRIES_KEY, -1));
    }
  }

  @Test
  void delaySetByTheUserIsKept() {
    Configuration conf = new Configuration(false);
    conf.setInt(HdfsCloseTuning.INITIAL_DELAY_KEY, 1000);
    conf.setInt(HdfsCloseTuning.RETRIES_KEY, 3);

    Configuration tuned = HdfsCloseTuning.apply(conf);

    assertThat(tuned.getInt(HdfsCloseTuning.INITIAL_DELAY_KEY, -1)).isEqualTo(1000);
    assertThat(tuned.getInt(HdfsCloseTuning.RETRIES_KEY, -1)).isEqualTo(3);
  }
}
