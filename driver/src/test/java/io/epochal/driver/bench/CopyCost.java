package io.epochal.driver.bench;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.tensor.StateDict;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * What moving one state costs without any orchestration: a {@code System.arraycopy} of its bytes,
 * and a Kryo serialization and deserialization with Spark's serializer configured as the job's
 * (registrator, registration required). Each is the median of a few repetitions after a warm-up.
 */
final class CopyCost {

  private static final ClassTag<StateDict> TAG = ClassTag$.MODULE$.apply(StateDict.class);

  private final double copyMs;
  private final double serializeMs;
  private final double deserializeMs;
  private final long wireBytes;

  private CopyCost(double copyMs, double serializeMs, double deserializeMs, long wireBytes) {
    this.copyMs = copyMs;
    this.serializeMs = serializeMs;
    this.deserializeMs = deserializeMs;
    this.wireBytes = wireBytes;
  }

  /** Measures {@code state} with Spark's Kryo as configured by {@code conf}. */
  static CopyCost measure(StateDict state, SparkConf conf, int reps) {
    checkNotNull(state, "state");
    checkArgument(reps >= 1, "repetitions must be >= 1, got %s", reps);
    long bytes = state.totalBytes();
    checkArgument(bytes <= Integer.MAX_VALUE, "state of %s bytes is too large for one array", bytes);
    byte[] src = new byte[(int) bytes];
    byte[] dst = new byte[(int) bytes];
    Arrays.fill(src, (byte) 1);
    double[] copy = new double[reps];
    for (int i = -1; i < reps; i++) {
      long t = System.nanoTime();
      System.arraycopy(src, 0, dst, 0, src.length);
      if (i >= 0) {
        copy[i] = (System.nanoTime() - t) / 1e6;
      }
    }
    if (dst[dst.length - 1] != 1) {
      throw new IllegalStateException("arraycopy did not copy");
    }
    src = null;
    dst = null;
    SerializerInstance kryo = new KryoSerializer(conf).newInstance();
    double[] ser = new double[reps];
    double[] de = new double[reps];
    long wire = 0;
    for (int i = -1; i < reps; i++) {
      long t = System.nanoTime();
      ByteBuffer buf = kryo.serialize(state, TAG);
      long t1 = System.nanoTime();
      StateDict back = kryo.deserialize(buf, TAG);
      long t2 = System.nanoTime();
      if (back.size() != state.size()) {
        throw new IllegalStateException("Kryo round trip lost tensors: " + back.size() + " of " + state.size());
      }
      wire = buf.remaining();
      if (i >= 0) {
        ser[i] = (t1 - t) / 1e6;
        de[i] = (t2 - t1) / 1e6;
      }
    }
    return new CopyCost(median(copy), median(ser), median(de), wire);
  }

  static double median(double[] xs) {
    double[] s = xs.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  /** Median milliseconds of one {@code System.arraycopy} of the state's bytes. */
  double copyMs() {
    return copyMs;
  }

  /** Median milliseconds to Kryo-serialize the state. */
  double serializeMs() {
    return serializeMs;
  }

  /** Median milliseconds to Kryo-deserialize it. */
  double deserializeMs() {
    return deserializeMs;
  }

  /** Bytes on the wire. */
  long wireBytes() {
    return wireBytes;
  }
}
