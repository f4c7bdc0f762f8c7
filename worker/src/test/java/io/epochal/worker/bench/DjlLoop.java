package io.epochal.worker.bench;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import io.epochal.worker.optim.GradientClipping;
import io.epochal.worker.optim.ParamSlot;
import io.epochal.worker.round.BatchPlan;
import java.util.ArrayList;
import java.util.List;

/**
 * The reference: a minimal hand-written DJL training loop ({@link Trainer} with a
 * {@link DefaultTrainingConfig}) on the same MLP built from {@link SequentialBlock} and
 * {@link Linear}, the same batches and DJL's own optimizer (whose updates run the engine's fused
 * kernels). With a gradient norm limit, the gradients are clipped between backward and the step by
 * {@link GradientClipping}, as a DJL user would call it before {@code trainer.step()}.
 */
final class DjlLoop implements AutoCloseable {

  private final Model model;
  private final Trainer trainer;
  private final Loss loss = Loss.softmaxCrossEntropyLoss();
  private final BenchData data;
  private final int batch;
  private final double clipGradNorm;
  private int epoch;
  private int batchInEpoch;
  private int[] permutation;

  /** @param optimizer "sgd" (lr 0.01, no momentum) or "adam" (lr 1e-3, torch's default betas) */
  DjlLoop(String optimizer, int[] hidden, int outputs, BenchData data, int batch) {
    this(optimizer, hidden, outputs, data, batch, 0);
  }

  /** As the other, clipping every step's gradients to total norm {@code clipGradNorm} (0 = none). */
  DjlLoop(String optimizer, int[] hidden, int outputs, BenchData data, int batch, double clipGradNorm) {
    SequentialBlock block = new SequentialBlock();
    for (int h : hidden) {
      block.add(Linear.builder().setUnits(h).build()).add(Activation::relu);
    }
    block.add(Linear.builder().setUnits(outputs).build());
    this.model = Model.newInstance("djl-mlp", Device.cpu(), "PyTorch");
    model.setBlock(block);
    Optimizer opt = optimizer.equals("sgd")
        ? Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.01f)).build()
        : Optimizer.adam().optLearningRateTracker(Tracker.fixed(1e-3f)).build();
    this.trainer = model.newTrainer(new DefaultTrainingConfig(loss).optOptimizer(opt)
        .optDevices(new Device[] {Device.cpu()}));
    trainer.initialize(new Shape(batch, data.shard().featureSize()));
    this.data = data;
    this.batch = batch;
    this.clipGradNorm = clipGradNorm;
    this.permutation = BatchPlan.permutation(data.shard().rows(), 1, epoch, 0);
  }

  /** Trains {@code steps} mini-batches; returns the summed loss (read every step, as a round does). */
  double train(int steps) {
    double lossSum = 0;
    int fs = data.shard().featureSize();
    for (int s = 0; s < steps; s++) {
      if (batchInEpoch == data.batchesPerEpoch()) {
        epoch++;
        batchInEpoch = 0;
        permutation = BatchPlan.permutation(data.shard().rows(), 1, epoch, 0);
      }
      data.gather(permutation, batchInEpoch++);
      try (NDManager step = trainer.getManager().newSubManager()) {
        NDArray x = step.create(data.features(), new Shape(batch, fs));
        NDArray y = step.create(data.labels(), new Shape(batch));
        try (GradientCollector gc = trainer.newGradientCollector()) {
          NDArray prediction = trainer.forward(new NDList(x)).singletonOrThrow();
          NDArray l = loss.evaluate(new NDList(y), new NDList(prediction));
          gc.backward(l);
          lossSum += l.getFloat();
        }
        if (clipGradNorm > 0) {
          List<ParamSlot> slots = new ArrayList<>();
          for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
            NDArray w = p.getValue().getArray();
            NDArray grad = w.getGradient();
            grad.attach(step); // a handle on the gradient, closed with the step
            slots.add(ParamSlot.of(p.getKey(), w, grad));
          }
          GradientClipping.clipByTotalNorm(slots, clipGradNorm, step);
        }
        trainer.step();
      }
    }
    return lossSum;
  }

  @Override
  public void close() {
    trainer.close();
    model.close();
  }
}
