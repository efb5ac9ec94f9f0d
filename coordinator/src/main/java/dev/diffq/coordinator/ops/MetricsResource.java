package dev.diffq.coordinator.ops;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.jboss.logging.Logger;

import dev.diffq.contract.Topics;
import dev.diffq.coordinator.CoordinatorRuntime;
import dev.diffq.coordinator.jobs.JobKind;
import dev.diffq.coordinator.jobs.ShardPlan;
import dev.diffq.proto.JobRecord;
import dev.diffq.proto.JobState;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;

/**
 * GET /q/metrics in the Prometheus text format. Job figures come from the job table, so every replica
 * reports the same and a restart loses nothing. Queue depth per request topic is the end offsets minus
 * the furthest committed offset of any worker group on each partition (from the log start when no group
 * has committed there yet), counting committed records only (see QueueDepth).
 */
@Path("/q/metrics")
@Singleton
public class MetricsResource {
    private static final Logger LOG = Logger.getLogger(MetricsResource.class);
    static final List<String> REQUEST_TOPICS = List.of(Topics.TRAIN, Topics.TRAIN_HIGH, Topics.SAMPLE, Topics.SAMPLE_HIGH);

    @Inject
    CoordinatorRuntime runtime;

    private QueueDepth queueDepth;

    private synchronized QueueDepth queueDepthCounter() {
        if (queueDepth == null) {
            queueDepth = new QueueDepth(runtime.config().kafka().bootstrap(), runtime.admin(),
                    runtime.config().kafka().timeoutMs());
        }
        return queueDepth;
    }

    @PreDestroy
    synchronized void close() {
        if (queueDepth != null) {
            queueDepth.close();
        }
    }

    @GET
    @Produces("text/plain; version=0.0.4; charset=utf-8")
    public String metrics() {
        StringBuilder out = new StringBuilder();
        Map<JobState, Integer> byState = new EnumMap<>(JobState.class);
        Map<String, double[]> durations = new TreeMap<>();
        long images = 0;
        for (JobRecord r : runtime.table().all()) {
            byState.merge(r.getState(), 1, Integer::sum);
            JobKind kind = JobKind.of(r.getSpec());
            if (r.getFinishedMs() > 0 && kind != null) {
                long from = r.getStartedMs() > 0 ? r.getStartedMs() : r.getCreatedMs();
                double[] d = durations.computeIfAbsent(kind.wireName() + "\",state=\"" + r.getState().name(),
                        k -> new double[2]);
                d[0] += 1;
                d[1] += Math.max(0, r.getFinishedMs() - from) / 1000.0;
            }
            if (r.getState() == JobState.SUCCEEDED && r.getSpec().hasSample()) {
                images += ShardPlan.images(r.getSpec().getSample());
            }
        }
        out.append("# HELP diffq_jobs Jobs in the job table by state.\n# TYPE diffq_jobs gauge\n");
        for (JobState s : List.of(JobState.QUEUED, JobState.RUNNING, JobState.SUCCEEDED, JobState.FAILED,
                JobState.CANCELLED)) {
            out.append("diffq_jobs{state=\"").append(s.name()).append("\"} ").append(byState.getOrDefault(s, 0))
                    .append('\n');
        }
        out.append("# HELP diffq_queue_depth Requests not yet taken by a worker, per request topic.\n")
                .append("# TYPE diffq_queue_depth gauge\n");
        Map<String, Long> depth = queueDepth();
        for (String topic : REQUEST_TOPICS) {
            Long d = depth.get(topic);
            if (d != null) {
                out.append("diffq_queue_depth{topic=\"").append(topic).append("\"} ").append(d).append('\n');
            }
        }
        out.append("# HELP diffq_job_duration_seconds Run time of finished jobs (start to finish).\n")
                .append("# TYPE diffq_job_duration_seconds summary\n");
        durations.forEach((labels, d) -> {
            out.append("diffq_job_duration_seconds_count{kind=\"").append(labels).append("\"} ").append((long) d[0]).append('\n');
            out.append("diffq_job_duration_seconds_sum{kind=\"").append(labels).append("\"} ").append(d[1]).append('\n');
        });
        out.append("# HELP diffq_images_generated_total Images of succeeded sample jobs.\n")
                .append("# TYPE diffq_images_generated_total counter\n")
                .append("diffq_images_generated_total ").append(images).append('\n');
        return out.toString();
    }

    private Map<String, Long> queueDepth() {
        try {
            return queueDepthCounter().measure(REQUEST_TOPICS);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            LOG.debugf("queue depth unavailable: %s", e.getMessage());
            return Map.of();
        }
    }
}
