/**
 * Batch inference through Spark ({@code epochal predict}): a checkpoint's model is built once per
 * partition from the registry, loaded with the checkpoint's state dict (sent as a broadcast) and
 * run in evaluation mode on mini-batches of the input's rows; an ONNX model file is read once on
 * the driver, its bytes broadcast and run in one ONNX Runtime session per executor. Either way the
 * rows are decoded exactly as in training ({@link io.epochal.driver.data.RowDecoder}) and batched
 * by {@link io.epochal.driver.predict.BatchingPredictor}, and a bad row stops the run naming its
 * file and row. ONNX Runtime is an optional dependency: only
 * {@link io.epochal.driver.predict.OnnxSessions} refers to its classes. Entry point:
 * {@link io.epochal.driver.predict.BatchPredictor}.
 */
package io.epochal.driver.predict;
