/** Conversions between DJL arrays and blocks and engine-free {@link io.epochal.tensor.StateDict}s. */
package io.epochal.worker.state;
