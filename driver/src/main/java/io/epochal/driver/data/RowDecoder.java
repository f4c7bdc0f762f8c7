package io.epochal.driver.data;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.io.Serializable;
import java.util.List;
import org.apache.spark.sql.Row;

/**
 * Decodes one input row into dense floats: the features, then the label, then the sample weight
 * when {@linkplain #withWeight weighted}. The row holds the feature columns first (several numeric
 * columns, or one array/vector column), then the label, then the weight column.
 * Numbers are taken as they are; text (CSV) is parsed; nulls, non-numeric text, non-finite values,
 * a wrong number of features, a label that is not a valid class index and a weight that is not a
 * finite number >= 0 make the row bad.
 *
 * <p>{@link #forFeatures} gives a decoder of the features alone (no label column), which batch
 * inference uses so that a row is good or bad for exactly the same reasons as in training.
 */
public final class RowDecoder implements Serializable {

  private static final long serialVersionUID = 1L;
  /** Models train in float32: a finite double beyond its range would become infinity. */
  private static final String FLOAT_RANGE = ", outside the float32 range (magnitude at most " + Float.MAX_VALUE + ")";

  private final List<String> featureColumns;
  private final boolean arrayColumn;
  private final int featureSize;
  private final String label;
  private final boolean classification;
  private final int classes;
  /** The sample weight column, or null when rows weigh the same. */
  private final String weight;
  /** Why a row's malformed line makes it bad, when rows start with that column ({@link MalformedLines}); else null. */
  private final MalformedLines.Check malformed;

  RowDecoder(List<String> featureColumns, boolean arrayColumn, int featureSize, String label,
      boolean classification, int classes) {
    this(featureColumns, arrayColumn, featureSize, label, classification, classes, null, null);
  }

  private RowDecoder(List<String> featureColumns, boolean arrayColumn, int featureSize, String label,
      boolean classification, int classes, String weight, MalformedLines.Check malformed) {
    this.featureColumns = List.copyOf(featureColumns);
    this.arrayColumn = arrayColumn;
    this.featureSize = featureSize;
    this.label = label;
    this.classification = classification;
    this.classes = classes;
    this.weight = weight;
    this.malformed = malformed;
  }

  /**
   * A decoder of features only: the row holds the feature columns first (several numeric columns,
   * or one array/vector column when {@code arrayColumn}); what follows them is not read.
   *
   * @throws IllegalArgumentException when no column is named, an array column is not alone, or
   *     {@code featureSize < 1}
   */
  public static RowDecoder forFeatures(List<String> featureColumns, boolean arrayColumn, int featureSize) {
    checkArgument(featureColumns != null && !featureColumns.isEmpty(), "feature columns must not be empty, got %s",
        featureColumns);
    checkArgument(!arrayColumn || featureColumns.size() == 1, "an array feature column must be the only one, got %s",
        featureColumns);
    checkArgument(featureSize >= 1, "feature size must be >= 1, got %s", featureSize);
    checkArgument(arrayColumn || featureSize == featureColumns.size(),
        "feature size %s differs from the %s named columns %s", featureSize, featureColumns.size(), featureColumns);
    return new RowDecoder(featureColumns, arrayColumn, featureSize, null, false, 0);
  }

  /**
   * This decoder for rows that start with {@link MalformedLines}' column: a row whose line is there
   * (Spark could not read it as a row of the input's columns) is bad for the reason {@code check}
   * gives; the columns described above follow.
   */
  public RowDecoder withMalformedLineCheck(MalformedLines.Check check) {
    checkNotNull(check, "check");
    return new RowDecoder(featureColumns, arrayColumn, featureSize, label, classification, classes, weight, check);
  }

