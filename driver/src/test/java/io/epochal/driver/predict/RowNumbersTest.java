package io.epochal.driver.predict;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;

class RowNumbersTest {

  /** Rows of one feature, each ending with its file block's start and its file name, as predict reads them. */
  private static List<Row> rows(String... files) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < files.length; i++) {
      rows.add(RowFactory.create((double) i, 0L, files[i]));
    }
    return rows;
  }

  private static List<Long> ids(Iterator<Row> numbered) {
    List<Long> ids = new ArrayList<>();
    numbered.forEachRemaining(r -> ids.add(r.getLong(r.length() - 1)));
    return ids;
  }

  @Test
  void eachRunsRowsTakeTheNumbersFromItsStart() {
    // b.csv's block is numbered after a.csv's 5 rows, which another partition holds
    assertThat(ids(RowNumbers.number(rows("b.csv", "b.csv", "c.csv").iterator(), new long[] {5, 7},
        new long[] {2, 1}))).containsExactly(5L, 6L, 7L);
  }

  @Test
  void aFileThatGainedOrLostRowsSinceItWasCountedFailsThePartitionNamingIt() {
    // counted with 2 rows in a.csv's block, read with 3: the third would take b.csv's first number
    assertThatThrownBy(() -> ids(RowNumbers.number(rows("a.csv", "a.csv", "a.csv", "b.csv").iterator(),
        new long[] {0, 2}, new long[] {2, 1}))).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("input file a.csv changed while predict read it (2 rows of a block when the input "
            + "was counted, 3 now)");
    assertThatThrownBy(() -> ids(RowNumbers.number(rows("a.csv", "b.csv").iterator(), new long[] {0, 2},
        new long[] {2, 1}))).hasMessageContaining("input file a.csv changed");
    assertThatThrownBy(() -> ids(RowNumbers.number(rows("a.csv", "a.csv").iterator(), new long[] {0, 2},
        new long[] {2, 1}))).hasMessageContaining("fewer blocks of rows than the input was counted with");
  }
}
