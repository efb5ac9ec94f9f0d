package dev.diffq.deploy.bench;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** {@link QueueBench.Result} as a table for people and as one JSON object for programs. */
final class Report {
    private Report() {}

    static final double LATENCY_TARGET_P99_MS = 100;
    static final double SUBMIT_TARGET_PER_SECOND = 1000;

    static String table(QueueBench.Result r) {
        StringBuilder sb = new StringBuilder();
        QueueBench.Options o = r.options();
        sb.append(String.format(Locale.ROOT, "diffq queue benchmark  (%d cores, load average %s at start, %s at end;"
                + " stack up in %.1f s, tiny model trained in %.1f s, %.0f s in all)%n",
                r.cores(), r.loadAverageStart(), r.loadAverageEnd(), r.stackStartSeconds(), r.trainSeconds(),
                r.totalSeconds()));
        sb.append(String.format(Locale.ROOT, "sampling jobs: %d images each (2 classes x %d, 8x8, DDIM %d steps)%n%n",
                o.imagesPerJob(), o.perClass(), o.sampleSteps()));

        QueueBench.Latency l = r.latency();
        sb.append(String.format(Locale.ROOT, "submit -> Started, 1 idle worker, %d jobs one at a time%n", l.jobs()));
        sb.append("  (observed by ").append(l.observedVia()).append(")\n");
        sb.append(header());
        sb.append(row("submit -> Started seen", l.submitToStarted()));
        sb.append(row("POST /v1/jobs (answer)", l.post()));
        sb.append("  where the time goes (record timestamps, ms resolution):\n");
        sb.append(row("  submit -> request written", l.submitToRequestRecord()));
        sb.append(row("  request -> Started written", l.requestRecordToStartedEvent()));
        sb.append(row("  Started written -> seen", l.startedEventToSeen()));
        sb.append(verdict("p99 submit -> Started", l.submitToStarted().p99Ms(), LATENCY_TARGET_P99_MS, false, "ms"));
        sb.append('\n');

        sb.append("end-to-end, jobs submitted at once until the last is SUCCEEDED\n");
        sb.append(String.format(Locale.ROOT, "  %-8s %6s %8s %8s %9s %10s %10s  %-22s %s%n", "workers", "jobs", "seconds",
                "jobs/s", "images/s", "p50 ms", "max ms", "jobs per worker", "load"));
        for (QueueBench.EndToEnd e : r.endToEnd()) {
            sb.append(String.format(Locale.ROOT, "  %-8d %6d %8.2f %8.2f %9.1f %10.1f %10.1f  %-22s %s%n", e.workers(),
                    e.jobs(), e.seconds(), e.jobsPerSecond(), e.imagesPerSecond(), e.submitToSucceeded().p50Ms(),
                    e.submitToSucceeded().maxMs(), e.jobsPerWorker().values().toString(), e.loadAverage()));
        }
        sb.append('\n');

        QueueBench.Submissions s = r.submissions();
        sb.append(String.format(Locale.ROOT, "submissions, no worker running: %d POST /v1/jobs from %d clients (after %d"
                + " warm-up POSTs)%n", s.requested(), s.concurrency(), s.warmup()));
        sb.append(String.format(Locale.ROOT, "  accepted %d (201) in %.2f s = %.0f/s; rejected %s; I/O errors %d; load %s%n",
                s.accepted(), s.seconds(), s.acceptedPerSecond(), s.rejectedByStatus().isEmpty() ? "none"
                        : s.rejectedByStatus().toString(), s.errors(), s.loadAverage()));
        sb.append(header());
        sb.append(row("POST /v1/jobs", s.post()));
        sb.append(verdict("accepted per second", s.acceptedPerSecond(), SUBMIT_TARGET_PER_SECOND, true, "/s"));
        return sb.toString();
    }

    private static String header() {
        return String.format(Locale.ROOT, "  %-30s %6s %9s %9s %9s %9s %9s%n", "ms", "n", "mean", "p50", "p95", "p99",
                "max");
    }

    private static String row(String name, Stats s) {
        return String.format(Locale.ROOT, "  %-30s %6d %9.1f %9.1f %9.1f %9.1f %9.1f%n", name, s.count(), s.meanMs(),
                s.p50Ms(), s.p95Ms(), s.p99Ms(), s.maxMs());
    }

    private static String verdict(String what, double value, double target, boolean atLeast, String unit) {
        boolean met = atLeast ? value >= target : value < target;
        return String.format(Locale.ROOT, "  target: %s %s %.0f%s -> %.1f%s, %s%n", what, atLeast ? ">=" : "<", target,
                unit, value, unit, met ? "met" : "NOT met");
    }

