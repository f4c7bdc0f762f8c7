package io.epochal.checkpoint;

import java.io.Closeable;
import java.io.IOException;
import java.util.List;

/**
 * Where a job's checkpoints live: {@code <job-dir>/checkpoints/epoch-NNNNNN/}. Publishing is atomic
 * (a checkpoint is visible whole or not at all), reading trusts only checkpoints whose files match
 * the sizes and SHA-256 digests their manifest lists.
 */
public interface CheckpointStore extends Closeable {

  /**
   * Data file holding the model state. A large state is stored instead as shards {@code
   * model-00001-of-0000N.safetensors} with the index {@code model.safetensors.index.json}; the same
   * holds for the optimizer file and the optional {@link #EMA_FILE}.
   */
  String MODEL_FILE = "model.safetensors";
  /** Data file holding the optimizer state. */
  String OPTIMIZER_FILE = "optimizer.safetensors";
  /** Data file holding the probe input and output. */
  String PROBE_FILE = "probe.safetensors";
  /**
   * Optional data file holding the exponential moving average of the model's tensors, under the
   * model's tensor names (PyTorch loads it with {@code model.load_state_dict(load_file("ema.safetensors"))}).
   * Written only when the content has an EMA ({@link CheckpointContent#ema()}); a checkpoint without one
   * lists neither it nor its index. Sharded like the model ({@code ema-00001-of-0000N.safetensors} and
   * {@code ema.safetensors.index.json}).
   */
  String EMA_FILE = "ema.safetensors";

  /**
   * Writes {@code content} into a temporary directory (synced, digests computed while writing,
   * manifest last), asks {@code guard}, then renames it to {@code epoch-NNNNNN}.
   *
   * @return the published manifest, listing every file's size and SHA-256
   * @throws CheckpointExistsException if the epoch is already published
   * @throws CheckpointException if writing, the guard or the rename fails; nothing is left visible
   */
  CheckpointManifest commit(CheckpointContent content, CommitGuard guard) throws CheckpointException;

  /**
   * The newest checkpoint whose manifest parses and whose files match it, loaded; newer damaged
   * ones are logged at WARN and returned as skipped. A checkpoint deleted while it is read (a
   * running driver's retention) is not damage: the checkpoints are listed again.
   *
   * @throws CheckpointException if the store cannot be listed or read (not for damaged checkpoints)
   */
  LatestCheckpoint latest() throws CheckpointException;

  /** Every published checkpoint directory, oldest first, with its manifest if it parses. */
  List<CheckpointEntry> list() throws CheckpointException;

  /**
   * Loads and verifies the checkpoint of {@code epoch}; digests are checked while reading.
   *
   * @throws CheckpointCorruptedException if it is damaged, naming the file
   * @throws CheckpointDeletedException if it was deleted while it was read
   * @throws CheckpointException if it does not exist or cannot be read
   */
  LoadedCheckpoint load(long epoch) throws CheckpointException;

  /**
   * Checks the manifest and every file's size and digest of {@code epoch}, without loading.
   *
   * @throws CheckpointDeletedException if it was deleted while it was checked
   */
  VerificationReport verify(long epoch) throws CheckpointException;

  /**
   * Moves the checkpoint of {@code epoch} aside to {@code _damaged-epoch-NNNNNN-<millis>}: it stops
   * being a checkpoint ({@link #list()}, {@link #latest()} and retention no longer see it, and the
   * epoch can be committed again) but stays for inspection ({@link #listMovedAside()}).
   *
   * @return the entry of the moved directory
   * @throws CheckpointException if there is no such checkpoint or it cannot be moved
   */
  CheckpointEntry moveAside(long epoch) throws CheckpointException;

  /** Every checkpoint moved aside, by epoch and then by when it was moved, with its manifest if it parses. */
  List<CheckpointEntry> listMovedAside() throws CheckpointException;

  /**
   * Loads an entry of {@link #list()} or {@link #listMovedAside()}, as {@link #load(long)} does.
   *
   * @throws IllegalArgumentException if the entry is not a directory of this store
   */
  LoadedCheckpoint load(CheckpointEntry entry) throws CheckpointException;

  /**
   * Verifies an entry of {@link #list()} or {@link #listMovedAside()}, as {@link #verify(long)} does.
   *
   * @throws IllegalArgumentException if the entry is not a directory of this store
   */
  VerificationReport verify(CheckpointEntry entry) throws CheckpointException;

  /** {@link #verify} for every published checkpoint, oldest first; one deleted meanwhile is left out. */
  List<VerificationReport> verifyAll() throws CheckpointException;

  /**
   * Removes every {@code _tmp-*} and {@code _deleting-*} directory (left by failed or killed commits
   * and deletions); returns their paths.
   *
   * @throws CheckpointException naming a directory that could not be fully removed (any others
   *     attached as suppressed), after every other one was removed
   */
  List<String> cleanTemporary() throws CheckpointException;

  /**
   * Deletes the checkpoint of {@code epoch}: unpublishes it at once (a rename to {@code
   * _deleting-epoch-NNNNNN-<uuid>}, so it stops counting as valid and a deletion stopped half-way
   * leaves nothing a reader lists), then deletes its manifest, then the data.
   *
   * @return whether it existed
   */
  boolean delete(long epoch) throws CheckpointException;

  /** The directory that holds the checkpoint directories. */
  String checkpointsDir();

  /** Closes the file system handle the store opened itself. */
  @Override
  void close() throws IOException;
}
