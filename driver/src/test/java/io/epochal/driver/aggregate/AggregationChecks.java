package io.epochal.driver.aggregate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import io.epochal.worker.round.RoundResult;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

/** The aggregation properties, checked against a given Spark context (local or local-cluster). */
final class AggregationChecks {

  private AggregationChecks() {}

  /** Worker results computed on the executors, partitions in {@code order}, worker 0 finishing last. */
  static JavaRDD<RoundResult> results(JavaSparkContext jsc, List<Integer> order, int params) {
    int workers = order.size();
    return jsc.parallelize(order, workers).map(w -> {
      Thread.sleep(80L * (workers - w));
      return States.worker(w, params);
    });
  }

  /**
   * Every round's shuffle is unregistered once its pieces are collected, also when the round fails:
   * none waits for the driver's garbage collector, holding every worker's state on the executors' disks.
   */
  static void eachRoundsShuffleIsRemovedOnceCollected(JavaSparkContext jsc) throws Exception {
    List<Integer> shuffles = new java.util.concurrent.CopyOnWriteArrayList<>();
    org.apache.spark.scheduler.SparkListener listener = new org.apache.spark.scheduler.SparkListener() {
      @Override
      public void onStageSubmitted(org.apache.spark.scheduler.SparkListenerStageSubmitted submitted) {
        scala.Option<Object> id = submitted.stageInfo().shuffleDepId();
        if (id.isDefined()) {
          shuffles.add((Integer) id.get());
        }
      }
    };
    jsc.sc().addSparkListener(listener);
    try {
      for (int round = 0; round < 3; round++) {
        SparkAggregator.aggregate(results(jsc, List.of(0, 1, 2), 2_000), 2);
      }
      JavaRDD<RoundResult> diverged = jsc.parallelize(List.of(0, 1), 2).map(w -> {
        RoundResult r = States.worker(w, 2_000);
        return new RoundResult(w, r.samples(), r.steps(), w == 1 ? Double.NaN : r.lossSum(), r.state());
      });
      assertThatThrownBy(() -> SparkAggregator.aggregate(diverged, 2)).isInstanceOf(NonFiniteStateException.class);
      jsc.sc().listenerBus().waitUntilEmpty();
    } finally {
      jsc.sc().removeSparkListener(listener);
    }
    assertThat(shuffles).hasSize(4);
    org.apache.spark.MapOutputTrackerMaster tracker =
        (org.apache.spark.MapOutputTrackerMaster) org.apache.spark.SparkEnv.get().mapOutputTracker();
    assertThat(shuffles).noneMatch(tracker::containsShuffle);
  }

  static void sparkPathIsBitIdenticalToInMemoryAverageInWorkerOrder(JavaSparkContext jsc,
      List<List<Integer>> orders, int... shardCounts) {
    int params = 20_000;
    List<RoundResult> inMemory = States.round(3, params);
    StateDict expected = WeightedAverager.average(inMemory);
    for (List<Integer> order : orders) {
      for (int shards : shardCounts) {
        AggregateResult r = SparkAggregator.aggregate(results(jsc, order, params), shards);
        assertThat(r.state().nameList()).isEqualTo(expected.nameList());
        for (String name : expected.names()) {
          assertThat(bytes(r.state().require(name))).as("%s, order %s, %s shards", name, order, shards)
              .isEqualTo(bytes(expected.require(name)));
        }
        assertThat(r.samples()).isEqualTo(100 + 137 + 174);
        assertThat(r.steps()).isEqualTo(6);
        assertThat(r.contributors()).isEqualTo(3);
        double loss = 0;
        long correct = 0;
        double absErrors = 0;
        for (RoundResult x : inMemory) {
          loss += x.lossSum();
          correct += x.correct();
          absErrors += x.absErrorSum();
        }
        assertThat(r.lossSum()).isEqualTo(loss);
        assertThat(r.absErrorSum()).as("absolute errors summed over the workers").isEqualTo(absErrors).isPositive();
        assertThat(r.correct()).as("correct predictions summed over the workers").isEqualTo(correct)
            .isEqualTo(50 + 68 + 1 + 87 + 2);
      }
    }
  }

