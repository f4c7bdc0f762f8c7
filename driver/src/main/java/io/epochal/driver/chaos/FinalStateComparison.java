package io.epochal.driver.chaos;

import io.epochal.checkpoint.CheckpointEntry;
import io.epochal.checkpoint.CheckpointException;
import io.epochal.checkpoint.CheckpointStore;
import io.epochal.checkpoint.HadoopCheckpointStore;
import io.epochal.checkpoint.LoadedCheckpoint;
import io.epochal.checkpoint.VerificationReport;
import io.epochal.driver.config.JobSpecResolver;
import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.hadoop.conf.Configuration;

/**
 * Compares the checkpoints of a job trained under faults with those of an uninterrupted reference
 * run: the same epochs are kept, every kept checkpoint passes verification (sizes, digests, probe),
 * and the model and optimizer tensors of every common epoch are bit-identical.
 */
public final class FinalStateComparison {

  private final Configuration conf;

  /** A comparison reading both job directories through {@code conf}. */
  public FinalStateComparison(Configuration conf) {
    this.conf = Objects.requireNonNull(conf, "conf");
  }

  /**
   * The differences between {@code jobDir} and {@code referenceDir} (job directory URIs), empty when
   * {@code jobDir} ends exactly like the reference: at epoch {@code epochs}, or at the epoch the reference stopped
   * early at.
   */
  public List<String> differences(String referenceDir, String jobDir, int epochs) throws IOException {
    List<String> out = new ArrayList<>();
    try (CheckpointStore ref = open(referenceDir); CheckpointStore job = open(jobDir)) {
      List<Long> refEpochs = ref.list().stream().map(CheckpointEntry::epoch).toList();
      List<Long> jobEpochs = job.list().stream().map(CheckpointEntry::epoch).toList();
      if (!refEpochs.equals(jobEpochs)) {
        out.add("checkpoints kept: " + jobEpochs + ", reference: " + refEpochs);
      }
      // a job that stops early (early_stop.*) ends where the uninterrupted run stopped
      long end = refEpochs.isEmpty() ? epochs : refEpochs.get(refEpochs.size() - 1);
      if (jobEpochs.isEmpty() || jobEpochs.get(jobEpochs.size() - 1) != end) {
        out.add("newest checkpoint is not of epoch " + end + ": " + jobEpochs);
      }
      for (VerificationReport r : job.verifyAll()) {
        if (!r.ok()) {
          out.add("checkpoint " + JobSpecResolver.locationText(r.path()) + " fails verification: " + r.problems());
        }
      }
      for (long e : jobEpochs) {
        if (refEpochs.contains(e)) {
          compare(e, ref.load(e), job.load(e), out);
        }
      }
    } catch (CheckpointException e) {
      out.add("cannot read a checkpoint: " + e.getMessage());
    }
    return out;
  }

  private static void compare(long epoch, LoadedCheckpoint ref, LoadedCheckpoint job, List<String> out) {
    compare(epoch, "model", ref.model(), job.model(), out);
    compare(epoch, "optimizer", ref.optimizer(), job.optimizer(), out);
    compare(epoch, "ema", ref.ema(), job.ema(), out);
    if (!ref.manifest().learningRateSchedule().equals(job.manifest().learningRateSchedule())) {
      // the rate the next epoch trains at, and schedule plateau's count and best
      out.add("epoch " + epoch + ": lr_schedule " + job.manifest().learningRateSchedule().asMap() + ", reference "
          + ref.manifest().learningRateSchedule().asMap());
    }
    if (ref.manifest().globalStep() != job.manifest().globalStep()) {
      out.add("epoch " + epoch + ": global step " + job.manifest().globalStep() + ", reference "
          + ref.manifest().globalStep());
    }
  }

  private static void compare(long epoch, String part, StateDict ref, StateDict job, List<String> out) {
    if (!ref.names().equals(job.names())) {
      out.add("epoch " + epoch + " " + part + ": tensors " + job.names() + ", reference " + ref.names());
      return;
    }
    for (String name : ref.names()) {
      Tensor a = ref.get(name);
      Tensor b = job.get(name);
      if (!a.equals(b)) {
        out.add("epoch " + epoch + " " + part + " tensor " + name + " differs from the reference");
      }
    }
  }

  private CheckpointStore open(String jobDir) throws IOException {
    return HadoopCheckpointStore.builder().setJobDir(jobDir).optConfiguration(conf).build();
  }
}
