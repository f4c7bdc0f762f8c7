package io.epochal.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.ReadOnlyBufferException;
import org.junit.jupiter.api.Test;

class TensorTest {

  @Test
  void tensorsAreEqualByContentNotByBuffer() {
    Tensor a = Tensor.ofFloats(new long[] {2, 2}, 1f, 2f, 3f, 4f);
    ByteBuffer bytes = a.data();
    Tensor b = Tensor.of(DType.F32, new long[] {2, 2}, bytes);
    assertThat(b).isEqualTo(a).hasSameHashCodeAs(a);
    assertThat(Tensor.ofFloats(new long[] {4}, 1f, 2f, 3f, 4f)).isNotEqualTo(a);
    assertThat(Tensor.ofFloats(new long[] {2, 2}, 1f, 2f, 3f, 5f)).isNotEqualTo(a);
    assertThat(Tensor.of(DType.I32, new long[] {2, 2}, a.data())).isNotEqualTo(a);
  }

  @Test
  void floatBufferViewSharesTheBytesAndIsReadOnly() {
    ByteBuffer raw = ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    raw.putFloat(0, 1.5f).putFloat(4, -3f);
    Tensor t = Tensor.wrap(DType.F32, new long[] {2}, raw);
    FloatBuffer view = t.asFloatBuffer();
    assertThat(view.get(0)).isEqualTo(1.5f);
    assertThat(view.get(1)).isEqualTo(-3f);
    assertThat(view.isReadOnly()).isTrue();
    assertThatThrownBy(() -> view.put(0, 2f)).isInstanceOf(ReadOnlyBufferException.class);
    assertThat(t.toFloatArray()).containsExactly(1.5f, -3f);
  }

  @Test
  void ofCopiesButWrapDoesNot() {
    ByteBuffer raw = ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putFloat(0, 1f);
    Tensor copied = Tensor.of(DType.F32, new long[] {1}, raw);
    Tensor wrapped = Tensor.wrap(DType.F32, new long[] {1}, raw);
    raw.putFloat(0, 9f);
    assertThat(copied.floatValue()).isEqualTo(1f);
    assertThat(wrapped.floatValue()).isEqualTo(9f);
  }

  @Test
  void scalarAndEmptyTensorsHaveTheRightSizes() {
    Tensor s = Tensor.scalarLong(42);
    assertThat(s.rank()).isZero();
    assertThat(s.numel()).isEqualTo(1);
    assertThat(s.byteSize()).isEqualTo(8);
    assertThat(s.longValue()).isEqualTo(42);
    Tensor empty = Tensor.of(DType.F16, new long[] {3, 0}, ByteBuffer.allocate(0));
    assertThat(empty.numel()).isZero();
    assertThat(empty.byteSize()).isZero();
  }

  @Test
  void wrongByteCountAndNegativeDimensionsAreRefusedNamingThem() {
    assertThatThrownBy(() -> Tensor.wrap(DType.F32, new long[] {3}, ByteBuffer.allocate(8)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs 12 bytes but 8");
    assertThatThrownBy(() -> Tensor.wrap(DType.F32, new long[] {-1}, ByteBuffer.allocate(0)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("negative dimension -1");
    assertThatThrownBy(() -> Tensor.byteSize(DType.F64, new long[] {Long.MAX_VALUE / 2, 3}))
        .isInstanceOf(ArithmeticException.class);
  }

  @Test
  void typedViewsRefuseTheWrongDType() {
    assertThatThrownBy(() -> Tensor.scalarLong(1).asFloatBuffer())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("I64, not F32");
  }

  @Test
  void dtypeNamesParseExactlyAsSafetensorsSpellsThemAndUnknownOnesAreListed() {
    assertThat(DType.fromSafetensorsName("BF16")).isEqualTo(DType.BF16);
    // safetensors.torch.load_file refuses "bf16"; a file Epochal accepts must load in PyTorch
    assertThatThrownBy(() -> DType.fromSafetensorsName("bf16"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'bf16'");
    assertThatThrownBy(() -> DType.fromSafetensorsName("F8"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'F8'").hasMessageContaining("F32");
  }
}
