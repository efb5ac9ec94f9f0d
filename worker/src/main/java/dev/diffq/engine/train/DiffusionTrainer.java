package dev.diffq.engine.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.diffq.engine.data.BatchIterator;
import dev.diffq.engine.data.DataOrder;
import dev.diffq.engine.data.Datasets;
import dev.diffq.engine.data.ImageDataset;
import dev.diffq.engine.data.NpmPackageCache;
import dev.diffq.engine.model.ForwardBudget;
import dev.diffq.engine.model.UNetConfig;
import dev.diffq.engine.schedule.LossKind;
import dev.diffq.engine.schedule.MinSnrWeighting;
import dev.diffq.engine.schedule.NoiseSchedule;
import dev.diffq.engine.schedule.Objective;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.UnaryOperator;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a DDPM UNet: for each optimizer step, {@code gradAccum} micro-batches of (x0, t, noise, label) are drawn,
 * the model predicts eps or v from x_t, the (Min-SNR weighted) loss is backpropagated, the global gradient norm is
 * clipped, AdamW (and {@link Muon} for the hidden weight matrices, as the config says) updates the weights and the
 * EMA follows. Every random draw comes from the seed and the step (see
 * {@link StepRandom} and {@link DataOrder}), and the optimizer state is saved in full, so a run resumed from a
 * checkpoint continues exactly as an uninterrupted one would. A run in an output directory that already holds a
 * complete checkpoint resumes from it.
 *
 * <p>Output directory: {@code checkpoints/step-<n>/}, {@code checkpoints/latest.json}, {@code metrics.jsonl}.
 */
public final class DiffusionTrainer {
    private static final Logger LOG = LoggerFactory.getLogger(DiffusionTrainer.class);
    /** Non-finite steps in a row after which a run counts as diverged and fails. */
    static final int MAX_CONSECUTIVE_SKIPS = 3;

    private final NpmPackageCache dataCache;
    private final Function<UNetConfig, Block> modelFactory;

    public DiffusionTrainer() {
        this(new NpmPackageCache());
    }

    public DiffusionTrainer(NpmPackageCache dataCache) {
        this(dataCache, ModelFactory.UNET);
    }

    public DiffusionTrainer(NpmPackageCache dataCache, Function<UNetConfig, Block> modelFactory) {
        this.dataCache = dataCache;
        this.modelFactory = modelFactory;
    }

    /** Opens {@code config.dataset()} (downloading MNIST / Fashion-MNIST into the cache if needed) and trains. */
    public TrainResult train(TrainConfig config, Path outDir, TrainListener listener) throws IOException {
        config.validate();
        ImageDataset dataset = Datasets.openForTraining(config.dataset(), config.model(), dataCache);
        return train(config, dataset, outDir, listener);
    }

    /** Trains on an already opened dataset (which must fit the model). */
    public TrainResult train(TrainConfig config, ImageDataset dataset, Path outDir, TrainListener listener)
            throws IOException {
        config.validate();
        Datasets.checkFits(dataset, config.model());
        TrainListener events = listener == null ? TrainListener.NONE : listener;
        Device device = resolveDevice(config.device());
        Files.createDirectories(outDir);
        Path root = outDir.resolve(Checkpoint.ROOT_NAME);
        Path resumeFrom = Checkpoint.latest(root);
        Checkpoint.State resumeState = null;
        if (resumeFrom != null) {
            resumeState = Checkpoint.readState(resumeFrom);
            checkCompatible(config, dataset, resumeFrom, resumeState);
        }
        try (NDManager manager = NDManager.newBaseManager(device)) {
            Run run = new Run(config, dataset, outDir, root, events, manager);
            return run.execute(resumeFrom, resumeState);
        }
    }

    /** auto | cpu | gpu | gpu:N, checked against the GPUs PyTorch can see. */
    public static Device resolveDevice(String spec) {
        String s = spec == null ? "auto" : spec.trim().toLowerCase(Locale.ROOT);
        Engine engine = Engine.getInstance();
        if (s.equals("auto")) {
            return engine.defaultDevice();
        }
        if (s.equals("cpu")) {
            return Device.cpu();
        }
        if (s.matches("gpu(:\\d+)?")) {
            int id = s.equals("gpu") ? 0 : Integer.parseInt(s.substring(4));
            int gpus = engine.getGpuCount();
            if (id >= gpus) {
                throw new IllegalArgumentException("device: " + s + " asked for, but PyTorch sees " + gpus
                        + " GPU(s) here: use cpu" + (gpus > 0 ? " or gpu:0..gpu:" + (gpus - 1) : ""));
            }
            return Device.gpu(id);
        }
        throw new IllegalArgumentException("device: must be auto, cpu, gpu or gpu:N, got '" + spec + "'");
    }

