package dev.diffq.runtime.job;

import java.util.ArrayList;
import java.util.List;

import dev.diffq.contract.Limits;
import dev.diffq.contract.SpecValidator;
import dev.diffq.contract.Violation;
import dev.diffq.proto.JobRequest;
import dev.diffq.runtime.JobKind;

/**
 * The worker's defensive check: the runtime's own rules ({@link BasicRequestValidator}), then the shared
 * {@link SpecValidator} on the spec alone. The installation's size limits are the coordinator's business
 * (it may have raised them), so the worker checks with unbounded limits and ignores "too large".
 */
public final class SpecRequestValidator implements RequestValidator {
    /** Every limit at its maximum: only the shape of the spec is checked. */
    static final Limits UNBOUNDED = new Limits(Integer.MAX_VALUE, Integer.MAX_VALUE, Float.MAX_VALUE, Long.MAX_VALUE,
            Long.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE,
            Integer.MAX_VALUE, Integer.MAX_VALUE);

    private final BasicRequestValidator basic = new BasicRequestValidator();

    @Override
    public List<String> problems(JobRequest request, JobKind topicKind) {
        List<String> problems = new ArrayList<>(basic.problems(request, topicKind));
        if (problems.isEmpty()) {
            for (Violation v : SpecValidator.validate(request.getSpec(), UNBOUNDED)) {
                if (!v.tooLarge()) {
                    problems.add("spec." + v.message());
                }
            }
        }
        return problems;
    }
}
