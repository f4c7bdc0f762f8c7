package io.epochal.driver.predict;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.driver.config.ConfigException;
import io.epochal.driver.data.RowDecoder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What predict's options refuse before any task runs, each naming the option and what to give. */
class PredictOptionsTest {

  @Test
  void aFeatureColumnNamedTwiceIsRefusedNotFedTwiceInPlaceOfAnother() {
    assertThatThrownBy(() -> PredictOptions.fromKeys("in.csv", null, Map.of("data.features", "f0,f1,f1,f3")))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("data.features"))
        .hasMessageContaining("names column 'f1' twice");
    assertThat(PredictOptions.fromKeys("in.csv", null, Map.of("data.features", "f0,f1,f2,f3")).features())
        .containsExactly("f0", "f1", "f2", "f3");
  }

  @Test
  void aBatchSizeAboveTheLargestIsRefusedNamingTheLargest() {
    assertThatThrownBy(() -> PredictOptions.fromKeys("in.csv", null, Map.of("predict.batch_size", "100000000")))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("predict.batch_size"))
        .hasMessageContaining("--batch-size 100000000 is more than 1048576 rows");
    assertThatThrownBy(() -> PredictOptions.fromKeys("in.csv", null, Map.of("predict.batch_size", "3000000000")))
        .as("past an int: too large, not 'no number'")
        .hasMessageContaining("--batch-size 3000000000 is more than 1048576 rows");
    assertThatThrownBy(() -> PredictOptions.fromKeys("in.csv", null, Map.of("predict.batch_size", "12x")))
        .hasMessageContaining("--batch-size '12x' is not a positive integer");
    assertThat(PredictOptions.fromKeys("in.csv", null, Map.of("predict.batch_size", "1048576")).batchSize())
        .isEqualTo(1 << 20);
  }

  @Test
  void aBatchWhoseFeaturesWouldNotFitInOneArrayIsRefusedWithTheBatchSizeThatFits() {
    RowDecoder wide = RowDecoder.forFeatures(List.of("image"), true, 4096);
    assertThatThrownBy(() -> new PredictionLayout(wide, new long[] {4096}, 10, true, 1 << 20, false, 0, true))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("predict.batch_size"))
        .hasMessageContaining("rows of 4096 values each do not fit in one array")
        .hasMessageContaining("give --batch-size 524287 or less");
    assertThat(new PredictionLayout(wide, new long[] {4096}, 10, true, 524287, false, 0, true).batchSize())
        .isEqualTo(524287);
  }

  @Test
  void anExistingOutputOnAnotherFileSystemThanTheInputIsSaidToExistNotAWrongFileSystem(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
    java.nio.file.Path out = java.nio.file.Files.createDirectories(tmp.resolve("out"));
    java.nio.file.Files.writeString(out.resolve("part-0.csv"), "1\n");
    java.nio.file.Path in = java.nio.file.Files.createDirectories(tmp.resolve("in"));
    org.apache.hadoop.conf.Configuration conf = io.epochal.checkpoint.OtherSchemeFileSystem.register(
        new org.apache.hadoop.conf.Configuration());
    PredictOptions options = PredictOptions.builder().setInput(io.epochal.checkpoint.OtherSchemeFileSystem.uri(in))
        .optOutput(out.toUri().toString()).build();
    assertThatThrownBy(() -> PredictionOutput.check(options, conf))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("--output"))
        .hasMessageContaining("already exists");
  }

  @Test
  void anOutputThatIsNoEarlierPredictionIsRefusedWithoutOfferingOverwriteAndOneHoldingOtherFilesIsKept(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
    java.nio.file.Path in = java.nio.file.Files.createDirectories(tmp.resolve("in"));
    java.nio.file.Path plain = java.nio.file.Files.createDirectories(tmp.resolve("plain"));
    java.nio.file.Files.writeString(plain.resolve("a.txt"), "mine\n");
    org.apache.hadoop.conf.Configuration conf = new org.apache.hadoop.conf.Configuration();
    java.util.function.BiFunction<java.nio.file.Path, Boolean, PredictOptions> to = (out, overwrite) ->
        PredictOptions.builder().setInput(in.toUri().toString()).optOutput(out.toUri().toString())
            .optOverwrite(overwrite).build();
    assertThatThrownBy(() -> PredictionOutput.check(to.apply(plain, false), conf))
        .hasMessageContaining("already exists and is not an earlier prediction output")
        .hasMessageNotContaining("pass --overwrite");

    java.nio.file.Path earlier = java.nio.file.Files.createDirectories(tmp.resolve("earlier"));
    for (String f : List.of(PredictionOutput.MARKER, "_SUCCESS", "part-00000-x.csv", ".part-00000-x.csv.crc")) {
      java.nio.file.Files.writeString(earlier.resolve(f), "1\n");
    }
    assertThatThrownBy(() -> PredictionOutput.check(to.apply(earlier, false), conf))
        .hasMessageContaining("already exists (an earlier prediction output)").hasMessageContaining("pass --overwrite");
    PredictionOutput.check(to.apply(earlier, true), conf);
    java.nio.file.Files.createDirectories(earlier.resolve("_temporary").resolve("0")); // a committer's cleanup failed
    PredictionOutput.check(to.apply(earlier, true), conf);

    java.nio.file.Files.writeString(earlier.resolve("notes.txt"), "mine\n");
    assertThatThrownBy(() -> PredictionOutput.check(to.apply(earlier, true), conf))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("--output"))
        .hasMessageContaining("also holds notes.txt, which predict did not write; --overwrite would delete it");
  }
}
