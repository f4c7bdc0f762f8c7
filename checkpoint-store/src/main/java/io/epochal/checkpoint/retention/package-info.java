/**
 * Checkpoint retention: an immutable {@link io.epochal.checkpoint.retention.RetentionPolicy}
 * (keep last K, every M-th epoch, best N by a metric; combined by union), a pure {@link
 * io.epochal.checkpoint.retention.RetentionPlanner} that turns it into a {@link
 * io.epochal.checkpoint.retention.RetentionPlan}, and a {@link
 * io.epochal.checkpoint.retention.CheckpointCleaner} that executes the plan through a {@link
 * io.epochal.checkpoint.retention.CheckpointDeleter} and reports every failure in a {@link
 * io.epochal.checkpoint.retention.RetentionResult}. The newest verified checkpoint is never
 * deleted.
 */
package io.epochal.checkpoint.retention;
