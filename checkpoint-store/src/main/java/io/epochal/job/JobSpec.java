package io.epochal.job;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.epochal.params.HyperParameters;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The resolved job spec as stored in {@code job.json}: the job's id, its human-readable name and
 * every hyperparameter, typed. Immutable.
 */
public final class JobSpec {

  /** The format version written into {@code job.json}. */
  public static final int FORMAT = 1;

  private final String jobId;
  private final String jobName;
  private final HyperParameters hyperParameters;

  private JobSpec(String jobId, String jobName, HyperParameters hyperParameters) {
    this.jobId = jobId;
    this.jobName = jobName;
    this.hyperParameters = hyperParameters;
  }

  /**
   * A spec.
   *
   * @param jobId a non-empty id, unique per job directory
   * @param jobName a human-readable name (may equal the id)
   * @param hyperParameters the resolved hyperparameters
   */
  public static JobSpec of(String jobId, String jobName, HyperParameters hyperParameters) {
    checkNotNull(jobId, "jobId");
    checkArgument(!jobId.isBlank(), "jobId must not be blank; set a job id such as 'mnist-mlp-001'");
    checkNotNull(jobName, "jobName (use the job id if there is no separate name)");
    checkNotNull(hyperParameters, "hyperParameters");
    return new JobSpec(jobId, jobName, hyperParameters);
  }

  /** The job id. */
  public String getJobId() {
    return jobId;
  }

  /** The job name. */
  public String getJobName() {
    return jobName;
  }

  /** The resolved hyperparameters. */
  public HyperParameters getHyperParameters() {
    return hyperParameters;
  }

  /**
   * The differences from this (old) spec to {@code other} (new), one line each in the form
   * {@code key: old -> new}: {@code jobId} and {@code jobName} first, then the hyperparameters
   * as {@link HyperParameters#diff} renders them. Empty when the specs are equal.
   */
  public List<String> diff(JobSpec other) {
    List<String> lines = new ArrayList<>();
    if (!jobId.equals(other.jobId)) {
      lines.add("jobId: \"" + jobId + "\" -> \"" + other.jobId + "\"");
    }
    if (!jobName.equals(other.jobName)) {
      lines.add("jobName: \"" + jobName + "\" -> \"" + other.jobName + "\"");
    }
    lines.addAll(hyperParameters.diff(other.hyperParameters));
    return lines;
  }

  /** The JSON form stored in {@code job.json}. */
  public ObjectNode toJson() {
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    node.put("format", FORMAT);
    node.put("jobId", jobId);
    node.put("jobName", jobName);
    node.set("hyperParameters", hyperParameters.toJson());
    return node;
  }

  /**
   * Parses the JSON form.
   *
   * @throws IllegalArgumentException naming the missing or malformed field
   */
  public static JobSpec fromJson(JsonNode node) {
    checkArgument(node != null && node.isObject(), "job spec must be a JSON object, got %s", node);
    JsonNode format = node.get("format");
    checkArgument(format != null && format.isInt() && format.intValue() == FORMAT,
        "job spec format must be %s, got %s", FORMAT, format);
    JsonNode id = node.get("jobId");
    JsonNode name = node.get("jobName");
    checkArgument(id != null && id.isTextual(), "job spec field 'jobId' must be a string, got %s", id);
    checkArgument(name != null && name.isTextual(), "job spec field 'jobName' must be a string, got %s", name);
    return of(id.textValue(), name.textValue(), HyperParameters.fromJson(node.get("hyperParameters")));
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof JobSpec)) {
      return false;
    }
    JobSpec s = (JobSpec) o;
    return jobId.equals(s.jobId) && jobName.equals(s.jobName) && hyperParameters.equals(s.hyperParameters);
  }

  @Override
  public int hashCode() {
    return Objects.hash(jobId, jobName, hyperParameters);
  }

  @Override
  public String toString() {
    return "JobSpec{jobId=" + jobId + ", jobName=" + jobName + ", " + hyperParameters + "}";
  }
}
