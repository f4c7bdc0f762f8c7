package io.epochal.driver.train;

import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.driver.aggregate.AggregateResult;
import io.epochal.driver.aggregate.NonFiniteStateException;
import io.epochal.driver.config.EpochMetrics;
import io.epochal.driver.config.FineTuning;
import io.epochal.driver.config.JobSpec;
import io.epochal.driver.data.LoadedDataset;
import io.epochal.driver.spark.EpochalSpark;
import io.epochal.driver.spark.SparkJobs;
import io.epochal.tensor.StateDict;
import io.epochal.worker.round.BatchPlan;
import io.epochal.worker.round.GradNorms;
import io.epochal.worker.round.LocalRound;
import io.epochal.worker.round.TrainingConfig;
import io.epochal.worker.schedule.ReduceOnPlateau;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The epochs of one attempt of a {@link TrainingJob}: each epoch's rounds through Spark (chained on
 * a single worker), its metrics and progress, and its checkpoint, committed by a {@link
 * CheckpointWriter} while the next epoch trains; a failed round or commit becomes a {@link
 * TrainingException} with its {@link FailureReason}, epoch and round. After each epoch's metrics, the
 * early-stop count and schedule {@code plateau}'s state (the rate of the next epoch) are stepped and
 * recorded with its checkpoint. Between rounds, the state is offered to a stop of the driver ({@link
 * StopSnapshot}) and, when one is due, written as a mid-epoch checkpoint ({@link MidEpochCheckpoints});
 * a run that starts from one continues its epoch at the round after it, with the epoch's sums so far.
 */
final class EpochLoop {

  private static final String DATA_ROWS = EpochMetrics.DATA_ROWS;
  private static final String SKIPPED_ROWS = EpochMetrics.SKIPPED_ROWS;
  /** About how long one chain of single-worker rounds runs (see {@link #chainLength}). */
  static final long CHAIN_NANOS = 2_000_000_000L;

  private final JobSpec spec;
  private final TrainingConfig config;
  private final EpochalSpark spark;
  private final TrainingListener listener;
  private final InPlaceRetry retry;

  EpochLoop(JobSpec spec, TrainingConfig config, EpochalSpark spark, TrainingListener listener, InPlaceRetry retry) {
    this.spec = checkNotNull(spec, "spec");
    this.config = checkNotNull(config, "config");
    this.spark = checkNotNull(spark, "spark");
    this.listener = checkNotNull(listener, "listener");
    this.retry = checkNotNull(retry, "retry");
  }

