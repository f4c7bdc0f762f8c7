/**
 * Device selection for a worker: which device a round trains on, decided inside the Spark task from
 * the job's {@code train.device} mode ({@link io.epochal.worker.device.DeviceMode}), the GPU
 * addresses Spark assigned to the task ({@link io.epochal.worker.device.DeviceAssignment}) and the
 * GPUs the PyTorch engine can see. {@link io.epochal.worker.device.DevicePolicy} is the pure
 * decision; {@link io.epochal.worker.device.DeviceSelector} asks the engine and logs the outcome.
 *
 * <p>The device never reaches a checkpoint: state dicts are copied to the CPU before they leave a
 * round, so a checkpoint written on a GPU resumes on the CPU and the other way round.
 */
package io.epochal.worker.device;
