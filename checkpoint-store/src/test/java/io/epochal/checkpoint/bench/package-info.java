/** Benchmark entry points for the checkpoint store; they print tables and are not tests. */
package io.epochal.checkpoint.bench;
