package dev.diffq.runtime.job;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.diffq.proto.JobRequest;
import dev.diffq.runtime.JobKind;

/**
 * The checks the runtime itself needs: an id it can use in object keys, a spec whose kind matches the
 * topic it came from, and a sane shard. The full spec rules live in the shared spec validator, which runs
 * after these.
 */
public final class BasicRequestValidator implements RequestValidator {
    private static final java.util.regex.Pattern SAFE_ID = java.util.regex.Pattern.compile("[A-Za-z0-9._-]{1,128}");

    @Override
    public List<String> problems(JobRequest request, JobKind topicKind) {
        List<String> problems = new ArrayList<>();
        if (!SAFE_ID.matcher(request.getJobId()).matches()) {
            problems.add("job_id: must be 1-128 characters of A-Z a-z 0-9 . _ -, got '" + request.getJobId() + "'");
        }
        if (!request.hasSpec()) {
            problems.add("spec: missing");
        } else {
            Optional<JobKind> kind = JobKind.of(request.getSpec());
            if (kind.isEmpty()) {
                problems.add("spec.kind: must be train or sample, neither is set");
            } else if (kind.get() != topicKind) {
                problems.add("spec.kind: a " + kind.get().label() + " spec arrived on the " + topicKind.label()
                        + " topic");
            }
        }
        int count = Math.max(1, request.getShardCount());
        if (request.getShardCount() < 0) {
            problems.add("shard_count: must be >= 0, got " + request.getShardCount());
        }
        if (request.getShardIndex() < 0 || request.getShardIndex() >= count) {
            problems.add("shard_index: must be in [0, " + count + "), got " + request.getShardIndex());
        }
        if (count > 1 && topicKind == JobKind.TRAIN) {
            problems.add("shard_count: training jobs are not sharded, got " + request.getShardCount());
        }
        return problems;
    }
}
