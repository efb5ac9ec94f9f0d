package dev.diffq.engine.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.diffq.engine.model.UNetConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Everything that defines a training run. Steps are optimizer steps; each takes {@code gradAccum} micro-batches of
 * {@code batchSize} images. The run stops after {@code steps} (if > 0) or {@code maxMinutes} of training time
 * (if > 0, summed over resumes), whichever comes first.
 *
 * @param lrDecay       constant | cosine | exponential; after linear warm-up, cosine falls to 0 at {@code steps} and
 *                      exponential to 1% of the peak; both run over {@code steps}, or over {@code maxMinutes} of
 *                      training time when no step count is set
 * @param gradClip      maximum global L2 norm of the gradient (over all parameters together); 0 = off
 * @param emaDecay      EMA decay; the effective decay at EMA step k is min(emaDecay, (1 + k) / (10 + k))
 * @param emaWarmupSteps the EMA copies the weights for this many steps before it starts averaging
 * @param labelDropout  probability that a label is replaced by the null class (classifier-free guidance)
 * @param adamBeta2     AdamW's second-moment decay (beta1 stays 0.9)
 * @param optimizer     adamw | muon: muon updates the hidden layers' weight matrices with {@link Muon} and every other
 *                      parameter with AdamW, at the same learning rate
 * @param minSnrGamma   Min-SNR-gamma loss weighting; 0 = off
 * @param timestepShift how training timesteps are drawn: 1 = uniform; s > 1 shifts them towards high noise
 *                      (t = T s u / (1 + (s - 1) u), u uniform), s < 1 towards low noise
 * @param stratifiedTimesteps each batch's u are drawn one per equal stratum of [0, 1) instead of independently
 * @param device        auto | cpu | gpu | gpu:N
 */
