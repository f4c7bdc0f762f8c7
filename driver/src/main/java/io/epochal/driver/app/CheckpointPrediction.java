package io.epochal.driver.app;

import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.checkpoint.CheckpointStore;
import io.epochal.checkpoint.LoadedCheckpoint;
import io.epochal.driver.cli.CliOptions;
import io.epochal.driver.cli.ExitCodes;
import io.epochal.driver.config.JobSpecResolver;
import io.epochal.driver.data.BadInputException;
import io.epochal.driver.predict.BatchPredictor;
import io.epochal.driver.predict.OnnxModelFile;
import io.epochal.driver.predict.PredictOptions;
import io.epochal.driver.predict.PredictionSummary;
import io.epochal.driver.spark.EpochalSpark;
import io.epochal.driver.spark.SparkSessions;
import io.epochal.worker.model.ModelRegistry;
import io.epochal.worker.probe.EngineCompatibility;
import java.io.PrintStream;
import java.net.URI;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * {@code epochal predict}: a checkpoint's model (a checkpoint directory, or a job directory's newest verified
 * checkpoint), verified before it is used, or an exported ONNX file, run on Spark over the input's rows
 * ({@link BatchPredictor}). The locations are checked before Spark starts; an input row that cannot be read is named
 * as {@code predict} numbers rows.
 */
final class CheckpointPrediction {

  private final Configuration conf;
  private final PrintStream out;
  private final PrintStream err;

  CheckpointPrediction(Configuration conf, PrintStream out, PrintStream err) {
    this.conf = checkNotNull(conf, "conf");
    this.out = checkNotNull(out, "out");
    this.err = checkNotNull(err, "err");
  }

  /**
   * Predicts with {@code model} on {@code input}, to {@code output} (null: standard output), the input's columns and
   * options given by {@code dataKeys}.
   *
   * @return the exit code
   */
  int predict(URI model, URI input, URI output, Map<String, String> dataKeys, CliOptions options) throws Exception {
    // locations as every message shows them (file:///...), which Hadoop and Spark read as they read file:/...
    PredictOptions predict = PredictOptions.fromKeys(JobSpecResolver.locationText(new Path(input)),
        output == null ? null : JobSpecResolver.locationText(new Path(output)), dataKeys);
    BatchPredictor.checkLocations(predict, conf);
    String modelPath = JobSpecResolver.locationText(new Path(model));
    if (OnnxModelFile.isOnnx(modelPath, conf)) {
      OnnxModelFile onnx = OnnxModelFile.read(modelPath, conf);
      BatchPredictor.checkOnnxFeatures(onnx, predict); // before Spark starts
      return run("epochal predict " + new Path(onnx.location()).getName(), predict, options,
          predictor -> predictor.predict(onnx, predict, out));
    }
    CheckpointTarget t = CheckpointTarget.resolveModel(model, conf);
    LoadedCheckpoint c;
    try (CheckpointStore store = t.openWeights(conf)) {
      Optional<LoadedCheckpoint> loaded = t.load(store, err);
      if (loaded.isEmpty()) {
        err.println("epochal: " + modelPath + " has no checkpoint to predict with");
        return ExitCodes.FAILED;
      }
      c = loaded.get();
    }
    String warning = EngineCompatibility.withCurrent(c.manifest().versions()).warning(
        JobSpecResolver.locationText(c.path()));
    if (!warning.isEmpty()) {
      err.println("epochal: warning: " + warning);
    }
    java.util.OptionalInt refused = CheckpointVerifier.refusal(c, ModelRegistry.getDefault(), err,
        "nothing predicted: ");
    if (refused.isPresent()) {
      return refused.getAsInt();
    }
    t.noteUnfinished(c, conf, err); // of a checkpoint predicted with: one refused is not called verified
    return run("epochal predict " + c.manifest().modelName(), predict, options,
        predictor -> predictor.predict(c, predict, out));
  }

  /** What a prediction does with the predictor of a started Spark. */
  @FunctionalInterface
  private interface Prediction {
    PredictionSummary run(BatchPredictor predictor) throws Exception;
  }

  /** Starts Spark as {@code appName}, runs {@code prediction} and prints its summary where the rows did not go. */
  private int run(String appName, PredictOptions predict, CliOptions options, Prediction prediction)
      throws Exception {
    try (EpochalSpark spark = SparkSessions.builder()
        .setMaster(options.master())
        .optAppName(appName)
        .optVerbose(options.verbose())
        .optConf(options.sparkConf())
        .build()) {
      PredictionSummary summary;
      try {
        summary = prediction.run(new BatchPredictor(spark, ModelRegistry.getDefault()));
      } catch (BadInputException e) {
        throw e.forPredict();
      } catch (Exception e) {
        throw spark.whyFailed(e);
      }
      (predict.output() == null ? err : out).println(summary);
      return ExitCodes.OK;
    }
  }
}
