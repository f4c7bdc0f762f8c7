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
 * @param column the weight column ({@code data.weight})
 * @param rows the weighted rows
 * @param sum the sum of their weights
 * @param zeros how many of them weigh 0
 * @param max the largest weight (0 without rows)
 */
public record SampleWeightSummary(String column, long rows, double sum, long zeros, double max) {

  /** One shard's weights as plain numbers (Spark's Kryo cannot serialize a record): rows, sum, zeros, largest. */
  private static double[] numbers(DataShard shard) {
    float[] w = shard.weights();
    double[] n = new double[4];
    for (int i = 0; w != null && i < w.length; i++) {
      n[0]++;
      n[1] += w[i];
      n[2] += w[i] == 0 ? 1 : 0;
      n[3] = Math.max(n[3], w[i]);
    }
    return n;
  }

  /**
   * The summary of the weights of {@code shards}, read through options {@code o}.
   *
   * @throws ConfigException naming {@code data.weight} when every row weighs 0: a job on them would learn nothing
   */
  static SampleWeightSummary checked(JavaRDD<DataShard> shards, DataOptions o) {
    double[] t = new double[4];
    for (double[] part : shards.map(SampleWeightSummary::numbers).collect()) {
      t[0] += part[0];
      t[1] += part[1];
      t[2] += part[2];
      t[3] = Math.max(t[3], part[3]);
    }
    SampleWeightSummary s = new SampleWeightSummary(o.weight(), (long) t[0], t[1], (long) t[2], t[3]);
    if (s.sum == 0) {
      throw new ConfigException(SampleWeights.KEY, "every one of the " + s.rows + " usable rows of data.path "
          + o.path() + " weighs 0 in column '" + o.weight() + "' (" + SampleWeights.KEY + "): a job on them would "
          + "learn nothing; give the rows to learn from weights above 0, or leave " + SampleWeights.KEY + " empty");
    }
    return s;
  }

  /** One line for people: the column, the rows' total and mean weight, the largest, and the rows of weight 0. */
  public String describe() {
    return String.format(Locale.ROOT, "weights (%s %s): %s over %d rows, mean %s, largest %s", SampleWeights.KEY,
        column, number(sum), rows, number(sum / Math.max(rows, 1)), number(max))
        + (zeros == 0 ? "" : "; " + zeros + " row" + (zeros == 1 ? " weighs" : "s weigh") + " 0 and train nothing");
  }

  private static String number(double v) {
    return io.epochal.driver.config.Decimals.sixDigits(v);
  }
}
