/**
 * The job-level files of a job directory on any Hadoop file system: the job spec written once
 * ({@link io.epochal.job.JobSpecStore}), the lease with fencing tokens
 * ({@link io.epochal.job.JobLease}), the job state ({@link io.epochal.job.JobStateStore}), the
 * per-attempt event history ({@link io.epochal.job.JobEventLog}) and the running driver's report of
 * where it is ({@link io.epochal.job.JobProgressStore}).
 *
 * <h2>Lease protocol</h2>
 *
 * HDFS has no compare-and-swap on file contents, but it does have an atomic exclusive publish: a
 * rename that refuses an existing target is decided by the NameNode, so of several clients
 * publishing the same path exactly one succeeds. A claim is written and synced into a temp file
 * first and then published that way, so it never appears without its content (on {@code file:}
 * URIs with a hard link, which refuses an existing name; on other file systems, whose renames may
 * not be atomic, with {@code create(path, overwrite=false)}). The lease is built on that one
 * primitive:
 *
 * <pre>
 * &lt;job-dir&gt;/lease/token-000000000042   one file per claimed fencing token, created exclusively,
 *                                     holding the claimer's record; never rewritten
 * &lt;job-dir&gt;/lease/heartbeat-000000000042  the newest heartbeat (or release) of that token's
 *                                     holder, replaced by temp file + rename; only it writes it
 * &lt;job-dir&gt;/lease.json                 the current holder's heartbeat record, replaced by
 *                                     temp file + rename on every renew
 * </pre>
 *
 * <ol>
 *   <li><b>Current holder</b>: the claimer of the highest {@code token-*} file. Its record is
 *       the one of the latest heartbeat among the claim file, its {@code heartbeat-*} file and
 *       {@code lease.json} if that carries the same token (an empty or damaged claim file, which
 *       only a writer killed mid-create on a file system without the atomic publish, or outside
 *       damage, leaves, expires a ttl after it was written). A {@code lease.json} with another token
 *       is stale and ignored: a superseded driver that checked its token before the takeover may
 *       still write it, but never the new holder's {@code heartbeat-*} file.
 *   <li><b>Acquire</b>: read the highest token {@code T} and its record. If the record is live,
 *       refuse ({@link io.epochal.job.LeaseHeldException}, naming the holder and its expiry).
 *       Otherwise (none, released, or expired) create {@code token-(T+1)} exclusively. Exactly one
 *       contender wins {@code T+1}; every other gets a LeaseHeldException naming the winner. The
 *       winner then writes {@code lease.json}.
 *   <li><b>Renew</b>: check that our token is still the highest, write our {@code heartbeat-*}
 *       file and {@code lease.json} with a new heartbeat and expiry, check again. A newer token means {@link
 *       io.epochal.job.LeaseLostException}.
 *   <li><b>Release</b>: write our {@code heartbeat-*} file and {@code lease.json} with expiry = now,
 *       so the next driver need not wait.
 *   <li><b>Fencing</b>: {@link io.epochal.job.JobLease#checkFencing} passes only for the highest
 *       claimed token; {@link io.epochal.job.JobLease#checkStillHolder} also requires the lease to be
 *       unexpired. The checkpoint commit calls {@code checkStillHolder} right before it publishes
 *       (renames the temp directory).
 * </ol>
 *
 * <h2>The remaining window</h2>
 *
 * Tokens are claimed atomically, but the check and the publish are two operations on a store
 * without transactions. A driver that passes {@code checkStillHolder} and is then paused (GC,
 * swapped out, network partition) for longer than the ttl can wake up and rename its checkpoint
 * after a newer driver claimed the next token. The design narrows this window, it does not close
 * it: the check runs immediately before the rename (so the window is the duration of one rename
 * call, not of an epoch), an expired lease is refused even if nobody has taken over yet, and a
 * taker-over only claims a token after the old lease expired by its own clock, so with clocks
 * synchronized within a small fraction of the ttl a live holder is never overtaken. What a stale
 * publish can do is bounded too: the checkpoint is complete and verifiable, and it is for an epoch
 * the new holder computes identically (determinism contract), provided the store never overwrites
 * an existing epoch directory.
 * Choose a ttl well above the worst expected pause and renew at a fraction of it (a third).
 */
package io.epochal.job;
