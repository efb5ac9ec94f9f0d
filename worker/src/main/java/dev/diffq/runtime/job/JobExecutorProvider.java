package dev.diffq.runtime.job;

import dev.diffq.runtime.JobKind;
import dev.diffq.runtime.WorkerConfig;

/**
 * How {@code WorkerMain} finds the executors: implementations are listed in
 * {@code META-INF/services/dev.diffq.runtime.job.JobExecutorProvider} (the engine-backed train and sample
 * executors). Tests pass executors to {@code WorkerMain.start} directly instead.
 */
public interface JobExecutorProvider {
    JobKind kind();

    JobExecutor create(WorkerConfig config) throws Exception;
}
