package io.epochal.checkpoint.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * Tracks the peak of the whole heap's used bytes: the heap is fullest right before a collection,
 * so the peak is the largest sum of pool usages reported before any GC since {@link #reset()}, or
 * the usage now if that is larger. Unlike summing each pool's own peak, this does not count an
 * object twice when it moves from the young to the old generation.
 */
final class HeapPeak implements AutoCloseable {

  private final AtomicLong peak = new AtomicLong();
  private final List<NotificationEmitter> emitters = new ArrayList<>();
  private final NotificationListener listener = (notification, handback) -> {
    if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
      GarbageCollectionNotificationInfo info =
          GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
      long before = 0;
      for (MemoryUsage u : info.getGcInfo().getMemoryUsageBeforeGc().values()) {
        before += u.getUsed();
      }
      record(before - nonHeap(info));
    }
  };

  HeapPeak() {
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (gc instanceof NotificationEmitter) {
        NotificationEmitter e = (NotificationEmitter) gc;
        e.addNotificationListener(listener, null, null);
        emitters.add(e);
      }
    }
  }

  private static long nonHeap(GarbageCollectionNotificationInfo info) {
    long n = 0;
    for (java.lang.management.MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() != java.lang.management.MemoryType.HEAP) {
        MemoryUsage u = info.getGcInfo().getMemoryUsageBeforeGc().get(pool.getName());
        if (u != null) {
          n += u.getUsed();
        }
      }
    }
    return n;
  }

  private void record(long used) {
    peak.accumulateAndGet(used, Math::max);
  }

  /** Starts a new measurement from the heap's current use. */
  void reset() {
    peak.set(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
  }

  /** The peak heap use since {@link #reset()}. */
  long peak() {
    record(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    return peak.get();
  }

  @Override
  public void close() throws javax.management.ListenerNotFoundException {
    for (NotificationEmitter e : emitters) {
      e.removeNotificationListener(listener);
    }
  }
}
