package io.epochal.driver.data;

import io.epochal.driver.config.ConfigException;
import io.epochal.driver.config.SampleWeights;
import io.epochal.worker.data.DataShard;
import java.util.Locale;
import org.apache.spark.api.java.JavaRDD;

/**
 * What the sample weights ({@code data.weight}) of the loaded rows add up to: their rows, sum, largest value and how
 * many rows weigh 0. Summed shard by shard on the executors; immutable.
 *
 * @param rows the weighted rows
 * @param sum the sum of their weights
 * @param zeros how many of them weigh 0
 * @param max the largest weight (0 without rows)
 */
public record SampleWeightSummary(long rows, double sum, long zeros, double max) {

  /** The summary of one shard's weights; all zero for a shard without them. */
  static SampleWeightSummary of(DataShard shard) {
    float[] w = shard.weights();
    if (w == null) {
      return new SampleWeightSummary(0, 0, 0, 0);
    }
    double sum = 0;
    double max = 0;
    long zeros = 0;
    for (float v : w) {
      sum += v;
      max = Math.max(max, v);
      zeros += v == 0 ? 1 : 0;
    }
    return new SampleWeightSummary(w.length, sum, zeros, max);
  }

  private double[] numbers() {
    return new double[] {rows, sum, zeros, max};
  }

  /** This summary and {@code other}'s together. */
  SampleWeightSummary plus(SampleWeightSummary other) {
    return new SampleWeightSummary(rows + other.rows, sum + other.sum, zeros + other.zeros, Math.max(max, other.max));
  }

  /**
   * The summary of the weights of {@code shards}, read through options {@code o}.
   *
   * @throws ConfigException naming {@code data.weight} when every row weighs 0: a job on them would learn nothing
   */
  static SampleWeightSummary checked(JavaRDD<DataShard> shards, DataOptions o) {
    // each shard's as plain numbers: Spark's Kryo cannot serialize a record
    SampleWeightSummary s = new SampleWeightSummary(0, 0, 0, 0);
    for (double[] part : shards.map(shard -> of(shard).numbers()).collect()) {
      s = s.plus(new SampleWeightSummary((long) part[0], part[1], (long) part[2], part[3]));
    }
    if (s.sum == 0) {
      throw new ConfigException(SampleWeights.KEY, "every one of the " + s.rows + " usable rows of data.path "
          + o.path() + " weighs 0 in column '" + o.weight() + "' (" + SampleWeights.KEY + "): a job on them would "
          + "learn nothing; give the rows to learn from weights above 0, or leave " + SampleWeights.KEY + " empty");
    }
    return s;
  }

  /** One line for people: the column, the rows' total and mean weight, the largest, and the rows of weight 0. */
  public String describe(String column) {
    return String.format(Locale.ROOT, "weights (%s %s): %s over %d rows, mean %s, largest %s", SampleWeights.KEY,
        column, number(sum), rows, number(sum / Math.max(rows, 1)), number(max))
        + (zeros == 0 ? "" : "; " + zeros + " row" + (zeros == 1 ? " weighs" : "s weigh") + " 0 and train nothing");
  }

  private static String number(double v) {
    return io.epochal.driver.config.Decimals.sixDigits(v);
  }
}
