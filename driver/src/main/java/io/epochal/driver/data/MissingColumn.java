package io.epochal.driver.data;

import io.epochal.driver.config.ConfigException;
import java.util.List;

/**
 * Why a column the job or the command names is not in the input, said as what to fix: for text
 * formats read from other files (parquet read as csv gives column names of raw bytes, a JSON line
 * read as csv starts with '{', JSON that is not JSON gives Spark's {@code _corrupt_record}), the
 * format; for a csv file without a header line, the header; for files that are all empty, that;
 * otherwise the columns there are.
 */
public final class MissingColumn {

  private static final String CORRUPT_RECORD = "_corrupt_record";

  private MissingColumn() {}

  /**
   * The error for column {@code c}, absent from {@code columns} of input {@code where} read as
   * {@code format}.
   *
   * @param formatKey the key or option that sets the format ({@code data.format}, {@code --format})
   * @param columnKey the key or option that named the column
   * @param otherwise what to do when the input is what it claims to be but lacks the column
   */
  public static ConfigException of(String c, List<String> columns, String format, String where, String formatKey,
      String columnKey, String otherwise) {
    String setFormat = "set " + formatKey + " to their format (parquet, csv or json)";
    if (columns.isEmpty() && !"parquet".equals(format)) {
      // every file is empty or blank: Spark finds no header line (csv) or no object (json) to name a column
      String pathKey = InputFormats.pathKey(formatKey);
      return new ConfigException(pathKey, where + " read as " + format + " has no columns at all: its files are "
          + "empty or hold only blank lines" + ("csv".equals(format) ? ", so there is no header line" : "")
          + "; point " + pathKey + " at the data (" + columnKey + " names column '" + c + "')");
    }
    if (columns.stream().anyMatch(MissingColumn::binary)) {
      return new ConfigException(formatKey, where + " read as " + format + " has no column '" + c + "' and "
          + notTextReason(columns, format, formatKey));
    }
    if ("csv".equals(format) && !columns.isEmpty() && columns.get(0).trim().startsWith("{")) {
      return new ConfigException(formatKey, where + " read as csv has no column '" + c + "': its first line starts "
          + "with '{' (" + printable(columns.get(0)) + "...), so the files are probably json; " + setFormat);
    }
    if ("csv".equals(format) && !columns.isEmpty() && columns.stream().allMatch(MissingColumn::isNumber)) {
      return new ConfigException(columnKey, columnKey + " names column '" + c + "', but the csv " + where + " has "
          + "no header line: its first line, " + columns.subList(0, Math.min(4, columns.size())) + (columns.size() > 4
          ? "..." : "") + ", holds numbers, which Spark took as column names; add a header line naming the columns "
          + "(e.g. f0,f1,...,label), or write the data as parquet");
    }
    if ("csv".equals(format)) {
      // Spark renames the columns of a name a csv header repeats to the name and its position
      List<String> renamed = java.util.stream.IntStream.range(0, columns.size())
          .filter(i -> columns.get(i).equalsIgnoreCase(c + i)).mapToObj(columns::get).toList();
      if (renamed.size() >= 2) {
        return new ConfigException(columnKey, columnKey + " names column '" + c + "', which the csv header of "
            + where + " names " + renamed.size() + " times (Spark renamed them " + renamed + " by position); give "
            + "every column a name of its own");
      }
    }
    if (columns.equals(List.of(CORRUPT_RECORD))) {
      // Spark's JSON reader puts every line it cannot parse, whole, into this one column
      return new ConfigException(formatKey, where + " read as json has no column '" + c + "': no line parsed as a "
          + "JSON object (Spark kept them as " + CORRUPT_RECORD + "). json input is JSON Lines, one object per line: a "
          + "file that is one JSON document (an array of objects, or objects spread over several lines) is not read "
          + "as rows; write one object per line (jq -c '.[]' turns an array into that), or, if the files are not "
          + "json, " + setFormat);
    }
    if ("csv".equals(format) && columns.size() == 1) {
      java.util.Optional<String> separator = java.util.stream.Stream.of(";", "\t", "|")
          .filter(columns.get(0)::contains).findFirst();
      if (separator.isPresent()) {
        // one column whose name holds another separator: the file is not comma-separated
        return new ConfigException(formatKey, where + " read as csv has no column '" + c + "': its header is one "
            + "column, '" + printable(columns.get(0)) + "', so its fields are separated by '"
            + (separator.get().equals("\t") ? "\\t" : separator.get()) + "', not commas; Epochal reads csv "
            + "separated by commas: convert the files (or write them as parquet)");
      }
    }
    java.util.Optional<String> blanks = columns.stream().filter(n -> !n.equals(c) && n.strip().equals(c)).findFirst();
    if (blanks.isPresent()) {
      return new ConfigException(columnKey, columnKey + " names column '" + c + "', which " + where + " names '"
          + blanks.get() + "', with blanks around it; the names of a " + format + " header are taken as written: "
          + "remove the blanks from the header (after its commas, say)");
    }
    String numbered = columnKey.endsWith("features") ? numberedRun(columns).map(r -> "; its numbered columns "
        + r + " are named at once as " + r.replace(" to ", "..")).orElse("") : "";
    return new ConfigException(columnKey, columnKey + " names column '" + c + "', which is not in " + format + " "
        + where + "; its columns are " + listed(columns) + numbered + "; " + otherwise);
  }

