package io.epochal.driver.cli;

import io.epochal.driver.config.JobSpec;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/** A launcher that records what it was asked to do and answers with a fixed exit code. */
final class RecordingLauncher implements TrainingLauncher {

  final List<String> calls = new ArrayList<>();
  JobSpec spec;
  URI uri;
  CliOptions options;
  JobAmendment amendment;
  ResumeAllRequest resumeAll;
  java.util.Map<String, String> dataKeys;
  private final int code;

  RecordingLauncher(int code) {
    this.code = code;
  }

  @Override
  public int train(JobSpec spec, CliOptions options) {
    return record("train", spec, options);
  }

  @Override
  public int dryRun(JobSpec spec, CliOptions options) {
    return record("dryRun", spec, options);
  }

  private int record(String call, JobSpec spec, CliOptions options) {
    calls.add(call);
    this.spec = spec;
    this.options = options;
    return code;
  }

  private int record(String call, URI uri, CliOptions options) {
    calls.add(call);
    this.uri = uri;
    this.options = options;
    return code;
  }

  @Override
  public int evaluate(URI model, URI input, java.util.Map<String, String> dataKeys, boolean all, boolean json,
      boolean perClass, String weights, CliOptions options) {
    this.dataKeys = dataKeys;
    return record("evaluate", model, options);
  }

  @Override
  public int resume(URI jobDir, CliOptions options) {
    return record("resume", jobDir, options);
  }

  @Override
  public int resumeAll(URI root, ResumeAllRequest request, CliOptions options) {
    this.resumeAll = request;
    return record("resume-all", root, options);
  }

  @Override
  public int resume(URI jobDir, JobAmendment amendment, CliOptions options) {
    this.amendment = amendment;
    return record("resume-amended", jobDir, options);
  }

  @Override
  public int status(URI jobDir, boolean json, CliOptions options) {
    return record("status", jobDir, options);
  }

  @Override
  public int inspect(URI checkpoint, CliOptions options) {
    return record("inspect", checkpoint, options);
  }

  @Override
  public int verify(URI target, CliOptions options) {
    return record("verify", target, options);
  }
}
