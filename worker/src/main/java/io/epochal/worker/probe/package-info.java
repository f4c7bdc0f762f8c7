/**
 * The probe: a fixed input and a model's output on it, stored with every checkpoint and checked
 * after a reload to prove the checkpoint reproduces the model ({@link io.epochal.worker.probe.Probe},
 * {@link io.epochal.worker.probe.ProbeRecord}).
 */
package io.epochal.worker.probe;
