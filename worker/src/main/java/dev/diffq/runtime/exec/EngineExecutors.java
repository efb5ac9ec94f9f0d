package dev.diffq.runtime.exec;

import dev.diffq.runtime.JobKind;
import dev.diffq.runtime.WorkerConfig;
import dev.diffq.runtime.job.JobExecutor;
import dev.diffq.runtime.job.JobExecutorProvider;

/** The engine-backed executors, found by {@code WorkerMain} through META-INF/services. */
public final class EngineExecutors {
    private EngineExecutors() {}

    public static final class Train implements JobExecutorProvider {
        @Override
        public JobKind kind() {
            return JobKind.TRAIN;
        }

        @Override
        public JobExecutor create(WorkerConfig config) {
            return new TrainJobExecutor();
        }
    }

    public static final class Sample implements JobExecutorProvider {
        @Override
        public JobKind kind() {
            return JobKind.SAMPLE;
        }

        @Override
        public JobExecutor create(WorkerConfig config) {
            return new SampleJobExecutor(2);
        }
    }
}
