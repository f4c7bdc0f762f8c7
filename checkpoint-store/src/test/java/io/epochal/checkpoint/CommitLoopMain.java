package io.epochal.checkpoint;

/**
 * Commits epochs {@code start, start+1, ...} to a job directory in a loop, printing
 * {@code writing N} when a commit starts and {@code committed N in M ms} after it returns; a test
 * kills it at a random moment.
 */
public final class CommitLoopMain {

  private CommitLoopMain() {}

  /** Arguments: job directory URI, first epoch, floats per model tensor. */
  public static void main(String[] args) throws Exception {
    String jobDir = args[0];
    long epoch = Long.parseLong(args[1]);
    int floats = Integer.parseInt(args[2]);
    try (HadoopCheckpointStore store = HadoopCheckpointStore.open(jobDir)) {
      System.out.println("ready");
      System.out.flush();
      while (epoch < 999_999) {
        CheckpointContent content = TestCheckpoints.content(epoch, floats);
        System.out.println("writing " + epoch);
        System.out.flush();
        long start = System.nanoTime();
        store.commit(content, CommitGuard.NONE);
        System.out.println("committed " + epoch + " in " + (System.nanoTime() - start) / 1_000_000 + " ms");
        System.out.flush();
        epoch++;
      }
    }
  }
}
