/**
 * The driver benchmark of the project's speed targets: one Spark worker against the worker's local
 * loop, two workers against one, time per round against model size next to the cost of copying
 * the state, and the training stall checkpoints cause. {@link io.epochal.driver.bench.DriverBenchmark}
 * prints one markdown table; {@code bin/bench-driver} runs it. Not a timed test.
 */
package io.epochal.driver.bench;
