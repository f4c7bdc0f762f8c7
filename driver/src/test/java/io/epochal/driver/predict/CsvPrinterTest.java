package io.epochal.driver.predict;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.driver.spark.EpochalSpark;
import io.epochal.driver.spark.SparkSessions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Columns an input passes through to printed predictions, each as CSV text. */
class CsvPrinterTest {

  private static EpochalSpark spark;

  @BeforeAll
  static void start() {
    spark = SparkSessions.builder().setMaster("local[1]").optAppName("csv-printer").build();
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.close();
    }
  }

  @Test
  void aVariantColumnIsPrintedAsItsJsonTextWhichSparksCsvWriterTakesNoVariantFor() {
    ByteArrayOutputStream said = new ByteArrayOutputStream();
    var df = spark.session().range(1).selectExpr("'r0' AS id", "parse_json('{\"a\": 1, \"b\": [true, null]}') AS doc",
        "array(0.25f, 0.75f) AS probability");

    CsvPrinter.print(CsvPrinter.flatten(df, 2), new PrintStream(said, true, StandardCharsets.UTF_8));

    assertThat(said.toString(StandardCharsets.UTF_8).lines()).containsExactly("id,doc,probability_0,probability_1",
        "r0,\"{\"\"a\"\":1,\"\"b\"\":[true,null]}\",0.25,0.75");
  }
}
