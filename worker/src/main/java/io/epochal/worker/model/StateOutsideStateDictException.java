package io.epochal.worker.model;

/**
 * A model keeps state that affects its output outside its state dict: a model a worker trained,
 * loaded with a state, computes another probe output than a freshly built model loaded with the
 * same state. Such a value (a running statistic in a plain field, or a tensor drawn at random in
 * the constructor, which differs in every built model) is in no checkpoint, so a
 * resume, or a round that runs on another executor thread, computes from its initial value and
 * trains to other weights. Thrown in a Spark task; a driver fails the job without retrying, since
 * every attempt of the round finds the same (a retry of the task on a thread that has not trained
 * the model yet may pass the round, and the thread's next round finds it).
 */
public class StateOutsideStateDictException extends ModelCodeException {

  private static final long serialVersionUID = 1L;

  /** What the message of every such failure contains, to find it in a failure's text. */
  public static final String MARKER = "keeps state outside its state dict";

  /**
   * The failure of {@code model} (its description), whose probe output after training and
   * reloading differs from a fresh model's by {@code maxDiff} at flat index {@code first}, in
   * training mode (with the same dropout draws) if {@code training}, else in evaluation mode.
   */
  public StateOutsideStateDictException(String model, boolean training, double maxDiff, long first) {
    super("model " + model + " " + MARKER + ": a model this worker trained, loaded with the global state, computes "
        + "another " + (training ? "training-mode output (same input, same dropout draws)" : "probe output")
        + " than a freshly built model loaded with the same state (largest difference " + maxDiff
        + ", first at output index " + first + "). The model holds a value in a plain field, one it changes while it "
        + "trains or one each built model draws anew (a random tensor made in its constructor, say): it is in no "
        + "checkpoint, so a resume, or a round on another executor thread, starts from another value and trains to "
        + "other weights. Register it in the model's constructor through state() (addParameter for a trained tensor, "
        + "addBuffer for one that is not, addCounter for a count), give the model a new version(), and train it again "
        + "in a new job.dir (worker/MODELS.md)", null);
  }
}
