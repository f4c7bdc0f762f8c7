package io.epochal.driver.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.driver.aggregate.ShardPiece;
import io.epochal.tensor.DType;
import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import io.epochal.worker.data.DataShard;
import io.epochal.worker.round.RoundResult;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DayTimeIntervalType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.VariantType$;
import org.apache.spark.sql.types.YearMonthIntervalType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

class KryoWireFormatTest {

  private static SerializerInstance kryo;

  @BeforeAll
  static void serializer() {
    SparkConf conf = SparkSessions.epochalConf(SparkMaster.parse("local[1]"), "kryo-test", false);
    assertThat(conf.get("spark.kryo.registrationRequired")).isEqualTo("true");
    kryo = new KryoSerializer(conf).newInstance();
  }

  @SuppressWarnings("unchecked")
  private static <T> T roundTrip(T value) {
    ClassTag<Object> tag = ClassTag$.MODULE$.AnyRef();
    ByteBuffer bytes = kryo.serialize(value, tag);
    return (T) kryo.deserialize(bytes, tag);
  }

  private static ByteBuffer serialized(Object value) {
    return kryo.serialize(value, ClassTag$.MODULE$.AnyRef());
  }

  private static StateDict sample() {
    byte[] raw = new byte[6];
    new Random(3).nextBytes(raw);
    return StateDict.builder()
        .put("net.0.weight", Tensor.ofFloats(new long[] {2, 3}, 1f, -2f, 3.5f, Float.MIN_VALUE, 0f, -0f))
        .put("net.0.bias", Tensor.ofDoubles(new long[] {2}, Math.PI, -1e300))
        .put("bn.num_batches_tracked", Tensor.scalarLong(42))
        .put("mask", Tensor.wrap(DType.U8, new long[] {6}, ByteBuffer.wrap(raw)))
        .put("empty", Tensor.ofFloats(new long[] {0, 4}))
        .put("ids", Tensor.ofInts(new long[] {3}, 1, -2, Integer.MAX_VALUE))
        .build();
  }

  @Test
  void tensorsAndStateDictsRoundTripWithRegistrationRequired() {
    StateDict state = sample();
    for (var e : state) {
      assertThat(roundTrip(e.getValue())).isEqualTo(e.getValue());
    }
    StateDict back = roundTrip(state);
    assertThat(back).isEqualTo(state);
    assertThat(back.nameList()).isEqualTo(state.nameList());
  }

  @Test
  void roundResultsShardsAndPiecesRoundTrip() {
    RoundResult result = new RoundResult(3, 640, 10, 123.25, 601, sample());
    assertThat(roundTrip(result)).isEqualTo(result);
    RoundResult regression = new RoundResult(3, 640, 10, 123.25, sample());
    assertThat(roundTrip(regression).counted()).isFalse();
    assertThat(roundTrip(regression).measuredError()).isFalse();
    RoundResult measured = regression.withAbsoluteErrors(87.5);
    assertThat(roundTrip(measured)).isEqualTo(measured).isNotEqualTo(regression);
    assertThat(roundTrip(measured).absErrorSum()).isEqualTo(87.5);
    io.epochal.worker.round.GradNorms norms = io.epochal.worker.round.GradNorms.NONE.plus(2.5, true).plus(0.75, false);
    RoundResult clipped = new RoundResult(3, 640, 10, 123.25, 601, norms, sample());
    assertThat(roundTrip(clipped)).isEqualTo(clipped);
    assertThat(roundTrip(clipped).gradNorms()).isEqualTo(norms);
    DataShard shard = new DataShard(1, 3, new long[] {1, 2}, 1,
        new float[] {1, 2, 3, 4, 5, Float.NaN}, new float[] {0, 1, 2});
    DataShard back = roundTrip(shard);
    assertThat(back).isEqualTo(shard);
    assertThat(back.featureShape()).containsExactly(1, 2);
    DataShard weighted = new DataShard(1, 3, new long[] {1, 2}, 1,
        new float[] {1, 2, 3, 4, 5, Float.NaN}, new float[] {0, 1, 2}, new float[] {0.5f, 0, 3});
    assertThat(roundTrip(weighted)).isEqualTo(weighted).isNotEqualTo(shard);
    assertThat(roundTrip(weighted).weights()).containsExactly(0.5f, 0, 3);
    assertThat(roundTrip(shard).weights()).isNull();
    ShardPiece piece = new ShardPiece(2, 3, 640, 10, 1.5, 601, 1, new int[] {0, 4, 5, 1, 2, 3}, sample());
    assertThat(roundTrip(piece)).isEqualTo(piece);
    ShardPiece withNorms = new ShardPiece(2, 3, 640, 10, 1.5, 601, norms, 1, new int[] {0, 4, 5, 1, 2, 3}, sample());
    assertThat(roundTrip(withNorms)).isEqualTo(withNorms).isNotEqualTo(piece);
    ShardPiece rows = new ShardPiece(2, 3, 640, 10, 1.5, 601, norms, 1, new int[] {0, 4, 5, 1, 2, 3},
        new long[] {7, 0, 0, 1L << 40, 0, 0}, sample());
    assertThat(roundTrip(rows)).isEqualTo(rows).isNotEqualTo(withNorms);
    assertThat(roundTrip(rows).firstRows()).containsExactly(7, 0, 0, 1L << 40, 0, 0);
    assertThat(roundTrip(rows.withAbsoluteErrors(2.25)).absErrorSum()).isEqualTo(2.25);
    assertThat(roundTrip(rows).absErrorSum()).isNaN();
    ShardPiece uncounted = new ShardPiece(2, 3, 640, 10, 1.5, 1, new int[] {0, 4, 5, 1, 2, 3}, sample());
    assertThat(roundTrip(uncounted).correct()).isNegative();
    ShardPiece failed = ShardPiece.failed(1,
        new io.epochal.driver.aggregate.NonFiniteStateException(2, "net.0.weight", 9, Double.NaN));
    ShardPiece failedBack = roundTrip(failed);
    assertThat(failedBack.failure()).isInstanceOfSatisfying(
        io.epochal.driver.aggregate.NonFiniteStateException.class, e -> {
          assertThat(e.worker()).isEqualTo(2);
          assertThat(e.tensor()).isEqualTo("net.0.weight");
          assertThat(e.index()).isEqualTo(9);
        });
    assertThat(failedBack).isEqualTo(failed);
    assertThat(failedBack.failure()).hasMessage(failed.failure().getMessage());
    ShardPiece diverged = ShardPiece.failed(0,
        io.epochal.driver.aggregate.NonFiniteStateException.ofGradNorm(1, Double.POSITIVE_INFINITY));
    assertThat(roundTrip(diverged).failure()).as("a gradient norm's failure keeps its own words")
        .hasMessage(diverged.failure().getMessage()).hasMessageContaining("total gradient norm");
    RoundResult[] array = {result, result};
    RoundResult[] arrayBack = roundTrip(array);
    assertThat(arrayBack).containsExactly(result, result);
  }

