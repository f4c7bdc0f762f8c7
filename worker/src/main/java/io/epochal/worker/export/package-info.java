/**
 * Model export for serving without Epochal: {@link io.epochal.worker.export.OnnxExporter} turns a
 * checkpoint's model (name, version, hyperparameters, state dict) into a standard ONNX file,
 * through the {@link io.epochal.worker.export.OnnxTranslator} registered for the model (the
 * built-in {@code mlp}, {@code mlp-offset} and {@code cnn} have one); {@link
 * io.epochal.worker.djl.EpochalBlock} wraps a model as a DJL block, and {@link
 * io.epochal.worker.djl.DjlModelDirectory} writes a model directory that loads with DJL's
 * {@code Model.load}. The ONNX protobuf messages are written field by field with protobuf-java's
 * {@code CodedOutputStream}, following the field numbers of {@code onnx.proto}.
 */
package io.epochal.worker.export;
