package io.epochal.driver.aggregate;

import io.epochal.driver.spark.EpochalSpark;
import io.epochal.driver.spark.SparkSessions;
import io.epochal.tensor.StateDict;
import io.epochal.worker.round.RoundResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.storage.StorageLevel;

/**
 * Bytes the driver receives per round and time per aggregation, sharded on the executors versus
 * collecting every worker's state, for W = 2 workers.
 *
 * <p>Arguments: {@code [master] [repetitions] [params...]}, default {@code local[2] 5 1000000 10000000}.
 * "params" counts the float elements of one worker's whole state (model and optimizer tensors).
 */
public final class AggregationBenchmark {

  private AggregationBenchmark() {}

  /** Runs the benchmark and prints a table. */
  public static void main(String[] args) throws Exception {
    String master = args.length > 0 ? args[0] : "local[2]";
    int reps = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    int[] sizes = args.length > 2
        ? Arrays.stream(args, 2, args.length).mapToInt(Integer::parseInt).toArray()
        : new int[] {1_000_000, 10_000_000};
    int workers = 2;
    int shards = 2;
    List<String> rows = new ArrayList<>();
    try (EpochalSpark spark = SparkSessions.builder().setMaster(master).optAppName("aggregation-benchmark").build()) {
      if (spark.master().kind() == io.epochal.driver.spark.SparkMaster.Kind.LOCAL_CLUSTER) {
        spark.awaitExecutors(spark.master().workers(), Duration.ofSeconds(120));
      }
      DriverBytesListener listener = new DriverBytesListener();
      spark.jsc().sc().addSparkListener(listener);
      for (int target : sizes) {
        int modelParams = modelParamsFor(target);
        StateDict one = States.worker(0, modelParams).state();
        long stateBytes = one.totalBytes();
        JavaRDD<RoundResult> rdd = spark.jsc().parallelize(List.of(0, 1), workers)
            .map(w -> States.worker(w, modelParams)).persist(StorageLevel.MEMORY_ONLY());
        rdd.count();

        listener.reset();
        long t0 = System.nanoTime();
        List<RoundResult> all = rdd.collect();
        double collectMs = (System.nanoTime() - t0) / 1e6;
        long collectBytes = listener.awaitResultBytes(workers, Duration.ofSeconds(60));
        long t1 = System.nanoTime();
        WeightedAverager.average(all);
        double inMemoryMs = (System.nanoTime() - t1) / 1e6;
        all = null;

        double[] ms = new double[reps];
        long shardedBytes = 0;
        for (int r = 0; r < reps; r++) {
          listener.reset();
          long s = System.nanoTime();
          SparkAggregator.aggregate(rdd, shards);
          ms[r] = (System.nanoTime() - s) / 1e6;
          shardedBytes = listener.awaitResultBytes(workers + shards, Duration.ofSeconds(60));
        }
        Arrays.sort(ms);
        rdd.unpersist(true);
        rows.add(String.format("| %,11d | %9.1f | %19.1f | %5.2f | %23.1f | %17.0f | %14.0f | %14.0f | %16.0f |",
            one.asMap().values().stream().mapToLong(t -> t.numel()).sum(), mib(stateBytes),
            mib(shardedBytes), (double) shardedBytes / stateBytes, mib(collectBytes),
            ms[ms.length / 2], ms[0], collectMs, inMemoryMs));
      }
    }
    System.out.printf("%nAggregation, W=%d workers, S=%d shards, master %s, %d repetitions (median, min)%n",
        workers, shards, master, reps);
    System.out.println("| params      | state MiB | driver MiB, sharded | ratio | driver MiB, collect-all | sharded ms median | sharded ms min | collect-all ms | in-memory avg ms |");
    System.out.println("|-------------|-----------|---------------------|-------|-------------------------|-------------------|----------------|----------------|------------------|");
    rows.forEach(System.out::println);
  }

  /** The {@code params} argument of {@link States#model} whose state holds about {@code target} floats. */
  private static int modelParamsFor(int target) {
    // States.model holds ~1.6x its params argument (the big layer's Adam moment doubles 60%).
    return (int) Math.max(100, target / 1.6);
  }

  private static double mib(long bytes) {
    return bytes / (1024.0 * 1024.0);
  }
}
