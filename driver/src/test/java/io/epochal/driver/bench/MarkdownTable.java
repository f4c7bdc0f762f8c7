package io.epochal.driver.bench;

import static com.google.common.base.Preconditions.checkArgument;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A markdown table whose columns are padded to their widest cell, rows in order of their first cell. */
final class MarkdownTable {

  private final List<String> header;
  private final List<List<String>> rows = new ArrayList<>();

  MarkdownTable(String... header) {
    checkArgument(header.length > 0, "a table needs at least one column");
    this.header = List.of(header);
  }

  /** Adds a row with one cell per column. */
  void add(String... cells) {
    checkArgument(cells.length == header.size(), "row has %s cells, the table %s columns: %s", cells.length,
        header.size(), Arrays.toString(cells));
    rows.add(Arrays.stream(cells).map(x -> x.replace("|", "\\|")).toList());
  }

  /** Prints the table. */
  void print(PrintStream out) {
    int[] w = new int[header.size()];
    for (int c = 0; c < w.length; c++) {
      w[c] = Math.max(3, header.get(c).length());
      for (List<String> r : rows) {
        w[c] = Math.max(w[c], r.get(c).length());
      }
    }
    out.println(line(header, w));
    StringBuilder sep = new StringBuilder("|");
    for (int width : w) {
      sep.append(' ').append("-".repeat(width)).append(" |");
    }
    out.println(sep);
    rows.stream().sorted(java.util.Comparator.comparing((List<String> r) -> r.get(0)))
        .forEach(r -> out.println(line(r, w)));
  }

  private static String line(List<String> cells, int[] w) {
    StringBuilder b = new StringBuilder("|");
    for (int c = 0; c < w.length; c++) {
      String s = cells.get(c);
      b.append(' ').append(s).append(" ".repeat(w[c] - s.length())).append(" |");
    }
    return b.toString();
  }
}
