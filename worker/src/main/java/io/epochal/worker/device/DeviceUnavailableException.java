package io.epochal.worker.device;

/**
 * {@code train.device=gpu} cannot be honoured in a task: Spark assigned no GPU, the engine sees no
 * CUDA device, or the assigned address is not one the engine can use. The message names the
 * executor, the reason and the fix. A configuration mistake, hence unchecked.
 */
public class DeviceUnavailableException extends IllegalStateException {

  private static final long serialVersionUID = 1L;

  private final String executorId;

  /** A failure in executor {@code executorId} with {@code message}. */
  public DeviceUnavailableException(String executorId, String message) {
    super(message);
    this.executorId = executorId;
  }

  /** The executor that could not use a GPU. */
  public String executorId() {
    return executorId;
  }
}
