package dev.diffq.engine.sample;

import java.util.Locale;

/** What a sampling request makes. */
public enum SampleMode {
    /** Images of the given classes (or unconditional) from noise. */
    GENERATE,
    /** Fill the white region of a mask in an input image; the black region is kept exactly. */
    INPAINT,
    /** Start from the input image noised to a strength and denoise it (SDEdit). */
    IMG2IMG,
    /** Images that read as class a upright and as class b rotated 180 degrees. */
    ANAGRAM,
    /** Images whose low frequencies show class a and whose high frequencies show class b. */
    HYBRID;

    public static SampleMode parse(String s) {
        if (s != null) {
            for (SampleMode m : values()) {
                if (m.name().equalsIgnoreCase(s.trim())) {
                    return m;
                }
            }
        }
        throw new IllegalArgumentException("unknown mode '" + s + "': choose one of generate, inpaint, img2img, anagram, hybrid");
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