  /**
   * This decoder for rows whose label is followed by sample weight column {@code column}: a null,
   * negative or non-finite weight makes the row bad.
   *
   * @throws IllegalArgumentException for a decoder of features only
   */
  public RowDecoder withWeight(String column) {
    checkArgument(label != null, "a decoder of features only reads no weight, got weight column %s", column);
    checkArgument(column != null && !column.isBlank(), "weight column must be named, got '%s'", column);
    return new RowDecoder(featureColumns, arrayColumn, featureSize, label, classification, classes, column, malformed);
  }

  /** Whether rows carry a sample weight ({@link #withWeight}), decoded after the label. */
  public boolean weighted() {
    return weight != null;
  }

  /** Values per decoded row: features, a label and, when weighted, a weight ({@link #forFeatures}: features only). */
  public int width() {
    return label == null ? featureSize : featureSize + 1 + (weight == null ? 0 : 1);
  }

  /** Number of feature values per row. */
  public int featureSize() {
    return featureSize;
  }

  /**
   * Decodes {@code row} into {@code out} ({@link #width()} floats). Thread-safe: the decoder holds
   * no mutable state.
   *
   * @return null when the row is good, otherwise why it is bad
   */
  public String decode(Row row, float[] out) {
    int first = 0;
    if (malformed != null) {
      Object line = row.get(0);
      if (line != null) {
        return malformed.why(line.toString());
      }
      first = 1;
    }
    int labelIndex;
    if (arrayColumn) {
      String bad = decodeArray(row.get(first), out);
      if (bad != null) {
        return bad;
      }
      labelIndex = first + 1;
    } else {
      for (int i = 0; i < featureSize; i++) {
        Object v = row.get(first + i);
        String col = featureColumns.get(i);
        if (v == null) {
          return "feature column '" + col + "' is null";
        }
        double d = number(v);
        if (Double.isNaN(d) && !isNaNValue(v)) {
          return "feature column '" + col + "' holds '" + v + "', not a number" + (String.valueOf(v).strip()
              .startsWith("[") ? " (a list written as text, as pandas writes one to csv: a csv column holds one "
              + "number; write the features as columns f0..fN, or as json or parquet, whose columns hold arrays)" : "");
        }
        if (!Double.isFinite(d)) {
          return "feature column '" + col + "' holds " + v + ", not a finite number";
        }
        if (!Float.isFinite((float) d)) {
          return "feature column '" + col + "' holds " + v + FLOAT_RANGE;
        }
        out[i] = (float) d;
      }
      labelIndex = first + featureSize;
    }
    if (label == null) {
      return null;
    }
    String bad = decodeLabel(row.get(labelIndex), out);
    return bad != null || weight == null ? bad : decodeWeight(row.get(labelIndex + 1), out);
  }

  private String decodeWeight(Object v, float[] out) {
    if (v == null) {
      return "weight column '" + weight + "' is null";
    }
    double d = number(v);
    if (Double.isNaN(d) && !isNaNValue(v)) {
      return "weight column '" + weight + "' holds '" + v + "', not a number";
    }
    if (!(d >= 0) || Double.isInfinite(d) || Float.isInfinite((float) d)) {
      return "weight column '" + weight + "' holds " + v + ", not a sample weight (a finite number >= 0"
          + (d > 0 ? ", at most " + Float.MAX_VALUE : "") + ")";
    }
    out[featureSize + 1] = (float) d;
    return null;
  }

