package io.epochal.driver.cli;

import io.epochal.driver.config.JobKeys;
import io.epochal.driver.config.JobSpec;
import io.epochal.driver.config.JobSpecResolver;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code epochal train [JOB_FILE]}: resolves and validates the job spec (job file &lt; Spark conf
 * {@code spark.epochal.<key>} &lt; {@code --set} and the shorthand flags), then starts the job.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = {"Validate a job file and start training.",
        "Sources, later winning: the job file, Spark conf spark.epochal.<key> (--conf or spark-submit), "
            + "the flags below and --set key=value. See conf/REFERENCE.md for every key."})
final class TrainCommand implements Callable<Integer> {

  @ParentCommand
  EpochalCli cli;

  @Spec
  CommandSpec spec;

  @Parameters(index = "0", arity = "0..1", paramLabel = "JOB_FILE", description = "The job file (Java properties); "
      + "optional when the keys come as Spark conf spark.epochal.<key> (spark-submit) or --set.")
  Path jobFile;

  @Option(names = "--set", paramLabel = "KEY=VALUE", converter = KeyValues.Entry.class,
      description = "Override one job key. Repeatable; a key "
      + "given twice with different values is refused.")
  List<String> sets = new ArrayList<>();

  @Option(names = "--epochs", paramLabel = "N", description = "Shorthand for --set train.epochs=N.")
  String epochs;

  @Option(names = "--workers", paramLabel = "N", description = "Shorthand for --set train.workers=N.")
  String workers;

  @Option(names = "--job-dir", paramLabel = "URI", description = "Shorthand for --set job.dir=URI.")
  String jobDir;

  @Option(names = "--data", paramLabel = "URI", description = "Shorthand for --set data.path=URI.")
  String data;

  @Option(names = "--dry-run", description = "Validate and print the spec train would run (for a job its "
      + "job.dir holds, as amended by its resumes), and say whether its "
      + "job.dir holds no job yet (then load its data on Spark and check it against the model: exit 4 if its rows "
      + "do not fit, exit 2 if a key must change, such as train.workers above the usable rows or a loss the "
      + "model's outputs do not fit), this job (then check what train would continue, as 'resume --dry-run' does) or another spec "
      + "(exit 2, with the differences); train nothing and write nothing.")
  boolean dryRun;

  @Override
  public Integer call() throws Exception {
    CliOptions options = cli.options();
    Map<String, String> overrides = new LinkedHashMap<>();
    putIfGiven(overrides, JobKeys.EPOCHS, epochs);
    putIfGiven(overrides, JobKeys.WORKERS, workers);
    putIfGiven(overrides, JobKeys.JOB_DIR, jobDir);
    putIfGiven(overrides, JobKeys.DATA_PATH, data);
    overrides = KeyValues.merge(overrides, KeyValues.parse("--set", sets));
    if (jobFile == null && overrides.isEmpty() && options.effectiveSparkConf().keySet().stream()
        .noneMatch(k -> k.startsWith(JobKeys.SPARK_CONF_PREFIX))) {
      spec.commandLine().getErr().println("epochal: no job given: pass a job file (epochal train job.properties), "
          + "or the job's keys as Spark conf (--conf " + JobKeys.SPARK_CONF_PREFIX + "job.name=... with spark-submit) "
          + "or --set key=value");
      spec.commandLine().getErr().println("Try 'epochal train --help'.");
      return ExitCodes.USAGE;
    }
    JobSpecResolver.Builder resolver = JobSpecResolver.builder().optSparkConf(options.effectiveSparkConf())
        .optHadoopConf(options.hadoopConfiguration()).optOverrides(overrides);
    Map<String, String> setKeys = KeyValues.parse("--set", sets);
    for (Map.Entry<String, String> shorthand : Map.of(JobKeys.EPOCHS, "--epochs", JobKeys.WORKERS, "--workers",
        JobKeys.JOB_DIR, "--job-dir", JobKeys.DATA_PATH, "--data").entrySet()) {
      String key = shorthand.getKey();
      if (overrides.containsKey(key) && !setKeys.containsKey(key)) {
        resolver.optOverride(key, overrides.get(key), shorthand.getValue());
      }
    }
    if (jobFile != null) {
      resolver.optJobFile(jobFile);
    }
    if (cli.catalog() != null) {
      resolver.optCatalog(cli.catalog());
    }
    JobSpec job = resolver.build().resolve();
    if (cli.catalog() == null) {
      spec.commandLine().getErr().println("epochal: the job keys are valid, but no model catalog is installed in "
          + "this build (META-INF/services/io.epochal.driver.config.ModelCatalog) to check model.name="
          + job.modelName() + " and its hyperparameters");
      return ExitCodes.INTERNAL;
    }
    if (dryRun) {
      if (cli.launcher() != null) {
        return cli.launcher().dryRun(job, options); // prints the spec as the job directory would train it
      }
      job.toPropertyLines().forEach(spec.commandLine().getOut()::println);
      spec.commandLine().getOut().flush();
      return ExitCodes.OK;
    }
    if (cli.launcher() == null) {
      spec.commandLine().getErr().println("epochal: the job spec is valid, but no training launcher is installed "
          + "in this build (META-INF/services/io.epochal.driver.cli.TrainingLauncher)");
      return ExitCodes.INTERNAL;
    }
    return cli.launcher().train(job, options);
  }

  private static void putIfGiven(Map<String, String> m, String key, String value) {
    if (value != null) {
      m.put(key, value);
    }
  }
}
