package dev.diffq.contract;

import dev.diffq.proto.ModelConfig;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The UNet presets of docs/DESIGN.md ("UNet presets") as fully filled {@link ModelConfig}s, so that the contracts
 * module can fill and check a model without depending on the engine.
 */
public final class ModelPresets {
    private ModelPresets() {}

    /** Preset names a spec may use. */
    public static final List<String> NAMES = List.of("mnist-small", "mnist-base", "rgb32", "rgb64");

    /**
     * Not a preset table entry: the model is described field by field (image_size, in_channels,
     * base_channels and channel_mults are then required; attention_levels empty means no attention).
     */
    public static final String CUSTOM = "custom";

    /** The preset a training spec gets when it names none. */
    public static final String DEFAULT = "mnist-small";

    public static Optional<ModelConfig> get(String name) {
        if (name == null) {
            return Optional.empty();
        }
        return Optional.ofNullable(switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "mnist-small" -> config(name, 28, 1, 32, List.of(1, 2, 2), 2, List.of(2), 10);
            case "mnist-base" -> config(name, 28, 1, 64, List.of(1, 2, 2), 2, List.of(2), 10);
            case "rgb32" -> config(name, 32, 3, 64, List.of(1, 2, 2, 2), 2, List.of(1), 10);
            case "rgb64" -> config(name, 64, 3, 64, List.of(1, 2, 2, 4), 2, List.of(2), 10);
            default -> null;
        });
    }

    /** Every name the validator accepts, for messages. */
    public static String namesForMessage() {
        return String.join(", ", NAMES) + ", " + CUSTOM;
    }

    private static ModelConfig config(String name, int image, int in, int base, List<Integer> mults, int blocks,
                                      List<Integer> attention, int classes) {
        return ModelConfig.newBuilder()
                .setPreset(name.trim().toLowerCase(Locale.ROOT))
                .setImageSize(image)
                .setInChannels(in)
                .setBaseChannels(base)
                .addAllChannelMults(mults)
                .setBlocksPerLevel(blocks)
                .addAllAttentionLevels(attention)
                .setNumClasses(classes)
                .setDropout(0f)
                .build();
    }
}