  /**
   * Trains the epochs after {@code start} on {@code data}, committing each through {@code
   * assembler} into {@code dir}'s store while the next one trains; when {@code heldOut} is not null,
   * the state of every epoch is evaluated on it before its checkpoint, whose metrics then hold
   * {@code val_loss}, {@code val_rows} and, for classification, {@code val_accuracy}.
   *
   * @throws TrainingException when a round or a commit fails; an epoch whose commit was under way
   *     when a later round failed is committed first
   */
  TrainingOutcome run(JobDirectory dir, CheckpointAssembler assembler, ResumePoint start, LoadedDataset data,
      LoadedDataset heldOut, MidEpochCheckpoints mid) throws TrainingException {
    HeldOutEvaluator evaluator = heldOut == null ? null
        : new HeldOutEvaluator(spark.jsc(), heldOut, config, spec.jobName());
    int maxRows = maxRows(data);
    BatchPlan plan = config.batchPlan();
    int rounds = plan.roundsPerEpoch(maxRows);
    int epochs = spec.epochs();
    int reduceShards = Math.max(1, Math.min(spec.workers(), spark.slots()));
    EarlyStopping stopping = EarlyStopping.start(spec, start.completedEpochs(), start.metrics(), start.rankedBy());
    if (stopping.exhausted() && start.completedEpochs() < epochs && !dir.specFile().amendsEpochs()
        && !EarlyStopping.extendedAfterOrFail(dir.fileSystem(), dir.path(), start.completedEpochs())) {
      // it stopped early at this checkpoint and the driver ended before train.epochs was amended, or a resume
      // lowered early_stop.patience to the epochs it waited already (a resume --epochs, this one or one before
      // that was stopped, trains on)
      return new TrainingOutcome(start.completedEpochs(), start.completedEpochs(), start.globalStep(), start.state(),
          dir.store().checkpointsDir(), List.of(), 0, 0).withEarlyStop(stopping.reason());
    }
    int stoppedAt = 0;
    ReduceOnPlateau plateau = start.plateau(spec.scheduleName(), config);
    RoundRunner runner = new RoundRunner(spark.jsc(), data.shards(), config, reduceShards, maxRows);
    listener.started(start.completedEpochs(), epochs, rounds, start.checkpoint());
    if (start.roundsDone() > 0) {
      checkSameRounds(start, rounds);
      listener.message("the mid-epoch checkpoint holds rounds 1-" + start.roundsDone() + " of epoch "
          + (start.completedEpochs() + 1) + (start.roundsDone() < rounds ? ": training continues at round "
          + (start.roundsDone() + 1) + " of " + rounds : ", every round of it: the epoch's checkpoint follows"));
    }
    if (config.emaDecay() > 0) {
      listener.message("keeping a moving average of the model (train.ema_decay " + config.emaDecay()
          + (config.ema().warmsUp() ? ", warming up" : "") + ")"
          + (evaluator == null ? "" : ": the val_ metrics are its, as evaluate's (--weights trained for the trained"
          + " weights')"));
    }
    if (start.checkpoint() == null || dir.specFile().amendsEpochs()) {
      // a resume cannot change it, unless its --epochs does
      ScheduleCoverage.forSteps(spec, (long) epochs * plan.stepsPerEpoch(maxRows), start.completedEpochs() > 0)
          .ifPresent(listener::warning);
    }
    StateDict state = start.state();
    long globalStep = start.globalStep();
    List<Double> losses = new ArrayList<>();
    long nanosPerRound = 0;
    long trainStart = System.nanoTime();
    EpochCommit commits = new EpochCommit(spec, dir, assembler, retry, listener, mid);
    Map<String, Double> carried = carried(start.metrics(), data); // the metrics of the epoch before, for mid-epoch ones
    try (CheckpointWriter writer = new CheckpointWriter(dir.commits(), StallWatch.of(listener),
        dir.spec().jobDirText()); ProgressFile progress = dir.progress(epochs, rounds);
        io.epochal.driver.spark.TrainingMetrics gauges = spark.trainingMetrics(spec.jobName())) {
      try {
        for (int e = start.completedEpochs(); e < epochs; e++) {
          if (e > 0 && e == config.frozen().epochs()) {
            listener.message("epoch " + (e + 1) + ": " + String.join(", ", spec.fineTuning().frozen()) + ", frozen in "
                + (e == 1 ? "the first epoch" : "the first " + e + " epochs") + " (" + FineTuning.FREEZE_EPOCHS
                + "), train from this epoch on, their optimizer state starting fresh");
          }
          boolean resumed = e == start.completedEpochs() && start.roundsDone() > 0;
          EpochProgress sums = resumed ? start.progress() : EpochProgress.NONE;
          long samplesBefore = sums.samples(); // trained before this run: not in its samples per second
          long epochStart = System.nanoTime();
          long lastMidEpoch = epochStart;
          int r = resumed ? start.roundsDone() : 0;
          progress.epochBegins(e + 1, Math.min(r + 1, rounds));
          if (r >= rounds) { // every round held by a stop's checkpoint: evaluated and committed only
            dir.heartbeat(e + 1, rounds);
            progress.round(rounds, Double.NaN, sums.meanLoss());
          }
          while (r < rounds) {
            writer.checkFinished();
            dir.heartbeat(e + 1, r + 1);
            int n = runner.singleWorker() ? Math.min(chainLength(rounds - r, nanosPerRound), mid.roundsBeforeNext(r)) : 1;
            long[] stepsBefore = new long[n];
            long step = globalStep;
            for (int i = 0; i < n; i++) {
              stepsBefore[i] = step;
              step += plan.stepsInRound(maxRows, r + i);
            }
            long roundStart = System.nanoTime();
            String which = (n == 1 ? "round " + (r + 1) : "rounds " + (r + 1) + "-" + (r + n)) + " of epoch " + (e + 1);
            String waitingFor = which + " to finish (" + (nanosPerRound == 0
                ? "the first round since the run or its retry started, with no earlier one to compare its time with: "
                + "a large model or batch makes it long; if it does not end, a paused, lost or overloaded executor"
                : "rounds took " + seconds(nanosPerRound) + " each so far; a paused, lost or overloaded executor")
                + " holds it up until Spark gives up on it after spark.network.timeout)";
            long expected = nanosPerRound * n;
            StateDict before = state;
            int epochIndex = e;
            int first = r;
            double lr = plateau == null ? LocalRound.baseLr(config) : plateau.rate();
            int[] tries = {0};
            // rounds are computed from immutable inputs: run again from the state before them, they give the same bits
            AggregateResult result = retry.run(() -> {
              if (tries[0]++ > 0) {
                dir.heartbeat(epochIndex + 1, first + 1);
              }
              try (StallWatch.Wait w = roundWatch(expected).begin(waitingFor)) {
                return rounds(runner, before, epochIndex, first, stepsBefore, epochs, rounds, lr);
              }
            }, "running " + which + " again from the state before it, kept in memory (the epoch's earlier rounds "
                + "are kept; a second failure reloads the newest verified checkpoint and reads the rows again),", 1);
            long nanos = System.nanoTime() - roundStart;
            nanosPerRound = nanos / n;
            state = result.state();
            globalStep = step;
            sums = sums.plus(result);
            r += n;
            // the epoch's mean loss so far: a single worker's chains of rounds end where timing puts them
            double samplesPerSecond = result.samples() / Math.max(nanos / 1e9, 1e-9);
            gauges.round(e + 1, epochs, r, rounds, globalStep, samplesPerSecond, sums.meanLoss());
            listener.round(e + 1, epochs, r, rounds, samplesPerSecond, sums.meanLoss());
            progress.round(r, samplesPerSecond, sums.meanLoss());
            MidEpochCheckpoints.Write write = midEpochWrite(assembler, dir, e, r, rounds, globalStep, state, carried,
                sums, data.digest(), plateau);
            // what a stop of the driver writes; after the last round too, until the epoch's own checkpoint is
            // published (its held-out evaluation, or the wait for the write before it, may be long)
            StopSnapshot stop = dir.commits().stopSnapshot();
            stop.offer(e + 1, r, globalStep, write);
            if (r >= rounds) {
              continue;
            }
            long now = System.nanoTime();
            // one due while a write is under way (the epoch before's) waits for it: the rounds asked for are kept
            if (mid.due(r, rounds, lastMidEpoch, now) && !dir.commits().isStopped()) {
              lastMidEpoch = now;
              long at = globalStep;
              writer.submit(e + 1, "the mid-epoch checkpoint of epoch " + (e + 1) + " after round " + r, () -> {
                io.epochal.checkpoint.CheckpointManifest m = write.to(mid);
                if (m != null) {
                  retry.progressed(); // attempts count from the newest checkpoint, mid-epoch ones too
                  stop.written(at);
                }
                return m;
              });
            }
          }
          long samples = sums.samples();
          long correct = sums.correct();
          double absErrorSum = sums.absErrorSum();
          GradNorms norms = sums.norms();
          double meanLoss = sums.meanLoss();
          losses.add(meanLoss);
          Map<String, Double> metrics = new LinkedHashMap<>();
          metrics.put(EpochMetrics.TRAIN_LOSS, meanLoss);
          if (correct >= 0 && samples > 0) {
            metrics.put(EpochMetrics.TRAIN_ACCURACY, (double) correct / samples);
            listener.trainAccuracy(e + 1, epochs, (double) correct / samples);
          }
          if (samples > 0 && Double.isFinite(absErrorSum)) {
            metrics.put(EpochMetrics.TRAIN_MAE, absErrorSum / samples);
            listener.trainMeanAbsoluteError(e + 1, epochs, absErrorSum / samples);
          }
          if (norms.steps() > 0) {
            metrics.put(EpochMetrics.GRAD_NORM, norms.mean());
            metrics.put(EpochMetrics.GRAD_NORM_MAX, norms.max());
            metrics.put(EpochMetrics.GRAD_CLIPPED, (double) norms.clipped() / norms.steps());
            listener.gradNorms(e + 1, epochs, norms);
          }
          metrics.put(EpochMetrics.SAMPLES, (double) samples);
          metrics.put(SKIPPED_ROWS, (double) data.skippedRows());
          metrics.put(DATA_ROWS, (double) data.rows());
          double epochSecs = (System.nanoTime() - epochStart) / 1e9;
          double perSecond = (samples - samplesBefore) / Math.max(epochSecs, 1e-9);
          metrics.put(EpochMetrics.SAMPLES_PER_SECOND, perSecond);
          if (evaluator != null) {
            writer.checkFinished();
            metrics.putAll(validate(evaluator, state, e + 1, epochs, rounds));
          }
          if (stopping.enabled()) { // its state is part of the checkpoint: a resume continues the count
            stopping = stopping.after(e + 1, metrics);
            metrics.putAll(stopping.metrics());
          }
          ReduceOnPlateau before = plateau;
          if (plateau != null) { // torch's scheduler.step(metric) after the epoch: the next epoch's rate
            plateau = plateau.step(metrics.get(plateau.monitor()));
          }
          listener.epoch(e + 1, epochs, meanLoss, perSecond);
          if (plateau != null) {
            int done = e + 1;
            plateau.progress(before).ifPresent(p -> listener.message("epoch " + done + ": " + p));
          }
          if (stopping.waited() > 0 && !stopping.exhausted()) {
            listener.message("epoch " + (e + 1) + ": " + stopping.progress());
          }
          final int epoch = e + 1;
          final StateDict snapshot = state;
          final long step = globalStep;
          final ReduceOnPlateau schedule = plateau;
          writer.submit(epoch, () -> commits.commit(epoch, step, rounds, snapshot, metrics, data.digest(), schedule));
          carried = metrics;
          if (stopping.exhausted() && epoch < epochs) {
            stoppedAt = epoch;
            listener.message("epoch " + epoch + " is the last: " + stopping.waited() + " epochs in a row did not "
                + "improve " + spec.earlyStop().monitor() + " (" + io.epochal.driver.config.JobKeys.EARLY_STOP_PATIENCE
                + " = " + spec.earlyStop().patience() + "); the job stops early after its checkpoint");
            break;
          }
        }
        writer.await();
      } catch (TrainingException | RuntimeException | Error failure) {
        // a round of epoch e + 1 failed while epoch e was being committed: keep that epoch
        writer.finishAfter(failure);
        throw failure;
      }
      TrainingOutcome trained = new TrainingOutcome(stoppedAt > 0 ? stoppedAt : epochs, start.completedEpochs(),
          globalStep, state, dir.store().checkpointsDir(), losses, writer.stallNanos(), System.nanoTime() - trainStart);
      return stoppedAt > 0 ? trained.withEarlyStop(stopping.reason()) : trained;
    }
  }

