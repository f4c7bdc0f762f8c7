package io.epochal.job;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * One lease holder's record: who holds the job, for which attempt, under which fencing token,
 * since when, its last heartbeat and when the lease expires unless renewed. Immutable; stored as
 * JSON in the token claim file and in {@code lease.json}.
 */
public final class LeaseRecord {

  private final String holder;
  private final int attempt;
  private final long token;
  private final Instant acquiredAt;
  private final Instant heartbeatAt;
  private final Instant expiresAt;

  private LeaseRecord(String holder, int attempt, long token, Instant acquiredAt,
      Instant heartbeatAt, Instant expiresAt) {
    this.holder = holder;
    this.attempt = attempt;
    this.token = token;
    this.acquiredAt = acquiredAt;
    this.heartbeatAt = heartbeatAt;
    this.expiresAt = expiresAt;
  }

  /**
   * A record.
   *
   * @throws IllegalArgumentException if the token is not positive, the attempt negative, or the
   *     times out of order
   */
  public static LeaseRecord of(String holder, int attempt, long token, Instant acquiredAt,
      Instant heartbeatAt, Instant expiresAt) {
    checkNotNull(holder, "holder");
    checkArgument(!holder.isBlank(), "lease holder must not be blank");
    checkArgument(attempt >= 0, "lease attempt must be >= 0, got %s", attempt);
    checkArgument(token > 0, "fencing token must be positive, got %s", token);
    checkNotNull(acquiredAt, "acquiredAt");
    checkNotNull(heartbeatAt, "heartbeatAt");
    checkNotNull(expiresAt, "expiresAt");
    checkArgument(!heartbeatAt.isBefore(acquiredAt),
        "lease heartbeat %s is before its acquisition %s", heartbeatAt, acquiredAt);
    return new LeaseRecord(holder, attempt, token, acquiredAt, heartbeatAt, expiresAt);
  }

