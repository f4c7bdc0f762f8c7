/**
 * The safetensors file format: an 8-byte little-endian header length, a JSON header naming each
 * tensor's {@code dtype}, {@code shape} and {@code data_offsets} (plus an optional string map
 * {@code __metadata__}), then the tensors' raw little-endian bytes, contiguous.
 *
 * <p>{@link io.epochal.safetensors.SafetensorsWriter} streams a {@link io.epochal.tensor.StateDict}
 * without copying it; {@link io.epochal.safetensors.SafetensorsReader} validates the header before
 * allocating anything and reads every tensor straight into its own buffer. Malformed input is
 * refused with a {@link io.epochal.safetensors.SafetensorsFormatException} naming the file and the
 * tensor.
 */
package io.epochal.safetensors;