  /**
   * The write of the state after {@code round} of the {@code rounds} rounds of epoch {@code e + 1} as a mid-epoch
   * checkpoint, the metrics of the epoch before ({@code carried}) and the epoch's sums so far with it.
   */
  private static MidEpochCheckpoints.Write midEpochWrite(CheckpointAssembler assembler, JobDirectory dir, int e,
      int round, int rounds, long step, StateDict state, Map<String, Double> carried, EpochProgress sums,
      String digest, ReduceOnPlateau plateau) {
    // the guard is taken when it is written, not after every round: most offers are never written
    return to -> to.write(assembler, dir.commitGuard(), e, round, rounds, step, state, carried, sums, digest, plateau);
  }

  /** The metrics of the epoch before that mid-epoch checkpoints carry, with the data's rows a resume checks. */
  private static Map<String, Double> carried(Map<String, Double> metrics, LoadedDataset data) {
    Map<String, Double> m = new LinkedHashMap<>(metrics);
    m.put(SKIPPED_ROWS, (double) data.skippedRows());
    m.put(DATA_ROWS, (double) data.rows());
    return m;
  }

  /** The rows of the largest worker's shard of {@code data}. */
  private static int maxRows(LoadedDataset data) {
    int maxRows = 0;
    for (int w = 0; w < data.workers(); w++) {
      maxRows = Math.max(maxRows, Math.toIntExact(data.rowsOf(w)));
    }
    return maxRows;
  }

