package io.epochal.checkpoint;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A store's own thread pools: readers, writers, and as many hashers as writers (a file is hashed
 * while it is written). Their daemon threads end after 30 idle seconds, so an idle store holds
 * none; {@link #shutdown()} ends them when the store closes.
 */
final class StoreExecutors {

  private final ExecutorService readers;
  private final ExecutorService writers;
  private final ExecutorService hashers;

  StoreExecutors(int readThreads, int writeThreads) {
    this.readers = newPool("checkpoint-read-", readThreads);
    this.writers = newPool("checkpoint-write-", writeThreads);
    this.hashers = newPool("checkpoint-sha256-", writeThreads);
  }

  ExecutorService readers() {
    return readers;
  }

  ExecutorService writers() {
    return writers;
  }

  ExecutorService hashers() {
    return hashers;
  }

  void shutdown() {
    readers.shutdown();
    writers.shutdown();
    hashers.shutdown();
  }

  private static ExecutorService newPool(String prefix, int threads) {
    AtomicInteger n = new AtomicInteger();
    ThreadPoolExecutor p = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), r -> {
          Thread t = new Thread(r, prefix + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    p.allowCoreThreadTimeOut(true);
    return p;
  }
}
