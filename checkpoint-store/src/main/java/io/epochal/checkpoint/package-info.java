/**
 * Checkpoints on any Hadoop FileSystem: the versioned JSON {@link
 * io.epochal.checkpoint.CheckpointManifest}, and the {@link io.epochal.checkpoint.CheckpointStore}
 * that commits an epoch's files atomically (temp directory, sync, manifest last, guard, rename),
 * finds the newest checkpoint whose files match their sizes and SHA-256 digests, falls back past
 * damaged ones loudly, verifies, lists, loads and deletes.
 *
 * <p>Layout: {@code <job-dir>/checkpoints/epoch-000007/{manifest.json, model.safetensors,
 * optimizer.safetensors, probe.safetensors}}, plus {@code ema.safetensors} (the exponential moving
 * average of the model's tensors, under the model's names) when the job keeps one: it is optional,
 * and a checkpoint without it (every older one) loads with an empty EMA. {@code
 * _tmp-epoch-NNNNNN-<uuid>/} directories are being written, never read, and removed by {@link
 * io.epochal.checkpoint.CheckpointStore#cleanTemporary()}. A store of the {@link
 * io.epochal.checkpoint.CheckpointSeries#STEPS} series holds the checkpoints taken inside an epoch the
 * same way, keyed by global step: {@code <job-dir>/mid-epoch/step-000001234/}.
 *
 * <p>Big states: a state dict above the store's shard size (64 MiB by default) is stored as shards
 * plus an index instead of one file ({@code model-00001-of-00004.safetensors}, ..., {@code
 * model.safetensors.index.json}, the Hugging Face layout; the same for the optimizer and the
 * EMA). Every shard and index is listed in the manifest with its size and SHA-256. The files of a
 * checkpoint are written and read in parallel, each through its own digest, so hashing is spread
 * over the cores; an index that names a tensor its shard lacks, or a shard holding a tensor the
 * index does not put there, is damage like a bad digest.
 *
 * <p>The store's I/O (threads, shard size, sync interval, off-heap loading) is set on its builder
 * or through the Hadoop configuration keys of {@link io.epochal.checkpoint.StoreOptions}.
 */
package io.epochal.checkpoint;
