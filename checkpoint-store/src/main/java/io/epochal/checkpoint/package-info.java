/**
 * Checkpoints on any Hadoop FileSystem: the versioned JSON {@link
 * io.epochal.checkpoint.CheckpointManifest}, and the {@link io.epochal.checkpoint.CheckpointStore}
 * that commits an epoch's files atomically (temp directory, sync, manifest last, guard, rename),
 * finds the newest checkpoint whose files match their sizes and SHA-256 digests, falls back past
 * damaged ones loudly, verifies, lists, loads and deletes.
 *
 * <p>Layout: {@code <job-dir>/checkpoints/epoch-000007/{manifest.json, model.safetensors,
 * optimizer.safetensors, probe.safetensors}}; {@code _tmp-epoch-NNNNNN-<uuid>/} directories are
 * being written, never read, and removed by {@link io.epochal.checkpoint.CheckpointStore#cleanTemporary()}.
 */
package io.epochal.checkpoint;
