package io.epochal.driver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.driver.config.ModelCatalog;
import io.epochal.driver.config.TestModelCatalog;
import io.epochal.driver.data.DataOptions;
import io.epochal.driver.data.DatasetLoader;
import io.epochal.driver.data.LoadedDataset;
import io.epochal.worker.data.DataShard;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class EpochalCliTest {

  private static SparkSession spark;

  @TempDir
  Path tmp;

  private Path jobFile;
  private Path jobDir;

  @BeforeAll
  static void startSpark() {
    spark = SparkSession.builder().master("local[2]").appName("EpochalCliTest")
        .config("spark.ui.enabled", "false")
        .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate();
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  @BeforeEach
  void writeJobFile() throws IOException {
    Path data = Files.createDirectories(tmp.resolve("data"));
    jobDir = tmp.resolve("job");
    jobFile = tmp.resolve("job.properties");
    Files.write(jobFile, List.of("job.name=cli", "job.dir=" + jobDir, "model.name=mlp", "model.inputs=8",
        "model.classes=3", "train.epochs=1", "data.path=" + data, "data.features=features"), StandardCharsets.UTF_8);
  }

  /** The outcome of one in-process run. */
  private static final class Run {
    final int code;
    final String out;
    final String err;

    Run(int code, String out, String err) {
      this.code = code;
      this.out = out;
      this.err = err;
    }
  }

  private static Run run(TrainingLauncher launcher, ModelCatalog catalog, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = new EpochalCli(launcher, catalog).execute(new PrintWriter(out), new PrintWriter(err), args);
    return new Run(code, out.toString(), err.toString());
  }

  private String[] train(String... extra) {
    List<String> args = new ArrayList<>(List.of("train", jobFile.toString()));
    args.addAll(List.of(extra));
    return args.toArray(new String[0]);
  }

  static Stream<Arguments> configErrors() {
    return Stream.of(
        Arguments.of(List.of("--set", "train.epoch=3"), "unknown key 'train.epoch'", "did you mean 'train.epochs'?"),
        Arguments.of(List.of("--set", "train.epochs=ten"), "train.epochs = 'ten'", "give an integer in [1, 999999]"),
        Arguments.of(List.of("--set", "job.seed=99999999999999999999"), "job.seed = '99999999999999999999'",
            "is an integer too large for 64 bits; give an integer"),
        Arguments.of(List.of("--set", "data.features=f0, f1,f0"), "data.features names column 'f0' twice",
            "name each feature column once"),
        Arguments.of(List.of("--workers", "0"), "train.workers = '0'", "out of range; give an integer in [1, 4096]"),
        Arguments.of(List.of("--set", "model.name=mpl"), "model.name = 'mpl'", "did you mean 'mlp'?"),
        Arguments.of(List.of("--set", "model.version=9"), "model.version = 9", "(registered: [1, 2])"),
        Arguments.of(List.of("--set", "model.hiden=32"), "unknown key 'model.hiden'", "did you mean 'model.hidden'?"),
        Arguments.of(List.of("--set", "optimzer.lr=0.1"), "unknown key 'optimzer.lr'", "did you mean 'optimizer.lr'?"),
        Arguments.of(List.of("--set", "optimzer.momentum=0.9", "--set", "optimizer.name=adam"),
            "unknown key 'optimzer.momentum'", "optimizer.name = 'adam' declares no optimizer.momentum either; it "
                + "declares [optimizer.lr, optimizer.weight_decay, optimizer.beta1"),
        Arguments.of(List.of("--set", "checkpoint.keep_best=1", "--set", "checkpoint.best_metric=accuracy"),
            "checkpoint.best_metric = 'accuracy' (from --set checkpoint.best_metric) is not a metric a checkpoint "
                + "records", "use one of [train_loss, samples, skipped_rows, data_rows, samples_per_second]"),
        Arguments.of(List.of("--set", "checkpoint.keep_best=1", "--set", "checkpoint.best_metric=train_los"),
            "checkpoint.best_metric = 'train_los'", "did you mean 'train_loss'?"),
        Arguments.of(List.of("--set", "optimizer.name=lion"), "optimizer.name = 'lion'", "one of sgd, adam, adamw"),
        Arguments.of(List.of("--set", "data.bad_rows=ignore"), "data.bad_rows = 'ignore'", "one of fail, skip"),
        Arguments.of(List.of("--data", "/no/such/epochal/data"), "data.path = 'file:///no/such/epochal/data' does not exist",
            "point data.path at existing parquet data"),
        Arguments.of(List.of("--conf", "spark.epochal.retry.max_attempts=0"),
            "retry.max_attempts = '0' (from Spark conf spark.epochal.retry.max_attempts)", "[1, 100]"));
  }

  @Test
  void sparksRefusalOfAHeapBelowItsMinimumNamesTheOptionOfEitherLauncher() {
    RuntimeException spark = new IllegalArgumentException("[INVALID_DRIVER_MEMORY] System memory 314572800 must be at "
        + "least 471859200. Please increase heap size using the --driver-memory option or \"spark.driver.memory\" in "
        + "Spark configuration.");
    assertThat(CommandFailure.belowSparksMinimumHeap(new IllegalStateException("wrapped", spark))).hasValue(
        "the driver's heap (300 MiB) is below the 450 MiB Spark needs to start: give it more, EPOCHAL_JAVA_OPTS=-Xmx1g "
        + "before bin/epochal (spark-submit: --driver-memory 1g)");
    assertThat(CommandFailure.belowSparksMinimumHeap(new IllegalArgumentException("other"))).isEmpty();
  }

  @Test
  void sparkDriverMemoryOrJvmOptionsGivenToTheRunningDriverAreRefusedNamingTheOptionThatWorks() {
    Run r = run(null, new TestModelCatalog(), "--conf", "spark.driver.memory=4g", "train",
        jobFile.toString());
    assertThat(r.code).as(r.err).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err).contains("--conf spark.driver.memory=4g would change nothing",
        "EPOCHAL_JAVA_OPTS=-Xmx4g before bin/epochal", "--driver-memory");
    Run opts = run(null, new TestModelCatalog(), "--conf", "spark.driver.extraJavaOptions=-XX:+UseTransparentHugePages",
        "train", jobFile.toString());
    assertThat(opts.code).as(opts.err).isEqualTo(ExitCodes.USAGE);
    assertThat(opts.err).contains("--conf spark.driver.extraJavaOptions=-XX:+UseTransparentHugePages would change "
        + "nothing", "EPOCHAL_JAVA_OPTS before bin/epochal", "--driver-java-options");
    Run cp = run(null, new TestModelCatalog(), "--conf", "spark.driver.extraClassPath=/opt/hadoop-aws.jar", "train",
        jobFile.toString());
    assertThat(cp.code).as(cp.err).isEqualTo(ExitCodes.USAGE);
    assertThat(cp.err).contains("EPOCHAL_CLASSPATH before bin/epochal", "--driver-class-path");
  }

  @Test
  void aJobDirectoryThatIsOrIsInsideTheDataDirectoryIsRefusedBeforeAnythingIsWritten() {
    for (String dir : List.of(tmp.resolve("data").toString(), tmp.resolve("data/job").toString())) {
      RecordingLauncher launcher = new RecordingLauncher(0);
      Run r = run(launcher, new TestModelCatalog(), train("--set", "job.dir=" + dir));
      assertThat(r.code).as(r.err).isEqualTo(ExitCodes.USAGE);
      assertThat(r.err).contains("job.dir = 'file://" + dir + "' is ", "the data directory (data.path = ",
          "would be read as data when it resumes");
      assertThat(launcher.calls).isEmpty();
    }
    assertThat(tmp.resolve("data/job")).doesNotExist();
  }

  @Test
  void aMasterGivenAsSparkConfIsTheMasterEverySetupFollows() {
    RecordingLauncher launcher = new RecordingLauncher(0);
    Run r = run(launcher, new TestModelCatalog(), "--conf", "spark.master=local[3]", "train", jobFile.toString());
    assertThat(r.code).as(r.err).isZero();
    assertThat(launcher.options.master()).isEqualTo("local[3]");
    assertThat(launcher.options.sparkConf()).doesNotContainKey("spark.master");
    Run two = run(new RecordingLauncher(0), new TestModelCatalog(), "--master", "local[2]", "--conf",
        "spark.master=spark://m:7077", "train", jobFile.toString());
    assertThat(two.code).isEqualTo(ExitCodes.USAGE);
    assertThat(two.err).contains("--master local[2] and --conf spark.master=spark://m:7077 name two masters");
  }

  @Test
  void aDataPathThatIsAnotherJobsDirectoryIsRefusedAsNotData() throws IOException {
    Path otherJob = Files.createDirectories(tmp.resolve("other-job"));
    Files.writeString(otherJob.resolve("job.json"), "{}");
    RecordingLauncher launcher = new RecordingLauncher(0);
    Run r = run(launcher, new TestModelCatalog(), train("--data", otherJob.toString()));
    assertThat(r.code).as(r.err).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err).contains("data.path = 'file://" + otherJob + "' is an Epochal job directory (it holds job.json), "
        + "not data; point data.path at the data files");
    assertThat(launcher.calls).isEmpty();
  }

  @ParameterizedTest
  @MethodSource("configErrors")
  void configurationErrorExitsWithTwoAndOneLineNamingKeyAndFix(List<String> extra, String names, String fix) {
    RecordingLauncher launcher = new RecordingLauncher(0);
    Run r = run(launcher, new TestModelCatalog(), train(extra.toArray(new String[0])));
    assertThat(r.code).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err).startsWith("epochal: configuration error: ").contains(names).contains(fix);
    assertThat(r.err.strip().lines()).hasSize(1);
    assertThat(r.err).doesNotContain("\tat ").doesNotContain("Exception");
    assertThat(launcher.calls).isEmpty();
    assertThat(jobDir).doesNotExist();
  }

  @Test
  void everyConfigurationMistakeIsListedAtOnceOnALineOfItsOwn() {
    RecordingLauncher launcher = new RecordingLauncher(0);
    Run r = run(launcher, new TestModelCatalog(), train("--set", "train.epoch=3", "--set", "train.batch_size=0",
        "--set", "model.hiden=32", "--set", "optimizer.lr=fast"));
    assertThat(r.code).isEqualTo(ExitCodes.USAGE);
    List<String> lines = r.err.strip().lines().collect(java.util.stream.Collectors.toList());
    assertThat(lines).hasSize(5);
    assertThat(lines.get(0)).isEqualTo("epochal: configuration error: 4 problems; fix each:");
    assertThat(lines.get(1)).startsWith("  1. unknown key 'train.epoch'").contains("did you mean 'train.epochs'?");
    assertThat(lines.get(2)).startsWith("  2. train.batch_size = '0'").contains("out of range");
    assertThat(lines.get(3)).startsWith("  3. unknown key 'model.hiden'").contains("did you mean 'model.hidden'?");
    assertThat(lines.get(4)).startsWith("  4. optimizer.lr = 'fast'").contains("not a number");
    assertThat(launcher.calls).isEmpty();
    assertThat(jobDir).doesNotExist();
  }

  @Test
  void aJobFileThatSetsAKeyTwiceToDifferentValuesIsAConfigErrorNamingBoth() throws IOException {
    Path twice = tmp.resolve("twice.properties");
    Files.writeString(twice, Files.readString(jobFile) + "\ntrain.epochs=3\ntrain.epochs=5\n");
    RecordingLauncher launcher = new RecordingLauncher(0);
    Run r = run(launcher, new TestModelCatalog(), "train", twice.toString());
    assertThat(r.code).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err).contains("job file " + twice + " sets train.epochs twice ('3', then '5'); keep the one you mean");
    assertThat(launcher.calls).isEmpty();

    Files.writeString(twice, Files.readString(twice) + "train.epoch=4\n");
    Run both = run(launcher, new TestModelCatalog(), "train", twice.toString());
    assertThat(both.err).as("a key set twice and another mistake are reported together")
        .contains("sets train.epochs twice").contains("unknown key 'train.epoch'");
  }

  @Test
  void whatAPropertiesFileDoesThatAUserDoesNotMeanIsSaidNotTakenInSilence() throws IOException {
    Path file = tmp.resolve("quirks.properties");
    Files.writeString(file, Files.readString(jobFile) + "\ndata.label=label\\\noptimizer.lr=0.5\n"
        + "checkpoint.keep_last=2 # two are enough\ntrain.local_steps=2\ntrain.local_steps=2 \t\n");
    Run r = run(new RecordingLauncher(0), new TestModelCatalog(), "train", file.toString());
    assertThat(r.code).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err).as("a trailing backslash joined the next line").contains("the value of data.label is "
        + "'labeloptimizer.lr=0.5', which holds another key ('optimizer.lr'): the line of data.label ends with a "
        + "backslash");
    assertThat(r.err).as("a comment after a value").contains("the value of checkpoint.keep_last is '2 # two are "
        + "enough': in a properties file '#' starts a comment only at the start of a line");
    assertThat(r.err).as("the same value with blanks after it is not set twice").doesNotContain("twice");
    assertThat(r.err).as("the commented value is said once, not again as no integer")
        .doesNotContain("checkpoint.keep_last = '2 # two are enough'");

    // a '#' of the value, written escaped, is the value's
    Path escaped = tmp.resolve("escaped.properties");
    Files.writeString(escaped, Files.readString(jobFile).replaceAll("(?m)^job\\.name=.*$", "")
        + "\njob.name=run \\#5\n");
    RecordingLauncher launcher = new RecordingLauncher(0);
    Run ok = run(launcher, new TestModelCatalog(), "train", escaped.toString());
    assertThat(ok.code).as(ok.err).isEqualTo(ExitCodes.OK);
    assertThat(launcher.spec.jobName()).isEqualTo("run #5");

    Files.write(file, (Files.readString(jobFile) + "\njob.name=caf").getBytes(StandardCharsets.UTF_8));
    Files.write(file, new byte[] {(byte) 0xe9, '\n'}, java.nio.file.StandardOpenOption.APPEND);
    long lines = Files.readString(jobFile).lines().count() + 2;
    Run latin1 = run(new RecordingLauncher(0), new TestModelCatalog(), "train", file.toString());
    assertThat(latin1.code).isEqualTo(ExitCodes.USAGE);
    assertThat(latin1.err).contains("job file " + file + " is not UTF-8: line " + lines + " holds bytes that are not");
  }

  @Test
  void aBackslashThatJoinsAnEarlyStoppingInitOrLossKeyToTheLineBeforeIsSaid() throws IOException {
    // the loss key itself, and a key set with a blank instead of '=' (a properties file takes both)
    for (String swallowed : List.of("early_stop.patience=3", "init.weights=/tmp/w.safetensors",
        "loss.label_smoothing=0.1", "loss=mse", "optimizer.lr 0.01")) {
      Path file = tmp.resolve("joined-" + swallowed.substring(0, 6) + ".properties");
      Files.writeString(file, Files.readString(jobFile) + "\njob.name=demo\\\n" + swallowed + "\n");
      Run r = run(new RecordingLauncher(0), new TestModelCatalog(), "train", file.toString());
      assertThat(r.code).as(swallowed).isEqualTo(ExitCodes.USAGE);
      assertThat(r.err).contains("the value of job.name is 'demo" + swallowed + "', which holds another key ('"
          + swallowed.split("[= ]")[0] + "')");
    }
  }

  @Test
  @org.junit.jupiter.api.Timeout(60) // a second read of the drained pipe would wait for a writer for ever
  void aJobFileReadFromAPipeIsCheckedAsAFileIs() throws Exception {
    // envsubst < job.tmpl | bin/epochal train /dev/stdin: the pipe gives its bytes to one read
    Path pipe = tmp.resolve("job.pipe");
    assertThat(new ProcessBuilder("mkfifo", pipe.toString()).start().waitFor()).isZero();
    String text = Files.readString(jobFile) + "\njob.name=demo \\\noptimizer.lr=0.5\n";
    Thread writer = new Thread(() -> {
      try {
        Files.writeString(pipe, text);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    writer.setDaemon(true);
    writer.start();
    Run r = run(new RecordingLauncher(0), new TestModelCatalog(), "train", pipe.toString());
    writer.join(10_000);
    assertThat(r.code).as(r.err).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err).contains("the value of job.name is 'demo optimizer.lr=0.5', which holds another key "
        + "('optimizer.lr')");
  }

  @Test
  void aBadUnicodeEscapeIsNamedByItsLineAndAJobFileGivenAsAFileUriIsRead() throws IOException {
    Path file = tmp.resolve("escape.properties");
    String job = Files.readString(jobFile).replaceAll("(?m)^job\\.name=.*$", "");
    Files.writeString(file, job + "\n# paths as C:\\users\\me writes them, in a comment: no escape\n"
        + "job.name=fix \\user paths\n");
    Run r = run(new RecordingLauncher(0), new TestModelCatalog(), "train", file.toString());
    assertThat(r.code).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err).contains("is not a valid properties file").contains("(line " + (job.lines().count() + 3) + ")")
        .contains("write a backslash of the value as \\\\");

    Files.writeString(file, job + "\njob.name=from-uri\n");
    RecordingLauncher launcher = new RecordingLauncher(0);
    Run uri = run(launcher, new TestModelCatalog(), "train", file.toUri().toString());
    assertThat(uri.code).as(uri.err).isZero();
    assertThat(launcher.spec.jobName()).isEqualTo("from-uri");
  }

  @Test
  void aValueThatHoldsKeyLikeTextOnItsOwnLineIsTakenAsWritten() throws IOException {
    Path file = tmp.resolve("hostlike.properties");
    Files.writeString(file, Files.readString(jobFile).replace("job.name=cli\n", "")
        + "job.name=nightly bigdata.prod:8020 train.v2: baseline\n");
    RecordingLauncher launcher = new RecordingLauncher(0);
    Run r = run(launcher, new TestModelCatalog(), "train", file.toString());
    assertThat(r.err).isEmpty();
    assertThat(r.code).isZero();
    assertThat(launcher.spec.jobName()).isEqualTo("nightly bigdata.prod:8020 train.v2: baseline");

    // a value continued on purpose whose next line begins with a word that is also a key: text, as written
    Files.writeString(file, Files.readString(jobFile).replace("job.name=cli\n", "")
        + "job.name=compare smoothing \\\n  loss curves\n");
    RecordingLauncher continued = new RecordingLauncher(0);
    Run c = run(continued, new TestModelCatalog(), "train", file.toString());
    assertThat(c.code).as(c.err).isZero();
    assertThat(continued.spec.jobName()).isEqualTo("compare smoothing loss curves");
  }

  @Test
  void aLineEndingInABackslashIsTheOneProblemSaidNotAlsoItsValueNorTheKeyItSwallowed() throws IOException {
    Path file = tmp.resolve("joined.properties");
    Files.writeString(file, Files.readString(jobFile).replace("model.classes=3\n", "")
        + "model.hidden=16 \\\nmodel.classes=3\n");
    Run r = run(new RecordingLauncher(0), new TestModelCatalog(), "train", file.toString());
    assertThat(r.code).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err).contains("the value of model.hidden is '16 model.classes=3', which holds another key "
        + "('model.classes')").doesNotContain("model.hidden = '").doesNotContain("missing required key 'model.classes'");
  }

  @Test
  void aBooleanKeyGivenAnotherWordSaysTrueOrFalse() {
    Run r = run(new RecordingLauncher(0), new io.epochal.driver.app.RegistryModelCatalog(), train("--set",
        "optimizer.amsgrad=yes"));
    assertThat(r.code).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err).contains("optimizer.amsgrad = 'yes' (from --set optimizer.amsgrad) is not a boolean; give true "
        + "or false").doesNotContain(" in any");
  }

  @Test
  void aMisspelledCommandGetsTheNearestOne() {
    Run r = run(new RecordingLauncher(0), null, "trian", jobFile.toString());
    assertThat(r.code).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err).startsWith("epochal: unknown command 'trian'; did you mean 'train'? (commands: ")
        .contains("resume").contains("Try 'epochal --help'.");
  }

  @ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"--set", "--conf"})
  void aKeyValueOptionGivenNoEqualsSignSaysWhatItTakes(String option) {
    RecordingLauncher launcher = new RecordingLauncher(0);
    Run r = run(launcher, new TestModelCatalog(), train(option, "optimizer.lr"));
    assertThat(r.code).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err).startsWith("epochal: option '" + option + "' takes KEY=VALUE, got 'optimizer.lr'")
        .contains("--help").doesNotContain("option option");
    assertThat(launcher.calls).isEmpty();
  }

  @Test
  void confGivenBeforeAndAfterTheCommandKeepsEveryEntryAndRefusesAKeyGivenTwoValues() {
    RecordingLauncher launcher = new RecordingLauncher(0);
    Run both = run(launcher, new TestModelCatalog(), "--conf", "spark.epochal.train.epochs=3", "train",
        jobFile.toString(), "--conf=spark.epochal.optimizer.lr=0.5", "--conf", "spark.ui.enabled=false");
    assertThat(both.code).as("%s", both.err).isZero();
    assertThat(launcher.spec.epochs()).as("the entry given before the command").isEqualTo(3);
    assertThat(launcher.spec.toHyperParameters().getDouble("optimizer.lr")).isEqualTo(0.5);
    assertThat(launcher.options.sparkConf()).containsEntry("spark.ui.enabled", "false")
        .containsEntry("spark.epochal.train.epochs", "3");

    RecordingLauncher refused = new RecordingLauncher(0);
    Run twice = run(refused, new TestModelCatalog(), "--conf", "spark.epochal.train.epochs=3", "train",
        jobFile.toString(), "--conf", "spark.epochal.train.epochs=4");
    assertThat(twice.code).isEqualTo(ExitCodes.USAGE);
    assertThat(twice.err).contains("--conf gives spark.epochal.train.epochs twice ('3', then '4')");
    assertThat(refused.calls).isEmpty();
  }

  @Test
  void masterGivenBeforeOrAfterTheCommandIsTakenAndTwoDifferentMastersAreRefused() {
    for (String[] args : new String[][] {{"--master", "local[1]", "train", jobFile.toString()},
        {"train", jobFile.toString(), "--master", "local[1]"},
        {"--master", "local[1]", "train", jobFile.toString(), "--master", "local[1]"}}) {
      RecordingLauncher launcher = new RecordingLauncher(0);
      Run r = run(launcher, new TestModelCatalog(), args);
      assertThat(r.code).as("%s: %s", List.of(args), r.err).isZero();
      assertThat(launcher.options.master()).isEqualTo("local[1]");
    }
    RecordingLauncher refused = new RecordingLauncher(0);
    Run twice = run(refused, new TestModelCatalog(), "--master", "local[1]", "train", jobFile.toString(), "--master",
        "local[2]");
    assertThat(twice.code).isEqualTo(ExitCodes.USAGE);
    assertThat(twice.err).contains("--master is given twice ('local[1]', then 'local[2]'); keep the one you mean");
    assertThat(refused.calls).isEmpty();
  }

  @Test
  void anUnreachableFileSystemIsNamedAsSuchWithWhatToCheck() {
    StringWriter err = new StringWriter();
    int code = new EpochalCli(null, null).handle(new IOException("Call From vm/127.0.0.1 to nn:8020 failed on"
        + " connection exception", new java.net.ConnectException("Connection refused")), new PrintWriter(err, true));
    assertThat(code).isEqualTo(ExitCodes.IO_ERROR);
    assertThat(err.toString()).contains("I/O error: Call From").contains("a file system is unreachable")
        .contains("host and port");

    StringWriter unknown = new StringWriter();
    assertThat(new EpochalCli(null, null).handle(new IllegalArgumentException(
        new java.net.UnknownHostException("down-nn")), new PrintWriter(unknown, true))).isEqualTo(ExitCodes.USAGE);
    assertThat(unknown.toString()).contains("down-nn").contains("a file system is unreachable");

    StringWriter data = new StringWriter(); // a check of data.path before Spark starts (DataPathCheckTest)
    assertThat(new EpochalCli(null, null).handle(new io.epochal.driver.config.StorageUnreachableException("data.path = "
        + "'hdfs://nn/d' cannot be read: java.net.ConnectException: Call From vm",
        new java.net.ConnectException("Connection refused")),
        new PrintWriter(data, true))).isEqualTo(ExitCodes.IO_ERROR);
    assertThat(data.toString()).contains("I/O error: data.path = 'hdfs://nn/d' cannot be read")
        .contains("a file system is unreachable");

    StringWriter other = new StringWriter();
    new EpochalCli(null, null).handle(new IOException("disk full"), new PrintWriter(other, true));
    assertThat(other.toString()).contains("I/O error: disk full").doesNotContain("unreachable");
  }

  @Test
  void aUriWhoseSlashAfterThePortIsMissingIsSaidSoNotAsAUriWithoutHost() {
    RecordingLauncher launcher = new RecordingLauncher(0);
    Run r = run(launcher, new TestModelCatalog(), "status", "hdfs://127.0.0.1:9101jobs/a");
    assertThat(r.code).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err).contains("'hdfs://127.0.0.1:9101jobs/a' is not a usable location: its authority "
        + "'127.0.0.1:9101jobs' is no host:port (a '/' missing after the port?)");
    assertThat(launcher.calls).isEmpty();
    // with --json the refusal is a JSON document too, for the script that reads it
    Run json = run(launcher, new TestModelCatalog(), "status", "hdfs://127.0.0.1:9101jobs/a", "--json");
    assertThat(json.code).isEqualTo(ExitCodes.USAGE);
    assertThat(json.out.strip()).startsWith("{\"target\":\"hdfs://127.0.0.1:9101jobs/a\",\"error\":\"")
        .endsWith("\"jobs\":[]}").contains("is no host:port");
  }

  @Test
  void evaluateFailsOnABadRowOfItsInputUnlessToldToSkipWhateverTheJobsDataBadRows() {
    RecordingLauncher launcher = new RecordingLauncher(0);
    run(launcher, new TestModelCatalog(), "evaluate", "/tmp/jobs/a", "--input", "/tmp/test.csv");
    assertThat(launcher.dataKeys).containsEntry("data.bad_rows", "fail");
    run(launcher, new TestModelCatalog(), "evaluate", "/tmp/jobs/a", "--input", "/tmp/test.csv", "--bad-rows", "skip");
    assertThat(launcher.dataKeys).containsEntry("data.bad_rows", "skip");
    run(launcher, new TestModelCatalog(), "evaluate", "/tmp/jobs/a");
    assertThat(launcher.dataKeys).as("the job's own held-out rows, read as its epochs read them")
        .doesNotContainKey("data.bad_rows");
  }

  @Test
  void evaluateJsonOfAnUnknownWeightsChoiceIsStillAJsonDocument() {
    RecordingLauncher launcher = new RecordingLauncher(0);
    Run json = run(launcher, new TestModelCatalog(), "evaluate", "/tmp/jobs/a", "--json", "--weights", "average");
    assertThat(json.code).isEqualTo(ExitCodes.USAGE);
    assertThat(json.out).contains("\"ok\" : false").contains("--weights").contains("\"checkpoints\" : [ ]");
    assertThat(launcher.calls).isEmpty();
  }

  @Test
  void aDirectoryThisUserMayNotWriteIsSaidWithHowToGrantIt() {
    StringWriter err = new StringWriter();
    int code = new EpochalCli(null, null).handle(new org.apache.hadoop.security.AccessControlException(
        "Permission denied: user=alice, access=WRITE, inode=\"/jobs/perm\":bob:bob:drwxr-xr-x"),
        new PrintWriter(err, true));
    assertThat(code).isEqualTo(ExitCodes.IO_ERROR);
    assertThat(err.toString()).contains("I/O error: Permission denied: user=alice")
        .contains("make the directory writable for it (HDFS: hdfs dfs -chown / -chmod")
        .contains("or give another job.dir");
  }

  @Test
  void aModelsOwnCodeFailingIsAModelErrorOfTheClassPathNotAnInternalError() {
    StringWriter err = new StringWriter();
    int code = new EpochalCli(null, null).handle(new io.epochal.worker.model.ModelCodeException("model team-mlp v1: "
        + "its factory com.team.TeamFactory failed to build it: java.lang.IllegalStateException", null),
        new PrintWriter(err, true));
    assertThat(code).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).startsWith("epochal: model error: model team-mlp v1: its factory com.team.TeamFactory")
        .doesNotContain("internal error");
  }

  @Test
  void aRefusalSparkMakesThroughAReflectiveCallIsSaidAsItselfNotAsAnInternalError() {
    StringWriter err = new StringWriter();
    int code = new EpochalCli(null, null).handle(new java.lang.reflect.InvocationTargetException(
        new IllegalArgumentException("[INVALID_KRYO_SERIALIZER_BUFFER_SIZE] The value of the config "
        + "\"spark.kryoserializer.buffer.max\" must be less than 2048 MiB, but got 4096 MiB.")),
        new PrintWriter(err, true));
    assertThat(code).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).startsWith("epochal: [INVALID_KRYO_SERIALIZER_BUFFER_SIZE] The value of the config "
        + "\"spark.kryoserializer.buffer.max\" must be less than 2048 MiB").doesNotContain("internal error");
  }

  @Test
  void missingJobFileIsAConfigurationError() {
    Run r = run(new RecordingLauncher(0), new TestModelCatalog(), "train", tmp.resolve("nope.properties").toString());
    assertThat(r.code).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err.strip()).isEqualTo("epochal: configuration error: job file " + tmp.resolve("nope.properties")
        + " does not exist; give the path of a .properties job file (see conf/quickstart.properties)");
  }

  @Test
  void trainGivenADirectorySaysSoAndForAJobDirectoryNamesTheResume() throws IOException {
    Path plain = Files.createDirectories(tmp.resolve("some dir"));
    Run r = run(new RecordingLauncher(0), new TestModelCatalog(), "train", plain.toString());
    assertThat(r.code).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err.strip()).isEqualTo("epochal: configuration error: " + plain + " is a directory; give the path of "
        + "a .properties job file (see conf/quickstart.properties)");

    Files.writeString(plain.resolve("job.json"), "{}");
    Run job = run(new RecordingLauncher(0), new TestModelCatalog(), "train", plain.toString());
    assertThat(job.code).isEqualTo(ExitCodes.USAGE);
    assertThat(job.err).contains(plain + " is a directory, an Epochal job directory: to continue its job, run "
        + "bin/epochal resume '" + plain + "' (train takes a .properties job file)").doesNotContain("IOException");
  }

  @Test
  void validTrainHandsResolvedSpecAndGlobalOptionsToTheLauncher() {
    RecordingLauncher launcher = new RecordingLauncher(ExitCodes.LEASE_HELD);
    Run r = run(launcher, new TestModelCatalog(), "--master", "local[3]", "train", jobFile.toString(),
        "--conf", "spark.executor.memory=1g", "--conf", "spark.epochal.train.epochs=2", "--verbose",
        "--set", "optimizer.lr=0.5", "--job-dir", tmp.resolve("other").toString());
    assertThat(r.code).isEqualTo(ExitCodes.LEASE_HELD);
    assertThat(launcher.calls).containsExactly("train");
    assertThat(launcher.spec.epochs()).isEqualTo(2);
    assertThat(launcher.spec.optimizerParams().getDouble("lr")).isEqualTo(0.5);
    assertThat(launcher.spec.jobDir().getPath()).isEqualTo(tmp.resolve("other").toString());
    assertThat(launcher.options).isEqualTo(CliOptions.builder().optMaster("local[3]").optVerbose(true)
        .optSparkConf(Map.of("spark.executor.memory", "1g", "spark.epochal.train.epochs", "2")).build());
  }

  @Test
  void aSparkSubmitJobGivesItsKeysAsSparkConfWithoutAJobFile() throws IOException {
    java.util.Properties keys = new java.util.Properties();
    try (var in = Files.newBufferedReader(jobFile)) {
      keys.load(in);
    }
    List<String> args = new ArrayList<>();
    for (String k : keys.stringPropertyNames()) {
      args.add("--conf");
      args.add("spark.epochal." + k + "=" + keys.getProperty(k));
    }
    args.add("train");
    RecordingLauncher launcher = new RecordingLauncher(0);

    Run r = run(launcher, new TestModelCatalog(), args.toArray(new String[0]));

    assertThat(r.code).as(r.err).isZero();
    assertThat(launcher.calls).containsExactly("train");
    assertThat(launcher.spec.jobDir().getPath()).isEqualTo(jobDir.toString());

    Run none = run(launcher, new TestModelCatalog(), "train");
    assertThat(none.code).isEqualTo(ExitCodes.USAGE);
    assertThat(none.err).contains("no job given").contains("spark.epochal.job.name").contains("--set");
    assertThat(launcher.calls).containsExactly("train");
  }

  @Test
  void setOverridesSparkConfWhichOverridesTheFile() {
    RecordingLauncher launcher = new RecordingLauncher(0);
    assertThat(run(launcher, new TestModelCatalog(), train()).code).isZero();
    assertThat(launcher.spec.epochs()).isEqualTo(1);
    assertThat(launcher.options.master()).isEqualTo("local[*]");
    run(launcher, new TestModelCatalog(), train("--conf", "spark.epochal.train.epochs=2"));
    assertThat(launcher.spec.epochs()).isEqualTo(2);
    run(launcher, new TestModelCatalog(), train("--conf", "spark.epochal.train.epochs=2", "--set", "train.epochs=5"));
    assertThat(launcher.spec.epochs()).isEqualTo(5);
  }

  @Test
  void aKeyGivenTwoValuesOnTheCommandLineIsRefusedNamingBoth() {
    RecordingLauncher launcher = new RecordingLauncher(0);
    Run twice = run(launcher, new TestModelCatalog(), train("--set", "train.epochs=2", "--set", "train.epochs=3"));
    assertThat(twice.code).isEqualTo(ExitCodes.USAGE);
    assertThat(twice.err).contains("--set gives train.epochs twice ('2', then '3'); keep the one you mean");
    Run conf = run(launcher, new TestModelCatalog(), train("--conf", "spark.executor.memory=1g", "--conf",
        "spark.executor.memory=2g"));
    assertThat(conf.code).isEqualTo(ExitCodes.USAGE);
    assertThat(conf.err).contains("--conf gives spark.executor.memory twice ('1g', then '2g'); keep the one you mean");
    Run shorthand = run(launcher, new TestModelCatalog(), train("--workers", "4", "--set", "train.workers=3"));
    assertThat(shorthand.code).isEqualTo(ExitCodes.USAGE);
    assertThat(shorthand.err).contains("train.workers is given twice, as '4' by its shorthand option and as '3' by "
        + "--set train.workers");
    Run shorthandValue = run(launcher, new TestModelCatalog(), train("--epochs", "abc"));
    assertThat(shorthandValue.code).isEqualTo(ExitCodes.USAGE);
    assertThat(shorthandValue.err).contains("train.epochs = 'abc' (from --epochs) is not an integer")
        .doesNotContain("--set train.epochs");
    Run notKeyValue = run(launcher, new TestModelCatalog(), train("--set", "train.epochs"));
    assertThat(notKeyValue.code).isEqualTo(ExitCodes.USAGE);
    assertThat(notKeyValue.err).contains("option '--set' takes KEY=VALUE, got 'train.epochs'");
    assertThat(launcher.calls).isEmpty();
    Run same = run(launcher, new TestModelCatalog(), train("--epochs", "4", "--set", "train.epochs=4", "--set",
        "train.epochs=4"));
    assertThat(same.code).as(same.err).isZero();
    assertThat(launcher.spec.epochs()).isEqualTo(4);
  }

  @Test
  void dryRunHandsTheResolvedSpecToTheLauncherWhichPrintsWhatItWouldTrain() {
    RecordingLauncher launcher = new RecordingLauncher(0);
    Run r = run(launcher, new TestModelCatalog(), train("--dry-run", "--epochs", "7"));
    assertThat(r.code).isZero();
    assertThat(launcher.calls).containsExactly("dryRun");
    assertThat(launcher.spec.toPropertyLines()).contains("train.epochs=7", "model.hidden=64,64", "optimizer.name=adam",
        "optimizer.lr=0.001", "job.dir=file://" + jobDir);
    assertThat(r.out).as("the launcher prints the spec as the job directory would train it").isEmpty();

    Run alone = run(null, new TestModelCatalog(), train("--dry-run", "--epochs", "7"));
    assertThat(alone.code).as(alone.err).isZero();
    assertThat(alone.out.lines()).as("without a launcher, the spec as resolved").contains("train.epochs=7",
        "job.dir=file://" + jobDir);
  }

  @Test
  void aScheduleMissingTheKeyItNeedsIsAConfigErrorNamingThatKeyBeforeAnythingStarts() throws IOException {
    Path file = tmp.resolve("cosine.properties");
    Files.write(file, List.of("job.name=cli", "job.dir=" + jobDir, "model.name=mlp", "model.input_dim=8",
        "model.output_dim=3", "data.path=" + tmp.resolve("data"), "data.features=features"), StandardCharsets.UTF_8);
    RecordingLauncher launcher = new RecordingLauncher(0);
    io.epochal.driver.app.RegistryModelCatalog catalog = new io.epochal.driver.app.RegistryModelCatalog();

    Run cosine = run(launcher, catalog, "train", file.toString(), "--set", "schedule.name=cosine");
    assertThat(cosine.code).as(cosine.err).isEqualTo(ExitCodes.USAGE);
    assertThat(cosine.err).contains("schedule.total_steps").contains("--set schedule.total_steps=");
    Run step = run(launcher, catalog, "train", file.toString(), "--set", "schedule.name=step");
    assertThat(step.code).as(step.err).isEqualTo(ExitCodes.USAGE);
    assertThat(step.err).contains("schedule.step_size");
    assertThat(launcher.calls).isEmpty();
    assertThat(jobDir).doesNotExist();

    Run fixed = run(launcher, catalog, "train", file.toString(), "--set", "schedule.name=cosine", "--set",
        "schedule.total_steps=64");
    assertThat(fixed.code).as(fixed.err).isZero();
    assertThat(launcher.calls).hasSize(1);
  }

  @Test
  void aScheduleKeyTheChosenScheduleDoesNotReadIsAConfigErrorNamingTheScheduleThatDoes() throws IOException {
    Path file = tmp.resolve("constant.properties");
    Files.write(file, List.of("job.name=cli", "job.dir=" + jobDir, "model.name=mlp", "model.input_dim=8",
        "model.output_dim=3", "data.path=" + tmp.resolve("data"), "data.features=features", "schedule.gamma=0.5"),
        StandardCharsets.UTF_8);
    RecordingLauncher launcher = new RecordingLauncher(0);
    io.epochal.driver.app.RegistryModelCatalog catalog = new io.epochal.driver.app.RegistryModelCatalog();

    Run constant = run(launcher, catalog, "train", file.toString(), "--set", "schedule.min_lr=0.001");

    assertThat(constant.code).as(constant.err).isEqualTo(ExitCodes.USAGE);
    assertThat(constant.err).contains("schedule.gamma (set in " + file + ") is not read by schedule.name = "
        + "'constant'; only multistep and step read it: remove it, or set schedule.name=multistep",
        "schedule.min_lr (set in --set schedule.min_lr) is not read by schedule.name = 'constant'; only cosine, "
        + "cosine_restarts, linear and plateau read it: remove it, or set schedule.name=cosine");
    assertThat(run(launcher, catalog, "train", file.toString(), "--set", "schedule.name=step", "--set",
        "schedule.step_size=10").code).isZero();
    assertThat(run(launcher, catalog, "train", file.toString(), "--set", "schedule.name=step", "--set",
        "schedule.step_size=10", "--set", "schedule.warmup_steps=5").code).as("warm-up keys: every schedule").isZero();
    // a resolved spec (--dry-run's output, job.json) lists every schedule key at its default: fed back, it passes
    assertThat(run(launcher, catalog, "train", file.toString(), "--set", "schedule.gamma=0.1", "--set",
        "schedule.min_lr=0.0", "--set", "schedule.step_size=0", "--set", "schedule.total_steps=0").code)
        .as("defaults of keys constant does not read").isZero();
    Run unknown = run(launcher, catalog, "train", file.toString(), "--set", "schedule.foo=1");
    assertThat(unknown.err).as("an unknown key lists the keys constant reads").contains(
        "schedule constant declares [schedule.warmup_steps, schedule.warmup_start_factor, schedule.interval]");
  }

  @Test
  void versionIsTheBuildsProjectVersionAsRecordedInManifests() {
    Run r = run(new RecordingLauncher(0), new TestModelCatalog(), "-V");
    assertThat(r.code).isZero();
    assertThat(r.out.trim()).matches("epochal \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?")
        .isEqualTo("epochal " + io.epochal.driver.config.EpochalVersion.get());
    for (String sub : List.of("train", "resume", "predict", "gen-data")) {
      Run v = run(new RecordingLauncher(0), new TestModelCatalog(), sub, "--version");
      assertThat(v.code).isZero();
      assertThat(v.out.trim()).as("%s --version", sub).isEqualTo(r.out.trim());
    }
  }

  @Test
  void usageErrorsExitWithTwoAndPointToHelp() {
    Run unknown = run(new RecordingLauncher(0), new TestModelCatalog(), train("--bogus"));
    assertThat(unknown.code).isEqualTo(ExitCodes.USAGE);
    assertThat(unknown.err).contains("Unknown option: '--bogus'").contains("Try 'epochal train --help'.");
    Run near = run(new RecordingLauncher(0), new TestModelCatalog(), "resume", tmp.toString(), "--epoch", "3");
    assertThat(near.code).isEqualTo(ExitCodes.USAGE);
    assertThat(near.err).contains("epochal: unknown option '--epoch'; did you mean '--epochs'?")
        .contains("Try 'epochal resume --help'.");
    assertThat(run(new RecordingLauncher(0), new TestModelCatalog(), "--mastr=local[1]", "status", tmp.toString()).err)
        .as("a global option").contains("unknown option '--mastr'; did you mean '--master'?");
    Run insteadOfRequired = run(new RecordingLauncher(0), new TestModelCatalog(), "export", tmp.toString(), "--format",
        "onnx", "--output", tmp.resolve("m.onnx").toString());
    assertThat(insteadOfRequired.code).isEqualTo(ExitCodes.USAGE);
    assertThat(insteadOfRequired.err).as("the unknown option given for a required one is named, not only the missing")
        .contains("epochal: unknown option '--output'; did you mean '--out'? (Missing required option: '--out=PATH')");
    Run prefix = run(new RecordingLauncher(0), new TestModelCatalog(), "--conf", "spark.epochl.optimizer.lr=0.1",
        "status", tmp.toString());
    assertThat(prefix.code).isEqualTo(ExitCodes.USAGE);
    assertThat(prefix.err).contains("--conf spark.epochl.optimizer.lr: did you mean spark.epochal.optimizer.lr?");
    Run unprefixed = run(new RecordingLauncher(0), new TestModelCatalog(), "--conf", "optimizer.lr=0.1", "train",
        tmp.resolve("job.properties").toString());
    assertThat(unprefixed.code).as("a job key Spark would drop: the job file's rate would train").isEqualTo(
        ExitCodes.USAGE);
    assertThat(unprefixed.err).contains("--conf optimizer.lr would not reach the job, which reads its keys from "
        + "--set or --conf spark.epochal.<key>: give --set optimizer.lr=<value>, or --conf spark.epochal.optimizer.lr");
    Run hadoop = run(new RecordingLauncher(0), new TestModelCatalog(), "--conf", "dfs.replication=2", "status",
        tmp.toString());
    assertThat(hadoop.code).as("a Hadoop key without spark.hadoop.: Spark drops it").isEqualTo(ExitCodes.USAGE);
    assertThat(hadoop.err).contains("--conf dfs.replication is no Spark conf key (those start with 'spark.'): Spark "
        + "would hand it to its data reads only, not to the checkpoint store nor to the commands that run without "
        + "Spark; give a Hadoop configuration key as --conf spark.hadoop.dfs.replication=<value>");
    assertThat(run(new RecordingLauncher(0), new TestModelCatalog(), "--conf", "spark.optimizer.lr=0.1", "status",
        tmp.toString()).err).contains("--conf spark.optimizer.lr: did you mean spark.epochal.optimizer.lr?");
    assertThat(run(new RecordingLauncher(0), new TestModelCatalog(), "--conf", "train.epoch=5", "status",
        tmp.toString()).err).as("a misspelled job key").contains("give --set train.epochs=<value>");
    System.setProperty("spark.epochl.train.epochs", "1"); // as spark-submit --conf passes it to the driver
    try {
      Run submitted = run(new RecordingLauncher(0), new TestModelCatalog(), "train", tmp.resolve("job.properties")
          .toString());
      assertThat(submitted.code).isEqualTo(ExitCodes.USAGE);
      assertThat(submitted.err).contains("Spark conf entry (spark-submit --conf, spark-defaults.conf) "
          + "spark.epochl.train.epochs: did you mean spark.epochal.train.epochs?");
    } finally {
      System.clearProperty("spark.epochl.train.epochs");
    }
    assertThat(run(new RecordingLauncher(0), new TestModelCatalog(), "--conf", "fs.s3a.endpoint=http://s3", "status",
        tmp.toString()).err).as("Spark's session would hand it to its file reads, not to the checkpoint store's")
        .contains("--conf fs.s3a.endpoint is no Spark conf key")
        .contains("--conf spark.hadoop.fs.s3a.endpoint=<value>");
    assertThat(run(new RecordingLauncher(0), new TestModelCatalog(), "--conf", "spark.eventLog.enabled=false",
        "--conf", "spark.executor.memory=1g", "status", tmp.toString()).err).as("Spark's own keys")
        .doesNotContain("did you mean");
    assertThat(run(null, null, "status").code).isEqualTo(ExitCodes.USAGE);
    assertThat(run(null, null).code).isEqualTo(ExitCodes.USAGE);
    assertThat(run(null, null, "gen-data", tmp.resolve("x").toString(), "--classes", "1").err)
        .contains("classes must be >= 2, got 1");
    assertThat(run(null, null, "gen-data", tmp.resolve("x").toString(), "--rows", "3", "--partitions", "5").err)
        .contains("--partitions 5 is more than --rows 3: every output file holds at least one row");
    assertThat(run(null, null, "gen-data", tmp.resolve("x").toString(), "--rows", "0").err)
        .contains("--rows 0 writes no data; give at least 1 row").doesNotContain("--partitions");
  }

  @Test
  void genDataThatCannotWriteToItsFileSystemEndsAsAnIoErrorNamingTheFile() {
    Run r = run(null, null, "--conf", "spark.hadoop.fs." + MarkerRefusingFileSystem.SCHEME + ".impl="
        + MarkerRefusingFileSystem.class.getName(), "gen-data", MarkerRefusingFileSystem.SCHEME + "://"
        + tmp.resolve("quota").toAbsolutePath().toUri().getPath(), "--rows", "8", "--features", "2");
    assertThat(r.code).as(r.err).isEqualTo(ExitCodes.IO_ERROR);
    assertThat(r.err).contains("cannot write").contains(io.epochal.driver.data.DataGenerator.MARKER)
        .contains("quota").doesNotContain("internal error");
    String noSpace = MarkerRefusingFileSystem.PartFilesRefused.SCHEME;
    Run full = run(null, null, "--conf", "spark.hadoop.fs." + noSpace + ".impl="
        + MarkerRefusingFileSystem.PartFilesRefused.class.getName(), "gen-data", noSpace + "://"
        + tmp.resolve("full").toAbsolutePath().toUri().getPath(), "--rows", "8", "--features", "2");
    assertThat(full.code).as(full.err).isEqualTo(ExitCodes.IO_ERROR);
    assertThat(full.err).contains("No space left on device").doesNotContain("internal error");
    assertThat(run(null, null, "gen-data", tmp.resolve("x").toString(), "--rows", "200000", "--partitions",
        "100001").err).contains("--partitions 100001 is more than 100000");
  }

  @Test
  void genDataRefusesAnArrayLayoutForCsvBeforeWritingAnything() {
    Run r = run(null, null, "gen-data", tmp.resolve("csv").toString(), "--format", "csv", "--layout", "array");
    assertThat(r.code).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err).contains("--layout array needs an array column, which csv cannot hold")
        .contains("use --layout columns");
    assertThat(tmp.resolve("csv")).doesNotExist();
    Run wide = run(null, null, "gen-data", tmp.resolve("wide").toString(), "--format", "csv", "--features",
        String.valueOf(io.epochal.driver.data.MalformedLines.MAX_CSV_COLUMNS - 1));
    assertThat(wide.code).isEqualTo(ExitCodes.USAGE);
    assertThat(wide.err).contains("makes csv lines of more columns than Epochal reads").contains("--format parquet");
    assertThat(tmp.resolve("wide")).doesNotExist();
  }

  @Test
  void genDataRefusesToWriteInsideAJobsCheckpointsBeforeWritingAnything() throws Exception {
    java.nio.file.Path job = Files.createDirectories(tmp.resolve("job/checkpoints"));
    Files.writeString(tmp.resolve("job/job.json"), "{}");
    java.nio.file.Path out = job.resolve("epoch-000009");
    Run r = run(null, null, "gen-data", out.toString(), "--rows", "8");
    assertThat(r.code).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err).contains("OUT ").contains("is inside the checkpoints of job ").contains("write it elsewhere");
    assertThat(out).as("no directory the store would list as a damaged checkpoint").doesNotExist();
  }

  @Test
  void genDataWritesAgainWhereAStoppedWriteLeftOnlySparksTemporaryFiles() throws Exception {
    java.nio.file.Path out = tmp.resolve("stopped");
    Files.createDirectories(out.resolve("_temporary/0/task_0"));
    Files.writeString(out.resolve("_temporary/0/task_0/part-00000.parquet"), "half");

    Run r = run(null, null, "--master", "local[1]", "gen-data", out.toString(), "--rows", "8");

    assertThat(r.code).as("%s%s", r.out, r.err).isZero();
    assertThat(out.resolve(io.epochal.driver.data.DataGenerator.MARKER)).exists();
    assertThat(out.resolve("_temporary")).doesNotExist();
  }

  @Test
  void everySubcommandHasHelp() {
    for (String cmd : List.of("train", "resume", "status", "inspect", "gen-data", "verify")) {
      Run r = run(null, null, cmd, "--help");
      assertThat(r.code).as(cmd).isZero();
      assertThat(r.out).as(cmd).startsWith("Usage: epochal " + cmd);
    }
    assertThat(run(null, null, "--help").out).contains("Exit codes:").contains("3   the job's lease is held");
  }

  @Test
  void eachCommandsUriHelpSaysWhatThatCommandTakesNotWhatOthersDo() {
    String status = run(null, null, "status", "--help").out.replaceAll("\\s+", " ");
    assertThat(status).contains("URI A job directory, or a directory with jobs under it").doesNotContain("export");
    String verify = run(null, null, "verify", "--help").out.replaceAll("\\s+", " ");
    assertThat(verify).contains("or one checkpoint directory, epoch-NNNNNN").doesNotContain("resume --all");
    String resume = run(null, null, "resume", "--help").out.replaceAll("\\s+", " ");
    assertThat(resume).contains("A job directory; with --all, a directory with jobs under it")
        .doesNotContain("epoch-NNNNNN: a");
    // every column predict writes
    String predict = run(null, null, "predict", "--help").out.replaceAll("\\s+", " ");
    for (String column : List.of("row_id", "prediction", "scores", io.epochal.driver.predict.BatchPredictor.PROBABILITY,
        "score_<i>", "probability_<i>")) {
      assertThat(predict).as(column).contains(column);
    }
  }

  @Test
  void launcherSubcommandsGetTheQualifiedUriAndReturnItsCode() {
    for (String cmd : List.of("resume", "status", "inspect", "verify")) {
      RecordingLauncher launcher = new RecordingLauncher(ExitCodes.FAILED);
      Run r = run(launcher, null, cmd, tmp.resolve("job").toString(), "--master", "local[1]");
      assertThat(r.code).as(cmd).isEqualTo(ExitCodes.FAILED);
      assertThat(launcher.calls).containsExactly(cmd);
      assertThat(launcher.uri.toString()).isEqualTo("file://" + tmp.resolve("job"));
      assertThat(launcher.options.master()).isEqualTo("local[1]");
    }
  }

  @Test
  void resumeWithAnAmendmentPassesItToTheLauncherAndRefusesAllButRelocateWithAll() {
    RecordingLauncher launcher = new RecordingLauncher(0);
    Run r = run(launcher, null, "resume", tmp.resolve("job").toString(), "--relocate", "--data", "/data/new",
        "--epochs", "12", "--set", "checkpoint.keep_last=2");
    assertThat(r.code).as(r.err).isZero();
    assertThat(launcher.calls).containsExactly("resume-amended");
    assertThat(launcher.amendment).isEqualTo(new JobAmendment(true, "/data/new", 12,
        Map.of("checkpoint.keep_last", "2")));
    assertThat(run(new RecordingLauncher(0), null, "resume", tmp.toString(), "--epochs", "0").err)
        .contains("--epochs must be between 1 and 999999, got 0");
    Run tooMany = run(new RecordingLauncher(0), null, "resume", tmp.toString(), "--epochs", "1000000");
    assertThat(tooMany.code).isEqualTo(ExitCodes.USAGE);
    assertThat(tooMany.err).as("the option is named, not the stored spec").contains(
        "--epochs must be between 1 and 999999, got 1000000").doesNotContain("stored");

    RecordingLauncher all = new RecordingLauncher(0);
    for (List<String> one : List.of(List.of("--data", "/d"), List.of("--epochs", "3"),
        List.of("--set", "checkpoint.keep_last=2"))) {
      List<String> args = new ArrayList<>(List.of("resume", "--all", tmp.toString()));
      args.addAll(one);
      Run refused = run(all, null, args.toArray(new String[0]));
      assertThat(refused.code).as("%s", args).isEqualTo(ExitCodes.USAGE);
      assertThat(refused.err).contains("--data, --epochs and --set apply to one job");
    }
    Run oneJobTemplate = run(all, null, "resume", tmp.toString(), "--submit-template", "echo");
    assertThat(oneJobTemplate.code).isEqualTo(ExitCodes.USAGE);
    assertThat(oneJobTemplate.err).contains("--submit-template applies to 'resume --all <root>' only; add --all or "
        + "drop it").doesNotContain("--parallel");
    Run oneJobBoth = run(all, null, "resume", tmp.toString(), "--submit-template", "echo", "--parallel", "2");
    assertThat(oneJobBoth.err).contains("--parallel and --submit-template apply to 'resume --all <root>' only");
    Run template = run(all, null, "resume", "--all", tmp.toString(), "--relocate", "--submit-template",
        "x resume {job_dir}");
    assertThat(template.code).isEqualTo(ExitCodes.USAGE);
    assertThat(template.err).contains("--relocate and --submit-template do not go together",
        "'resume {job_dir} --relocate'");
    assertThat(all.calls).isEmpty();

    Run relocating = run(all, null, "resume", "--all", tmp.toString(), "--relocate", "--parallel", "2");
    assertThat(relocating.code).as(relocating.err).isZero();
    assertThat(all.calls).containsExactly("resume-all");
    assertThat(all.resumeAll).isEqualTo(new ResumeAllRequest(false, 2, null, true));
  }

  @Test
  void locationsAreQualifiedWithTheHadoopConfigurationTheCommandWasGiven() {
    // a relative location resolves against the default file system set with --conf (an HA
    // nameservice and the like are given the same way); qualifying opens no connection
    RecordingLauncher launcher = new RecordingLauncher(0);
    Run r = run(launcher, null, "--conf", "spark.hadoop.fs.defaultFS=hdfs://127.0.0.1:9", "status", "jobs/x");
    assertThat(r.code).as(r.err).isEqualTo(0);
    assertThat(launcher.uri.toString()).startsWith("hdfs://127.0.0.1:9/").endsWith("/jobs/x");
  }

  @Test
  void withoutLauncherOrCatalogTrainSaysSoWithInternalCode() {
    Run noLauncher = run(null, new TestModelCatalog(), train());
    assertThat(noLauncher.code).isEqualTo(ExitCodes.INTERNAL);
    assertThat(noLauncher.err).contains("job spec is valid").contains("no training launcher");
    Run invalid = run(null, new TestModelCatalog(), train("--set", "train.epochs=0"));
    assertThat(invalid.code).isEqualTo(ExitCodes.USAGE);
    RecordingLauncher launcher = new RecordingLauncher(0);
    Run noCatalog = run(launcher, null, train());
    assertThat(noCatalog.code).isEqualTo(ExitCodes.INTERNAL);
    assertThat(noCatalog.err).contains("no model catalog").contains("model.name=mlp");
    assertThat(run(launcher, null, train("--set", "train.epoch=2")).code).isEqualTo(ExitCodes.USAGE);
    assertThat(launcher.calls).isEmpty();
  }

  @Test
  void genDataWritesADatasetThatLoadsIntoShards() throws Exception {
    Path out = tmp.resolve("gen");
    String[] args = {"--master", "local[2]", "--conf", "spark.ui.enabled=false", "gen-data", out.toString(),
        "--rows", "300", "--features", "8", "--classes", "3", "--seed", "5"};
    Run r = run(null, null, args);
    assertThat(r.code).as(r.err).isZero();
    assertThat(r.out).contains("wrote 300 rows (8 features, 3 classes, seed 5) as parquet to file://" + out);
    LoadedDataset data = new DatasetLoader(spark).load(DataOptions.builder().setPath(out.toString())
        .setFormat("parquet").setFeatures(List.of("features")).setLabel("label").optClasses(3).setWorkers(2).build());
    assertThat(data.rows()).isEqualTo(300);
    assertThat(data.featureSize()).isEqualTo(8);
    List<DataShard> shards = data.shards().collect();
    assertThat(shards).extracting(DataShard::rows).containsExactly(150, 150);
    for (DataShard s : shards) {
      for (float label : s.labels()) {
        assertThat(label).isIn(0f, 1f, 2f);
      }
    }
    data.unpersist();

    Run again = run(null, null, args);
    assertThat(again.code).isEqualTo(ExitCodes.USAGE);
    assertThat(again.err).contains("already exists");
    List<String> overwrite = new ArrayList<>(List.of(args));
    overwrite.add("--overwrite");
    assertThat(run(null, null, overwrite.toArray(new String[0])).code).isZero();
  }

  @Test
  void chaosRefusesAWorkDirectoryOnAnotherFileSystemInsteadOfMakingALocalOneNamedAfterIt() {
    Run r = run(null, null, "chaos", "--iterations", "1", "--work-dir", "hdfs://127.0.0.1:41060/chaos");
    assertThat(r.code).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err).contains("epochal: configuration error: --work-dir = 'hdfs://127.0.0.1:41060/chaos' is not on "
        + "the local file system", "give a local path");
    assertThat(Path.of("hdfs:")).doesNotExist();
    assertThat(ChaosCommand.localWorkDir("file:///tmp/chaos-a")).isEqualTo(Path.of("/tmp/chaos-a"));
    assertThat(ChaosCommand.localWorkDir("runs/chaos")).isEqualTo(Path.of("runs/chaos"));
  }

  @Test
  void aCommandThatRunsOutOfMemoryExitsFiftyTwoInOneLineNamingTheLargerHeap() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("oom-job"));
    for (Throwable thrown : List.of(
        new OutOfMemoryError("Cannot reserve 67108927 bytes of direct buffer memory (allocated: 1, limit: 2)"),
        new java.io.UncheckedIOException(new java.io.IOException("reading model.safetensors failed",
            new OutOfMemoryError("Java heap space"))))) {
      TrainingLauncher launcher = new TrainingLauncher() {
        @Override
        public int train(io.epochal.driver.config.JobSpec spec, CliOptions options) {
          throw new AssertionError("not trained");
        }

        @Override
        public int resume(java.net.URI jobDir, CliOptions options) {
          throw new AssertionError("not resumed");
        }

        @Override
        public int status(java.net.URI jobDir, boolean json, CliOptions options) {
          throw new AssertionError("no status");
        }

        @Override
        public int inspect(java.net.URI checkpoint, CliOptions options) {
          throw new AssertionError("not inspected");
        }

        @Override
        public int verify(java.net.URI target, CliOptions options) {
          if (thrown instanceof Error) {
            throw (Error) thrown;
          }
          throw (RuntimeException) thrown;
        }
      };
      Run r = run(launcher, null, "verify", dir.toString());
      assertThat(r.code).as(r.err).isEqualTo(ExitCodes.OUT_OF_MEMORY);
      assertThat(r.err.lines()).as(r.err).singleElement().satisfies(l -> assertThat(l)
          .startsWith("epochal: out of memory: ").contains("EPOCHAL_JAVA_OPTS=-Xmx", "--driver-memory"));
    }
  }
}
