package io.epochal.driver.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Iterator;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;
import scala.Tuple2;

/** A file that grew between the reads of a load: its rows are refused as changed data, not a crash. */
class GrownFileTest {

  private static final RowDecoder DECODER = new RowDecoder(List.of("x"), false, 1, "label", true, 2);

  @Test
  void aBlockOfRowsMoreThanWereCountedIsDataThatChangedNamingTheFile() {
    // counted: one run (the rows of a.csv's block at 0); read again: a line appended at the old end of a.csv
    // starts a block of its own
    List<Row> rows = List.of(RowFactory.create(0.5, 1, 0L, "file:/d/a.csv"),
        RowFactory.create(0.25, 0, 0L, "file:/d/a.csv"), RowFactory.create(0.75, 1, 64L, "file:/d/a.csv"));
    Iterator<Tuple2<Long, float[]>> good = DatasetLoader.decodeGood(rows.iterator(), DECODER, true, new long[] {10},
        3, "file:/d");

    assertThat(good.next()._1()).isEqualTo(10);
    assertThat(good.next()._1()).isEqualTo(11);
    assertThatThrownBy(good::hasNext).isInstanceOf(IllegalStateException.class)
        .hasCauseInstanceOf(DataChangedException.class)
        .hasMessageContaining("partition 3 of the input read from file:/d did not get the rows the job counted in "
            + "it (a block of rows of file:/d/a.csv more than the job counted): the data "
            + DataChangedException.MARKER);
  }
}
