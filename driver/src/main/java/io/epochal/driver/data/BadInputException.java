package io.epochal.driver.data;

/**
 * A row of the input that cannot be used: wrong number of features, a null or non-numeric value,
 * a label out of range. Names the file and the row (1-based data row within the file, header
 * excluded), and the row's 0-based index in the whole dataset.
 */
public class BadInputException extends Exception {

  private static final long serialVersionUID = 1L;

  private static final String TRAIN_ADVICE = "fix the data or set data.bad_rows=skip to skip and count such rows";
  private static final String PREDICT_ADVICE = "fix the data or pass --bad-rows=skip to skip and count such rows";
  private static final String STORED_ADVICE = "fix the data: the job trained on it without bad rows, and a stored"
      + " job's data.bad_rows cannot change (to skip and count such rows, train a new job.dir with"
      + " data.bad_rows=skip)";

  private final String file;
  private final String format;
  private final long rowInFile;
  private final long datasetRow;
  private final String reason;
  private final String numbering;

  /**
   * The advice for a class label beyond the model's outputs ({@link #LABEL_OUT_OF_RANGE}): more
   * often the spec than the data is wrong, and skipping such rows would drop whole classes.
   */
  private static final String LABEL_RANGE_ADVICE = "if the data holds more classes, train with a model of as many "
      + "outputs (model.output_dim, or model.classes for cnn) and data.classes to match; fix the data or set "
      + "data.bad_rows=skip only if such labels are wrong (skipping drops every row of those classes)";

  /** What the reason of a row whose class label is beyond the classes the model predicts contains. */
  static final String LABEL_OUT_OF_RANGE = ", out of range [0, ";

  /**
   * The advice for a class label given by name ({@link #LABEL_IS_TEXT}): the labels need mapping,
   * and skipping such rows would drop every row so labelled.
   */
  private static final String LABEL_TEXT_ADVICE = "map class names to class indices before training (Spark ML's "
      + "StringIndexer, pandas' factorize); data.bad_rows=skip would drop every row labelled by name";

  /** What the reason of a row whose class label is a name, not a number, contains. */
  static final String LABEL_IS_TEXT = "', not a class index (";

  /** What the reason of a json line holding more than one value contains: no data.bad_rows setting skips it. */
  static final String SEVERAL_VALUES = "holds more than one JSON value";
  private static final String SPLIT_ADVICE = "put each object on a line of its own: data.bad_rows=skip cannot skip "
      + "such a line (Spark reads its first value as a row and drops the rest without a word)";

  /** How a dataset row is counted when the rows are numbered by file name, as predict numbers them. */
  private static final String AS_PREDICT = "counted from 0 as predict's row_id";
  /** How a dataset row is counted in Spark's read order. */
  private static final String IN_READ_ORDER = "counted from 0 in Spark's read order, data.row_order=spark_read; "
      + "predict's row_id counts the files in the order of their paths";

  /**
   * A bad row {@code rowInFile} (1-based) of {@code file}, read as {@code format} ({@code csv}, {@code json},
   * {@code parquet}), dataset row {@code datasetRow} (as predict's row_id).
   */
  public BadInputException(String file, String format, long rowInFile, long datasetRow, String reason) {
    this(file, format, rowInFile, datasetRow, reason, true);
  }

  /**
   * A bad row {@code rowInFile} (1-based) of {@code file}, read as {@code format}, dataset row
   * {@code datasetRow}, counted as predict's row_id counts rows ({@code byFileName}) or in Spark's read order.
   */
  static BadInputException of(String file, String format, long rowInFile, long datasetRow, String reason,
      boolean byFileName) {
    return new BadInputException(file, format, rowInFile, datasetRow, reason, byFileName);
  }

  private BadInputException(String file, String format, long rowInFile, long datasetRow, String reason,
      boolean byFileName) {
    this(file, format, rowInFile, datasetRow, reason, reason.contains(LABEL_OUT_OF_RANGE) ? LABEL_RANGE_ADVICE
        : reason.contains(LABEL_IS_TEXT) ? LABEL_TEXT_ADVICE : TRAIN_ADVICE, byFileName ? AS_PREDICT : IN_READ_ORDER);
  }

  /**
   * Row {@code rowInFile} of json file {@code file} (a non-blank line, counted from 1), which holds more than
   * one JSON value ({@code excerpt} of it): found before the rows are numbered in the dataset, and not a row that
   * {@code data.bad_rows=skip} can skip.
   */
  static BadInputException severalJsonValues(String file, long rowInFile, String excerpt) {
    return new BadInputException(file, "json", rowInFile, -1, "the line " + SEVERAL_VALUES
        + " (two files joined without a "
        + "newline between them, or text after the object?): '" + excerpt + "'", SPLIT_ADVICE, null);
  }

  private BadInputException(String file, String format, long rowInFile, long datasetRow, String reason,
      String advice, String numbering) {
    super("bad input in " + file + ", row " + rowInFile + " (counted from 1" + ("csv".equals(format) ? ", the header "
        + "line and blank lines not counted" : "json".equals(format) ? ", blank lines not counted" : "")
        + (datasetRow < 0 ? "" : "; dataset row " + datasetRow + ", " + numbering) + "): " + reason + "; " + advice);
    this.numbering = numbering;
    this.file = file;
    this.format = format;
    this.rowInFile = rowInFile;
    this.datasetRow = datasetRow;
    this.reason = reason;
  }

  /**
   * A file as Spark's {@code input_file_name()} gives it (a URI, its name percent-encoded:
   * {@code x%20%231.csv}) as messages name files ({@code file:///.../x #1.csv}, the name on disk);
   * anything that is no URI as it is.
   */
  static String fileText(String inputFileName) {
    try {
      java.net.URI uri = java.net.URI.create(inputFileName);
      return uri.getPath() == null ? inputFileName // opaque (x:y.csv): no path to decode
          : io.epochal.driver.config.JobSpecResolver.locationText(new org.apache.hadoop.fs.Path(uri));
    } catch (RuntimeException notAUri) {
      return inputFileName;
    }
  }

  /** The same bad row, its message naming {@code predict}'s option for skipping bad rows. */
  public BadInputException forPredict() {
    return withAdvice(PREDICT_ADVICE);
  }

  /**
   * The same bad row in the data of a job whose spec is stored, which fails on bad rows: its
   * message says the data is what has to change, since a resume cannot set {@code data.bad_rows}.
   */
  public BadInputException forStoredJob() {
    return withAdvice(STORED_ADVICE);
  }

  /**
   * The same bad row in the held-out rows of a job whose spec is stored: the rows are what has to change (or
   * others be given), since a resume cannot set {@code data.bad_rows}.
   */
  public BadInputException forStoredJobsHeldOut() {
    return withAdvice("fix the rows: a stored job's data.bad_rows cannot change (to skip and count such rows, train "
        + "a new job.dir with data.bad_rows=skip)");
  }

  private BadInputException withAdvice(String advice) {
    BadInputException e = new BadInputException(file, format, rowInFile, datasetRow, reason,
        reason.contains(SEVERAL_VALUES) ? SPLIT_ADVICE : advice, numbering);
    e.initCause(getCause());
    return e;
  }

  /** Why the row is bad. */
  public String reason() {
    return reason;
  }

  /** The input file holding the row. */
  public String file() {
    return file;
  }

  /** The 1-based data row within the file (a CSV header line is not counted). */
  public long rowInFile() {
    return rowInFile;
  }

  /** The 0-based index of the row in the whole dataset's read order. */
  public long datasetRow() {
    return datasetRow;
  }
}
