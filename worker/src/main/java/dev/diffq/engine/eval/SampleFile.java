package dev.diffq.engine.eval;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A generated image as the sampler names it: {@code sample_c<label>_<n>.png} (class-conditional),
 * {@code sample_cu_<n>.png} (unconditional, as the sampler writes it; {@code sample_u_<n>.png} is accepted too) or {@code sample_c<a>-<b>_<n>.png} (anagrams and hybrids, which have no
 * single class). {@code label} is -1 when the image has no single class.
 */
public record SampleFile(Path path, String tag, int label, long index) {

    private static final Pattern CONDITIONAL = Pattern.compile("sample_c([^_]+)_(\\d+)\\.png");
    private static final Pattern UNCONDITIONAL = Pattern.compile("sample_c?u_(\\d+)\\.png");
    private static final Pattern SINGLE_LABEL = Pattern.compile("\\d{1,9}");
    private static final Pattern MIXED_LABEL = Pattern.compile("\\d{1,9}(-\\d{1,9})+");

    public boolean labelled() {
        return label >= 0;
    }

    /**
     * The sample named by {@code file}'s name; null for files that are not samples (grid.png, trajectory.gif, ...).
     *
     * @throws IllegalArgumentException for a {@code sample_c...} name whose class tag is not a number or a-b
     */
    public static SampleFile parse(Path file) {
        String name = file.getFileName().toString();
        Matcher u = UNCONDITIONAL.matcher(name);
        if (u.matches()) {
            return new SampleFile(file, "u", -1, parseIndex(u.group(1), name));
        }
        Matcher c = CONDITIONAL.matcher(name);
        if (!c.matches()) {
            return null;
        }
        String tag = c.group(1);
        long index = parseIndex(c.group(2), name);
        if (SINGLE_LABEL.matcher(tag).matches()) {
            return new SampleFile(file, tag, Integer.parseInt(tag), index);
        }
        if (MIXED_LABEL.matcher(tag).matches()) {
            return new SampleFile(file, tag, -1, index);
        }
        throw new IllegalArgumentException("sample file " + name + ": the class tag '" + tag
                + "' must be a class number (sample_c3_0.png) or classes joined by '-' (sample_c3-8_0.png)");
    }

    private static long parseIndex(String digits, String name) {
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("sample file " + name + ": image number " + digits + " is too large");
        }
    }
}
