package dev.diffq.runtime.job;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.protobuf.InvalidProtocolBufferException;

import dev.diffq.contract.JobJson;
import dev.diffq.contract.ObjectKeys;
import dev.diffq.contract.SpecDefaults;
import dev.diffq.proto.Artifact;
import dev.diffq.proto.JobEvent;
import dev.diffq.proto.JobRequest;
import dev.diffq.runtime.JobKind;
import dev.diffq.runtime.Retry;
import dev.diffq.runtime.storage.ObjectStore;

/**
 * Everything that happens to one delivered request, run on a job thread while the consumer thread keeps
 * polling. In order:
 * <ol>
 * <li>unparseable or invalid request: Failed event (not retryable), dead letter, commit;
 * <li>result.json exists (a redelivery of finished work): Succeeded again, commit;
 * <li>cancelled (after catching up on cancellations): Cancelled, commit;
 * <li>attempt ledger at the limit (earlier attempts crashed the worker): Failed, dead letter, commit;
 * <li>count the attempt, Started, execute;
 * <li>finished: write result.json, Succeeded, commit; cancelled: Cancelled, commit; handed back (partition
 * revoked, shutdown): uncount the attempt, Failed(retryable), no commit, the next owner resumes;
 * threw: Failed(retryable) and redeliver after a backoff, or at the limit Failed + dead letter + commit.
 * </ol>
 * A failure of S3 or Kafka before the executor starts is not the job's fault: it is retried after a backoff
 * without counting an attempt.
 */
