package io.epochal.driver.spark;

import static org.assertj.core.api.Assertions.assertThat;

import com.esotericsoftware.kryo.Kryo;
import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import java.util.List;
import org.apache.spark.serializer.KryoRegistrator;
import org.junit.jupiter.api.Test;

/** A Kryo registrator the user gives with {@code --conf} (not through spark-submit) runs besides Epochal's. */
class UsersKryoRegistratorTest {

  /** A user's registrator: registers a class of the user's. */
  public static final class UsersRegistrator implements KryoRegistrator {
    @Override
    public void registerClasses(Kryo kryo) {
      kryo.register(UsersValue.class);
    }
  }

  /** A value of the user's, which only the user's registrator registers. */
  public static final class UsersValue implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    int n;
  }

  @Test
  void aRegistratorGivenAsConfRunsBesideEpochalsAndBothTheirValuesCrossTheWire() {
    try (EpochalSpark spark = SparkSessions.builder().setMaster("local[1]").optAppName("users-registrator")
        .optConf("spark.kryo.registrator", UsersRegistrator.class.getName()).build()) {
      assertThat(spark.jsc().getConf().get("spark.kryo.registrator"))
          .isEqualTo(UsersRegistrator.class.getName() + "," + EpochalKryoRegistrator.class.getName());
      List<StateDict> states = spark.jsc().parallelize(List.of(1), 1)
          .map(i -> StateDict.builder().put("w", Tensor.ofFloats(new long[] {2}, i, 2f)).build()).collect();
      assertThat(states).containsExactly(StateDict.builder().put("w", Tensor.ofFloats(new long[] {2}, 1f, 2f))
          .build());
      List<UsersValue> values = spark.jsc().parallelize(List.of(3), 1).map(i -> {
        UsersValue v = new UsersValue();
        v.n = i;
        return v;
      }).collect();
      assertThat(values).singleElement().satisfies(v -> assertThat(v.n).isEqualTo(3));
    }
  }
}
