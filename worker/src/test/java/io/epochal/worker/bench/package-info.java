/**
 * Benchmark entry points for the worker (main classes, not tests): {@link
 * io.epochal.worker.bench.RoundBenchmark} measures the local training round against a plain DJL
 * training loop. Run them with {@code bin/bench-worker}.
 */
package io.epochal.worker.bench;