  private String decodeArray(Object v, float[] out) {
    String col = featureColumns.get(0);
    if (v == null) {
      return "feature column '" + col + "' is null";
    }
    long declared = MlVectors.sparseSize(v); // told before a sparse vector is made dense: a hostile size would not fit
    if (declared >= 0 && declared != featureSize) {
      return "feature column '" + col + "' is a sparse vector of size " + declared + ", expected " + featureSize
          + wrongCountAdvice(declared);
    }
    double[] values = toDoubles(v);
    if (values == null) {
      return "feature column '" + col + "' holds " + (v instanceof String ? "the text '" + v + "'"
          : v.getClass().getSimpleName() + " " + v) + ", not an array of numbers or a vector";
    }
    if (values.length != featureSize) {
      return "feature column '" + col + "' has " + values.length + " values, expected " + featureSize
          + wrongCountAdvice(values.length);
    }
    for (int i = 0; i < featureSize; i++) {
      if (!Double.isFinite(values[i])) {
        String text = textElement(v, i);
        if (text != null && Double.isNaN(values[i]) && !text.strip().equals("NaN")) { // a text that is no number
          return "feature column '" + col + "' element " + i + " holds '" + text + "', not a number";
        }
        return "feature column '" + col + "' element " + i + " is " + (isNullElement(v, i) ? "null" : values[i])
            + ", not a finite number";
      }
      if (!Float.isFinite((float) values[i])) {
        return "feature column '" + col + "' element " + i + " is " + values[i] + FLOAT_RANGE;
      }
      out[i] = (float) values[i];
    }
    return null;
  }

  /** What to do when every row holds {@code count} features where the decoder expects another number. */
  private String wrongCountAdvice(long count) {
    return " (if every row has " + count + ", " + (label == null ? "the model was trained on other data than this "
        + "input: name other --features, or predict with a model of " + count + " features"
        : "data.feature_size or the features named do not fit this data: fix them rather than skip every row") + ")";
  }

  private String decodeLabel(Object v, float[] out) {
    if (v == null) {
      return "label column '" + label + "' is null";
    }
    double d = number(v);
    if (!Double.isFinite(d)) {
      if (classification && v instanceof String && isName((String) v)) { // only a bad row pays for this
        return "label column '" + label + "' holds the text '" + v + BadInputException.LABEL_IS_TEXT + "an integer "
            + "from 0 to " + (classes > 0 ? classes - 1 + ": " + classes + " classes)" : "the model's outputs - 1)");
      }
      return "label column '" + label + "' holds '" + v + "', not a finite number";
    }
    if (!Float.isFinite((float) d)) {
      return "label column '" + label + "' holds " + v + FLOAT_RANGE;
    }
    if (classification) {
      if (d != Math.rint(d) || d < 0) {
        return "label column '" + label + "' holds " + v + ", not a class index (an integer >= 0)";
      }
      if (classes > 0 && d >= classes) {
        return "label column '" + label + "' holds class " + (long) d + BadInputException.LABEL_OUT_OF_RANGE + classes
            + "): the classes the model predicts (its output count: model.output_dim, or model.classes for cnn), or "
            + "data.classes when that is fewer; a model of more outputs takes more classes";
      }
      if ((float) d != d) { // kept as float32 with the features: the next float would be another class
        return "label column '" + label + "' holds class " + (long) d + ", above 16777216 (2^24), the largest class "
            + "index a float32 label holds exactly";
      }
    }
    out[featureSize] = (float) d;
    return null;
  }

  /** Whether element {@code i} of array value {@code v} is null (which {@link #toDoubles} gives as NaN). */
  private static boolean isNullElement(Object v, int i) {
    if (v instanceof scala.collection.Seq) {
      return ((scala.collection.Seq<?>) v).apply(i) == null;
    }
    if (v instanceof List) {
      return ((List<?>) v).get(i) == null;
    }
    return v instanceof String && ARRAY_TEXT_NULL.equals(arrayTextElements((String) v)[i].strip());
  }

  private static final String ARRAY_TEXT_NULL = "null";

  /** Element {@code i} of array value {@code v} when it is text (an array of strings), else null. */
  private static String textElement(Object v, int i) {
    Object e = v instanceof scala.collection.Seq ? ((scala.collection.Seq<?>) v).apply(i)
        : v instanceof List ? ((List<?>) v).get(i) : null;
    return e instanceof String || e instanceof org.apache.spark.unsafe.types.UTF8String ? e.toString() : null;
  }