  /** The rounds of an epoch of {@code config} on {@code data}: those of its largest shard. */
  static int roundsPerEpoch(TrainingConfig config, LoadedDataset data) {
    return config.batchPlan().roundsPerEpoch(maxRows(data));
  }

  /**
   * Refuses a mid-epoch checkpoint of an epoch of another number of rounds (the data's rows or the
   * batch plan changed, which the checks before would have refused): its rounds are not these.
   */
  static void checkSameRounds(ResumePoint start, int rounds) throws TrainingException {
    int recorded = start.roundsPerEpoch();
    if (recorded >= 0 && recorded != rounds) {
      throw new TrainingException(FailureReason.INCOMPATIBLE_JOB, start.completedEpochs() + 1, start.roundsDone(),
          "mid-epoch checkpoint " + io.epochal.driver.config.JobSpecResolver.locationText(start.checkpoint())
          + " holds " + start.roundsDone() + " of " + recorded + " rounds of epoch " + (start.completedEpochs() + 1)
          + ", but the epoch has " + rounds + " rounds now: move it aside to resume from the epoch's start", null);
    }
  }

  /**
   * Evaluates the state of epoch {@code epoch} on the held-out rows: its metrics for the checkpoint,
   * said to the listener. A failure the run retries evaluates the same state again ({@link
   * InPlaceRetry}: the epoch is not trained again); one it does not fails the epoch as a failed
   * round would (its checkpoint is not written, a retry trains the epoch again).
   */
  private Map<String, Double> validate(HeldOutEvaluator evaluator, StateDict state, int epoch, int epochs,
      int rounds) throws TrainingException {
    long start = System.nanoTime();
    io.epochal.worker.round.EvaluationResult held = retry.run(() -> {
      try (StallWatch.Wait w = roundWatch(0).begin("epoch " + epoch + "'s evaluation on the " + evaluator.rows()
          + " held-out rows to finish (a paused, lost or overloaded executor holds it up until Spark gives up on it "
          + "after spark.network.timeout)")) {
        return evaluator.evaluate(state, epoch, epochs);
      } catch (Exception ex) {
        // Spark's SparkException is checked but thrown undeclared from Scala: catch every exception.
        FailureReason reason = FailureClassifier.ofRound(ex);
        throw new TrainingException(reason, epoch, rounds, "epoch " + epoch + "'s evaluation on the held-out rows ("
            + io.epochal.driver.config.JobKeys.DATA_VALIDATION_PATH + ") " + (reason == FailureReason.WORKER_LOST
            ? "lost an executor" : "failed") + ": "
            + FailureClassifier.taskMessage(ex).orElse(FailureClassifier.firstLine(ex.getMessage())), ex);
      }
    }, "evaluating epoch " + epoch + "'s trained state again, without training the epoch again,");
    listener.validated(epoch, epochs, held, (System.nanoTime() - start) / 1_000_000, config.emaDecay() > 0);
    return HeldOutEvaluator.metrics(held, epoch, listener::warning);
  }

