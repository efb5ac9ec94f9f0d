package dev.diffq.engine.model;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The shape of a UNet (docs/DESIGN.md, "UNet presets"). {@code numClasses == 0} means unconditional;
 * otherwise the class table has {@code numClasses + 1} rows and label {@code numClasses} is the null class.
 */
public record UNetConfig(
        int imageSize,
        int inChannels,
        int baseChannels,
        int[] channelMults,
        int blocksPerLevel,
        int[] attentionLevels,
        int numClasses,
        float dropout) {

    public static final List<String> PRESETS = List.of("mnist-small", "mnist-base", "rgb32", "rgb64");

    public UNetConfig {
        channelMults = channelMults.clone();
        attentionLevels = attentionLevels.clone();
    }

    public static UNetConfig preset(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "mnist-small" -> new UNetConfig(28, 1, 32, new int[] {1, 2, 2}, 2, new int[] {2}, 10, 0f);
            case "mnist-base" -> new UNetConfig(28, 1, 64, new int[] {1, 2, 2}, 2, new int[] {2}, 10, 0f);
            case "rgb32" -> new UNetConfig(32, 3, 64, new int[] {1, 2, 2, 2}, 2, new int[] {1}, 10, 0f);
            case "rgb64" -> new UNetConfig(64, 3, 64, new int[] {1, 2, 2, 4}, 2, new int[] {2}, 10, 0f);
            default -> throw new IllegalArgumentException(
                    "unknown preset '" + name + "': choose one of " + String.join(", ", PRESETS));
        };
    }

    /** Time-embedding width, 4C. */
    public int embedDim() {
        return 4 * baseChannels;
    }

    public int levels() {
        return channelMults.length;
    }

    public boolean conditional() {
        return numClasses > 0;
    }

    /** The label that means "no class" (classifier-free guidance); 0 for unconditional models. */
    public int nullClass() {
        return numClasses;
    }

    public boolean hasAttention(int level) {
        return Arrays.stream(attentionLevels).anyMatch(l -> l == level);
    }

    public UNetConfig withNumClasses(int n) {
        return new UNetConfig(imageSize, inChannels, baseChannels, channelMults, blocksPerLevel, attentionLevels, n, dropout);
    }

    public UNetConfig withImageSize(int size) {
        return new UNetConfig(size, inChannels, baseChannels, channelMults, blocksPerLevel, attentionLevels, numClasses, dropout);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UNetConfig c && imageSize == c.imageSize && inChannels == c.inChannels
                && baseChannels == c.baseChannels && Arrays.equals(channelMults, c.channelMults)
                && blocksPerLevel == c.blocksPerLevel && Arrays.equals(attentionLevels, c.attentionLevels)
                && numClasses == c.numClasses && Float.compare(dropout, c.dropout) == 0;
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(channelMults) + Arrays.hashCode(attentionLevels)
                + java.util.Objects.hash(imageSize, inChannels, baseChannels, blocksPerLevel, numClasses, dropout);
    }

    @Override
    public String toString() {
        return "UNetConfig[image=" + imageSize + ", in=" + inChannels + ", C=" + baseChannels
                + ", mults=" + Arrays.toString(channelMults) + ", blocks=" + blocksPerLevel
                + ", attn=" + Arrays.toString(attentionLevels) + ", classes=" + numClasses + ", dropout=" + dropout + "]";
    }
}
