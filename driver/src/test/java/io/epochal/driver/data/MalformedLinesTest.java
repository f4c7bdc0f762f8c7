package io.epochal.driver.data;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MalformedLinesTest {

  @Test
  void fieldsAreCountedOutsideQuotesOnly() {
    assertThat(MalformedLines.fields("1,2,3")).isEqualTo(3);
    assertThat(MalformedLines.fields("1,\"a, b\",3")).isEqualTo(3);
    assertThat(MalformedLines.fields("1,\"say \"\"x, y\"\"\",3")).isEqualTo(3);
    assertThat(MalformedLines.fields("")).isEqualTo(1);
    assertThat(MalformedLines.fields("1,,")).isEqualTo(3);
  }

  @Test
  void theReasonSaysWhichWayTheCountsDifferAndQuotesTheLine() {
    assertThat(MalformedLines.fieldCount("5,1", 3))
        .isEqualTo("the line has 2 fields but the header names 3 columns (a field is missing, and the values after "
            + "it would land in the wrong columns): '5,1'");
    assertThat(MalformedLines.fieldCount("1,2,3,4", 3)).contains("has 4 fields").contains("drop the extra ones");
    assertThat(MalformedLines.fieldCount("1,\"2\",3", 3)).contains("does not parse into the header's 3 fields");
    assertThat(MalformedLines.fieldCount("9".repeat(100), 2)).contains("'" + "9".repeat(80) + "...'")
        .contains("has 1 field but");
  }

  @Test
  void aJsonLineSparkCouldNotParseIsQuoted() {
    assertThat(MalformedLines.notJson("{\"features\": [1.0, 2.0], \"lab")).startsWith("the line is not a JSON object")
        .endsWith("'{\"features\": [1.0, 2.0], \"lab'");
  }

  @Test
  void aLineWithAnUnclosedQuoteSaysSoAndThatLineBreaksInValuesAreNotRead() {
    assertThat(MalformedLines.fieldCount("1,\"first half of a note", 3)).startsWith("the line has an unclosed quote")
        .contains("a quoted value holding a line break is not supported");
  }

  @Test
  void aFileThatMayNotBeReadIsToBeMadeReadableNotRemoved() {
    assertThat(InputFormats.unreadableAdvice("file:/d/part-1.csv (java.io.FileNotFoundException: /d/part-1.csv "
        + "(Permission denied))")).startsWith("make that file readable").doesNotContain("remove that file");
    assertThat(InputFormats.unreadableAdvice("hdfs://nn/d/p (org.apache.hadoop.security.AccessControlException: "
        + "Permission denied: user=x)")).startsWith("make that file readable");
    assertThat(InputFormats.unreadableAdvice("file:/d/part-1.csv.gz (java.io.EOFException: Unexpected end of input)"))
        .startsWith("replace or remove that file");
  }

  @Test
  void anIntactFileIsNotCalledDamagedWhenItsColumnTypeOrItsNameIsTheProblem() {
    assertThat(InputFormats.unreadableAdvice("file:/d/b.parquet (org.apache.spark.sql.execution.datasources."
        + "SchemaColumnConvertNotSupportedException: column: [f0], physicalType: DOUBLE, logicalType: int)"))
        .startsWith("that file is intact").contains("write that column with one type in every file")
        .doesNotContain("remove that file");
    assertThat(InputFormats.unreadableAdvice("file:/d/a:b.csv (java.lang.IllegalArgumentException: "
        + "java.net.URISyntaxException: Relative path in absolute URI: .a:b.csv.crc)"))
        .contains("rename that file without ':'").doesNotContain("damaged");
  }
}
