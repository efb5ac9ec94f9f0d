package dev.diffq.runtime.job;

import java.io.IOException;

import dev.diffq.runtime.storage.ObjectStore;

/**
 * Counts the attempts of a work unit in the bucket ({@link WorkUnit#attemptsKey()}), so the count survives
 * crashes: a worker that dies mid-job never gets to report, but its attempt was already counted when it
 * started. An attempt that ends by handing the job back cleanly (partition revoked, worker shut down with a
 * checkpoint) is uncounted again, so rolling restarts do not use up a job's attempts.
 */
public final class AttemptLedger {
    /** The ledger's JSON. {@code attempts} counts starts not handed back cleanly. */
    public record State(int attempts, String lastFailure, String lastWorker, long updatedMs) {
        static final State EMPTY = new State(0, "", "", 0);
    }

    private final ObjectStore store;

    public AttemptLedger(ObjectStore store) {
        this.store = store;
    }

    public State read(WorkUnit unit) throws IOException {
        return store.getJson(unit.attemptsKey(), State.class).orElse(State.EMPTY);
    }

    public void write(WorkUnit unit, State state) throws IOException {
        store.putJson(unit.attemptsKey(), state);
    }
}
