package dev.diffq.contract;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The sampling profiles, per kind of data: {@code fast} (the fewest steps at full quality) and {@code best}.
 * A training run records the recommended one with its checkpoints; every sampling path (the job API, the client
 * CLI, {@code engine sample}, the demo) starts from it when the request names none. The values come from
 * measurements on each kind of data (docs/BENCHMARKS.md, "Sampling profiles"); docs/API.md has the table.
 */
public final class SamplingProfiles {
    private SamplingProfiles() {}

    public static final String FAST = "fast";
    public static final String BEST = "best";
    public static final List<String> NAMES = List.of(FAST, BEST);
    /** The profile a request gets when it names none. */
    public static final String DEFAULT = FAST;

    /** Kinds of data with profiles of their own. */
    public static final String DIGITS = "digits";
    public static final String FASHION = "fashion";
    public static final String COLOUR = "colour";

    private static final List<SamplingProfile> TABLE = List.of(
            // MNIST, 20 minutes of training: guidance only at 1 < sigma <= 4.9 and only on the low-pass of its
            // direction keeps the variety full guidance takes away (FD 1.5-2x instead of 8.8x at like accuracy)
            new SamplingProfile(FAST, DIGITS, "dpmpp-2m", 20, 3f, 1f, 4.9f, 1.5f),
            new SamplingProfile(BEST, DIGITS, "ddim", 50, 3f, 1f, 4.9f, 1.5f),
            new SamplingProfile(FAST, FASHION, "dpmpp-2m", 20, 3f, 1f, 4.9f, 1.5f),
            new SamplingProfile(BEST, FASHION, "ddim", 50, 3f, 1f, 4.9f, 1.5f),
            new SamplingProfile(FAST, COLOUR, "dpmpp-2m", 20, 3f, 1f, 4.9f, 1.5f),
            new SamplingProfile(BEST, COLOUR, "ddim", 50, 3f, 1f, 4.9f, 1.5f));

    /**
     * The kind of data a model was trained on: by the dataset's name where it is a built-in one, else by the
     * images' channels (grey images take the digits' profiles, colour images the colour ones).
     *
     * @param dataset  the training dataset as the spec or the engine names it ("mnist", "upload:x", a folder)
     * @param channels the model's input channels
     */
    public static String dataKind(String dataset, int channels) {
        String d = dataset == null ? "" : dataset.trim().toLowerCase(Locale.ROOT);
        return switch (d) {
            case "mnist" -> DIGITS;
            case "fashion-mnist" -> FASHION;
            case "emoji" -> COLOUR;
            default -> channels >= 3 ? COLOUR : DIGITS;
        };
    }

    /** The named profile for a kind of data, or empty for an unknown name. */
    public static Optional<SamplingProfile> get(String name, String dataKind) {
        String n = name == null || name.isBlank() ? DEFAULT : name.trim().toLowerCase(Locale.ROOT);
        return TABLE.stream().filter(p -> p.name().equals(n) && p.data().equals(dataKind)).findFirst();
    }

    /** The recommended profile of a model trained on {@code dataset} with {@code channels} input channels. */
    public static SamplingProfile recommended(String dataset, int channels) {
        return get(DEFAULT, dataKind(dataset, channels)).orElseThrow();
    }

    /** Every profile, for docs and listings. */
    public static List<SamplingProfile> all() {
        return TABLE;
    }
}
