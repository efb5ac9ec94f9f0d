package dev.diffq.runtime.exec;

import dev.diffq.runtime.job.JobContext;

/** The job's seed: the coordinator always records one; a request made by hand without one gets one from its id. */
final class Seeds {
    private Seeds() {}

    static long of(JobContext ctx) {
        return ctx.spec().hasSeed() ? ctx.spec().getSeed() : ctx.jobId().hashCode() & 0x7fffffffL;
    }
}
