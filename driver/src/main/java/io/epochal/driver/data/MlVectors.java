package io.epochal.driver.data;

import java.lang.reflect.Method;
import java.util.List;
import org.apache.spark.sql.Row;

/**
 * Spark ML vectors as feature values: the object form ({@code org.apache.spark.ml.linalg} and
 * {@code mllib.linalg} vectors, found by name, so that Spark ML need not be on the class path) and
 * the struct form a Parquet file holds them in (type 0 sparse or 1 dense, size, indices, values).
 * A sparse vector is made dense only when its declared size is sane ({@link #MAX_DENSE}).
 */
final class MlVectors {

  private MlVectors() {}

  /** The values of an ML vector object, or null for anything else (or a sparse one over {@link #MAX_DENSE}). */
  static double[] fromObject(Object v) {
    if (v == null) {
      return null; // a vector struct's null values or indices
    }
    try {
      Method toArray = v.getClass().getMethod("toArray");
      if (toArray.getReturnType() == double[].class && v.getClass().getName().contains(".linalg.")) {
        return sparseSize(v) > MAX_DENSE ? null : (double[]) toArray.invoke(v);
      }
    } catch (ReflectiveOperationException e) {
      return null;
    }
    return null;
  }

  /** The most values a sparse vector is made dense to (a larger one is no feature vector of a row). */
  static final long MAX_DENSE = 1L << 28;

  /**
   * The size a sparse ML vector declares (object form, or the struct form of type 0), -1 for any
   * other value.
   */
  static long sparseSize(Object v) {
    if (v instanceof Row) {
      Row r = (Row) v;
      List<String> names = List.of(r.schema() == null ? new String[0] : r.schema().fieldNames());
      if (!names.containsAll(List.of("type", "size")) || !(r.get(r.fieldIndex("type")) instanceof Number)
          || ((Number) r.get(r.fieldIndex("type"))).intValue() != 0
          || !(r.get(r.fieldIndex("size")) instanceof Number)) {
        return -1;
      }
      return ((Number) r.get(r.fieldIndex("size"))).longValue();
    }
    if (v != null && v.getClass().getName().contains(".linalg.") && v.getClass().getSimpleName().startsWith("Sparse")) {
      try {
        Object size = v.getClass().getMethod("size").invoke(v);
        return size instanceof Number ? ((Number) size).longValue() : -1;
      } catch (ReflectiveOperationException e) {
        return -1;
      }
    }
    return -1;
  }

  /** The struct form of an ML vector: type (0 sparse, 1 dense), size, indices, values. */
  static double[] fromStruct(Row r) {
    if (r.schema() == null) {
      return null; // a struct without field names is no vector
    }
    List<String> names = List.of(r.schema().fieldNames());
    if (!names.containsAll(List.of("type", "values"))) {
      return null;
    }
    double[] values = RowDecoder.toDoubles(r.get(r.fieldIndex("values")));
    Object type = r.get(r.fieldIndex("type"));
    if (values == null || !(type instanceof Number)) {
      return null;
    }
    if (((Number) type).intValue() == 1) {
      return values;
    }
    if (!names.containsAll(List.of("indices", "size"))) {
      return null;
    }
    double[] indices = RowDecoder.toDoubles(r.get(r.fieldIndex("indices")));
    Object size = r.get(r.fieldIndex("size"));
    if (indices == null || !(size instanceof Number) || indices.length != values.length
        || ((Number) size).longValue() < 0 || ((Number) size).longValue() > MAX_DENSE) {
      return null;
    }
    double[] dense = new double[((Number) size).intValue()];
    for (int i = 0; i < indices.length; i++) {
      // as Spark ML's SparseVector requires: whole, strictly increasing indices inside the size (a null
      // index reads as NaN, which an int cast would take as 0)
      double index = indices[i];
      int at = (int) index;
      if (at != index || at < 0 || at >= dense.length || (i > 0 && index <= indices[i - 1])) {
        return null;
      }
      dense[at] = values[i];
    }
    return dense;
  }
}
