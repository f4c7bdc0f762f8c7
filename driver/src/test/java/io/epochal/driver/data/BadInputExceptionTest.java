package io.epochal.driver.data;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BadInputExceptionTest {

  @Test
  void sparksPercentEncodedFileNamesAreShownAsTheNamesOnDisk() {
    assertThat(BadInputException.fileText("file:///d/x%20%231%20%C3%BC.csv")).isEqualTo("file:///d/x #1 ü.csv");
    assertThat(BadInputException.fileText("hdfs://nn:8020/d/a%20b.csv")).isEqualTo("hdfs://nn:8020/d/a b.csv");
    assertThat(BadInputException.fileText("not a uri")).isEqualTo("not a uri");
    assertThat(BadInputException.fileText("x:y.csv")).isEqualTo("x:y.csv");
  }

  @Test
  void aCsvRowNumberSaysItDoesNotCountTheHeaderLineNorBlankLines() {
    for (String file : new String[] {"file:/d/part-00000.csv", "file:/d/rows.CSV", "file:/d/part-00001.csv.gz"}) {
      assertThat(new BadInputException(file, "csv", 3, 7, "label column 'label' is null").getMessage())
          .as(file).contains(file + ", row 3 (counted from 1, the header line and blank lines not counted; "
              + "dataset row 7, counted from 0 as predict's row_id): label column");
    }
  }

  @Test
  void aRowOfAFileWithoutHeaderLinesIsNumberedWithoutTheHeaderNote() {
    String file = "file:/d/part-00001-05e7-c000.snappy.parquet";
    BadInputException e = new BadInputException(file, "parquet", 2, 1, "label column 'label' holds class 3");

    assertThat(e.getMessage())
        .contains(file + ", row 2 (counted from 1; dataset row 1, counted from 0 as predict's row_id): label column")
        .doesNotContain("header");
    assertThat(e.forPredict().getMessage()).contains("dataset row 1, counted from 0", "pass --bad-rows=skip");
  }

  @Test
  void whatARowNumberCountsFollowsTheFormatReadNotTheFilesName() {
    // Hive's and Spark's own output names carry no extension; .jsonl is the usual name of json lines
    assertThat(new BadInputException("file:/w/t/000000_0", "csv", 3, 7, "r").getMessage())
        .contains("000000_0, row 3 (counted from 1, the header line and blank lines not counted; dataset row 7");
    assertThat(new BadInputException("file:/d/rows.jsonl", "json", 4, 9, "r").getMessage())
        .contains("rows.jsonl, row 4 (counted from 1, blank lines not counted; dataset row 9");
    assertThat(new BadInputException("file:/d/odd.csv", "parquet", 2, 1, "r").getMessage())
        .contains("odd.csv, row 2 (counted from 1; dataset row 1").doesNotContain("header", "blank lines");
  }

  @Test
  void aJsonRowNumberSaysItDoesNotCountBlankLines() {
    assertThat(new BadInputException("file:/d/rows.json", "json", 4, 9, "r").getMessage())
        .contains("rows.json, row 4 (counted from 1, blank lines not counted; dataset row 9, counted from 0 as "
            + "predict's row_id): r");
  }

  @Test
  void aBadRowInAStoredJobsDataAsksForTheDataToBeFixedNotForASettingAResumeCannotChange() {
    BadInputException e = new BadInputException("file:/d/rows.csv", "csv", 4, 9, "label column 'label' is null");

    assertThat(e.getMessage()).endsWith("; fix the data or set data.bad_rows=skip to skip and count such rows");
    assertThat(e.forStoredJob().getMessage()).contains("rows.csv, row 4 (counted from 1, the header line and blank "
        + "lines not counted; dataset row 9, counted from 0 as predict's row_id): label column 'label' is null; fix "
        + "the data: the job trained on it without bad rows, and a stored job's data.bad_rows cannot change").doesNotContain("set data.bad_rows=skip to skip");
  }

  @Test
  void aDatasetRowInSparksReadOrderIsNotSaidToBePredictsRowIdEvenWithOtherAdvice() {
    BadInputException e = BadInputException.of("file:/d/b.csv", "csv", 3, 2, "feature column 'x' holds 'oops'", false);
    String readOrder = "dataset row 2, counted from 0 in Spark's read order, data.row_order=spark_read; predict's "
        + "row_id counts the files in the order of their paths)";
    assertThat(e.getMessage()).contains(readOrder).doesNotContain("as predict's row_id");
    assertThat(e.forStoredJob().getMessage()).contains(readOrder).contains("a stored job's data.bad_rows cannot "
        + "change");
    assertThat(BadInputException.of("file:/d/b.csv", "csv", 3, 2, "r", true).getMessage())
        .contains("dataset row 2, counted from 0 as predict's row_id)");
  }
}
