package dev.diffq.runtime;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.diffq.runtime.job.ExecutionResult;
import dev.diffq.runtime.job.JobContext;
import dev.diffq.runtime.job.JobExecutor;
import dev.diffq.runtime.storage.LocalCheckpoint;

/**
 * A stand-in training executor: sleeps through its steps, reports progress each step, checkpoints a file
 * holding the step (when due and when let go), uploads one artifact at the end. Records every call.
 */
final class ScriptedExecutor implements JobExecutor {

    /** How a job behaves: {@code steps} steps of {@code stepMillis}; {@code fail} = throw at once, always. */
    record Script(int steps, long stepMillis, boolean fail) {}

    /** One call of execute. {@code resumedFrom} = step of the resume checkpoint, -1 for a fresh start. */
    record Call(String jobId, int attempt, String workerId, long resumedFrom, long stepsRun, boolean finished) {}

    private final Map<String, Script> scripts = new ConcurrentHashMap<>();
    private final Script defaultScript;
    final List<Call> calls = new CopyOnWriteArrayList<>();
    /** Jobs in the order their execution started. */
    final List<String> startOrder = new CopyOnWriteArrayList<>();

    ScriptedExecutor(Script defaultScript) {
        this.defaultScript = defaultScript;
    }

    ScriptedExecutor script(String jobId, Script s) {
        scripts.put(jobId, s);
        return this;
    }

    List<Call> callsOf(String jobId) {
        return calls.stream().filter(c -> c.jobId().equals(jobId)).toList();
    }

    @Override
    public ExecutionResult execute(JobContext ctx) throws Exception {
        Script s = scripts.getOrDefault(ctx.jobId(), defaultScript);
        startOrder.add(ctx.jobId());
        if (s.fail()) {
            calls.add(new Call(ctx.jobId(), ctx.attempt(), ctx.workerId(), -1, 0, false));
            throw new IllegalStateException("boom in " + ctx.jobId());
        }
        Optional<LocalCheckpoint> resume = ctx.resumeCheckpoint();
        long step = resume.isPresent() ? Long.parseLong(Files.readString(resume.get().dir().resolve("state.txt"))) : 0;
        long first = step;
        while (step < s.steps()) {
            if (ctx.shouldStop()) {
                if (!ctx.isCancelled()) {
                    checkpoint(ctx, step);
                }
                calls.add(new Call(ctx.jobId(), ctx.attempt(), ctx.workerId(), resume.map(LocalCheckpoint::step)
                        .orElse(-1L), step - first, false));
                return ExecutionResult.stopped();
            }
            Thread.sleep(s.stepMillis());
            step++;
            ctx.progress(step, s.steps(), 1.0 / step, 100.0, (s.steps() - step) * s.stepMillis() / 1000.0, "training");
            if (ctx.checkpointDue(step)) {
                checkpoint(ctx, step);
            }
        }
        Path out = ctx.workDir().resolve("out.txt");
        Files.writeString(out, "done " + ctx.jobId() + " after " + step + " steps");
        ctx.artifact(out, "samples/out.txt", "image");
        calls.add(new Call(ctx.jobId(), ctx.attempt(), ctx.workerId(), resume.map(LocalCheckpoint::step).orElse(-1L),
                step - first, true));
        return ExecutionResult.completed(Map.of("steps", step));
    }

    private static void checkpoint(JobContext ctx, long step) throws Exception {
        Path dir = ctx.workDir().resolve("ckpt-" + step);
        Files.createDirectories(dir.resolve("model"));
        Files.writeString(dir.resolve("state.txt"), Long.toString(step));
        Files.write(dir.resolve("model").resolve("weights.bin"), new byte[1024]);
        ctx.saveCheckpoint(step, dir);
    }
}