public record TrainConfig(
        UNetConfig model,
        String dataset,
        long steps,
        double maxMinutes,
        int batchSize,
        double learningRate,
        double weightDecay,
        double adamBeta2,
        String optimizer,
        int warmupSteps,
        String lrDecay,
        double gradClip,
        double emaDecay,
        int emaWarmupSteps,
        double labelDropout,
        int gradAccum,
        String schedule,
        int timesteps,
        String objective,
        String loss,
        double minSnrGamma,
        double timestepShift,
        boolean stratifiedTimesteps,
        long seed,
        int checkpointEverySteps,
        double checkpointEveryMinutes,
        int sampleEverySteps,
        int logEverySteps,
        boolean randomFlip,
        String device) {

    public static final List<String> LR_DECAYS = List.of("constant", "cosine", "exponential");
    public static final List<String> SCHEDULES = List.of("linear", "cosine", "sigmoid");
    public static final List<String> OBJECTIVES = List.of("eps", "v");
    public static final List<String> LOSSES = List.of("l2", "l1", "huber");
    public static final List<String> OPTIMIZERS = List.of("adamw", "muon");

    public TrainConfig {
        Objects.requireNonNull(model, "model");
        lrDecay = lower(lrDecay);
        schedule = lower(schedule);
        objective = lower(objective);
        loss = lower(loss);
        optimizer = lower(optimizer);
        device = lower(device);
    }

    private static String lower(String s) {
        return s == null ? null : s.trim().toLowerCase(Locale.ROOT);
    }

    /** Builder with the defaults (tuned for the MNIST presets). */
    public static Builder builder(UNetConfig model, String dataset) {
        return new Builder(model, dataset);
    }

    public Builder toBuilder() {
        Builder b = new Builder(model, dataset);
        b.steps = steps;
        b.maxMinutes = maxMinutes;
        b.batchSize = batchSize;
        b.learningRate = learningRate;
        b.weightDecay = weightDecay;
        b.adamBeta2 = adamBeta2;
        b.optimizer = optimizer;
        b.warmupSteps = warmupSteps;
        b.lrDecay = lrDecay;
        b.gradClip = gradClip;
        b.emaDecay = emaDecay;
        b.emaWarmupSteps = emaWarmupSteps;
        b.labelDropout = labelDropout;
        b.gradAccum = gradAccum;
        b.schedule = schedule;
        b.timesteps = timesteps;
        b.objective = objective;
        b.loss = loss;
        b.minSnrGamma = minSnrGamma;
        b.timestepShift = timestepShift;
        b.stratifiedTimesteps = stratifiedTimesteps;
        b.seed = seed;
        b.checkpointEverySteps = checkpointEverySteps;
        b.checkpointEveryMinutes = checkpointEveryMinutes;
        b.sampleEverySteps = sampleEverySteps;
        b.logEverySteps = logEverySteps;
        b.randomFlip = randomFlip;
        b.device = device;
        return b;
    }

    /** Images per optimizer step. */
    public int effectiveBatchSize() {
        return batchSize * gradAccum;
    }

    /** Every rule broken, as "field: rule" lines; empty when the config is valid. */
    public List<String> violations() {
        List<String> v = new ArrayList<>();
        if (dataset == null || dataset.isBlank()) {
            v.add("dataset: must be set (mnist, fashion-mnist, emoji or a folder)");
        }
        if (steps < 0) {
            v.add("steps: must be >= 0");
        }
        if (!(maxMinutes >= 0) || Double.isInfinite(maxMinutes)) {
            v.add("max_minutes: must be a finite number >= 0");
        }
        if (steps == 0 && !(maxMinutes > 0)) {
            v.add("steps: set steps or max_minutes (at least one must be positive)");
        }
        range(v, "batch_size", batchSize, 1, 4096);
        if (!(learningRate > 0 && learningRate <= 1)) {
            v.add("learning_rate: must be in (0, 1]");
        }
        if (!(weightDecay >= 0 && weightDecay < 1)) {
            v.add("weight_decay: must be in [0, 1)");
        }
        if (!(adamBeta2 >= 0.9 && adamBeta2 < 1)) {
            v.add("adam_beta2: must be in [0.9, 1)");
        }
        if (warmupSteps < 0) {
            v.add("warmup_steps: must be >= 0");
        }
        if (!LR_DECAYS.contains(lrDecay)) {
            v.add("lr_decay: must be one of " + String.join(", ", LR_DECAYS));
        } else if (!lrDecay.equals("constant") && steps == 0 && !(maxMinutes > 0)) {
            v.add("lr_decay: " + lrDecay + " decays over the run and needs steps or max_minutes");
        }
        if (!(gradClip >= 0) || Double.isInfinite(gradClip)) {
            v.add("grad_clip: must be >= 0 (0 = off)");
        }
        if (!(emaDecay >= 0 && emaDecay < 1)) {
            v.add("ema_decay: must be in [0, 1)");
        }
        if (emaWarmupSteps < 0) {
            v.add("ema_warmup_steps: must be >= 0");
        }
        if (!(labelDropout >= 0 && labelDropout <= 1)) {
            v.add("label_dropout: must be in [0, 1]");
        }
        range(v, "grad_accum", gradAccum, 1, 1024);
        if (!SCHEDULES.contains(schedule)) {
            v.add("schedule: must be one of " + String.join(", ", SCHEDULES));
        }
        range(v, "timesteps", timesteps, 2, 100_000);
        if (!OBJECTIVES.contains(objective)) {
            v.add("objective: must be one of " + String.join(", ", OBJECTIVES));
        }
        if (!OPTIMIZERS.contains(optimizer)) {
            v.add("optimizer: must be one of " + String.join(", ", OPTIMIZERS));
        }
        if (!LOSSES.contains(loss)) {
            v.add("loss: must be one of " + String.join(", ", LOSSES));
        }
        if (!(minSnrGamma >= 0) || Double.isInfinite(minSnrGamma)) {
            v.add("min_snr_gamma: must be >= 0 (0 = off)");
        }
        if (!(timestepShift >= 0.1 && timestepShift <= 10)) {
            v.add("timestep_shift: must be in [0.1, 10] (1 = uniform timesteps)");
        }
        if (checkpointEverySteps < 0) {
            v.add("checkpoint_every_steps: must be >= 0 (0 = only at the end)");
        }
        if (!(checkpointEveryMinutes >= 0)) {
            v.add("checkpoint_every_minutes: must be >= 0 (0 = off)");
        }
        if (sampleEverySteps < 0) {
            v.add("sample_every_steps: must be >= 0 (0 = only at the end)");
        }
        range(v, "log_every_steps", logEverySteps, 1, Integer.MAX_VALUE);
        if (device == null || !device.matches("auto|cpu|gpu|gpu:\\d+")) {
            v.add("device: must be auto, cpu, gpu or gpu:N");
        }
        if (model.channelMults().length == 0) {
            v.add("model.channel_mults: must not be empty");
        }
        return v;
    }

    /** Throws {@link IllegalArgumentException} listing every violation. */
    public TrainConfig validate() {
        List<String> v = violations();
        if (!v.isEmpty()) {
            throw new IllegalArgumentException("invalid training config: " + String.join("; ", v));
        }
        return this;
    }

    private static void range(List<String> v, String field, long value, long min, long max) {
        if (value < min || value > max) {
            v.add(field + ": must be between " + min + " and " + max);
        }
    }

    // ---- JSON (snake_case, the field names of the TrainSpec message) ----

    private static final ObjectMapper JSON = new ObjectMapper();

    public ObjectNode toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.set("model", modelToJson(model));
        o.put("dataset", dataset);
        o.put("steps", steps);
        o.put("max_minutes", maxMinutes);
        o.put("batch_size", batchSize);
        o.put("learning_rate", learningRate);
        o.put("weight_decay", weightDecay);
        o.put("adam_beta2", adamBeta2);
        o.put("optimizer", optimizer);
        o.put("warmup_steps", warmupSteps);
        o.put("lr_decay", lrDecay);
        o.put("grad_clip", gradClip);
        o.put("ema_decay", emaDecay);
        o.put("ema_warmup_steps", emaWarmupSteps);
        o.put("label_dropout", labelDropout);
        o.put("grad_accum", gradAccum);
        o.put("schedule", schedule);
        o.put("timesteps", timesteps);
        o.put("objective", objective);
        o.put("loss", loss);
        o.put("min_snr_gamma", minSnrGamma);
        o.put("timestep_shift", timestepShift);
        o.put("stratified_timesteps", stratifiedTimesteps);
        o.put("seed", seed);
        o.put("checkpoint_every_steps", checkpointEverySteps);
        o.put("checkpoint_every_minutes", checkpointEveryMinutes);
        o.put("sample_every_steps", sampleEverySteps);
        o.put("log_every_steps", logEverySteps);
        o.put("random_flip", randomFlip);
        o.put("device", device);
        return o;
    }

    /** Reads {@link #toJson()} output; missing fields take the builder defaults. */
    public static TrainConfig fromJson(JsonNode o) {
        Builder b = builder(modelFromJson(o.path("model")), o.path("dataset").asText(null));
        b.steps = o.path("steps").asLong(b.steps);
        b.maxMinutes = o.path("max_minutes").asDouble(b.maxMinutes);
        b.batchSize = o.path("batch_size").asInt(b.batchSize);
        b.learningRate = o.path("learning_rate").asDouble(b.learningRate);
        b.weightDecay = o.path("weight_decay").asDouble(b.weightDecay);
        b.adamBeta2 = o.path("adam_beta2").asDouble(AdamW.PAPER_BETA2);
        // checkpoints written before the option used AdamW throughout
        b.optimizer = o.path("optimizer").asText("adamw");
        b.warmupSteps = o.has("warmup_steps") ? o.path("warmup_steps").asInt() : null;
        b.lrDecay = o.path("lr_decay").asText(null);
        b.gradClip = o.path("grad_clip").asDouble(b.gradClip);
        b.emaDecay = o.path("ema_decay").asDouble(b.emaDecay);
        b.emaWarmupSteps = o.path("ema_warmup_steps").asInt(b.emaWarmupSteps);
        b.labelDropout = o.path("label_dropout").asDouble(b.labelDropout);
        b.gradAccum = o.path("grad_accum").asInt(b.gradAccum);
        b.schedule = o.path("schedule").asText(b.schedule);
        b.timesteps = o.path("timesteps").asInt(b.timesteps);
        b.objective = o.path("objective").asText(b.objective);
        b.loss = o.path("loss").asText(b.loss);
        b.minSnrGamma = o.path("min_snr_gamma").asDouble(b.minSnrGamma);
        // checkpoints written before the option drew uniform timesteps
        b.timestepShift = o.path("timestep_shift").asDouble(1.0);
        // and independent ones
        b.stratifiedTimesteps = o.path("stratified_timesteps").asBoolean(false);
        b.seed = o.path("seed").asLong(b.seed);
        b.checkpointEverySteps = o.path("checkpoint_every_steps").asInt(b.checkpointEverySteps);
        b.checkpointEveryMinutes = o.path("checkpoint_every_minutes").asDouble(b.checkpointEveryMinutes);
        b.sampleEverySteps = o.path("sample_every_steps").asInt(b.sampleEverySteps);
        b.logEverySteps = o.path("log_every_steps").asInt(b.logEverySteps);
        b.randomFlip = o.path("random_flip").asBoolean(b.randomFlip);
        b.device = o.path("device").asText(b.device);
        return b.build();
    }

    public static ObjectNode modelToJson(UNetConfig m) {
        ObjectNode o = JSON.createObjectNode();
        o.put("image_size", m.imageSize());
        o.put("in_channels", m.inChannels());
        o.put("base_channels", m.baseChannels());
        ArrayNode mults = o.putArray("channel_mults");
        for (int x : m.channelMults()) {
            mults.add(x);
        }
        o.put("blocks_per_level", m.blocksPerLevel());
        ArrayNode attn = o.putArray("attention_levels");
        for (int x : m.attentionLevels()) {
            attn.add(x);
        }
        o.put("num_classes", m.numClasses());
        o.put("dropout", m.dropout());
        return o;
    }

    public static UNetConfig modelFromJson(JsonNode o) {
        if (o == null || !o.isObject()) {
            throw new IllegalArgumentException("model: missing from the training config");
        }
        return new UNetConfig(o.path("image_size").asInt(), o.path("in_channels").asInt(), o.path("base_channels").asInt(),
                ints(o.path("channel_mults")), o.path("blocks_per_level").asInt(), ints(o.path("attention_levels")),
                o.path("num_classes").asInt(), (float) o.path("dropout").asDouble());
    }

    private static int[] ints(JsonNode a) {
        int[] r = new int[a.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = a.get(i).asInt();
        }
        return r;
    }

    /** Mutable builder; {@link #build()} fills the defaults that depend on {@code steps}: LR decay
     * (cosine) and warm-up. The defaults match {@code dev.diffq.contract.SpecDefaults}, which fills a job's spec. */
    public static final class Builder {
        public static final int TIME_BOUND_WARMUP_STEPS = 50;
        private final UNetConfig model;
        private final String dataset;
        public long steps = 0;
        public double maxMinutes = 0;
        // batch 32 at lr 2e-3: 1.9x the optimizer steps of batch 64 on a CPU (docs/BENCHMARKS.md, "Training recipe")
        public int batchSize = 32;
        public double learningRate = 2e-3;
        public double weightDecay = 0.0;
        // 0.99: 0.999 averages over half of a short CPU run (docs/BENCHMARKS.md, "Training recipe").
        // Checkpoints written before the option read 0.999 (fromJson)
        public double adamBeta2 = 0.99;
        // muon for the hidden weight matrices, AdamW for the rest (docs/BENCHMARKS.md, "Training recipe").
        // Checkpoints written before the option read adamw (fromJson)
        public String optimizer = "muon";
        /** Null = the default: 200, but at most a tenth of {@code steps} so short runs reach the peak rate; a run
         * bounded only by time gets {@link #TIME_BOUND_WARMUP_STEPS}, since on a CPU it may last only hundreds of steps. */
        public Integer warmupSteps = null;
        /** Null = cosine (over {@code steps}, or over {@code maxMinutes} of training time when only that is set). */
        public String lrDecay = null;
        public double gradClip = 1.0;
        // 0.995: 0.999 would make a 2,000-step run's EMA lag far behind (docs/BENCHMARKS.md, "Training recipe")
        public double emaDecay = 0.995;
        public int emaWarmupSteps = 0;
        public double labelDropout = 0.1;
        public int gradAccum = 1;
        public String schedule = "cosine";
        public int timesteps = 1000;
        // v with plain L2 (no Min-SNR): see minSnrGamma
        public String objective = "v";
        public String loss = "l2";
        // 0: Min-SNR weighting starves the high-noise steps (docs/BENCHMARKS.md, "Training recipe")
        public double minSnrGamma = 0.0;
        // 2: trains the noisy steps, where a class is decided, more often (docs/BENCHMARKS.md, "Training recipe").
        // Checkpoints written before the option read 1 (fromJson)
        public double timestepShift = 2.0;
        // true: the same expected loss with less variance between batches (docs/BENCHMARKS.md, "Training recipe").
        // Checkpoints written before the option read false
        public boolean stratifiedTimesteps = true;
        public long seed = 0;
        public int checkpointEverySteps = 500;
        public double checkpointEveryMinutes = 10;
        public int sampleEverySteps = 0;
        public int logEverySteps = 10;
        public boolean randomFlip = false;
        public String device = "auto";

        private Builder(UNetConfig model, String dataset) {
            this.model = model;
            this.dataset = dataset;
        }

        public Builder steps(long v) { steps = v; return this; }
        public Builder maxMinutes(double v) { maxMinutes = v; return this; }
        public Builder batchSize(int v) { batchSize = v; return this; }
        public Builder learningRate(double v) { learningRate = v; return this; }
        public Builder weightDecay(double v) { weightDecay = v; return this; }
        public Builder adamBeta2(double v) { adamBeta2 = v; return this; }
        public Builder optimizer(String v) { optimizer = v; return this; }
        public Builder warmupSteps(Integer v) { warmupSteps = v; return this; }
        public Builder lrDecay(String v) { lrDecay = v; return this; }
        public Builder gradClip(double v) { gradClip = v; return this; }
        public Builder emaDecay(double v) { emaDecay = v; return this; }
        public Builder emaWarmupSteps(int v) { emaWarmupSteps = v; return this; }
        public Builder labelDropout(double v) { labelDropout = v; return this; }
        public Builder gradAccum(int v) { gradAccum = v; return this; }
        public Builder schedule(String v) { schedule = v; return this; }
        public Builder timesteps(int v) { timesteps = v; return this; }
        public Builder objective(String v) { objective = v; return this; }
        public Builder loss(String v) { loss = v; return this; }
        public Builder minSnrGamma(double v) { minSnrGamma = v; return this; }
        public Builder timestepShift(double v) { timestepShift = v; return this; }
        public Builder stratifiedTimesteps(boolean v) { stratifiedTimesteps = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder checkpointEverySteps(int v) { checkpointEverySteps = v; return this; }
        public Builder checkpointEveryMinutes(double v) { checkpointEveryMinutes = v; return this; }
        public Builder sampleEverySteps(int v) { sampleEverySteps = v; return this; }
        public Builder logEverySteps(int v) { logEverySteps = v; return this; }
        public Builder randomFlip(boolean v) { randomFlip = v; return this; }
        public Builder device(String v) { device = v; return this; }

        /** Builds without validating (see {@link TrainConfig#validate()}). */
        public TrainConfig build() {
            String decay = lrDecay != null ? lrDecay : "cosine";
            int warmup = warmupSteps != null ? warmupSteps
                    : (steps > 0 ? (int) Math.min(200, Math.max(1, steps / 10)) : TIME_BOUND_WARMUP_STEPS);
            return new TrainConfig(model, dataset, steps, maxMinutes, batchSize, learningRate, weightDecay, adamBeta2, optimizer, warmup,
                    decay, gradClip, emaDecay, emaWarmupSteps, labelDropout, gradAccum, schedule, timesteps, objective,
                    loss, minSnrGamma, timestepShift, stratifiedTimesteps, seed, checkpointEverySteps, checkpointEveryMinutes, sampleEverySteps,
                    logEverySteps, randomFlip, device);
        }
    }
}
