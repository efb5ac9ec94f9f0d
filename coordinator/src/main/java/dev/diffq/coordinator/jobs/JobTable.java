package dev.diffq.coordinator.jobs;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.diffq.proto.JobRecord;
import dev.diffq.proto.JobState;

/**
 * The in-memory job table: the latest JobRecord per job id, as folded from the compacted topic diffq.jobs
 * (the source of truth) plus this replica's own writes, applied as soon as they are committed.
 *
 * <p>Own writes reach the table before their echo from the topic, so an older echo must not undo a newer
 * local write: a record older ({@code updated_ms}) than the one held is ignored, and a finished job never
 * goes back to an unfinished state. Writers keep {@code updated_ms} strictly increasing per job.
 */
public final class JobTable {
    /** Told of every accepted change, in order; {@code before} is null for a new job. Must not block. */
    public interface Listener {
        void changed(JobRecord before, JobRecord after);
    }

    public record Page(List<JobRecord> jobs, String nextCursor) {}

    private record Order(long createdMs, String id) {}

    private static final Comparator<Order> NEWEST_FIRST =
            Comparator.comparingLong(Order::createdMs).reversed().thenComparing(Order::id, Comparator.reverseOrder());

    private final Map<String, JobRecord> jobs = new ConcurrentHashMap<>();
    private final Map<String, String> idempotencyKeys = new ConcurrentHashMap<>();
    private final ConcurrentSkipListSet<Order> order = new ConcurrentSkipListSet<>(NEWEST_FIRST);
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();

    public void addListener(Listener listener) {
        listeners.add(listener);
    }

    public void removeListener(Listener listener) {
        listeners.remove(listener);
    }

    public static boolean isFinished(JobState state) {
        return state == JobState.SUCCEEDED || state == JobState.FAILED || state == JobState.CANCELLED;
    }

    /** Applies a record unless it is older than the one held; answers whether it was applied. */
    public synchronized boolean apply(JobRecord incoming) {
        JobRecord current = jobs.get(incoming.getId());
        if (current != null) {
            if (incoming.getUpdatedMs() < current.getUpdatedMs()) {
                return false;
            }
            if (isFinished(current.getState()) && !isFinished(incoming.getState())) {
                return false;
            }
            if (current.equals(incoming)) {
                return false;
            }
        }
        jobs.put(incoming.getId(), incoming);
        if (current == null) {
            order.add(new Order(incoming.getCreatedMs(), incoming.getId()));
        }
        if (!incoming.getIdempotencyKey().isEmpty()) {
            idempotencyKeys.putIfAbsent(incoming.getIdempotencyKey(), incoming.getId());
        }
        for (Listener l : listeners) {
            l.changed(current, incoming);
        }
        return true;
    }

    /** A tombstone on the compacted topic: the job is forgotten. */
    public synchronized void remove(String id) {
        JobRecord current = jobs.remove(id);
        if (current != null) {
            order.remove(new Order(current.getCreatedMs(), id));
            if (!current.getIdempotencyKey().isEmpty()) {
                idempotencyKeys.remove(current.getIdempotencyKey(), id);
            }
        }
    }

    /** Runs {@code action} with no change applied meanwhile (to read a record and subscribe atomically). */
    public synchronized void withLock(Runnable action) {
        action.run();
    }

    public Optional<JobRecord> get(String id) {
        return Optional.ofNullable(jobs.get(id));
    }

    public Optional<JobRecord> byIdempotencyKey(String key) {
        String id = idempotencyKeys.get(key);
        return id == null ? Optional.empty() : get(id);
    }

    public Collection<JobRecord> all() {
        return jobs.values();
    }

    public int size() {
        return jobs.size();
    }

    /**
     * Newest first, filtered by state and kind (null = any).
     * @param cursor from a previous page's nextCursor, or null for the first page
     * @throws IllegalArgumentException when the cursor cannot be read
     */
    public Page list(JobState state, JobKind kind, int limit, String cursor) {
        var view = cursor == null ? order : order.tailSet(decodeCursor(cursor), false);
        List<JobRecord> out = new ArrayList<>();
        Order last = null;
        boolean more = false;
        for (Order o : view) {
            JobRecord r = jobs.get(o.id());
            if (r == null || (state != null && r.getState() != state) || (kind != null && JobKind.of(r.getSpec()) != kind)) {
                continue;
            }
            if (out.size() == limit) {
                more = true;
                break;
            }
            out.add(r);
            last = o;
        }
        return new Page(out, more && last != null ? encodeCursor(last) : null);
    }

    private static String encodeCursor(Order o) {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString((o.createdMs() + ":" + o.id()).getBytes(StandardCharsets.UTF_8));
    }

    private static Order decodeCursor(String cursor) {
        try {
            String s = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            int colon = s.indexOf(':');
            return new Order(Long.parseLong(s.substring(0, colon)), s.substring(colon + 1));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not a cursor from a previous page", e);
        }
    }
}
