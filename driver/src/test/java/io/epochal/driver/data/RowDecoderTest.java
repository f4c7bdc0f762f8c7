package io.epochal.driver.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;

class RowDecoderTest {

  @Test
  void aFiniteDoubleBeyondTheFloat32RangeIsABadRowNotAnInfinity() {
    float[] out = new float[3];
    RowDecoder columns = new RowDecoder(List.of("x"), false, 1, "label", false, 0);
    assertThat(columns.decode(RowFactory.create(1e39, 0.5), out))
        .contains("feature column 'x' holds 1.0E39").contains("outside the float32 range");
    assertThat(columns.decode(RowFactory.create(0.5, -1e39), out))
        .contains("label column 'label' holds -1.0E39").contains("outside the float32 range");
    RowDecoder array = new RowDecoder(List.of("features"), true, 2, "label", false, 0);
    assertThat(array.decode(RowFactory.create(List.of(1.0, 3e39), 0.0), out))
        .contains("element 1").contains("outside the float32 range");
    assertThat(array.decode(RowFactory.create(List.of("1.5", "x"), 0.0), out)).as("a json array of strings")
        .isEqualTo("feature column 'features' element 1 holds 'x', not a number");
    assertThat(array.decode(RowFactory.create(List.of("1.5", "NaN"), 0.0), out))
        .isEqualTo("feature column 'features' element 1 is NaN, not a finite number");
    assertThat(columns.decode(RowFactory.create(3.0e38, 1.0), out)).isNull();
    assertThat(out[0]).isEqualTo(3.0e38f);
    assertThat(out[1]).isEqualTo(1f);
  }

  @Test
  void aSampleWeightIsDecodedAfterTheLabelAndOneThatIsNotAFiniteNumberAtLeastZeroMakesTheRowBad() {
    float[] out = new float[3];
    RowDecoder weighted = new RowDecoder(List.of("x"), false, 1, "label", true, 3).withWeight("w");
    assertThat(weighted.width()).isEqualTo(3);
    assertThat(weighted.decode(RowFactory.create(0.5, 2, 1.25), out)).isNull();
    assertThat(out).containsExactly(0.5f, 2f, 1.25f);
    assertThat(weighted.decode(RowFactory.create("0.5", "1", "0"), out)).as("csv text; weight 0").isNull();
    assertThat(out).containsExactly(0.5f, 1f, 0f);
    assertThat(weighted.decode(RowFactory.create(0.5, 1, null), out)).isEqualTo("weight column 'w' is null");
    assertThat(weighted.decode(RowFactory.create(0.5, 1, "heavy"), out))
        .isEqualTo("weight column 'w' holds 'heavy', not a number");
    assertThat(weighted.decode(RowFactory.create(0.5, 1, -0.5), out))
        .isEqualTo("weight column 'w' holds -0.5, not a sample weight (a finite number >= 0)");
    for (Object notFinite : new Object[] {Double.NaN, "NaN", Double.POSITIVE_INFINITY, 1e39}) {
      assertThat(weighted.decode(RowFactory.create(0.5, 1, notFinite), out)).as("%s", notFinite)
          .startsWith("weight column 'w' holds " + notFinite + ", not a sample weight (a finite number >= 0");
    }
    assertThat(weighted.decode(RowFactory.create(0.5, 7, -1), out)).as("the label is checked first")
        .startsWith("label column 'label' holds class 7");
    assertThat(new RowDecoder(List.of("x"), false, 1, "label", true, 3).width()).as("unweighted").isEqualTo(2);
  }

  @Test
  void aListWrittenAsTextInACsvColumnIsABadRowThatSaysHowToGiveArrays() {
    float[] out = new float[2];
    RowDecoder columns = new RowDecoder(List.of("features"), false, 1, "label", true, 3);
    assertThat(columns.decode(RowFactory.create("[2.338, -0.663]", "1"), out))
        .contains("feature column 'features' holds '[2.338, -0.663]', not a number (a list written as text")
        .contains("write the features as columns f0..fN, or as json or parquet");
    assertThat(columns.decode(RowFactory.create("abc", "1"), out)).doesNotContain("list written as text");
  }

  @Test
  void textNumbersAreDecimalAsCsvToolsWriteThemNotJavasSuffixedOrHexForms() {
    float[] out = new float[2];
    RowDecoder columns = new RowDecoder(List.of("x"), false, 1, "label", true, 3);
    for (String good : new String[] {"1.5", " -2 ", "+.5", "3.", "1e3", "-1.25E-2", "0"}) {
      assertThat(columns.decode(RowFactory.create(good, "1"), out)).as(good).isNull();
      assertThat(out[0]).as(good).isEqualTo(Float.parseFloat(good.strip()));
    }
    for (String javaOnly : new String[] {"1.5f", "1.5d", "0x1p3", "1_000", "1e", ""}) {
      assertThat(columns.decode(RowFactory.create(javaOnly, "1"), out)).as(javaOnly)
          .isEqualTo("feature column 'x' holds '" + javaOnly + "', not a number");
    }
    assertThat(columns.decode(RowFactory.create("1", "1d"), out)).contains("label column 'label' holds '1d'");
    assertThat(columns.decode(RowFactory.create("NaN", "1"), out)).contains("not a finite number");
    assertThat(columns.decode(RowFactory.create("-Infinity", "1"), out)).contains("not a finite number");
  }

