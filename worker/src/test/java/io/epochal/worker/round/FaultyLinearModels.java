package io.epochal.worker.round;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import io.epochal.params.HyperParameters;
import io.epochal.params.ParamSpec;
import io.epochal.params.ParamSpecs;
import io.epochal.params.ParamType;
import io.epochal.worker.model.BaseEpochalModel;
import io.epochal.worker.model.EpochalModel;
import io.epochal.worker.model.ModelFactory;
import io.epochal.worker.model.ParameterInit;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Models of one's own with the mistakes Epochal must catch itself: a linear layer ({@code
 * features}, {@code outputs}) whose output is shifted by a value kept in a plain field, outside its
 * state dict, so no checkpoint holds it. Registered for the worker's tests, and the driver's
 * through the worker's test jar, in {@code META-INF/services/io.epochal.worker.model.ModelFactory}.
 */
public final class FaultyLinearModels {

  private FaultyLinearModels() {}

  /**
   * {@code unreproducible-linear} v1: the shift is drawn in the constructor, different in every
   * built model, so two models loaded with one state disagree.
   */
  public static final class Unreproducible extends Factory {
    /** The factory, as the service loader builds it. */
    public Unreproducible() {
      super("unreproducible-linear", Fault.RANDOM);
    }
  }

  /**
   * {@code drifting-linear} v1: the shift starts at 0 and grows in every training step (as a
   * running statistic kept by hand would), so two freshly built models agree and a trained one
   * does not.
   */
  public static final class Drifting extends Factory {
    /** The factory, as the service loader builds it. */
    public Drifting() {
      super("drifting-linear", Fault.DRIFTS);
    }
  }

  /**
   * {@code training-drifting-linear} v1: as {@code drifting-linear}, but the shift is added only in
   * training mode, so evaluation-mode (probe) outputs agree and only training differs.
   */
  public static final class TrainingDrifting extends Factory {
    /** The factory, as the service loader builds it. */
    public TrainingDrifting() {
      super("training-drifting-linear", Fault.DRIFTS_IN_TRAINING);
    }
  }

  /** How a model's plain-field shift goes wrong. */
  enum Fault {
    /** Drawn in the constructor. */
    RANDOM,
    /** Starts at 0, grows in every training step, shifts every output. */
    DRIFTS,
    /** Starts at 0, grows in every training step, shifts training outputs only. */
    DRIFTS_IN_TRAINING
  }

  abstract static class Factory implements ModelFactory {
    private final String name;
    private final Fault fault;
    private final ParamSpecs params;

    Factory(String name, Fault fault) {
      this.name = name;
      this.fault = fault;
      this.params = new ParamSpecs("model " + name + " v1", List.of(
          ParamSpec.builder("features", ParamType.LONG).optMin(1).build(),
          ParamSpec.builder("outputs", ParamType.LONG).optMin(1).build()));
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public int version() {
      return 1;
    }

    @Override
    public ParamSpecs params() {
      return params;
    }

    @Override
    public EpochalModel create(HyperParameters resolved) {
      return new Model(name, fault, resolved.getLong("features"), resolved.getInt("outputs"));
    }
  }

  private static final class Model extends BaseEpochalModel {
    private final Parameter weight;
    private final Parameter bias;
    private final Fault fault;
    /** Not in the state dict: no checkpoint holds it. */
    private float shift;

    Model(String name, Fault fault, long features, int outputs) {
      super(name + " v1", new long[] {features}, outputs, null);
      this.fault = fault;
      this.shift = fault == Fault.RANDOM ? (float) new java.util.Random().nextGaussian() : 0f;
      weight = state().addParameter("weight", ParameterInit.torchDefault(features), outputs, features);
      bias = state().addParameter("bias", ParameterInit.torchDefault(features), outputs);
    }

    @Override
    protected NDArray forwardBatch(NDArray input, boolean training, SplittableRandom rng) {
      if (fault != Fault.RANDOM && training) {
        shift += 0.5f;
      }
      NDArray out = input.matMul(weight.getArray().transpose()).add(bias.getArray());
      return fault == Fault.DRIFTS_IN_TRAINING && !training ? out : out.add(shift);
    }
  }
}
