package io.epochal.worker.djl;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.epochal.safetensors.SafetensorsReader;
import io.epochal.safetensors.SafetensorsWriter;
import io.epochal.tensor.StateDict;
import io.epochal.worker.model.EpochalModel;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;

/**
 * A DJL {@code Block} over an {@link EpochalModel}, for inference: {@code forward} runs the model
 * in evaluation mode on one input {@code [batch, inputShape...]}; {@link #saveParameters} writes
 * the model's state dict (a marker, a format number, then the safetensors bytes) and
 * {@link #loadParameters} reads it back strictly, so a DJL {@code Model.save}/{@code Model.load}
 * round trip carries every parameter and buffer under its PyTorch name.
 *
 * <p>The block owns the model: {@link #close()} releases its native memory (a DJL {@code Model}
 * does not close its block). Training through DJL's {@code Trainer} is not supported: train with
 * Epochal.
 */
public final class EpochalBlock extends AbstractBlock implements AutoCloseable {

  /** Marker at the start of the block's parameters. */
  static final String MARKER = "epochal-state-dict";
  /** Version of the parameter layout. */
  static final int FORMAT = 1;

  private final EpochalModel model;

  /** A block over {@code model}, which it owns from now on. */
  public EpochalBlock(EpochalModel model) {
    super((byte) FORMAT);
    this.model = checkNotNull(model, "model");
    long[] in = model.inputShape();
    long[] shape = new long[in.length + 1];
    shape[0] = -1;
    System.arraycopy(in, 0, shape, 1, in.length);
    this.inputNames = List.of("input");
    this.inputShapes = new Shape[] {new Shape(shape)};
  }

  /** The adapted model. */
  public EpochalModel model() {
    return model;
  }

  @Override
  protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
      PairList<String, Object> params) {
    checkArgument(!training, "%s is adapted to DJL for inference only; train it with epochal train",
        model.describe());
    checkArgument(inputs.size() == 1, "%s takes one input [batch, %s], got %s arrays", model.describe(),
        java.util.Arrays.toString(model.inputShape()), inputs.size());
    return new NDList(model.forward(inputs.singletonOrThrow(), false, null));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {new Shape(inputShapes[0].get(0), model.outputSize())};
  }

  @Override
  public void saveParameters(DataOutputStream os) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    SafetensorsWriter.write(model.stateDict(), bytes);
    os.writeUTF(MARKER);
    os.writeInt(FORMAT);
    os.writeLong(bytes.size());
    bytes.writeTo(os);
  }

  @Override
  public void loadParameters(NDManager manager, DataInputStream is) throws IOException, MalformedModelException {
    String marker = is.readUTF();
    if (!MARKER.equals(marker)) {
      throw new MalformedModelException("the parameters are not an Epochal state dict (marker '" + marker
          + "', expected '" + MARKER + "'); the file was not written by EpochalBlock");
    }
    int format = is.readInt();
    if (format != FORMAT) {
      throw new MalformedModelException("Epochal block parameters of format " + format + " are not supported "
          + "(this build reads " + FORMAT + ")");
    }
    long length = is.readLong();
    if (length < 8 || length > Integer.MAX_VALUE - 8) {
      throw new MalformedModelException("Epochal block parameters claim " + length + " bytes of safetensors");
    }
    byte[] data = new byte[(int) length];
    is.readFully(data);
    StateDict state = SafetensorsReader.read(new ByteArrayInputStream(data), length, "block parameters")
        .tensors();
    try {
      model.loadStateDict(state);
    } catch (IllegalArgumentException e) {
      throw new MalformedModelException("the saved state dict does not fit " + model.describe() + ": "
          + e.getMessage(), e);
    }
  }

  /** Releases the model's native memory. */
  @Override
  public void close() {
    model.close();
  }

  @Override
  public String toString() {
    return "EpochalBlock[" + model.describe() + "]";
  }
}