  @Test
  void evaluationResultsRoundTripCountedOrNot() {
    io.epochal.worker.round.EvaluationResult counted = new io.epochal.worker.round.EvaluationResult(3, 200, 12.5, 187);
    io.epochal.worker.round.EvaluationResult regression = new io.epochal.worker.round.EvaluationResult(0, 7, 0.25,
        io.epochal.worker.round.EvaluationResult.NOT_COUNTED);
    assertThat(roundTrip(counted)).isEqualTo(counted);
    assertThat(roundTrip(regression)).isEqualTo(regression);
    assertThat(roundTrip(new io.epochal.worker.round.EvaluationResult[] {counted, regression}))
        .containsExactly(counted, regression);
    io.epochal.worker.round.EvaluationResult measured = io.epochal.worker.round.EvaluationResult.regression(1, 7, 0.25,
        1.75);
    assertThat(roundTrip(measured)).isEqualTo(measured);
    assertThat(roundTrip(measured).meanAbsoluteError()).isEqualTo(0.25);
    io.epochal.worker.round.RegressionStats stats = io.epochal.worker.round.RegressionStats.empty(2)
        .plus(new float[] {1, 2, 3, 5}, new float[] {1.5f, 2, 2, 4}, new int[] {0, 1}, 0, 2);
    io.epochal.worker.round.EvaluationResult squares = io.epochal.worker.round.EvaluationResult.regression(1, 2, 0.5,
        1.5, stats);
    assertThat(roundTrip(squares)).isEqualTo(squares).isNotEqualTo(io.epochal.worker.round.EvaluationResult
        .regression(1, 2, 0.5, 1.5));
    assertThat(roundTrip(squares).r2()).isEqualTo(squares.r2());
    io.epochal.worker.round.BinaryScores scores = io.epochal.worker.round.BinaryScores.collector(3)
        .add(new float[] {0, 0.5f, 0, -1, 0, 2}, new float[] {1, 0, 1}, new int[] {0, 1, 2}, 0, 3).build();
    io.epochal.worker.round.ClassCounts counts = io.epochal.worker.round.ClassCounts.collector(2)
        .add(new int[] {1, 0, 1}, new float[] {1, 0, 1}, new int[] {0, 1, 2}, 0, 3).build();
    io.epochal.worker.round.EvaluationResult binary = io.epochal.worker.round.EvaluationResult.classification(2, 3,
        0.9, 3, counts, scores);
    assertThat(roundTrip(binary)).isEqualTo(binary).isNotEqualTo(new io.epochal.worker.round.EvaluationResult(2, 3,
        0.9, 3));
    assertThat(roundTrip(binary).areaUnderRoc()).isEqualTo(1.0);
    assertThat(roundTrip(binary).averagePrecision()).isEqualTo(1.0);
    assertThat(roundTrip(binary).macroF1()).isEqualTo(1.0);
    assertThat(roundTrip(binary).classCounts()).contains(counts);
    assertThat(roundTrip(squares).rootMeanSquaredError()).isEqualTo(squares.rootMeanSquaredError());
    io.epochal.worker.round.ClassScores perClass = io.epochal.worker.round.ClassScores.collector(3, 3)
        .add(new float[] {2, 0, 0, 0, 2, 0, 0, 1, 3}, new float[] {0, 1, 2}, new int[] {0, 1, 2}, 0, 3).build();
    io.epochal.worker.round.ClassCounts three = io.epochal.worker.round.ClassCounts.collector(3)
        .add(new int[] {0, 1, 2}, new float[] {0, 1, 2}, new int[] {0, 1, 2}, 0, 3).build();
    io.epochal.worker.round.EvaluationResult ranked = io.epochal.worker.round.EvaluationResult.classification(1, 3,
        0.4, 3, three, perClass);
    assertThat(roundTrip(ranked)).isEqualTo(ranked).isNotEqualTo(new io.epochal.worker.round.EvaluationResult(1, 3,
        0.4, 3));
    assertThat(roundTrip(ranked).areaUnderRoc()).isEqualTo(1.0);
    assertThat(roundTrip(ranked).classScores()).contains(perClass);
  }