  /**
   * The elements of a JSON array held as text, {@code "[1.0, 2, -3e-2]"}, or null when {@code text}
   * is not enclosed in brackets. Spark holds a json column's arrays as text when some of its rows
   * hold something else (a string, a number): it infers one type per column.
   */
  private static String[] arrayTextElements(String text) {
    String t = text.strip();
    if (t.length() < 2 || t.charAt(0) != '[' || t.charAt(t.length() - 1) != ']') {
      return null;
    }
    String inner = t.substring(1, t.length() - 1).strip();
    return inner.isEmpty() ? new String[0] : inner.split(",", -1);
  }

  /** The numbers of a JSON array held as text, NaN for null, or null when it is not such an array of numbers. */
  private static double[] arrayText(String text) {
    String[] elements = arrayTextElements(text);
    if (elements == null) {
      return null;
    }
    double[] d = new double[elements.length];
    for (int i = 0; i < d.length; i++) {
      String e = elements[i].strip();
      if (e.equals(ARRAY_TEXT_NULL)) {
        d[i] = Double.NaN;
      } else if (JSON_NUMBER.matcher(e).matches()) {
        d[i] = Double.parseDouble(e);
      } else {
        return null;
      }
    }
    return d;
  }

  /** A number as JSON writes it. */
  private static final java.util.regex.Pattern JSON_NUMBER =
      java.util.regex.Pattern.compile("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?");

  /** The number a cell holds, NaN when it holds none. */
  private static double number(Object v) {
    if (v instanceof Number) {
      return ((Number) v).doubleValue();
    }
    if (v instanceof String) {
      String t = ((String) v).strip();
      return TEXT_NUMBER.matcher(t).matches() ? Double.parseDouble(t) : Double.NaN;
    }
    return Double.NaN;
  }

  /**
   * A number written as text the way csv writers and readers outside Java agree on: decimal, with an
   * optional exponent, or Infinity/NaN (which make a row bad as non-finite). Java's own forms that
   * {@link Double#parseDouble} also takes (a type suffix as in {@code 1.5f} or {@code 1d}, hex
   * floats as in {@code 0x1p3}) are not numbers here: pandas and PyTorch users' tools refuse them.
   */
  private static final java.util.regex.Pattern TEXT_NUMBER =
      java.util.regex.Pattern.compile("[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+)?|[+-]?(Infinity|NaN)");

  /** Whether {@code text} is a word (a class name, say) rather than a number in any form Java reads. */
  private static boolean isName(String text) {
    if (text.chars().noneMatch(Character::isLetter)) {
      return false;
    }
    try {
      Double.parseDouble(text.strip()); // NaN, Infinity, 1d, 0x1p3: numbers, if not ones a label takes
      return false;
    } catch (NumberFormatException e) {
      return true;
    }
  }

  private static boolean isNaNValue(Object v) {
    return v instanceof Number || v instanceof String && ((String) v).trim().equalsIgnoreCase("nan");
  }

  /**
   * The values of an array, of a JSON array held as text, or of an ML vector (object or struct
   * form), or null for anything else.
   */
  public static double[] toDoubles(Object v) {
    if (v instanceof scala.collection.Seq) {
      scala.collection.Seq<?> seq = (scala.collection.Seq<?>) v;
      double[] d = new double[seq.length()];
      for (int i = 0; i < d.length; i++) {
        Object e = seq.apply(i);
        d[i] = e == null ? Double.NaN : number(e);
      }
      return d;
    }
    if (v instanceof List) {
      List<?> list = (List<?>) v;
      double[] d = new double[list.size()];
      for (int i = 0; i < d.length; i++) {
        Object e = list.get(i);
        d[i] = e == null ? Double.NaN : number(e);
      }
      return d;
    }
    if (v instanceof Row) {
      return MlVectors.fromStruct((Row) v);
    }
    if (v instanceof String) {
      return arrayText((String) v);
    }
    return MlVectors.fromObject(v);
  }
}