  /** A holder id for this process: {@code host:pid:uuid}. */
  public static String defaultHolderId() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      host = "unknown-host";
    }
    String pid = String.valueOf(ProcessHandle.current().pid());
    if (pid.isEmpty()) {
      pid = ManagementFactory.getRuntimeMXBean().getName();
    }
    return host + ":" + pid + ":" + UUID.randomUUID();
  }

  /**
   * Whether the holder is a process of this host ({@linkplain #defaultHolderId host:pid:uuid}) that
   * no longer runs: a driver killed without a word, whose lease has not expired yet. False when the
   * holder is of another host, not of that form, or its process id runs (perhaps reused).
   */
  public boolean holderGoneFromThisHost() {
    java.util.OptionalLong pid = pidOnThisHost();
    return pid.isPresent() && ProcessHandle.of(pid.getAsLong()).map(p -> !p.isAlive()).orElse(true);
  }

  /**
   * Whether the holder is a running Java process of this host ({@linkplain #defaultHolderId
   * host:pid:uuid}): a driver that renews its lease. False when the holder is of another host, not
   * of that form, or its process id is gone or now another program's.
   */
  public boolean holderRunsOnThisHost() {
    java.util.OptionalLong pid = pidOnThisHost();
    return pid.isPresent() && ProcessHandle.of(pid.getAsLong()).filter(ProcessHandle::isAlive)
        .flatMap(p -> p.info().command()).map(c -> c.endsWith("java") || c.contains("/java")).orElse(false);
  }

  /** The holder's process id when it names a process of this host, else empty. */
  private java.util.OptionalLong pidOnThisHost() {
    String[] parts = holder.split(":");
    if (parts.length != 3) {
      return java.util.OptionalLong.empty();
    }
    try {
      long pid = Long.parseLong(parts[1]);
      return parts[0].equals(InetAddress.getLocalHost().getHostName()) ? java.util.OptionalLong.of(pid)
          : java.util.OptionalLong.empty();
    } catch (NumberFormatException | UnknownHostException e) {
      return java.util.OptionalLong.empty();
    }
  }

  /** The holder id. */
  public String getHolder() {
    return holder;
  }

  /** The job attempt the holder runs. */
  public int getAttempt() {
    return attempt;
  }

  /** The fencing token: strictly greater than every earlier holder's. */
  public long getToken() {
    return token;
  }

  /** When the holder claimed its token. */
  public Instant getAcquiredAt() {
    return acquiredAt;
  }

  /** The holder's last heartbeat. */
  public Instant getHeartbeatAt() {
    return heartbeatAt;
  }

  /** When the lease ends unless renewed. */
  public Instant getExpiresAt() {
    return expiresAt;
  }

  /**
   * Whether the lease is still live at {@code now}: not released, and not expired. A released lease
   * is free whatever {@code now} says: the clock of a host behind the releasing one's would otherwise
   * see it live until the moment of its release.
   */
  public boolean isLiveAt(Instant now) {
    return !isReleased() && now.isBefore(expiresAt);
  }

  /** This record after a heartbeat at {@code now} with a new expiry {@code now + ttl}. */
  public LeaseRecord renewedAt(Instant now, Duration ttl) {
    return of(holder, attempt, token, acquiredAt, max(now, heartbeatAt), now.plus(ttl));
  }

  /**
   * Whether this record was released by its holder ({@link #releasedAt}: it expired at its last
   * heartbeat), not left to expire.
   */
  public boolean isReleased() {
    return expiresAt.equals(heartbeatAt);
  }

  /** This record released at {@code now}: it expires immediately. */
  public LeaseRecord releasedAt(Instant now) {
    Instant t = max(now, heartbeatAt);
    return of(holder, attempt, token, acquiredAt, t, t);
  }

  private static Instant max(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }

  /** The JSON form. */
  public ObjectNode toJson() {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("holder", holder);
    n.put("attempt", attempt);
    n.put("token", token);
    n.put("acquiredAt", acquiredAt.toString());
    n.put("heartbeatAt", heartbeatAt.toString());
    n.put("expiresAt", expiresAt.toString());
    return n;
  }

  /**
   * Parses the JSON form.
   *
   * @throws IllegalArgumentException naming the missing or malformed field
   */
  public static LeaseRecord fromJson(JsonNode n) {
    checkArgument(n != null && n.isObject(), "lease record must be a JSON object, got %s", n);
    return of(text(n, "holder"), (int) number(n, "attempt"), number(n, "token"),
        instant(n, "acquiredAt"), instant(n, "heartbeatAt"), instant(n, "expiresAt"));
  }

  private static String text(JsonNode n, String field) {
    return JobJson.text(n, "lease", field);
  }

  private static long number(JsonNode n, String field) {
    JsonNode v = n.get(field);
    checkArgument(v != null && v.canConvertToLong() && v.isIntegralNumber(),
        "lease field '%s' must be an integer, got %s", field, v);
    return v.longValue();
  }

  private static Instant instant(JsonNode n, String field) {
    String s = text(n, field);
    try {
      return Instant.parse(s);
    } catch (DateTimeException e) {
      throw new IllegalArgumentException("lease field '" + field + "' is not an ISO-8601 instant: " + s, e);
    }
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof LeaseRecord)) {
      return false;
    }
    LeaseRecord r = (LeaseRecord) o;
    return attempt == r.attempt && token == r.token && holder.equals(r.holder)
        && acquiredAt.equals(r.acquiredAt) && heartbeatAt.equals(r.heartbeatAt)
        && expiresAt.equals(r.expiresAt);
  }

  @Override
  public int hashCode() {
    return Objects.hash(holder, attempt, token, acquiredAt, heartbeatAt, expiresAt);
  }

  @Override
  public String toString() {
    return "LeaseRecord{holder=" + holder + ", attempt=" + attempt + ", token=" + token
        + ", acquiredAt=" + acquiredAt + ", heartbeatAt=" + heartbeatAt + ", expiresAt=" + expiresAt + "}";
  }
}
