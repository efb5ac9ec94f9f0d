package dev.diffq.engine.data;

import java.io.IOException;
import java.util.List;

/**
 * Emoji (32x32, RGB, 10 classes) from npm emoji-datasource-google: Noto emoji images, Apache License 2.0
 * (Google), with emoji.json from emoji-data (MIT, Cal Henderson). Work in progress: the API is fixed, loading follows.
 */
public final class Emoji {

    public static final String NAME = "emoji";
    public static final int IMAGE_SIZE = 32;
    /** The ten categories of emoji.json in its own (Unicode) order, as slugs; label i is the i-th. */
    public static final List<String> CLASS_NAMES = List.of("smileys-emotion", "people-body", "component",
            "animals-nature", "food-drink", "travel-places", "activities", "objects", "symbols", "flags");

    private Emoji() {
    }

    public static List<String> classNames() {
        return CLASS_NAMES;
    }

    public static InMemoryImageDataset load(NpmPackageCache cache, Split split) throws IOException {
        throw new UnsupportedOperationException("Emoji.load is not implemented yet");
    }
}