  @Test
  void aClassIndexAFloatCannotHoldExactlyIsABadRowNotAnotherClass() {
    float[] out = new float[2];
    RowDecoder many = new RowDecoder(List.of("x"), false, 1, "label", true, 1 << 25);
    assertThat(many.decode(RowFactory.create("1", "16777216"), out)).isNull();
    assertThat(out[1]).isEqualTo(16777216f);
    assertThat(many.decode(RowFactory.create("1", "16777217"), out)).isEqualTo("label column 'label' holds class "
        + "16777217, above 16777216 (2^24), the largest class index a float32 label holds exactly");
  }

  @Test
  void aClassNameAsLabelIsSaidToNeedMappingToAClassIndexNotToBeSkipped() {
    float[] out = new float[2];
    RowDecoder classes = new RowDecoder(List.of("x"), false, 1, "species", true, 3);
    String reason = classes.decode(RowFactory.create("1.5", "setosa"), out);
    assertThat(reason).isEqualTo("label column 'species' holds the text 'setosa', not a class index (an integer from 0 "
        + "to 2: 3 classes)");
    assertThat(new BadInputException("file:///d/a.csv", "csv", 1, 0, reason).getMessage()).endsWith("; map class names "
        + "to class indices before training (Spark ML's StringIndexer, pandas' factorize); data.bad_rows=skip would "
        + "drop every row labelled by name");
    assertThat(classes.decode(RowFactory.create("1.5", "NaN"), out)).as("NaN is a number, not a name")
        .contains("not a finite number");
    RowDecoder regression = new RowDecoder(List.of("x"), false, 1, "y", false, 0);
    assertThat(regression.decode(RowFactory.create("1.5", "tall"), out))
        .isEqualTo("label column 'y' holds 'tall', not a finite number");
  }

  @Test
  void aSparseVectorStructWithANullFractionalRepeatedIndexOrANegativeSizeIsNoVector() {
    org.apache.spark.sql.types.StructType schema = new org.apache.spark.sql.types.StructType()
        .add("type", "byte").add("size", "int").add("indices", "array<int>").add("values", "array<double>");
    java.util.function.BiFunction<Object, List<?>, org.apache.spark.sql.Row> sparse = (size, indices) ->
        new org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema(new Object[] {(byte) 0, size, indices,
            List.of(1.5, 2.5)}, schema);
    assertThat(RowDecoder.toDoubles(sparse.apply(4, List.of(1, 3)))).containsExactly(0, 1.5, 0, 2.5);
    assertThat(RowDecoder.toDoubles(sparse.apply(4, java.util.Arrays.asList(null, 3)))).as("null index").isNull();
    assertThat(RowDecoder.toDoubles(sparse.apply(4, List.of(1.5, 3)))).as("fractional index").isNull();
    assertThat(RowDecoder.toDoubles(sparse.apply(4, List.of(3, 3)))).as("repeated index").isNull();
    assertThat(RowDecoder.toDoubles(sparse.apply(-1, List.of(1, 3)))).as("negative size").isNull();
    assertThat(RowDecoder.toDoubles(sparse.apply(4, null))).as("null indices").isNull();
    org.apache.spark.sql.Row noValues = new org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema(
        new Object[] {(byte) 1, 4, null, null}, schema);
    assertThat(RowDecoder.toDoubles(noValues)).as("null values").isNull();
    assertThat(RowDecoder.forFeatures(List.of("v"), true, 4).decode(RowFactory.create(noValues), new float[4]))
        .contains("feature column 'v'").contains("not an array of numbers or a vector");
  }

  @Test
  void aSparseVectorOfAHugeSizeIsABadRowNamingItsSizeNeverMadeDense() {
    org.apache.spark.sql.types.StructType schema = new org.apache.spark.sql.types.StructType()
        .add("type", "byte").add("size", "int").add("indices", "array<int>").add("values", "array<double>");
    org.apache.spark.sql.Row huge = new org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema(
        new Object[] {(byte) 0, 2_147_483_000, List.of(0, 3), List.of(1.5, 2.5)}, schema);
    RowDecoder decoder = RowDecoder.forFeatures(List.of("v"), true, 4);

    assertThat(decoder.decode(RowFactory.create(huge), new float[4]))
        .startsWith("feature column 'v' is a sparse vector of size 2147483000, expected 4 (if every row has "
            + "2147483000, ");
    assertThat(RowDecoder.toDoubles(huge)).as("not 16 GiB of zeros").isNull();
    // a struct of type 0 without its indices is no vector, not a failed task
    org.apache.spark.sql.Row noIndices = new org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema(
        new Object[] {(byte) 0, List.of(1.5, 2.5)}, new org.apache.spark.sql.types.StructType().add("type", "byte")
        .add("values", "array<double>"));
    assertThat(RowDecoder.toDoubles(noIndices)).isNull();
    assertThat(decoder.decode(RowFactory.create(noIndices), new float[4])).contains("not an array of numbers or a "
        + "vector");
  }
}