  /** A round (or chain of rounds) expected to take {@code expectedNanos} is mentioned after 10 times that, 30 s at least. */
  private StallWatch roundWatch(long expectedNanos) {
    long ms = Math.max(StallWatch.PERIOD.toMillis(), 10 * java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(expectedNanos));
    return new StallWatch(listener::warning, listener::message, java.time.Duration.ofMillis(ms));
  }

  private static String seconds(long nanos) {
    return String.format(java.util.Locale.ROOT, "%.1f s", nanos / 1e9);
  }

  /**
   * How many of the {@code left} remaining rounds of the epoch a single worker runs as one chain:
   * the count whose time at the last measured time per round comes nearest to {@link #CHAIN_NANOS}
   * (one round before anything was measured): progress still arrives about every two seconds, and
   * a Spark job's fixed cost (about 40 ms, with the broadcast and the result) stays near 2 % of the
   * chain instead of each round of a second paying 4 % for its own.
   */
  static int chainLength(int left, long nanosPerRound) {
    if (nanosPerRound <= 0) {
      return 1;
    }
    long nearest = Math.round((double) CHAIN_NANOS / nanosPerRound);
    return (int) Math.max(1, Math.min(left, nearest));
  }

  /**
   * Runs rounds {@code r..r+n-1} (0-based) of epoch {@code e}, {@code n = stepsBefore.length}: as
   * one chain on a single worker, else one round ({@code n = 1}) through the sharded aggregation.
   */
  private AggregateResult rounds(RoundRunner runner, StateDict state, int e, int r, long[] stepsBefore, int epochs,
      int rounds, double baseLr) throws TrainingException {
    int last = r + stepsBefore.length;
    boolean one = stepsBefore.length == 1;
    String label = SparkJobs.roundLabel(e + 1, epochs, r + 1, rounds) + (one ? "" : "\u2013" + last);
    String job = spec.jobName() + ": " + label;
    try {
      return runner.singleWorker() ? runner.runChain(state, e, r, stepsBefore, baseLr, job)
          : runner.run(state, e, r, stepsBefore[0], baseLr, job);
    } catch (NonFiniteStateException ex) {
      // the runner names the epoch and the round that produced the value, and what to do
      throw new TrainingException(FailureReason.NON_FINITE_STATE, e + 1, ex.round() > 0 ? ex.round() : r + 1,
          ex.getMessage(), ex);
    } catch (Exception ex) {
      // Spark's SparkException is checked but thrown undeclared from Scala: catch every exception.
      FailureReason reason = FailureClassifier.ofRound(ex);
      String what = reason == FailureReason.WORKER_LOST ? "lost an executor" : "failed";
      String which = one ? " round " + (r + 1) : " rounds " + (r + 1) + "-" + last;
      throw new TrainingException(reason, e + 1, r + 1, "epoch " + (e + 1) + which + " " + what + ": "
          + FailureClassifier.taskMessage(ex).orElse(FailureClassifier.firstLine(ex.getMessage())), ex);
    } finally {
      runner.newDeviceWarnings().forEach(listener::warning); // an executor's log is seldom read
    }
  }
}
