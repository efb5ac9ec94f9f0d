package dev.diffq.runtime.job;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import dev.diffq.contract.ContentTypes;
import dev.diffq.contract.ObjectKeys;
import dev.diffq.proto.Artifact;
import dev.diffq.proto.JobRequest;
import dev.diffq.proto.Progress;
import dev.diffq.proto.TrainSpec;
import dev.diffq.runtime.storage.CheckpointManifest;
import dev.diffq.runtime.storage.LocalCheckpoint;
import dev.diffq.runtime.storage.ObjectStore;

/** The runtime's {@link JobContext}: one per attempt. */
final class RuntimeJobContext implements JobContext {
    private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9._-]{1,200}");

    private final JobRequest request;
    private final WorkUnit unit;
    private final int attempt;
    private final JobServices services;
    private final Path workDir;
    private final ProgressThrottle progress;
    private final JobRun run;
    private final Map<String, Artifact> artifacts = new LinkedHashMap<>();
    private Optional<LocalCheckpoint> resume;
    private long lastCheckpointStep;
    private long lastCheckpointNanos = System.nanoTime();

    RuntimeJobContext(JobRequest request, WorkUnit unit, int attempt, JobServices services, Path workDir, JobRun run) {
        this.request = request;
        this.unit = unit;
        this.attempt = attempt;
        this.services = services;
        this.workDir = workDir;
        this.run = run;
        this.progress = new ProgressThrottle(services.progressInterval().toMillis(), services.timer(),
                p -> services.events().send(run.event().setProgress(p).build()));
    }

    @Override
    public JobRequest request() {
        return request;
    }

    @Override
    public int attempt() {
        return attempt;
    }

    @Override
    public String workerId() {
        return services.workerId();
    }

    @Override
    public String device() {
        return services.device();
    }

    @Override
    public Path workDir() {
        return workDir;
    }

    @Override
    public void progress(long step, long total, double loss, double imagesPerSec, double etaSeconds, String phase) {
        progress.offer(Progress.newBuilder().setStep(step).setTotal(total).setLoss(loss)
                .setImagesPerSec(imagesPerSec).setEtaSeconds(etaSeconds).setPhase(phase == null ? "" : phase).build());
    }

    @Override
    public Artifact artifact(Path localFile, String name, String kind) throws IOException {
        checkRelativeName(name);
        String contentType = ContentTypes.of(name);
        services.store().putFile(ObjectKeys.jobPrefix(unit.jobId()) + name, localFile, contentType);
        Artifact a = Artifact.newBuilder().setName(name).setSize(Files.size(localFile)).setContentType(contentType)
                .setKind(kind == null ? "" : kind).build();
        emitArtifact(a);
        return a;
    }

    @Override
    public boolean isCancelled() {
        return services.cancels().isCancelled(unit.jobId());
    }

    @Override
    public boolean shouldStop() {
        return isCancelled() || run.releaseRequested();
    }

    @Override
    public boolean checkpointDue(long step) {
        if (run.releaseRequested()) {
            return true;
        }
        if (!request.getSpec().hasTrain()) {
            return false;
        }
        TrainSpec train = request.getSpec().getTrain();
        if (train.hasCheckpointEverySteps() && train.getCheckpointEverySteps() > 0
                && step - lastCheckpointStep >= train.getCheckpointEverySteps()) {
            return true;
        }
        if (train.hasCheckpointEveryMinutes() && train.getCheckpointEveryMinutes() > 0) {
            double minutes = (System.nanoTime() - lastCheckpointNanos) / (double) TimeUnit.MINUTES.toNanos(1);
            return minutes >= train.getCheckpointEveryMinutes();
        }
        return false;
    }

    @Override
    public synchronized Optional<LocalCheckpoint> resumeCheckpoint() throws IOException {
        if (resume == null) {
            resume = services.checkpoints().downloadLatest(unit.jobId(), workDir.resolve("resume"));
            resume.ifPresent(c -> lastCheckpointStep = c.step());
        }
        return resume;
    }

    @Override
    public void saveCheckpoint(long step, Path dir) throws IOException {
        CheckpointManifest manifest = services.checkpoints().upload(unit.jobId(), step, dir);
        lastCheckpointStep = step;
        lastCheckpointNanos = System.nanoTime();
        long size = manifest.files().stream().mapToLong(CheckpointManifest.FileEntry::size).sum();
        emitArtifact(Artifact.newBuilder().setName(ObjectKeys.checkpointFolder(step)).setSize(size).setContentType(ContentTypes.DIRECTORY)
                .setKind("checkpoint").build());
    }

    @Override
    public LocalCheckpoint checkpointOf(String trainJobId, OptionalLong step) throws IOException {
        return services.checkpointCache().get(trainJobId, step);
    }

    @Override
    public Path input(String uploadId) throws IOException {
        if (!SAFE_NAME.matcher(uploadId).matches()) {
            throw new IllegalArgumentException("upload id: must be 1-200 characters of A-Z a-z 0-9 . _ -, got '"
                    + uploadId + "'");
        }
        Path target = workDir.resolve("inputs").resolve(uploadId + ".png");
        if (!Files.exists(target)) {
            services.store().download(ObjectKeys.input(uploadId), target);
        }
        return target;
    }

    @Override
    public Path dataset(String name) throws IOException {
        if (!SAFE_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("dataset name: must be 1-200 characters of A-Z a-z 0-9 . _ -, got '"
                    + name + "'");
        }
        String prefix = ObjectKeys.dataset(name);
        Path target = workDir.resolve("datasets").resolve(name);
        List<ObjectStore.ObjectInfo> objects = services.store().list(prefix);
        if (objects.isEmpty()) {
            throw new FileNotFoundException("no dataset uploaded under " + prefix);
        }
        for (ObjectStore.ObjectInfo o : objects) {
            Path local = target.resolve(o.key().substring(prefix.length())).normalize();
            if (!local.startsWith(target)) {
                throw new IOException("dataset object key escapes the folder: " + o.key());
            }
            services.store().download(o.key(), local);
        }
        return target;
    }

    @Override
    public ObjectStore store() {
        return services.store();
    }

    /** Artifacts uploaded during this attempt, for result.json. */
    synchronized List<Artifact> artifacts() {
        return new ArrayList<>(artifacts.values());
    }

    /** Sends the held progress report, then nothing more. */
    void closeProgress() {
        progress.close();
    }

    private void emitArtifact(Artifact a) {
        progress.flush(); // progress reported so far comes before the artifact in the event stream
        synchronized (this) {
            artifacts.put(a.getName(), a);
        }
        services.events().send(run.event().setArtifact(a).build());
    }

    private static void checkRelativeName(String name) {
        if (name == null || name.isEmpty() || name.startsWith("/") || name.contains("\\")
                || List.of(name.split("/")).contains("..") || name.endsWith("/")) {
            throw new IllegalArgumentException("artifact name: must be a relative object key under the job "
                    + "(no leading '/', no '..', no trailing '/'), got '" + name + "'");
        }
        if (name.equals("result.json") || name.equals("attempts.json") || name.startsWith("checkpoints/")
                || name.startsWith("shards/")) {
            throw new IllegalArgumentException("artifact name: '" + name + "' is reserved for the runtime "
                    + "(use saveCheckpoint for checkpoints)");
        }
    }
}
