package io.epochal.worker.round;

import io.epochal.tensor.DType;
import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A minimal file format for a state dict's raw tensor bytes, for comparing states across JVMs:
 * the magic {@code EPRAW1}, the tensor count, then per tensor its name, dtype name, rank, dims,
 * byte count and little-endian bytes (integers big-endian, strings modified UTF-8).
 */
final class RawStateFile {

  private static final String MAGIC = "EPRAW1";

  private RawStateFile() {}

  static void write(StateDict state, Path file) throws IOException {
    try (OutputStream os = Files.newOutputStream(file);
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(os))) {
      out.writeUTF(MAGIC);
      out.writeInt(state.size());
      for (Map.Entry<String, Tensor> e : state) {
        Tensor t = e.getValue();
        out.writeUTF(e.getKey());
        out.writeUTF(t.dtype().name());
        out.writeInt(t.rank());
        for (long d : t.shape()) {
          out.writeLong(d);
        }
        ByteBuffer data = t.data().duplicate();
        byte[] bytes = new byte[data.remaining()];
        data.get(bytes);
        out.writeInt(bytes.length);
        out.write(bytes);
      }
    }
  }

  static StateDict read(Path file) throws IOException {
    try (InputStream is = Files.newInputStream(file);
        DataInputStream in = new DataInputStream(new BufferedInputStream(is))) {
      String magic = in.readUTF();
      if (!MAGIC.equals(magic)) {
        throw new IOException(file + " is not a raw state file: magic '" + magic + "'");
      }
      int n = in.readInt();
      StateDict.Builder b = StateDict.builder();
      for (int i = 0; i < n; i++) {
        String name = in.readUTF();
        DType dtype = DType.valueOf(in.readUTF());
        long[] shape = new long[in.readInt()];
        for (int d = 0; d < shape.length; d++) {
          shape[d] = in.readLong();
        }
        byte[] bytes = new byte[in.readInt()];
        in.readFully(bytes);
        b.put(name, Tensor.wrap(dtype, shape, ByteBuffer.wrap(bytes)));
      }
      if (in.read() != -1) {
        throw new IOException(file + " has bytes after its " + n + " tensors");
      }
      return b.build();
    }
  }
}
