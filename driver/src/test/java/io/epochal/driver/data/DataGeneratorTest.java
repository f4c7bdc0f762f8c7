package io.epochal.driver.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/** The generated rows of {@code gen-data}, with and without sample weights. */
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
}
