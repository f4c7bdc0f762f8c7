package io.epochal.driver.train;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import java.util.Map;

/**
 * How a round's state crosses from the executors to the driver. Spark serializes each task's
 * result whole, into one Kryo buffer of at most 2047 MiB ({@code spark.kryoserializer.buffer.max}),
 * so a state larger than one task result may carry ({@link #DEFAULT_BYTES}) is reduced on the
 * executors in parameter shards small enough to cross one each: with more shards than the job's
 * slots when needed, and for a single worker too, whose state otherwise comes back whole (and whose
 * rounds then do not run as one chain). A single tensor larger than a Kryo buffer still cannot
 * cross.
 */
public final class TaskResultLimit {

  /** The most state bytes one task result carries: half a Kryo buffer, room for its framing. */
  public static final long DEFAULT_BYTES = 1L << 30;

  /** A limit no state reaches: every state crosses as one result (tests of other behaviour). */
  public static final TaskResultLimit NONE = new TaskResultLimit(Long.MAX_VALUE, 0, 0, 1);

  private final long maxBytes;
  private final long stateBytes;
  private final long largestTensorBytes;
  private final int tensors;

  private TaskResultLimit(long maxBytes, long stateBytes, long largestTensorBytes, int tensors) {
    checkArgument(maxBytes > 0, "maxBytes must be > 0, got %s", maxBytes);
    this.maxBytes = maxBytes;
    this.stateBytes = stateBytes;
    this.largestTensorBytes = largestTensorBytes;
    this.tensors = Math.max(1, tensors);
  }

  /**
   * The limit for rounds from {@code state} whose results hold {@code resultBytes} of state, its
   * optimizer's tensors included (a fresh state has none yet: {@link ResumePoint#trainingStateBytes}).
   */
  public static TaskResultLimit of(StateDict state, long resultBytes) {
    checkNotNull(state, "state");
    checkArgument(resultBytes >= 0, "resultBytes must be >= 0, got %s", resultBytes);
    long largest = 0;
    for (Map.Entry<String, Tensor> e : state) {
      largest = Math.max(largest, e.getValue().byteSize());
    }
    long model = state.totalBytes();
    long bytes = Math.max(resultBytes, model);
    // a fresh state lacks its optimizer's tensors, one per parameter and slot, each its parameter's size
    long perTensor = model == 0 ? 1 : (bytes + model - 1) / model;
    return new TaskResultLimit(DEFAULT_BYTES, bytes, largest, (int) Math.min(Integer.MAX_VALUE, state.size() * perTensor));
  }

  /** This limit with {@code bytes} as the most state bytes one task result carries. */
  public TaskResultLimit withMaxBytes(long bytes) {
    return new TaskResultLimit(bytes, stateBytes, largestTensorBytes, tensors);
  }

  /** Whether the whole state crosses as one task result (a single worker's round, a chain of rounds). */
  public boolean fitsOneResult() {
    return stateBytes <= maxBytes;
  }

  /**
   * The parameter shards to reduce into: {@code wanted} (one per slot), or more, so that each
   * shard fits one task result. A shard of a {@link io.epochal.driver.aggregate.ShardPlan} holds at
   * most its share of the state plus one largest tensor; never more shards than the results have
   * tensors (a tensor larger than the limit leaves its shard over it).
   */
  public int reduceShards(int wanted) {
    checkArgument(wanted >= 1, "wanted must be >= 1, got %s", wanted);
    if (fitsOneResult()) {
      return wanted; // each shard holds less than the whole
    }
    long room = maxBytes - largestTensorBytes;
    long needed = room <= 0 ? tensors : (stateBytes + room - 1) / room;
    return (int) Math.max(wanted, Math.min(needed, tensors));
  }

  @Override
  public String toString() {
    return "TaskResultLimit[" + stateBytes + " state bytes, largest tensor " + largestTensorBytes + ", at most "
        + maxBytes + " per result]";
  }
}
