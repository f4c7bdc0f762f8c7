/**
 * Batch inference through Spark ({@code epochal predict}): a checkpoint's model is built once per
 * partition from the registry, loaded with the checkpoint's state dict (sent as a broadcast) and
 * run in evaluation mode on mini-batches of the input's rows; the rows are decoded exactly as in
 * training ({@link io.epochal.driver.data.RowDecoder}), and a bad row stops the run naming its file
 * and row. Entry point: {@link io.epochal.driver.predict.BatchPredictor}.
 */
package io.epochal.driver.predict;