    /** A checkpoint can only continue the run it came from: same model, diffusion setup, optimizer and dataset. */
    static void checkCompatible(TrainConfig config, ImageDataset dataset, Path dir, Checkpoint.State state)
            throws IOException {
        TrainConfig saved = Checkpoint.readConfig(dir);
        List<String> diffs = new ArrayList<>();
        if (!saved.model().equals(config.model())) {
            diffs.add("model: checkpoint " + saved.model() + ", this run " + config.model());
        }
        if (!saved.schedule().equals(config.schedule())) {
            diffs.add("schedule: checkpoint " + saved.schedule() + ", this run " + config.schedule());
        }
        if (saved.timesteps() != config.timesteps()) {
            diffs.add("timesteps: checkpoint " + saved.timesteps() + ", this run " + config.timesteps());
        }
        if (!saved.objective().equals(config.objective())) {
            diffs.add("objective: checkpoint " + saved.objective() + ", this run " + config.objective());
        }
        if (!saved.optimizer().equals(config.optimizer())) {
            // the saved moments mean different things: Muon's momentum in AdamW's first-moment slot, no second moment
            diffs.add("optimizer: checkpoint " + saved.optimizer() + ", this run " + config.optimizer());
        }
        if (!state.datasetName().equals(dataset.name()) || state.datasetSize() != dataset.size()) {
            diffs.add("dataset: checkpoint '" + state.datasetName() + "' (" + state.datasetSize() + " images), this run '"
                    + dataset.name() + "' (" + dataset.size() + " images)");
        }
        if (!diffs.isEmpty()) {
            throw new IllegalArgumentException("cannot resume from " + dir + ", it was made for another setup: "
                    + String.join("; ", diffs) + ". Use the settings the checkpoint was made with, or another output folder");
        }
    }

    /** One run's mutable state. */
    private final class Run {
        private final TrainConfig config;
        private final ImageDataset dataset;
        private final Path outDir;
        private final Path root;
        private final TrainListener events;
        private final NDManager manager;
        private final Engine engine;
        private final UNetConfig modelConfig;
        private final NoiseSchedule schedule;
        private final Objective objective;
        private final LossKind lossKind;
        private final LrSchedule lrSchedule;
        private final MetricsLog metrics;
        private final BatchIterator batches;
        /** The ranges of a batch that run as one forward/backward pass each (ForwardBudget): one range when the
         * batch fits. */
        private final List<NDIndex> pieces;

        private Block model;
        private Block emaModel;
        private List<String> names;
        private List<NDArray> params;
        private List<NDArray> emaParams;
        private AdamW optimizer;
        private long step;
        private long imagesSeen;
        private double priorSeconds;
        private long sessionStartNanos;
        private double lastGradNorm;
        /** Steps whose loss or gradient was not finite: their update is skipped (as a loss scaler would). */
        private long skippedSteps;
        private int consecutiveSkips;

        Run(TrainConfig config, ImageDataset dataset, Path outDir, Path root, TrainListener events, NDManager manager) {
            this.config = config;
            this.dataset = dataset;
            this.outDir = outDir;
            this.root = root;
            this.events = events;
            this.manager = manager;
            this.engine = manager.getEngine();
            this.modelConfig = config.model();
            this.schedule = NoiseSchedule.create(config.schedule(), config.timesteps());
            this.objective = Objective.parse(config.objective());
            this.lossKind = LossKind.parse(config.loss());
            this.lrSchedule = LrSchedule.of(config);
            this.metrics = new MetricsLog(outDir);
            this.batches = new BatchIterator(dataset, config.seed(), config.randomFlip());
            this.pieces = ForwardBudget.pieces(config.batchSize(),
                    ForwardBudget.imagesPerPass(modelConfig, manager.getDevice()));
        }

