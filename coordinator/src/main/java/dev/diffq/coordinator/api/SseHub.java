package dev.diffq.coordinator.api;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.diffq.coordinator.jobs.JobTable;
import dev.diffq.contract.JobJson;
import dev.diffq.proto.Artifact;
import dev.diffq.proto.JobRecord;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;

/**
 * Live job streams (GET /v1/jobs/{id}/events). Streams follow the job table, not the event topic, so every
 * replica serves the same stream whichever replica folded the events: a changed state gives {@code state}
 * (the whole record), changed progress gives {@code progress}, each new artifact gives {@code artifact},
 * and a finished job gives {@code end}, after which the stream closes.
 */
public final class SseHub implements JobTable.Listener, AutoCloseable {
    /** A comment line this often keeps idle streams open through proxies and finds clients that left. */
    static final long KEEP_ALIVE_SECONDS = 15;
    private record Subscriber(SseEventSink sink, Sse sse) {}

    private static final ObjectMapper JSON = new ObjectMapper();
    private final JobTable table;
    private final Map<String, Set<Subscriber>> subscribers = new ConcurrentHashMap<>();

    private final java.util.concurrent.ScheduledExecutorService keepAlive =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "diffq-sse-keep-alive");
                t.setDaemon(true);
                return t;
            });

    public SseHub(JobTable table) {
        this.table = table;
        table.addListener(this);
        keepAlive.scheduleWithFixedDelay(this::keepAlive, KEEP_ALIVE_SECONDS, KEEP_ALIVE_SECONDS,
                java.util.concurrent.TimeUnit.SECONDS);
    }

    private void keepAlive() {
        for (var entry : subscribers.entrySet()) {
            for (Subscriber s : entry.getValue()) {
                if (s.sink().isClosed()) {
                    entry.getValue().remove(s);
                    continue;
                }
                try {
                    s.sink().send(s.sse().newEventBuilder().comment("keep-alive").build());
                } catch (RuntimeException e) {
                    entry.getValue().remove(s);
                }
            }
        }
        subscribers.values().removeIf(Set::isEmpty);
    }

    @Override
    public void close() {
        keepAlive.shutdownNow();
    }

    /** Sends the current state, then follows the job; 404 for an unknown job. */
    public void subscribe(String id, SseEventSink sink, Sse sse) {
        if (table.get(id).isEmpty()) {
            throw ApiException.notFound("no job " + id);
        }
        Subscriber s = new Subscriber(sink, sse);
        table.withLock(() -> {
            JobRecord current = table.get(id).orElseThrow();
            send(s, "state", JobJson.print(current));
            if (JobTable.isFinished(current.getState())) {
                end(s, current);
            } else {
                subscribers.computeIfAbsent(id, k -> new CopyOnWriteArraySet<>()).add(s);
            }
        });
    }

    public int subscriberCount() {
        return subscribers.values().stream().mapToInt(Set::size).sum();
    }

    @Override
    public void changed(JobRecord before, JobRecord after) {
        Set<Subscriber> subs = subscribers.get(after.getId());
        if (subs == null || subs.isEmpty()) {
            return;
        }
        for (Subscriber s : subs) {
            if (s.sink().isClosed()) {
                subs.remove(s);
                continue;
            }
            for (Artifact a : newArtifacts(before, after)) {
                send(s, "artifact", JobJson.print(a));
            }
            if (after.hasProgress() && (before == null || !before.getProgress().equals(after.getProgress()))) {
                send(s, "progress", JobJson.print(after.getProgress()));
            }
            if (before == null || before.getState() != after.getState()) {
                send(s, "state", JobJson.print(after));
            }
            if (JobTable.isFinished(after.getState())) {
                end(s, after);
                subs.remove(s);
            }
        }
    }

    private static List<Artifact> newArtifacts(JobRecord before, JobRecord after) {
        Set<Artifact> old = before == null ? Set.of() : new HashSet<>(before.getArtifactsList());
        return after.getArtifactsList().stream().filter(a -> !old.contains(a)).toList();
    }

    private static void end(Subscriber s, JobRecord job) {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", job.getId());
        n.put("state", job.getState().name());
        if (!job.getError().isEmpty()) {
            n.put("error", job.getError());
        }
        send(s, "end", n.toString()).whenComplete((ok, err) -> s.sink().close());
    }

    private static java.util.concurrent.CompletionStage<?> send(Subscriber s, String name, String json) {
        if (s.sink().isClosed()) {
            return java.util.concurrent.CompletableFuture.completedFuture(null);
        }
        return s.sink().send(s.sse().newEventBuilder().name(name)
                .data(json).build());
    }
}
