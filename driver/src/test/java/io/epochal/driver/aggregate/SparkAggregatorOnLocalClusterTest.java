package io.epochal.driver.aggregate;

import io.epochal.driver.spark.EpochalSpark;
import io.epochal.driver.spark.SparkSessions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Sharded aggregation across separate executor JVMs ({@code local-cluster[2,1,1024]}). */
class SparkAggregatorOnLocalClusterTest {

  private static EpochalSpark spark;

  @BeforeAll
  static void start() {
    spark = SparkSessions.builder().setMaster("local-cluster[2,1,1024]")
        .optAppName("aggregator-cluster-test").optConf("spark.task.maxFailures", "1").build();
    spark.awaitExecutors(2, Duration.ofSeconds(90));
  }

  @AfterAll
  static void stop() {
    spark.close();
  }

  @Test
  void sparkPathIsBitIdenticalToInMemoryAverageAcrossExecutorJvms() {
    AggregationChecks.sparkPathIsBitIdenticalToInMemoryAverageInWorkerOrder(spark.jsc(),
        List.of(List.of(0, 1, 2), List.of(2, 1, 0)), 2, 3);
  }

  @Test
  void driverReceivesOneModelsWorthOfBytes() throws InterruptedException {
    AggregationChecks.driverReceivesOneModelsWorthOfBytes(spark.jsc());
  }

  @Test
  void aTensorHoldingAlmostAllTheStateIsAveragedByEveryReducerAcrossExecutorJvms() throws InterruptedException {
    AggregationChecks.aTensorHoldingAlmostAllTheStateIsAveragedByEveryReducer(spark.jsc());
  }

  @Test
  void nanInAWorkerFailsTheRoundNamingWorkerTensorAndIndex() {
    AggregationChecks.nanInAWorkerIsNamed(spark.jsc());
  }

  @Test
  void eachRoundsShuffleIsRemovedOnceCollectedAcrossExecutorJvms() throws Exception {
    AggregationChecks.eachRoundsShuffleIsRemovedOnceCollected(spark.jsc());
  }
}