  /** {@code columns} as a list, at most 12 of them shown: a wide input's first 10 and last 2. */
  static String listed(List<String> columns) {
    if (columns.size() <= 12) {
      return columns.toString();
    }
    return "[" + String.join(", ", columns.subList(0, 10)) + ", ... (" + (columns.size() - 12) + " more), "
        + String.join(", ", columns.subList(columns.size() - 2, columns.size())) + "] (" + columns.size()
        + " columns)";
  }

  /**
   * The longest run of two or more columns named by one prefix and consecutive numbers from 0 or 1
   * ({@code f0 .. f783}), as {@code "f0 to f783"}; empty when there is none.
   */
  static java.util.Optional<String> numberedRun(List<String> columns) {
    java.util.regex.Pattern numbered = java.util.regex.Pattern.compile("(.*?)(0|[1-9][0-9]{0,8})");
    String best = null;
    int bestLength = 1;
    for (int i = 0; i < columns.size(); i++) {
      java.util.regex.Matcher m = numbered.matcher(columns.get(i));
      if (!m.matches() || Integer.parseInt(m.group(2)) > 1) {
        continue;
      }
      String prefix = m.group(1);
      int first = Integer.parseInt(m.group(2));
      int length = 1;
      while (i + length < columns.size() && columns.get(i + length).equals(prefix + (first + length))) {
        length++;
      }
      if (length > bestLength) {
        bestLength = length;
        best = prefix + first + " to " + prefix + (first + length - 1);
      }
    }
    return java.util.Optional.ofNullable(best);
  }

  private static boolean isNumber(String name) {
    try {
      Double.parseDouble(name.trim());
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /** Whether a column name holds control characters or replacement characters: bytes read as text. */
  /**
   * The refusal of file {@code file} read as {@code format} when its column names ({@code
   * columns}, from its first line) are not text: it is not a file of that format.
   */
  static java.util.Optional<ConfigException> notText(String file, List<String> columns, String format,
      String formatKey) {
    if (columns.stream().noneMatch(MissingColumn::binary)) {
      return java.util.Optional.empty();
    }
    boolean control = columns.stream()
        .anyMatch(n -> n.chars().anyMatch(ch -> Character.isISOControl(ch) && ch != '\t'));
    if (!control) { // text, but bytes that are no UTF-8: another encoding (Excel's "CSV" is Windows-1252)
      String named = columns.stream().filter(MissingColumn::binary).findFirst().orElse(columns.get(0));
      return java.util.Optional.of(new ConfigException(formatKey, "file " + file + " read as " + format + " has a "
          + "header that is not UTF-8 (column '" + printable(named) + "', '?' where its bytes are no UTF-8): the file "
          + "is text in another encoding (Excel's \"CSV\" is Windows-1252); save it as UTF-8 (Excel's \"CSV UTF-8\", "
          + "or iconv -f windows-1252 -t utf-8)"));
    }
    return java.util.Optional.of(new ConfigException(formatKey, "file " + file + " read as " + format + " has "
        + notTextReason(columns, format, formatKey)));
  }

  /** "column names that are not text (...): the files are probably not {@code format}; set ...". */
  private static String notTextReason(List<String> columns, String format, String formatKey) {
    return "column names that are not text (" + columns.size() + " columns, the first starting with '"
        + printable(columns.get(0)) + "'): the files are probably not " + format + "; set " + formatKey
        + " to their format (parquet, csv or json)";
  }

  private static boolean binary(String name) {
    return name.chars().anyMatch(ch -> ch == 0xFFFD || (Character.isISOControl(ch) && ch != '\t'));
  }

  /** The first 12 characters of {@code s}, with what is not printable shown as '?'. */
  private static String printable(String s) {
    StringBuilder b = new StringBuilder();
    s.codePoints().limit(12).forEach(cp -> b.append(cp == 0xFFFD || Character.isISOControl(cp) ? '?' : (char) cp));
    return b.toString();
  }
}