  @Test
  void tensorOf64MiBTakesItsSizeOnTheWire() {
    int bytes = 64 << 20;
    ByteBuffer data = ByteBuffer.allocate(bytes);
    for (int i = 0; i < bytes; i += 4096) {
      data.put(i, (byte) i);
    }
    Tensor big = Tensor.wrap(DType.F32, new long[] {bytes / 4}, data);
    ByteBuffer wire = serialized(big);
    assertThat((long) wire.remaining()).isBetween((long) bytes, bytes + 64L);
    Tensor bigBack = roundTrip(big);
    assertThat(bigBack).isEqualTo(big);
  }

  @Test
  void unregisteredClassIsRefused() {
    assertThatThrownBy(() -> serialized(new java.util.concurrent.atomic.AtomicLong(1)))
        .hasMessageContaining("Class is not registered");
  }

  @Test
  void corruptDTypeIsReported() {
    byte[] b = bytesOf(serialized(Tensor.scalarLong(1)));
    byte[] other = bytesOf(serialized(Tensor.ofDoubles(new long[0], Double.longBitsToDouble(1))));
    int at = 0;
    while (b[at] == other[at]) {
      at++; // the first difference is the dtype ordinal
    }
    b[at] = 120;
    assertThatThrownBy(() -> kryo.deserialize(ByteBuffer.wrap(b), ClassTag$.MODULE$.AnyRef()))
        .hasMessageContaining("unknown dtype ordinal 120");
  }

  private static byte[] bytesOf(ByteBuffer wire) {
    byte[] b = new byte[wire.remaining()];
    wire.get(b);
    return b;
  }

  @Test
  void listsOfWireValuesRoundTrip() {
    List<Tensor> list = new java.util.ArrayList<>(List.of(Tensor.scalarFloat(1f), Tensor.scalarLong(2)));
    List<Tensor> listBack = roundTrip(list);
    assertThat(listBack).isEqualTo(list);
  }

  @Test
  void schemasOfTheColumnTypesAParquetFileHoldsRoundTripAsTheSameTypes() {
    // a parquet input's schema is a task result: Spark reads the files' footers in a job
    DataType[] types = {DataTypes.StringType, DataTypes.BinaryType,
        DataTypes.createDecimalType(12, 3), DataTypes.DateType, DataTypes.TimestampType, DataTypes.TimestampNTZType,
        DayTimeIntervalType.apply(), YearMonthIntervalType.apply(),
        DataTypes.createMapType(DataTypes.StringType, DataTypes.LongType), VariantType$.MODULE$,
        DataTypes.createArrayType(DataTypes.TimestampType)};
    List<StructField> fields = new java.util.ArrayList<>();
    for (int i = 0; i < types.length; i++) {
      fields.add(DataTypes.createStructField("c" + i, types[i], true));
    }
    StructType schema = DataTypes.createStructType(fields);
    assertSameTypes(schema, types);
  }

  @Test
  void schemasAJsonInputsInferenceSendsRoundTripWithAKeyThatIsNullInEveryRowOfAPartition() {
    // pandas writes an all-NaN column as null on every line: the partition's inferred type of it is NullType
    DataType[] types = {DataTypes.NullType, DataTypes.createArrayType(DataTypes.NullType),
        DataTypes.createStructType(List.of(DataTypes.createStructField("size", DataTypes.NullType, true))),
        DataTypes.CalendarIntervalType, new org.apache.spark.sql.types.CharType(3),
        new org.apache.spark.sql.types.VarcharType(8)};
    List<StructField> fields = new java.util.ArrayList<>();
    for (int i = 0; i < types.length; i++) {
      fields.add(DataTypes.createStructField("c" + i, types[i], true));
    }
    assertSameTypes(DataTypes.createStructType(fields), types);
  }

  private static void assertSameTypes(StructType schema, DataType[] types) {
    StructType back = roundTrip(schema);
    assertThat(back).isEqualTo(schema);
    for (int i = 0; i < types.length; i++) {
      if (types[i].getClass().getName().endsWith("$")) {
        // Spark matches these by identity (case BinaryType =>): the same object, not a copy
        assertThat(back.fields()[i].dataType()).as(types[i].typeName()).isSameAs(types[i]);
      }
    }
  }
}
