/**
 * The worker runtime: takes job requests off Kafka, runs them through a {@link dev.diffq.runtime.job.JobExecutor}
 * (the engine adapters), and writes results to the bucket and events to Kafka. Start it with
 * {@link dev.diffq.runtime.WorkerMain} ({@code --help} lists the options).
 *
 * <h2>Delivery, in short</h2>
 * <ul>
 * <li><b>One request at a time per kind</b> ({@code max.poll.records=1}); a worker serving both kinds runs one
 * training and one sampling job at once, each on its own consumer and job thread.
 * <li><b>Priority</b>: one consumer per kind subscribes to the normal and the {@code .high} topic and only
 * polls the normal partitions when the high ones have no backlog (see
 * {@link dev.diffq.runtime.kafka.RequestLoop}). This orders work within a worker; across a fleet it holds
 * where every worker has partitions of both topics.
 * <li><b>Long jobs</b>: all partitions paused and poll() called every 200 ms while the job runs, so
 * max.poll.interval.ms never expires and rebalances complete.
 * <li><b>Offsets</b> are committed only after result.json (or the shard's) and the final event are written,
 * or after the request was dead-lettered or cancelled.
 * <li><b>Idempotence</b>: an existing result.json means done (Succeeded is sent again); a training job
 * resumes from checkpoints/latest.json ({@link dev.diffq.runtime.job.JobContext#resumeCheckpoint()}).
 * <li><b>Attempts</b> are counted in the bucket, {@code jobs/<id>/attempts.json} (or
 * {@code jobs/<id>/shards/<n>/attempts.json}), before the executor starts, so a worker that dies mid-job
 * still used up an attempt; a clean hand-back (revoked partition, shutdown) gives the attempt back. A job
 * that throws is redelivered by seeking the consumer back after an exponential backoff; at the limit
 * (spec max_attempts, else {@code --max-attempts}) the request goes to diffq.requests.dlq with
 * {@code diffq-reason} / {@code diffq-attempts} headers and a Failed event. An invalid request fails at once.
 * <li><b>Events</b> on diffq.events keyed by job id: Started, Progress (at most one per 500 ms, the last
 * always sent), Artifact, Succeeded (with the result key), Failed (retryable=true: this attempt failed or
 * the job was handed back, it will run again; retryable=false: final), Cancelled.
 * <li><b>Cancel</b>: every worker reads diffq.control and diffq.jobs (records in state CANCELLED) from the
 * start without a group; a cancelled request is skipped before it starts, a running job sees
 * {@code isCancelled()} at its next step.
 * <li><b>Letting go</b>: when the running job's partition is revoked, or on SIGTERM, the job is asked to
 * stop at its next step boundary and checkpoint; the rebalance (or the shutdown) waits for that, up to
 * {@code --release-timeout-s}, which must stay below max.poll.interval.ms. Nothing is committed; the
 * consumer leaves the group so the next worker takes the request at once and resumes.
 * </ul>
 */
package dev.diffq.runtime;
