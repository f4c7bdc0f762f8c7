package io.epochal.driver.app;

import io.epochal.driver.cli.CliOptions;
import io.epochal.driver.cli.ExitCodes;
import io.epochal.driver.cli.ProgressReporter;
import io.epochal.driver.cli.TrainingLauncher;
import io.epochal.driver.config.ConfigException;
import io.epochal.driver.config.JobSpec;
import io.epochal.driver.config.JobSpecResolver;
import io.epochal.driver.spark.EpochalSpark;
import io.epochal.driver.spark.SparkSessions;
import io.epochal.driver.train.FailureReason;
import io.epochal.driver.train.TrainingException;
import io.epochal.driver.train.TrainingJob;
import io.epochal.driver.train.TrainingOutcome;
import io.epochal.job.JobSpecMismatchException;
import io.epochal.job.JobSpecStore;
import io.epochal.job.LeaseHeldException;
import java.io.PrintStream;
import java.net.URI;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Runs the CLI's commands on Spark: {@code train} and {@code resume} start a session for the
 * chosen master and run a {@link TrainingJob}; {@code status}, {@code inspect} and {@code verify}
 * read the job directory without Spark. Failures become documented exit codes with a message that
 * says what to do.
 */
public final class SparkTrainingLauncher implements TrainingLauncher {

  private final PrintStream out;
  private final PrintStream err;

  /** A launcher printing to the process's standard streams. */
  public SparkTrainingLauncher() {
    this(System.out, System.err);
  }

  /** A launcher printing to {@code out} and {@code err}. */
  public SparkTrainingLauncher(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  @Override
  public int train(JobSpec spec, CliOptions options) throws Exception {
    ProgressReporter progress = new ProgressReporter(out, System.console() != null);
    try (EpochalSpark spark = SparkSessions.builder()
        .setMaster(options.master())
        .optAppName("epochal " + spec.jobName())
        .optVerbose(options.verbose())
        .optConf(options.sparkConf())
        .build()) {
      TrainingOutcome outcome = TrainingJob.builder()
          .setSpec(spec)
          .setSpark(spark)
          .optListener(new ProgressListener(progress, err))
          .build()
          .run();
      out.printf("trained %d epochs (%d were done before this run), %d optimizer steps%n", outcome.epochs(),
          outcome.resumedFrom(), outcome.globalStep());
      out.println("checkpoints: " + outcome.checkpointsDir());
      out.println("status:      bin/epochal status " + spec.jobDir());
      return ExitCodes.OK;
    } catch (JobSpecMismatchException e) {
      err.println("epochal: " + e.getMessage());
      err.println("epochal: a job directory keeps the hyperparameters it started with; run "
          + "'bin/epochal resume " + spec.jobDir() + "' to continue it unchanged, or choose a new job.dir");
      return ExitCodes.USAGE;
    } catch (LeaseHeldException e) {
      err.println("epochal: " + e.getMessage());
      return ExitCodes.LEASE_HELD;
    } catch (TrainingException e) {
      err.println("epochal: training failed (" + e.reason() + "): " + e.getMessage());
      if (e.reason() != FailureReason.BAD_INPUT) {
        err.println("epochal: nothing committed is lost; continue with: bin/epochal resume " + spec.jobDir());
      }
      return e.reason() == FailureReason.BAD_INPUT ? ExitCodes.BAD_INPUT : ExitCodes.FAILED;
    }
  }

  @Override
  public int resume(URI jobDir, CliOptions options) throws Exception {
    Configuration conf = new Configuration();
    Path dir = new Path(jobDir);
    FileSystem fs = dir.getFileSystem(conf);
    Optional<io.epochal.job.JobSpec> stored = new JobSpecStore(fs, dir).read();
    if (stored.isEmpty()) {
      throw new ConfigException("job-dir", jobDir + " holds no job.json; it is not an Epochal job directory. "
          + "Start a job with 'bin/epochal train <job.properties>'");
    }
    JobSpec spec = JobSpec.fromHyperParameters(stored.get().getHyperParameters(), new RegistryModelCatalog());
    JobSpecResolver.checkDataPath(spec, conf);
    return train(spec, options);
  }

  @Override
  public int status(URI jobDir, CliOptions options) throws Exception {
    return new JobStatusReport(new Configuration(), out).print(jobDir);
  }

  @Override
  public int inspect(URI checkpoint, CliOptions options) throws Exception {
    return new CheckpointInspector(new Configuration(), out, err).inspect(checkpoint);
  }

  @Override
  public int verify(URI target, CliOptions options) throws Exception {
    return new CheckpointInspector(new Configuration(), out, err).verify(target);
  }
}
