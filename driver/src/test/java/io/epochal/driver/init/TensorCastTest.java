package io.epochal.driver.init;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.tensor.DType;
import io.epochal.tensor.Tensor;
import org.junit.jupiter.api.Test;

class TensorCastTest {

  @Test
  void everyKindOfHalfPrecisionValueWidensToTheSameFloat() {
    assertThat(TensorCast.halfToFloat(0x3C00)).isEqualTo(1.0f);
    assertThat(TensorCast.halfToFloat(0xC000)).isEqualTo(-2.0f);
    assertThat(TensorCast.halfToFloat(0x7BFF)).isEqualTo(65504.0f); // the largest half
    assertThat(TensorCast.halfToFloat(0x0001)).isEqualTo(0x1p-24f); // the smallest subnormal
    assertThat(TensorCast.halfToFloat(0x03FF)).isEqualTo(1023 * 0x1p-24f); // the largest subnormal
    assertThat(TensorCast.halfToFloat(0x0400)).isEqualTo(0x1p-14f); // the smallest normal
    assertThat(Float.floatToIntBits(TensorCast.halfToFloat(0x8000))).isEqualTo(Float.floatToIntBits(-0.0f));
    assertThat(TensorCast.halfToFloat(0x7C00)).isEqualTo(Float.POSITIVE_INFINITY);
    assertThat(TensorCast.halfToFloat(0xFC00)).isEqualTo(Float.NEGATIVE_INFINITY);
    assertThat(TensorCast.halfToFloat(0x7E00)).isNaN();
  }

  @Test
  void integersConvertWhenTheyFitAndAreRefusedNamingTheElementWhenNot() {
    Tensor longs = Tensor.ofLongs(new long[] {3}, 1, -7, 1L << 40);
    assertThat(TensorCast.to(DType.I64, Tensor.ofInts(new long[] {2}, 5, -6)).orElseThrow())
        .isEqualTo(Tensor.ofLongs(new long[] {2}, 5, -6));
    assertThatThrownBy(() -> TensorCast.to(DType.I32, longs))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("element 2 = 1099511627776 does not fit I32");
    assertThatThrownBy(() -> TensorCast.to(DType.U8, Tensor.ofLongs(new long[] {1}, -1)))
        .hasMessage("element 0 = -1 does not fit U8");
  }

  @Test
  void kindsAreNotMixedAndNarrowerFloatTargetsAreNotMade() {
    assertThat(TensorCast.to(DType.F32, Tensor.ofLongs(new long[] {1}, 1))).isEmpty();
    assertThat(TensorCast.to(DType.I64, Tensor.ofFloats(new long[] {1}, 1))).isEmpty();
    assertThat(TensorCast.to(DType.F16, Tensor.ofFloats(new long[] {1}, 1))).isEmpty();
    assertThat(TensorCast.to(DType.F64, Tensor.ofFloats(new long[] {2}, 0.1f, -3)).orElseThrow())
        .isEqualTo(Tensor.ofDoubles(new long[] {2}, 0.1f, -3));
  }
}
