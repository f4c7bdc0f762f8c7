/**
 * The training job: epochs of rounds on the workers, aggregation, a checkpoint after every epoch
 * (written while the next epoch trains) and, when asked or when the driver is stopped, inside it,
 * resume from the newest verified checkpoint with identical hyperparameters, and recovery within a
 * running driver.
 *
 * <p>Roles: {@link io.epochal.driver.train.TrainingJob} coordinates; {@link
 * io.epochal.driver.train.RoundRunner} runs one round through Spark; {@link
 * io.epochal.driver.train.CheckpointAssembler} turns a global state into a checkpoint's content;
 * {@link io.epochal.driver.train.CheckpointWriter} commits in the background, one at a time, what
 * {@link io.epochal.driver.train.EpochCommit} writes (again from memory after a failed try, or
 * once the file system takes it); {@link io.epochal.driver.train.MidEpochCheckpoints} writes and finds
 * the checkpoints between rounds, {@link io.epochal.driver.train.StopSnapshot} the one a stop writes;
 * {@link io.epochal.driver.train.FailureManager} decides whether
 * and when to retry; {@link io.epochal.driver.train.InPlaceRetry} repeats a failed round,
 * evaluation or write from the state in memory before a retry reloads a checkpoint; {@link
 * io.epochal.driver.train.ShutdownStop} gives the job up when the driver's JVM shuts down, after
 * letting the commit in flight publish ({@link io.epochal.driver.train.CommitDrain}); {@link
 * io.epochal.driver.train.JobOutcome} writes how the driver leaves the job, only while it holds
 * the lease; {@link io.epochal.driver.train.FinishedJob} answers for a job found COMPLETED; {@link
 * io.epochal.driver.train.LabelledRowsEvaluator} evaluates checkpoints on labelled rows as the job
 * evaluates its held-out rows; {@link io.epochal.driver.train.ProgressFile} reports where the driver
 * is to the job's {@code progress.json}, for {@code status}.
 */
package io.epochal.driver.train;