        TrainResult execute(Path resumeFrom, Checkpoint.State resumeState) throws IOException {
            engine.setRandomSeed(intSeed(config.seed()));
            model = modelFactory.apply(modelConfig);
            Checkpoint.initialize(model, manager, modelConfig);
            emaModel = modelFactory.apply(modelConfig);
            Checkpoint.initialize(emaModel, manager, modelConfig);
            emaModel.freezeParameters(true);
            names = new ArrayList<>(model.getParameters().keys());
            params = model.getParameters().values().stream().map(Parameter::getArray).toList();
            emaParams = emaModel.getParameters().values().stream().map(Parameter::getArray).toList();
            Tensors.copyAll(params, emaParams);
            boolean[] muon = new boolean[params.size()];
            for (int i = 0; i < muon.length; i++) {
                muon[i] = config.optimizer().equals("muon") && Muon.appliesTo(names.get(i), params.get(i).getShape());
            }
            try (AdamW opt = new AdamW(manager, params, config.weightDecay(), config.adamBeta2(), muon)) {
                optimizer = opt;
                long resumedFrom = 0;
                if (resumeFrom != null) {
                    restore(resumeFrom, resumeState);
                    resumedFrom = step;
                    metrics.truncateAfter(step);
                } else {
                    metrics.truncateAfter(0); // lines of an earlier attempt that never checkpointed
                }
                return loop(resumeFrom, resumedFrom);
            } finally {
                optimizer = null;
            }
        }

        private void restore(Path dir, Checkpoint.State state) throws IOException {
            try (NDManager scratch = manager.newSubManager(Device.cpu())) {
                Checkpoint.restoreArrays(dir, Checkpoint.MODEL, names, params, scratch);
                Checkpoint.restoreArrays(dir, Checkpoint.EMA, names, emaParams, scratch);
                NDList m = Checkpoint.readArrays(dir, Checkpoint.OPTIMIZER_M, scratch);
                NDList v = Checkpoint.readArrays(dir, Checkpoint.OPTIMIZER_V, scratch);
                optimizer.restore(m, v, state.optimizerSteps());
            }
            step = state.step();
            imagesSeen = state.imagesSeen();
            priorSeconds = state.trainingSeconds();
            batches.seek(new DataOrder.Cursor(state.dataEpoch(), state.dataPosition()));
        }

        private TrainResult loop(Path lastCheckpoint, long resumedFrom) throws IOException {
            sessionStartNanos = System.nanoTime();
            long lastCheckpointNanos = sessionStartNanos;
            long lastCheckpointStep = resumedFrom;
            long lastSampleStep = -1;
            long sessionSteps = 0;
            double smoothedStepSeconds = Double.NaN;
            double intervalLoss = 0;
            int intervalSteps = 0;
            double lastIntervalLoss = Double.NaN;
            int imagesPerStep = config.effectiveBatchSize();
            TrainResult.Status status;
            while (true) {
                if (config.steps() > 0 && step >= config.steps()) {
                    status = TrainResult.Status.COMPLETED;
                    break;
                }
                if (config.maxMinutes() > 0 && trainingSeconds() >= config.maxMinutes() * 60) {
                    status = TrainResult.Status.TIME_LIMIT;
                    break;
                }
                if (events.isCancelled()) {
                    status = TrainResult.Status.CANCELLED;
                    break;
                }
                long t0 = System.nanoTime();
                double lr = lrSchedule.at(step, trainingSeconds());
                double loss = trainStep(lr);
                step++;
                sessionSteps++;
                imagesSeen += imagesPerStep;
                double seconds = (System.nanoTime() - t0) / 1e9;
                // the first step of a session carries one-off warm-up costs: let the second replace it
                smoothedStepSeconds = sessionSteps <= 2 ? seconds : 0.9 * smoothedStepSeconds + 0.1 * seconds;
                double imagesPerSec = imagesPerStep / smoothedStepSeconds;
                if (consecutiveSkips == 0) { // a skipped step's loss stays out of the logged mean
                    intervalLoss += loss;
                    intervalSteps++;
                }
                events.onProgress(step, totalSteps(smoothedStepSeconds), loss, imagesPerSec, eta(smoothedStepSeconds));

                if (step % config.logEverySteps() == 0 && intervalSteps > 0) {
                    lastIntervalLoss = intervalLoss / intervalSteps;
                    metrics.append(step, lastIntervalLoss, lr, lastGradNorm, imagesPerSec, trainingSeconds(), epoch());
                    intervalLoss = 0;
                    intervalSteps = 0;
                }
                boolean byStep = config.checkpointEverySteps() > 0 && step % config.checkpointEverySteps() == 0;
                boolean byTime = config.checkpointEveryMinutes() > 0
                        && System.nanoTime() - lastCheckpointNanos >= config.checkpointEveryMinutes() * 60e9;
                if (byStep || byTime) {
                    lastCheckpoint = save();
                    lastCheckpointStep = step;
                    lastCheckpointNanos = System.nanoTime();
                }
                if (config.sampleEverySteps() > 0 && step % config.sampleEverySteps() == 0) {
                    events.onSampleGrid(step, emaModel);
                    lastSampleStep = step;
                }
            }
            if (intervalSteps > 0) {
                lastIntervalLoss = intervalLoss / intervalSteps;
                metrics.append(step, lastIntervalLoss, lrSchedule.at(Math.max(0, step - 1), trainingSeconds()), lastGradNorm,
                        smoothedStepSeconds > 0 ? imagesPerStep / smoothedStepSeconds : 0, trainingSeconds(), epoch());
            }
            if (step > lastCheckpointStep || (lastCheckpoint == null && step > 0)) {
                lastCheckpoint = save();
            }
            if (status != TrainResult.Status.CANCELLED && step > 0 && lastSampleStep != step) {
                events.onSampleGrid(step, emaModel);
            }
            return new TrainResult(status, step, resumedFrom, lastIntervalLoss, lastCheckpoint, trainingSeconds(),
                    imagesSeen);
        }

