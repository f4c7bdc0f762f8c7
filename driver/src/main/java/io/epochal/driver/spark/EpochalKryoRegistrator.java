package io.epochal.driver.spark;

import com.esotericsoftware.kryo.Kryo;
import io.epochal.driver.aggregate.ShardPiece;
import io.epochal.tensor.DType;
import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import io.epochal.worker.data.DataShard;
import io.epochal.worker.round.RoundResult;
import org.apache.spark.serializer.KryoRegistrator;

/**
 * Registers every class Epochal sends through Spark with an explicit serializer, so that Spark can
 * run with {@code spark.kryo.registrationRequired=true}: tensors, state dicts, data shards, round
 * results, aggregation shard pieces, and the arrays and Scala values Spark itself writes for the
 * job shapes Epochal uses (collected arrays, shuffled pairs, parallelized sequences).
 *
 * <p>Set it with {@code spark.kryo.registrator=io.epochal.driver.spark.EpochalKryoRegistrator};
 * {@link SparkSessions} does so.
 */
public final class EpochalKryoRegistrator implements KryoRegistrator {

  /** Classes that need registering but no custom serializer (Kryo's defaults are compact). */
  private static final String[] SPARK_SHAPES = {
    "scala.collection.immutable.ArraySeq$ofRef",
    "scala.collection.immutable.ArraySeq$ofInt",
    "scala.collection.mutable.ArraySeq$ofRef",
    "scala.collection.immutable.$colon$colon",
    "scala.collection.immutable.Nil$",
    "scala.collection.immutable.Vector1",
    "scala.collection.immutable.Range$Inclusive",
    "scala.collection.immutable.Range$Exclusive",
    "scala.reflect.ClassTag$GenericClassTag",
    "scala.reflect.ManifestFactory$IntManifest",
    "scala.Tuple2[]",
    "org.apache.spark.util.collection.CompactBuffer",
    "org.apache.spark.util.collection.CompactBuffer[]",
    // Spark SQL values in task results of the data loader's scans
    "org.apache.spark.sql.types.StructType",
    "org.apache.spark.sql.types.StructField",
    "org.apache.spark.sql.types.StructField[]",
    "org.apache.spark.sql.types.ArrayType",
    "org.apache.spark.sql.types.FloatType$",
    "org.apache.spark.sql.types.DoubleType$",
    "org.apache.spark.sql.types.IntegerType$",
    "org.apache.spark.sql.types.LongType$",
    "org.apache.spark.sql.types.ShortType$",
    "org.apache.spark.sql.types.ByteType$",
    "org.apache.spark.sql.types.BooleanType$",
    "org.apache.spark.sql.types.StringType",
    // the rest of the types a schema Spark reads from parquet (its footers are read in a Spark job) may
    // hold, as input columns predict passes through or training ignores
    "org.apache.spark.sql.types.BinaryType$",
    "org.apache.spark.sql.types.DecimalType",
    "org.apache.spark.sql.types.DateType$",
    "org.apache.spark.sql.types.TimestampType$",
    "org.apache.spark.sql.types.TimestampNTZType$",
    "org.apache.spark.sql.types.DayTimeIntervalType",
    "org.apache.spark.sql.types.YearMonthIntervalType",
    "org.apache.spark.sql.types.MapType",
    "org.apache.spark.sql.types.VariantType$",
    "org.apache.spark.sql.types.CalendarIntervalType$",
    "org.apache.spark.sql.types.CharType",
    "org.apache.spark.sql.types.VarcharType",
    "org.apache.spark.sql.types.FixedLength",
    "org.apache.spark.sql.types.MaxLength",
    // a json input's schema is inferred in a Spark job: a partition whose rows hold a key only as null sends
    // it as NullType, made a string on the driver once every partition's are merged
    "org.apache.spark.sql.types.NullType$",
    "org.apache.spark.sql.types.Metadata",
    // a parquet column Spark ML wrote (VectorAssembler's features): with spark-mllib on the class path (a Spark
    // distribution's jars) its footer's schema reads as the vector type, whose ml_attr metadata holds arrays
    "org.apache.spark.sql.types.Metadata[]",
    "org.apache.spark.ml.linalg.VectorUDT",
    "org.apache.spark.mllib.linalg.VectorUDT",
    "org.apache.spark.sql.catalyst.expressions.GenericRow",
    "org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema",
    "org.apache.spark.sql.Row[]",
    "org.apache.spark.sql.catalyst.expressions.UnsafeRow",
    "org.apache.spark.sql.catalyst.InternalRow[]",
    "scala.Tuple2",
    "io.epochal.driver.data.PartitionScan",
    "io.epochal.driver.data.PartitionScan$Run",
  };

  @Override
  public void registerClasses(Kryo kryo) {
    kryo.register(DType.class);
    kryo.register(Tensor.class, new TensorSerializer());
    kryo.register(StateDict.class, new StateDictSerializer());
    kryo.register(DataShard.class, new DataShardSerializer());
    kryo.register(RoundResult.class, new RoundResultSerializer());
    kryo.register(ShardPiece.class, new ShardPiece.KryoSerializer());
    kryo.register(Tensor[].class);
    kryo.register(StateDict[].class);
    kryo.register(DataShard[].class);
    kryo.register(RoundResult[].class);
    kryo.register(io.epochal.worker.round.EvaluationResult.class);
    kryo.register(io.epochal.worker.round.EvaluationResult[].class);
    kryo.register(io.epochal.worker.round.RegressionStats.class);
    kryo.register(io.epochal.worker.round.BinaryScores.class);
    kryo.register(io.epochal.worker.round.BinaryScores[].class);
    kryo.register(io.epochal.worker.round.ClassScores.class);
    kryo.register(io.epochal.worker.round.ClassCounts.class);
    kryo.register(ShardPiece[].class);
    kryo.register(byte[].class);
    kryo.register(int[].class);
    kryo.register(long[].class);
    kryo.register(float[].class);
    kryo.register(double[].class);
    kryo.register(String[].class);
    kryo.register(Object[].class);
    kryo.register(Integer[].class);
    kryo.register(Long[].class);
    kryo.register(java.util.ArrayList.class);
    for (String name : SPARK_SHAPES) {
      registerIfPresent(kryo, name);
    }
  }

  private static void registerIfPresent(Kryo kryo, String name) {
    Class<?> type;
    try {
      if (name.endsWith("[]")) {
        Class<?> component = Class.forName(name.substring(0, name.length() - 2), false,
            EpochalKryoRegistrator.class.getClassLoader());
        type = java.lang.reflect.Array.newInstance(component, 0).getClass();
      } else {
        type = Class.forName(name, false, EpochalKryoRegistrator.class.getClassLoader());
      }
    } catch (ClassNotFoundException e) {
      // A class of another Scala or Spark version: that version does not write it, so there is
      // nothing to register.
      return;
    }
    kryo.register(type);
  }
}
