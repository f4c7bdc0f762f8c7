/**
 * Plain tensors and ordered state dicts: the values a checkpoint stores and the wire carries.
 *
 * <p>A {@link io.epochal.tensor.Tensor} is an immutable dtype + shape + little-endian bytes; a
 * {@link io.epochal.tensor.StateDict} is an immutable, ordered map of PyTorch-style dotted names to
 * tensors. Neither depends on an engine: the worker converts DJL arrays to and from them.
 */
package io.epochal.tensor;
