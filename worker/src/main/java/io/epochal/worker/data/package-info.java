/** The training data as a worker sees it: one dense, immutable shard per worker. */
package io.epochal.worker.data;
