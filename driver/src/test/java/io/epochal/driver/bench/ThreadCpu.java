package io.epochal.driver.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * CPU time of every thread of this process (Java, GC, JIT and native threads alike), read from
 * Linux's {@code /proc/self/task}, so two snapshots tell which threads a run's CPU went to. Threads
 * are grouped by name with digits dropped ({@code GC Thread#0} and {@code GC Thread#1} are one
 * group); a thread that ended between two snapshots is missing from the later one.
 */
final class ThreadCpu {

  private static final Path TASKS = Paths.get("/proc/self/task");
  /** Linux's clock ticks per second for {@code utime}/{@code stime} (USER_HZ, 100 on every mainstream kernel). */
  private static final long TICK_NANOS = 10_000_000L;

  private final Map<String, Long> ticksByThread;

  private ThreadCpu(Map<String, Long> ticksByThread) {
    this.ticksByThread = ticksByThread;
  }

  /** This process's threads now; empty where {@code /proc} is not there. */
  static ThreadCpu snapshot() {
    Map<String, Long> ticks = new HashMap<>();
    if (!Files.isDirectory(TASKS)) {
      return new ThreadCpu(ticks);
    }
    try (Stream<Path> tasks = Files.list(TASKS)) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        try {
          String stat = Files.readString(task.resolve("stat"));
          int open = stat.indexOf('(');
          int close = stat.lastIndexOf(')');
          String[] f = stat.substring(close + 2).split(" ");
          // after "pid (comm) ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
          long t = Long.parseLong(f[11]) + Long.parseLong(f[12]);
          ticks.put(task.getFileName() + " " + stat.substring(open + 1, close), t);
        } catch (IOException | RuntimeException e) {
          // the thread ended while we looked
        }
      }
    } catch (IOException e) {
      return new ThreadCpu(ticks);
    }
    return new ThreadCpu(ticks);
  }

  /** The {@code top} thread groups by CPU used since {@code earlier}, as "name 1.23 s", largest first. */
  String topSince(ThreadCpu earlier, int top) {
    Map<String, Long> byGroup = new HashMap<>();
    for (Map.Entry<String, Long> e : ticksByThread.entrySet()) {
      long delta = e.getValue() - earlier.ticksByThread.getOrDefault(e.getKey(), 0L);
      if (delta > 0) {
        String name = e.getKey().substring(e.getKey().indexOf(' ') + 1).replaceAll("[0-9]+", "");
        byGroup.merge(name, delta, Long::sum);
      }
    }
    List<Map.Entry<String, Long>> sorted = new ArrayList<>(byGroup.entrySet());
    sorted.sort(Map.Entry.<String, Long>comparingByValue().reversed());
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < Math.min(top, sorted.size()); i++) {
      b.append(i == 0 ? "" : ", ").append(sorted.get(i).getKey()).append(' ')
          .append(String.format("%.2f s", sorted.get(i).getValue() * TICK_NANOS / 1e9));
    }
    return b.toString();
  }
}