public final class JobRun implements Callable<JobRun.Outcome> {
    private static final Logger log = LoggerFactory.getLogger(JobRun.class);
    private static final Duration CANCEL_CATCH_UP = Duration.ofSeconds(5);
    /** Runs the S3 round trips before Started beside the cancel catch-up; idle threads end after a minute. */
    private static final ExecutorService PRE_START_IO = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60,
            TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
                Thread t = new Thread(r, "diffq-prestart-io");
                t.setDaemon(true);
                return t;
            });

    /** What the consumer thread does with the record afterwards. */
    public enum Action {
        /** The request is finished with (whatever the result): commit its offset. */
        COMMIT,
        /** Deliver it again after {@link Outcome#retryAfter()}: seek back to it, do not commit. */
        RETRY,
        /** The worker let go of it: neither commit nor seek; the partition's next owner takes it. */
        RELEASED
    }

    public record Outcome(Action action, Duration retryAfter, String summary) {
        static Outcome commit(String summary) {
            return new Outcome(Action.COMMIT, Duration.ZERO, summary);
        }

        static Outcome retry(Duration after, String summary) {
            return new Outcome(Action.RETRY, after, summary);
        }

        static Outcome released(String summary) {
            return new Outcome(Action.RELEASED, Duration.ZERO, summary);
        }
    }

    private final Delivery delivery;
    private final JobKind topicKind;
    private final JobExecutor executor;
    private final JobServices services;
    private volatile String releaseReason;
    private volatile JobRequest request = JobRequest.getDefaultInstance();
    private volatile int attempt;

    public JobRun(Delivery delivery, JobKind topicKind, JobExecutor executor, JobServices services) {
        this.delivery = delivery;
        this.topicKind = topicKind;
        this.executor = executor;
        this.services = services;
    }

    public Delivery delivery() {
        return delivery;
    }

    /** Asks the job to stop at its next step boundary and checkpoint: this worker is letting go of it. */
    public void release(String reason) {
        if (releaseReason == null) {
            releaseReason = reason;
        }
    }

    public boolean releaseRequested() {
        return releaseReason != null;
    }

    @Override
    public Outcome call() {
        JobRequest req;
        try {
            req = JobRequest.parseFrom(delivery.value() == null ? new byte[0] : delivery.value());
        } catch (InvalidProtocolBufferException e) {
            return deadLetterUnreadable("unparseable JobRequest: " + e.getMessage());
        }
        request = req;
        WorkUnit unit = WorkUnit.of(req);
        try {
            List<String> problems;
            try {
                if (req.hasSpec() && JobKind.of(req.getSpec()).isPresent()) {
                    // requests arrive normalized; normalizing again is a no-op then, and fills gaps otherwise
                    req = req.toBuilder().setSpec(SpecDefaults.normalize(req.getSpec())).build();
                    request = req;
                }
                problems = services.validator().problems(req, topicKind);
            } catch (RuntimeException e) {
                problems = List.of("spec: cannot be checked: " + describe(e));
            }
            if (!problems.isEmpty()) {
                String reason = "invalid request: " + String.join("; ", problems);
                services.events().sendAndWait(failed(reason, false));
                services.events().deadLetter(delivery, reason, 0);
                return Outcome.commit(reason);
            }
            // The three checks before Started are independent round trips (S3 HEAD, S3 GET, Kafka ListOffsets and
            // fetch): run them side by side, since together they are most of an idle worker's pick-up time.
            // The ledger is read even when result.json exists (a redelivery), which costs one spare GET then.
            long t0 = System.nanoTime();
            Future<Boolean> done = PRE_START_IO.submit(() -> services.store().exists(unit.resultKey()));
            Future<AttemptLedger.State> ledgerRead = PRE_START_IO.submit(() -> services.ledger().read(unit));
            boolean caughtUp = services.cancels().awaitCaughtUp(CANCEL_CATCH_UP);
            if (await(done)) {
                services.events().sendAndWait(event().setSucceeded(
                        JobEvent.Succeeded.newBuilder().setResult(unit.resultKey())).build());
                return Outcome.commit("already done: " + unit.resultKey() + " exists");
            }
            if (!caughtUp) {
                log.warn("{}: cancellations not caught up after {}; going on", unit.label(), CANCEL_CATCH_UP);
            }
            if (services.cancels().isCancelled(unit.jobId())) {
                services.events().sendAndWait(cancelled("cancelled before start"));
                return Outcome.commit("cancelled before start");
            }
            if (releaseRequested()) {
                return Outcome.released("released before start: " + releaseReason);
            }
            int max = req.getSpec().hasMaxAttempts() && req.getSpec().getMaxAttempts() > 0
                    ? req.getSpec().getMaxAttempts() : services.maxAttempts();
            AttemptLedger.State state = await(ledgerRead);
            if (state.attempts() >= max) {
                String reason = "gave up after " + state.attempts() + " attempts (limit " + max + "); last failure: "
                        + (state.lastFailure() == null || state.lastFailure().isEmpty()
                                ? "the worker was lost mid-job" : state.lastFailure());
                attempt = state.attempts();
                services.events().sendAndWait(failed(reason, false));
                services.events().deadLetter(delivery, reason, state.attempts());
                return Outcome.commit(reason);
            }
            attempt = state.attempts() + 1;
            AttemptLedger.State counted = new AttemptLedger.State(attempt, state.lastFailure(), services.workerId(),
                    System.currentTimeMillis());
            // Started may go out before the count is stored: the executor starts only once both are done, so a
            // crash in the job is always counted, and a failed PUT redelivers (Started again, which is harmless).
            Future<?> ledgerWrite = PRE_START_IO.submit(() -> {
                services.ledger().write(unit, counted);
                return null;
            });
            services.events().sendAndWait(event().setStarted(JobEvent.Started.getDefaultInstance()).build());
            await(ledgerWrite);
            log.debug("{}: started {} ms after delivery handling began", unit.label(),
                    (System.nanoTime() - t0) / 1_000_000);
            JobRequest started = req;
            Future<?> specWrite = unit.shardIndex() == 0 ? PRE_START_IO.submit(() -> writeSpec(started, unit)) : null;
            return execute(req, unit, max, state, specWrite);
        } catch (Exception e) {
            // S3 or Kafka trouble outside the executor: not the job's fault, so no attempt is counted.
            Duration after = Retry.backoff(services.retryBackoff(), services.maxRetryBackoff(), 1);
            log.warn("{}: runtime failure handling {}, redelivering in {} ms: {}", unit.label(), delivery.where(),
                    after.toMillis(), e.toString());
            return Outcome.retry(after, "runtime failure: " + e);
        }
    }

    private Outcome execute(JobRequest req, WorkUnit unit, int max, AttemptLedger.State before, Future<?> specWrite)
            throws Exception {
        Path workDir = services.workDir().resolve("jobs").resolve(
                unit.jobId() + (unit.sharded() ? "-shard-" + unit.shardIndex() : "") + "-a" + attempt);
        RuntimeJobContext ctx = null;
        try {
            deleteTree(workDir);
            Files.createDirectories(workDir);
            ctx = new RuntimeJobContext(req, unit, attempt, services, workDir, this);
            log.info("{}: attempt {} of {} on {} ({})", unit.label(), attempt, max, services.workerId(), delivery.where());
            ExecutionResult result = executor.execute(ctx);
            ctx.closeProgress();
            if (result.finished()) {
                if (specWrite != null) {
                    await(specWrite); // a job is not done before its spec.json is in the bucket
                }
                writeResult(unit, ctx, result);
                services.events().sendAndWait(event().setSucceeded(
                        JobEvent.Succeeded.newBuilder().setResult(unit.resultKey())).build());
                return Outcome.commit("succeeded");
            }
            settle(specWrite);
            if (services.cancels().isCancelled(unit.jobId())) {
                services.events().sendAndWait(cancelled("cancelled while running"));
                return Outcome.commit("cancelled while running");
            }
            if (releaseRequested()) {
                return handBack(unit, before);
            }
            throw new IllegalStateException("the executor returned stopped() although nothing asked it to stop");
        } catch (Exception | LinkageError | StackOverflowError e) {
            // LinkageError: a native library that fails to load is the job's failure too, not the runtime's
            if (ctx != null) {
                ctx.closeProgress();
            }
            settle(specWrite);
            if (services.cancels().isCancelled(unit.jobId())) {
                services.events().sendAndWait(cancelled("cancelled while running"));
                return Outcome.commit("cancelled while running (the executor ended with " + e + ")");
            }
            if (releaseRequested() && (e instanceof InterruptedException || hasInterruptedCause(e))) {
                return handBack(unit, before);
            }
            String reason = describe(e);
            log.warn("{}: attempt {} of {} failed: {}", unit.label(), attempt, max, reason, e);
            services.ledger().write(unit, new AttemptLedger.State(attempt, reason, services.workerId(),
                    System.currentTimeMillis()));
            if (attempt >= max) {
                String finalReason = "failed after " + attempt + " attempts: " + reason;
                services.events().sendAndWait(failed(finalReason, false));
                services.events().deadLetter(delivery, finalReason, attempt);
                return Outcome.commit(finalReason);
            }
            services.events().sendAndWait(failed("attempt " + attempt + " of " + max + " failed: " + reason, true));
            return Outcome.retry(Retry.backoff(services.retryBackoff(), services.maxRetryBackoff(), attempt), reason);
        } finally {
            deleteTree(workDir);
        }
    }

    /** Stopped cleanly for a hand-over: uncount the attempt, tell the coordinator the job is queued again. */
    private Outcome handBack(WorkUnit unit, AttemptLedger.State before) throws IOException {
        services.ledger().write(unit, new AttemptLedger.State(attempt - 1, before.lastFailure(), services.workerId(),
                System.currentTimeMillis()));
        String reason = "handed back: " + releaseReason;
        services.events().sendAndWait(failed(reason, true));
        return Outcome.released(reason);
    }

    /**
     * spec.json, the readable copy of the recorded spec, beside the job's outputs (the first shard writes it for
     * the whole job). Written here rather than by the coordinator so that accepting a job costs no S3 write.
     */
    private Void writeSpec(JobRequest req, WorkUnit unit) throws IOException {
        byte[] bytes = JobJson.pretty(req.getSpec()).getBytes(StandardCharsets.UTF_8);
        services.store().putBytes(ObjectKeys.spec(unit.jobId()), bytes, "application/json");
        services.events().send(event().setArtifact(Artifact.newBuilder().setName("spec.json").setSize(bytes.length)
                .setContentType("application/json").setKind("spec")).build());
        return null;
    }

    private void writeResult(WorkUnit unit, RuntimeJobContext ctx, ExecutionResult result) throws IOException {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("jobId", unit.jobId());
        json.put("shardIndex", unit.shardIndex());
        json.put("shardCount", unit.shardCount());
        json.put("kind", topicKind.label());
        json.put("workerId", services.workerId());
        json.put("attempt", attempt);
        json.put("finishedMs", System.currentTimeMillis());
        List<Map<String, Object>> artifacts = new ArrayList<>();
        for (Artifact a : ctx.artifacts()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", a.getName());
            m.put("size", a.getSize());
            m.put("contentType", a.getContentType());
            m.put("kind", a.getKind());
            artifacts.add(m);
        }
        json.put("artifacts", artifacts);
        json.put("summary", result.summary());
        byte[] bytes = ObjectStore.JSON.writeValueAsBytes(json);
        services.store().putBytes(unit.resultKey(), bytes, "application/json");
        if (!unit.sharded()) {
            // the job's own result.json is one of its artifacts (a shard's is not: the coordinator indexes those)
            services.events().send(event().setArtifact(Artifact.newBuilder().setName("result.json").setSize(bytes.length)
                    .setContentType("application/json").setKind("result")).build());
        }
    }

    private Outcome deadLetterUnreadable(String reason) {
        try {
            if (delivery.key() != null) {
                services.events().sendAndWait(JobEvent.newBuilder().setJobId(delivery.key())
                        .setTimeMs(System.currentTimeMillis()).setWorkerId(services.workerId())
                        .setFailed(JobEvent.Failed.newBuilder().setReason(reason).setRetryable(false)).build());
            }
            services.events().deadLetter(delivery, reason, 0);
            return Outcome.commit(reason);
        } catch (IOException e) {
            return Outcome.retry(services.retryBackoff(), "could not dead-letter: " + e);
        }
    }

    /** A new event of this job and attempt with the header fields filled in. */
    JobEvent.Builder event() {
        JobRequest r = request;
        return JobEvent.newBuilder().setJobId(r.getJobId()).setShardIndex(r.getShardIndex())
                .setTimeMs(System.currentTimeMillis()).setWorkerId(services.workerId()).setAttempt(attempt);
    }

    private JobEvent failed(String reason, boolean retryable) {
        return event().setFailed(JobEvent.Failed.newBuilder().setReason(reason).setRetryable(retryable)).build();
    }

    private JobEvent cancelled(String reason) {
        return event().setCancelled(JobEvent.Cancelled.newBuilder().setReason(reason)).build();
    }

    /** The task's result, or the exception it threw (IOException, RuntimeException) as itself. */
    private static <T> T await(Future<T> task) throws Exception {
        try {
            return task.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    /**
     * Waits for the spec write without failing on it: its Artifact event must go out before this attempt's
     * Failed or Cancelled event, or a reader sees an event after the job's final one.
     */
    private static void settle(Future<?> specWrite) {
        if (specWrite == null) {
            return;
        }
        try {
            specWrite.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            log.warn("spec.json not written: {}", e.getCause().toString());
        }
    }

    private static boolean hasInterruptedCause(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof InterruptedException || c instanceof java.io.InterruptedIOException) {
                return true;
            }
        }
        return false;
    }

    /** The exception and its causes on one line, short enough for an event and a header. */
    static String describe(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = e; c != null && sb.length() < 1000; c = c.getCause()) {
            if (sb.length() > 0) {
                sb.append(" <- ");
            }
            sb.append(c.getClass().getSimpleName());
            if (c.getMessage() != null) {
                sb.append(": ").append(c.getMessage());
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return sb.length() > 1000 ? sb.substring(0, 1000) + "..." : sb.toString();
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (var walk = Files.walk(root)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            log.warn("could not delete work folder {}: {}", root, e.toString());
        }
    }
}