        /** One optimizer step at learning rate {@code lr}; returns the mean loss over its micro-batches. */
        private double trainStep(double lr) {
            int batch = config.batchSize();
            int accum = config.gradAccum();
            int pixels = dataset.pixelsPerImage();
            boolean conditional = modelConfig.numClasses() > 0;
            double dropout = conditional ? config.labelDropout() : 0;
            double lossSum = 0;
            ParameterStore store = new ParameterStore(manager, false);
            try (NDManager stepManager = manager.newSubManager()) {
                try (GradientCollector collector = engine.newGradientCollector()) {
                    for (int micro = 0; micro < accum; micro++) {
                        BatchIterator.HostBatch host = batches.next(batch);
                        StepRandom.Draws draws = StepRandom.draw(config.seed(), step, micro, batch, pixels,
                                config.timesteps(), dropout, config.timestepShift(), config.stratifiedTimesteps());
                        if (modelConfig.dropout() > 0) {
                            // model dropout draws from the engine's generator: reseed it per micro-batch
                            engine.setRandomSeed(intSeed(StepRandom.seedFor(config.seed(), step, micro)));
                        }
                        try (NDManager mb = stepManager.newSubManager()) {
                            float[] t = new float[batch];
                            long[] labels = new long[batch];
                            for (int i = 0; i < batch; i++) {
                                t[i] = draws.timesteps()[i];
                                labels[i] = !conditional || draws.dropLabel()[i] ? modelConfig.nullClass() : host.labels()[i];
                            }
                            NDArray x0 = host.images(mb);
                            NDArray noise = mb.create(draws.noise(), x0.getShape());
                            NDArray tArray = mb.create(t);
                            NDArray labelArray = mb.create(labels);
                            // In pieces, each weighted as its share of the batch mean, so the gradient is the whole
                            // batch's.
                            boolean whole = pieces.size() == 1;
                            for (NDIndex range : pieces) {
                                UnaryOperator<NDArray> cut = whole ? a -> a : a -> a.get(range);
                                NDArray x0p = cut.apply(x0);
                                NDArray noiseP = cut.apply(noise);
                                NDArray tP = cut.apply(tArray);
                                NDArray xt = schedule.qSample(x0p, noiseP, tP);
                                NDArray pred = model.forward(store, new NDList(xt, tP, cut.apply(labelArray)), true)
                                        .singletonOrThrow();
                                NDArray target = objective.target(schedule, x0p, noiseP, tP);
                                NDArray perSample = lossKind.perSample(pred, target);
                                if (config.minSnrGamma() > 0) {
                                    perSample = perSample.mul(MinSnrWeighting.weights(schedule, tP, config.minSnrGamma(),
                                            objective));
                                }
                                NDArray loss = whole ? perSample.mean() : perSample.sum().div((float) batch);
                                collector.backward(accum == 1 ? loss : loss.div(accum));
                                lossSum += loss.getFloat();
                            }
                        }
                    }
                }
                double loss = lossSum / accum;
                if (!Double.isFinite(loss)) {
                    skip("the loss is " + loss);
                    return loss;
                }
                List<NDArray> grads = new ArrayList<>(params.size());
                for (NDArray p : params) {
                    NDArray g = p.getGradient();
                    g.attach(stepManager);
                    grads.add(g);
                }
                double norm = Tensors.clipGlobalNorm(grads, config.gradClip());
                if (!Double.isFinite(norm)) {
                    skip("the gradient norm is " + norm + " (" + nonFiniteGradients(grads) + ")");
                    return loss;
                }
                lastGradNorm = norm;
                consecutiveSkips = 0;
                optimizer.step(params, grads, lr); // also clears the gradients, which PyTorch would accumulate
                if (step < config.emaWarmupSteps()) {
                    Tensors.copyAll(params, emaParams);
                } else {
                    Tensors.emaUpdate(emaParams, params, Tensors.emaDecayAt(config.emaDecay(),
                            step - config.emaWarmupSteps()));
                }
                return loss;
            }
        }

