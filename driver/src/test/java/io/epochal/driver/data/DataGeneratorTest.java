package io.epochal.driver.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generated rows of {@code gen-data}, with and without sample weights, and what its --overwrite may replace. */
class DataGeneratorTest {

  @Test
  void sampleWeightsAreAColumnAfterTheLabelAndLeaveTheRowsAsTheyAreWithoutThem() {
    DataGenerator plain = DataGenerator.builder().optFeatures(5).optClasses(3).optSeed(9).optArrayLayout(false).build();
    DataGenerator weighted = DataGenerator.builder().optFeatures(5).optClasses(3).optSeed(9).optArrayLayout(false)
        .optWeights(true).build();
    assertThat(weighted.schema().fieldNames()).containsExactly("f0", "f1", "f2", "f3", "f4", "label", "weight");
    assertThat(plain.schema().fieldNames()).containsExactly("f0", "f1", "f2", "f3", "f4", "label");
    float[][] centers = weighted.centers();
    List<Float> weights = new ArrayList<>();
    for (long i = 0; i < 2000; i++) {
      Row w = DataGenerator.row(i, 9, centers, 5, 3, new double[0], false, true);
      Row p = DataGenerator.row(i, 9, centers, 5, 3, new double[0], false, false);
      assertThat(w.length()).isEqualTo(7);
      for (int c = 0; c < 6; c++) {
        assertThat(w.get(c)).as("row %s column %s", i, c).isEqualTo(p.get(c));
      }
      weights.add(w.getFloat(6));
    }
    assertThat(weights).allSatisfy(v -> assertThat(v == 0f || v >= 0.25f && v <= 1.875f && v * 8 == Math.rint(v * 8))
        .as("weight %s", v).isTrue());
    long zeros = weights.stream().filter(v -> v == 0f).count();
    assertThat(zeros).as("about one row in ten weighs 0").isBetween(150L, 250L);
    assertThat(weights.stream().distinct().count()).isEqualTo(15);
    Row array = DataGenerator.row(3, 9, centers, 5, 3, new double[0], true, true);
    assertThat(array.length()).as("features, label, weight").isEqualTo(3);
    assertThat(array.get(1)).isEqualTo(DataGenerator.row(3, 9, centers, 5, 3, new double[0], true, false).get(1));
  }

  @Test
  void overwriteMayReplaceOnlySparksOwnFilesOfAMarkedOutputNotOtherUnderscoreOrHiddenEntries(@TempDir Path tmp)
      throws Exception {
    FileSystem fs = FileSystem.getLocal(new Configuration());
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(tmp.toUri());
    for (String f : List.of(DataGenerator.MARKER, "._EPOCHAL_GENERATED.crc", "_SUCCESS", "._SUCCESS.crc",
        "part-00000-x.snappy.parquet", ".part-00000-x.snappy.parquet.crc", "_common_metadata", "._metadata.crc")) {
      Files.writeString(tmp.resolve(f), "1\n");
    }
    Files.createDirectories(tmp.resolve("_temporary").resolve("0")); // a committer's cleanup failed
    assertThat(DataGenerator.foreignEntry(fs, dir, DataGenerator.MARKER)).isEmpty();

    Files.createDirectories(tmp.resolve("_validation")); // held-out rows kept where Spark skips them
    assertThat(DataGenerator.foreignEntry(fs, dir, DataGenerator.MARKER)).contains("_validation/");
    Files.delete(tmp.resolve("_validation"));
    for (String f : List.of("_notes", ".notes", ".notes.crc", ".crc", "_SUCCESS.bak")) {
      Files.writeString(tmp.resolve(f), "mine\n");
      assertThat(DataGenerator.foreignEntry(fs, dir, DataGenerator.MARKER)).as(f).contains(f);
      Files.delete(tmp.resolve(f));
    }
    Files.createDirectories(tmp.resolve(".git"));
    assertThat(DataGenerator.foreignEntry(fs, dir, DataGenerator.MARKER)).contains(".git/");
    Files.delete(tmp.resolve(".git"));
    Files.delete(tmp.resolve(DataGenerator.MARKER));
    assertThat(DataGenerator.foreignEntry(fs, dir, DataGenerator.MARKER)).as("unmarked").isPresent();
  }
}
