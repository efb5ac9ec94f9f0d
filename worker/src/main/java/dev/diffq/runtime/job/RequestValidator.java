package dev.diffq.runtime.job;

import java.util.List;

import dev.diffq.proto.JobRequest;
import dev.diffq.runtime.JobKind;

/** Checks a request before anything runs; a request with problems fails at once, without retries. */
@FunctionalInterface
public interface RequestValidator {
    /** The problems found, each naming the field and the rule; empty when the request is fine. */
    List<String> problems(JobRequest request, JobKind topicKind);
}
