package dev.diffq.engine.train;

import ai.djl.Model;
import ai.djl.nn.Block;
import dev.diffq.contract.SamplingProfile;
import dev.diffq.contract.SamplingProfiles;
import dev.diffq.engine.model.UNetConfig;
import dev.diffq.engine.schedule.NoiseSchedule;
import dev.diffq.engine.schedule.Objective;

import java.nio.file.Path;
import java.util.List;

/**
 * A UNet loaded from a checkpoint, with what a sampler needs to drive it. Closing it frees the weights.
 */
public final class LoadedModel implements AutoCloseable {

    private final Path dir;
    private final Model model;
    private final Block block;
    private final TrainConfig trainConfig;
    private final Checkpoint.State state;
    private final boolean ema;
    private final SamplingProfile recommendedProfile;

    LoadedModel(Path dir, Model model, Block block, TrainConfig trainConfig, Checkpoint.State state, boolean ema,
                SamplingProfile recommendedProfile) {
        this.recommendedProfile = recommendedProfile;
        this.dir = dir;
        this.model = model;
        this.block = block;
        this.trainConfig = trainConfig;
        this.state = state;
        this.ema = ema;
    }

    /** The checkpoint directory it came from. */
    public Path dir() {
        return dir;
    }

    /** The DJL model holding the block (for predictors); its manager owns the weights. */
    public Model model() {
        return model;
    }

    /** The UNet: forward(NDList(x [N,C,H,W], t [N] float32, labels [N] int64)) -> NDList(out). */
    public Block block() {
        return block;
    }

    public UNetConfig config() {
        return trainConfig.model();
    }

    public int numClasses() {
        return trainConfig.model().numClasses();
    }

    /** The label meaning "no class" (classifier-free guidance). */
    public int nullClass() {
        return trainConfig.model().nullClass();
    }

    public String scheduleKind() {
        return trainConfig.schedule();
    }

    public int timesteps() {
        return trainConfig.timesteps();
    }

    public NoiseSchedule schedule() {
        return NoiseSchedule.create(trainConfig.schedule(), trainConfig.timesteps());
    }

    public Objective objective() {
        return Objective.parse(trainConfig.objective());
    }

    public long step() {
        return state.step();
    }

    /** Whether these are the EMA weights. */
    public boolean ema() {
        return ema;
    }

    /** Class names of the training dataset, in label order. */
    public List<String> classNames() {
        return state.classNames();
    }

    public TrainConfig trainConfig() {
        return trainConfig;
    }

    /** The sampling profile the checkpoint recorded as its model's recommended one. */
    public SamplingProfile recommendedProfile() {
        return recommendedProfile;
    }

    /**
     * The named sampling profile for this model's kind of data; null or blank = the recommended one. Throws
     * IllegalArgumentException naming the profiles for an unknown name.
     */
    public SamplingProfile samplingProfile(String name) {
        if (name == null || name.isBlank() || name.trim().equalsIgnoreCase(recommendedProfile.name())) {
            return recommendedProfile;
        }
        return SamplingProfiles.get(name, recommendedProfile.data()).orElseThrow(() -> new IllegalArgumentException(
                "unknown sampling profile '" + name.trim() + "': one of " + String.join(", ", SamplingProfiles.NAMES)));
    }

    @Override
    public void close() {
        model.close();
    }
}
