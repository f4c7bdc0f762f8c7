package io.epochal.checkpoint;

/**
 * Commits epochs {@code start, start+1, ...} to a job directory in a loop, printing
 * {@code committed N} after each commit returns; a test kills it at a random moment.
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
        store.commit(TestCheckpoints.content(epoch, floats), CommitGuard.NONE);
        System.out.println("committed " + epoch);
        System.out.flush();
        epoch++;
      }
    }
  }
}
