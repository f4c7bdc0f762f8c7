package io.epochal.driver.testing;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.epochal.checkpoint.CheckpointManifest;
import io.epochal.checkpoint.ManifestFile;
import io.epochal.tensor.Tensor;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;

/** What tests do to a checkpoint's files by hand, and to an exported model. */
public final class CheckpointFiles {

  private CheckpointFiles() {}

  /** The SHA-256 of {@code file}'s bytes, lowercase hex, as a manifest lists it. */
  public static String sha256(Path file) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }

  /**
   * Rewrites the manifest of {@code checkpoint} so that its entry for {@code file} lists the file's size and SHA-256
   * as they are now: a file changed by hand then passes every check of the files against the manifest.
   */
  public static void relist(Path checkpoint, String file) throws Exception {
    Path manifest = checkpoint.resolve(CheckpointManifest.FILE_NAME);
    CheckpointManifest m = CheckpointManifest.parse(Files.readAllBytes(manifest), manifest.toString());
    long size = Files.size(checkpoint.resolve(file));
    String digest = sha256(checkpoint.resolve(file));
    Files.write(manifest, m.withFiles(m.files().stream().map(f -> f.name().equals(file)
        ? new ManifestFile(f.name(), size, digest) : f).toList()).toJson());
  }

  /** Deletes {@code file} of {@code checkpoint} and its entry in the manifest: a checkpoint saved without it. */
  public static void unlist(Path checkpoint, String file) throws Exception {
    Path manifest = checkpoint.resolve(CheckpointManifest.FILE_NAME);
    CheckpointManifest m = CheckpointManifest.parse(Files.readAllBytes(manifest), manifest.toString());
    Files.delete(checkpoint.resolve(file));
    Files.write(manifest, m.withFiles(m.files().stream().filter(f -> !f.name().equals(file)).toList()).toJson());
  }

  /** The output of the ONNX model in {@code onnx} on {@code input} (its input named "input"), run in ONNX Runtime. */
  public static float[] onnxOutput(Path onnx, Tensor input) throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession session = env.createSession(onnx.toString(), new OrtSession.SessionOptions());
        OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(input.toFloatArray()), input.shape());
        OrtSession.Result r = session.run(Map.of("input", in))) {
      FloatBuffer fb = ((OnnxTensor) r.get(0)).getFloatBuffer();
      float[] out = new float[fb.remaining()];
      fb.get(out);
      return out;
    }
  }
}
