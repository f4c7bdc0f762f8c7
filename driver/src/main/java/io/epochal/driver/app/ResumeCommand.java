package io.epochal.driver.app;

import io.epochal.driver.cli.CliOptions;
import io.epochal.driver.config.JobSpec;
import io.epochal.driver.config.ShellWords;
import org.apache.hadoop.fs.Path;

/** The command a user runs to continue a job, as its driver was launched. */
final class ResumeCommand {

  private ResumeCommand() {}

  /** The exact command that resumes {@code spec}'s job with the same master and Spark conf. */
  static String of(JobSpec spec, CliOptions options) {
    return of(new Path(spec.jobDir()), options);
  }

  /**
   * The exact command that resumes the job in {@code jobDir} with the same master and Spark conf:
   * {@code bin/epochal ...}, or, in a driver that {@code spark-submit} started (it sets {@code
   * spark.submit.deployMode}), the same submission with {@code resume <dir>} as the application's
   * arguments, since its user has the application jar and no {@code bin/epochal}.
   */
  static String of(Path jobDir, CliOptions options) {
    if (System.getProperty("spark.submit.deployMode") != null) {
      StringBuilder b = new StringBuilder("spark-submit <the submission's options> --class ")
          .append(io.epochal.driver.cli.EpochalCli.class.getName()).append(' ').append(applicationJar());
      options.sparkConf().forEach((k, v) -> b.append(" --conf ").append(ShellWords.quote(k + "=" + v)));
      return b.append(" resume ").append(ShellWords.location(jobDir)).toString();
    }
    StringBuilder b = new StringBuilder("bin/epochal");
    if (!CliOptions.DEFAULT_MASTER.equals(options.master())) {
      b.append(" --master ").append(ShellWords.quote(options.master()));
    }
    options.sparkConf().forEach((k, v) -> b.append(" --conf ").append(ShellWords.quote(k + "=" + v)));
    return b.append(" resume ").append(ShellWords.location(jobDir)).toString();
  }

  /**
   * The application jar's file name as its user knows it: the jar this class was loaded from, or
   * {@code epochal-app.jar} where that is not a jar or is a cluster manager's copy ({@code __app__.jar}).
   */
  static String applicationJar() {
    try {
      java.security.CodeSource source = ResumeCommand.class.getProtectionDomain().getCodeSource();
      String name = source == null ? "" : java.nio.file.Path.of(source.getLocation().toURI()).getFileName().toString();
      return name.endsWith(".jar") && !name.startsWith("__") ? name : "epochal-app.jar";
    } catch (java.net.URISyntaxException | RuntimeException e) {
      return "epochal-app.jar";
    }
  }
}