    static String json(QueueBench.Result r) {
        QueueBench.Options o = r.options();
        Json j = new Json();
        j.open();
        j.key("options").open()
                .field("workers_list", o.workersList()).field("submissions", o.submissions())
                .field("concurrency", o.concurrency()).field("latency_jobs", o.latencyJobs())
                .field("e2e_jobs", o.e2eJobs()).field("images_per_job", o.imagesPerJob())
                .field("sample_steps", o.sampleSteps()).close();
        j.field("cores", r.cores()).field("load_average_start", r.loadAverageStart())
                .field("load_average_end", r.loadAverageEnd()).field("stack_start_seconds", r.stackStartSeconds())
                .field("train_seconds", r.trainSeconds()).field("total_seconds", r.totalSeconds());
        QueueBench.Latency l = r.latency();
        j.key("latency").open().field("jobs", l.jobs()).field("observed_via", l.observedVia());
        stats(j, "submit_to_started_ms", l.submitToStarted());
        stats(j, "post_ms", l.post());
        stats(j, "submit_to_request_record_ms", l.submitToRequestRecord());
        stats(j, "request_record_to_started_event_ms", l.requestRecordToStartedEvent());
        stats(j, "started_event_to_seen_ms", l.startedEventToSeen());
        j.field("target_p99_ms", LATENCY_TARGET_P99_MS)
                .field("target_met", l.submitToStarted().p99Ms() < LATENCY_TARGET_P99_MS).close();
        j.key("end_to_end").array();
        for (QueueBench.EndToEnd e : r.endToEnd()) {
            j.open().field("workers", e.workers()).field("jobs", e.jobs()).field("images_per_job", e.imagesPerJob())
                    .field("seconds", e.seconds()).field("jobs_per_second", e.jobsPerSecond())
                    .field("images_per_second", e.imagesPerSecond());
            stats(j, "submit_to_succeeded_ms", e.submitToSucceeded());
            j.key("jobs_per_worker").open();
            e.jobsPerWorker().forEach(j::field);
            j.close().field("load_average", e.loadAverage()).close();
        }
        j.closeArray();
        QueueBench.Submissions s = r.submissions();
        j.key("submissions").open().field("requested", s.requested()).field("concurrency", s.concurrency())
                .field("warmup", s.warmup()).field("accepted", s.accepted());
        j.key("rejected_by_status").open();
        s.rejectedByStatus().forEach((k, v) -> j.field(Integer.toString(k), v));
        j.close().field("io_errors", s.errors()).field("seconds", s.seconds())
                .field("accepted_per_second", s.acceptedPerSecond());
        stats(j, "post_ms", s.post());
        j.field("load_average", s.loadAverage()).field("target_per_second", SUBMIT_TARGET_PER_SECOND)
                .field("target_met", s.acceptedPerSecond() >= SUBMIT_TARGET_PER_SECOND).close();
        j.close();
        return j.toString();
    }

    private static void stats(Json j, String name, Stats s) {
        j.key(name).open().field("count", s.count()).field("min", s.minMs()).field("mean", s.meanMs())
                .field("p50", s.p50Ms()).field("p95", s.p95Ms()).field("p99", s.p99Ms()).field("max", s.maxMs()).close();
    }

    /** A minimal JSON writer: enough for numbers, strings, booleans, lists of numbers and nesting. */
    static final class Json {
        private final StringBuilder sb = new StringBuilder();
        private boolean first = true;

        Json open() {
            if (!first) {
                sb.append(','); // a further element of an array
            }
            sb.append('{');
            first = true;
            return this;
        }

        Json close() {
            sb.append('}');
            first = false;
            return this;
        }

        Json array() {
            if (!first) {
                sb.append(',');
            }
            sb.append('[');
            first = true;
            return this;
        }

        Json closeArray() {
            sb.append(']');
            first = false;
            return this;
        }

        /** Starts a member; an object or array that follows is its value. */
        Json key(String name) {
            if (!first) {
                sb.append(',');
            }
            sb.append(quote(name)).append(':');
            first = true; // the value that follows needs no comma
            return this;
        }

        Json field(String name, Object value) {
            key(name);
            sb.append(value(value));
            first = false;
            return this;
        }

        @Override
        public String toString() {
            return sb.toString();
        }

        private static String value(Object v) {
            if (v == null) {
                return "null";
            }
            if (v instanceof Double d) {
                return d.isNaN() || d.isInfinite() ? "null" : String.format(Locale.ROOT, "%.3f", d);
            }
            if (v instanceof Number || v instanceof Boolean) {
                return v.toString();
            }
            if (v instanceof List<?> list) {
                StringBuilder b = new StringBuilder("[");
                for (int i = 0; i < list.size(); i++) {
                    b.append(i > 0 ? "," : "").append(value(list.get(i)));
                }
                return b.append(']').toString();
            }
            if (v instanceof Map<?, ?>) {
                throw new IllegalArgumentException("write maps with key()/open()");
            }
            return quote(v.toString());
        }

        static String quote(String s) {
            StringBuilder b = new StringBuilder("\"");
            for (char c : s.toCharArray()) {
                switch (c) {
                    case '"' -> b.append("\\\"");
                    case '\\' -> b.append("\\\\");
                    case '\n' -> b.append("\\n");
                    case '\r' -> b.append("\\r");
                    case '\t' -> b.append("\\t");
                    default -> {
                        if (c < 0x20) {
                            b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                        } else {
                            b.append(c);
                        }
                    }
                }
            }
            return b.append('"').toString();
        }
    }
}
