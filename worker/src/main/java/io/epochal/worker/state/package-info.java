/**
 * Conversions between DJL arrays and engine-free {@link io.epochal.tensor.StateDict}s, and the
 * strict layout check a model applies before loading one ({@link
 * io.epochal.worker.state.StateDictValidator}).
 */
package io.epochal.worker.state;