  static void driverReceivesOneModelsWorthOfBytes(JavaSparkContext jsc) throws InterruptedException {
    DriverBytesListener listener = new DriverBytesListener();
    jsc.sc().addSparkListener(listener);
    try {
      int params = 200_000;
      long modelBytes = States.worker(0, params).state().totalBytes();
      int workers = 2;
      int shards = 2;
      JavaRDD<RoundResult> rdd = results(jsc, List.of(0, 1), params);
      listener.reset();
      SparkAggregator.aggregate(rdd, shards);
      long received = listener.resultBytesOfExactly(workers + shards, jsc.sc());
      assertThat(received).isBetween(modelBytes, modelBytes + modelBytes / 20 + 64 * 1024);
    } finally {
      jsc.sc().removeSparkListener(listener);
    }
  }

  static void aTensorHoldingAlmostAllTheStateIsAveragedByEveryReducer(JavaSparkContext jsc)
      throws InterruptedException {
    DriverBytesListener listener = new DriverBytesListener();
    jsc.sc().addSparkListener(listener);
    try {
      int rows = 4096; // 1 MiB of the state's 1 MiB + 256 bytes
      JavaRDD<RoundResult> rdd = jsc.parallelize(List.of(0, 1), 2).map(w -> States.wide(w, rows));
      listener.reset();
      AggregateResult r = SparkAggregator.aggregate(rdd, 2);
      listener.resultBytesOfExactly(4, jsc.sc()); // 2 map tasks, 2 reducers: no third reader of the shuffle
      List<Long> reducers = listener.shuffleReads().stream().filter(b -> b > 0).toList();
      assertThat(reducers).as("shuffle bytes read by each reducer").hasSize(2);
      long total = reducers.get(0) + reducers.get(1);
      assertThat(total).isGreaterThan(2L * rows * 64 * 4); // both workers' copies, a little more for the framing
      for (long read : reducers) {
        assertThat((double) read / total).as("a reducer's share of %s", reducers).isBetween(0.45, 0.55);
      }
      StateDict expected = WeightedAverager.average(List.of(States.wide(0, rows), States.wide(1, rows)));
      assertThat(r.state().require("embedding.weight").shape()).containsExactly(rows, 64);
      assertThat(bytes(r.state().require("embedding.weight"))).isEqualTo(bytes(expected.require("embedding.weight")));
      assertThat(r.state()).isEqualTo(expected);
    } finally {
      jsc.sc().removeSparkListener(listener);
    }
  }

  static void nanInAWorkerIsNamed(JavaSparkContext jsc) {
    JavaRDD<RoundResult> rdd = jsc.parallelize(List.of(0, 1), 2).map(w -> {
      RoundResult r = States.worker(w, 1000);
      if (w == 1) {
        StateDict.Builder b = StateDict.builder();
        for (var e : r.state()) {
          if (e.getKey().equals("net.1.weight")) {
            float[] v = e.getValue().toFloatArray();
            v[7] = Float.NaN;
            b.put(e.getKey(), Tensor.ofFloats(e.getValue().shape(), v));
          } else {
            b.put(e.getKey(), e.getValue());
          }
        }
        return new RoundResult(w, r.samples(), r.steps(), r.lossSum(), b.build());
      }
      return r;
    });
    assertThatThrownBy(() -> SparkAggregator.aggregate(rdd, 2))
        .isInstanceOfSatisfying(NonFiniteStateException.class, e -> {
          assertThat(e.worker()).isEqualTo(1);
          assertThat(e.tensor()).isEqualTo("net.1.weight");
          assertThat(e.index()).isEqualTo(7);
        });
  }

  static void workerWithoutSamplesContributesNothing(JavaSparkContext jsc) {
    JavaRDD<RoundResult> rdd = jsc.parallelize(List.of(0, 1), 2).map(w -> w == 0
        ? States.worker(0, 3000)
        : new RoundResult(1, 0, 0, 0, States.model(3000, 99, 1_000_000, 1e6f)));
    AggregateResult r = SparkAggregator.aggregate(rdd, 3);
    StateDict only = States.worker(0, 3000).state();
    assertThat(r.state()).isEqualTo(only);
    assertThat(r.contributors()).isEqualTo(1);
    assertThat(r.samples()).isEqualTo(States.worker(0, 3000).samples());
  }

  static void allWorkersWithoutSamplesIsRefused(JavaSparkContext jsc) {
    JavaRDD<RoundResult> rdd = jsc.parallelize(List.of(0, 1), 2)
        .map(w -> new RoundResult(w, 0, 0, 0, States.model(100, w, 0, 0f)));
    assertThatThrownBy(() -> SparkAggregator.aggregate(rdd, 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("all 2 workers returned 0 samples");
  }

  static byte[] bytes(Tensor t) {
    ByteBuffer b = t.data();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }
}