        /**
         * Which parameters' gradients are not finite. Non-finite values spread from where
         * they arise towards the input during the backward pass, so the affected parameters nearest the output (last
         * in the model's parameter order, which follows the forward pass) point at the source: they are named first.
         * Runs only for a step that is being skipped.
         */
        private String nonFiniteGradients(List<NDArray> grads) {
            List<Integer> bad = Tensors.nonFinite(grads);
            if (bad.isEmpty()) { // the squares overflowed, the values are finite
                return "every gradient is finite, their squares overflow";
            }
            List<String> nearestOutput = new ArrayList<>();
            for (int k = bad.size() - 1; k >= 0 && nearestOutput.size() < 3; k--) {
                nearestOutput.add(names.get(bad.get(k)));
            }
            return "non-finite in " + bad.size() + " of " + grads.size() + " parameter gradients; nearest the output: "
                    + String.join(", ", nearestOutput);
        }

        /**
         * A step with a non-finite loss or gradient changes nothing: no update, no EMA, the gradients zeroed.
         * One such step in a long run (a rare spike) is survivable; several in a row mean the run diverged.
         */
        private void skip(String why) {
            skippedSteps++;
            consecutiveSkips++;
            try (NDManager scope = manager.newSubManager()) {
                for (NDArray p : params) {
                    NDArray g = p.getGradient();
                    g.attach(scope);
                    Tensors.clearGradient(g);
                }
            }
            if (consecutiveSkips >= MAX_CONSECUTIVE_SKIPS) {
                throw new IllegalStateException("training diverged at step " + (step + 1) + ": " + why + " for "
                        + consecutiveSkips + " steps in a row. Lower learning_rate (now " + config.learningRate()
                        + ") or set grad_clip");
            }
            LOG.warn("step {}: {}; update skipped ({} skipped so far)", step + 1, why, skippedSteps);
        }

        private Path save() throws IOException {
            DataOrder.Cursor cursor = batches.cursor();
            Checkpoint.State state = new Checkpoint.State(step, optimizer.stepCount(), cursor.epoch(), cursor.position(),
                    config.seed(), trainingSeconds(), imagesSeen, dataset.name(), dataset.size(), dataset.classNames());
            Path dir = Checkpoint.save(root, config, state, names, params, emaParams, optimizer);
            events.onCheckpoint(dir, step);
            return dir;
        }

        private double trainingSeconds() {
            return priorSeconds + (System.nanoTime() - sessionStartNanos) / 1e9;
        }

        private double epoch() {
            DataOrder.Cursor c = batches.cursor();
            return c.epoch() + (double) c.position() / dataset.size();
        }

        private long totalSteps(double stepSeconds) {
            if (config.steps() > 0) {
                return config.steps();
            }
            double left = config.maxMinutes() * 60 - trainingSeconds();
            return step + (long) Math.max(0, left / stepSeconds);
        }

        private double eta(double stepSeconds) {
            double byTime = config.maxMinutes() > 0 ? Math.max(0, config.maxMinutes() * 60 - trainingSeconds())
                    : Double.POSITIVE_INFINITY;
            double bySteps = config.steps() > 0 ? (config.steps() - step) * stepSeconds : Double.POSITIVE_INFINITY;
            return Math.min(byTime, bySteps);
        }
    }

    private static int intSeed(long seed) {
        return (int) (seed ^ (seed >>> 32)) & Integer.MAX_VALUE;
    }
}
