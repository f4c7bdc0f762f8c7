package io.epochal.driver.aggregate;

import io.epochal.driver.spark.EpochalSpark;
import io.epochal.driver.spark.SparkSessions;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Sharded aggregation on {@code local[2]}. */
class SparkAggregatorTest {

  private static EpochalSpark spark;

  @BeforeAll
  static void start() {
    spark = SparkSessions.builder().setMaster("local[2]").optAppName("aggregator-test").build();
  }

  @AfterAll
  static void stop() {
    spark.close();
  }

  @Test
  void sparkPathIsBitIdenticalToInMemoryAverageWhateverTheCompletionOrder() {
    AggregationChecks.sparkPathIsBitIdenticalToInMemoryAverageInWorkerOrder(spark.jsc(),
        List.of(List.of(0, 1, 2), List.of(2, 0, 1), List.of(1, 2, 0)), 1, 2, 5);
  }

  @Test
  void driverReceivesOneModelsWorthOfBytes() throws InterruptedException {
    AggregationChecks.driverReceivesOneModelsWorthOfBytes(spark.jsc());
  }

  @Test
  void aTensorHoldingAlmostAllTheStateIsAveragedByEveryReducer() throws InterruptedException {
    AggregationChecks.aTensorHoldingAlmostAllTheStateIsAveragedByEveryReducer(spark.jsc());
  }

  @Test
  void nanInAWorkerFailsTheRoundNamingWorkerTensorAndIndex() {
    AggregationChecks.nanInAWorkerIsNamed(spark.jsc());
  }

  @Test
  void workerWithoutSamplesContributesNothing() {
    AggregationChecks.workerWithoutSamplesContributesNothing(spark.jsc());
  }

  @Test
  void roundWhereNoWorkerHadSamplesIsRefused() {
    AggregationChecks.allWorkersWithoutSamplesIsRefused(spark.jsc());
  }

  @Test
  void eachRoundsShuffleIsRemovedOnceCollected() throws Exception {
    AggregationChecks.eachRoundsShuffleIsRemovedOnceCollected(spark.jsc());
  }
}
