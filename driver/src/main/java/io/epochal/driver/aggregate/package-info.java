/**
 * Combining the workers' round results into the next global state: sample-weighted averages in
 * worker order ({@link io.epochal.driver.aggregate.WeightedAverager}), computed on the executors
 * by parameter shards of equal bytes ({@link io.epochal.driver.aggregate.ShardPlan},
 * {@link io.epochal.driver.aggregate.SparkAggregator}) so the driver receives one model's worth of
 * bytes per round.
 */
package io.epochal.driver.aggregate;
