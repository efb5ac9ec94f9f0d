package dev.diffq.engine.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.diffq.engine.model.UNetConfig;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.StringJoiner;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmojiTest {

    @TempDir
    Path tmp;

    /**
     * A package/ tree like emoji-datasource-google's: 8 smileys (listed out of sort order), one person with two
     * skin-tone variations (one PNG missing) and three flags (one PNG missing). Every PNG is 64x64 and carries the
     * pattern of {@link #png}; its red fill outside the pattern is its id. It is placed in {@link #cache()} as an
     * unpacked copy of the pinned package, which the cache trusts without npm (as it does after a first fetch).
     */
    private Path writePackage() throws IOException {
        Path pkg = tmp.resolve("cache").resolve(NpmPackageCache.EMOJI.dirName()).resolve("package");
        Files.createDirectories(pkg.resolve(Emoji.IMAGE_DIR));
        StringJoiner entries = new StringJoiner(",", "[", "]");
        // smileys: written in reverse, sort_order puts them back as ids 10..17
        for (int k = 7; k >= 0; k--) {
            entries.add(entry("s" + k, "Smileys & Emotion", k, ""));
            png(pkg, "s" + k, 10 + k);
        }
        entries.add(entry("p", "People & Body", 20,
                ",\"skin_variations\":{\"1F3FB\":{\"image\":\"p-1.png\"},\"1F3FC\":{\"image\":\"p-2.png\"}}"));
        png(pkg, "p", 30);
        png(pkg, "p-1", 31);
        for (int k = 0; k < 3; k++) {
            entries.add(entry("f" + k, "Flags", 30 + k, ""));
        }
        png(pkg, "f0", 40);
        png(pkg, "f2", 42);
        Files.writeString(pkg.resolve("emoji.json"), entries.toString());
        Files.writeString(pkg.resolveSibling(".unpacked"), NpmPackageCache.EMOJI.sha1() + "\n");
        return pkg;
    }

    /** The cache holding {@link #writePackage()}'s tree; its npm does not exist, so a fetch would fail loudly. */
    private NpmPackageCache cache() {
        return new NpmPackageCache(tmp.resolve("cache"), List.of(tmp.resolve("no-such-npm").toString()));
    }

    private static String entry(String image, String category, int sortOrder, String more) {
        return "{\"image\":\"" + image + ".png\",\"category\":\"" + category + "\",\"sort_order\":" + sortOrder + more + "}";
    }

    /**
     * A 64x64 ARGB PNG, opaque red {@code id} elsewhere, with three 2x2 blocks in its top-left corner:
     * block (0,0) holds four opaque colours, block (0,1) is fully transparent, block (1,0) is black at alpha 128.
     */
    private static void png(Path pkg, String name, int id) throws IOException {
        BufferedImage img = new BufferedImage(64, 64, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                img.setRGB(x, y, argb(255, id, 50, 100));
            }
        }
        img.setRGB(0, 0, argb(255, 0, 200, 1));
        img.setRGB(1, 0, argb(255, 40, 100, 2));
        img.setRGB(0, 1, argb(255, 80, 0, 3));
        img.setRGB(1, 1, argb(255, 120, 0, 6));
        for (int y = 0; y < 2; y++) {
            for (int x = 2; x < 4; x++) {
                img.setRGB(x, y, argb(0, 0, 0, 0));
            }
        }
        for (int y = 2; y < 4; y++) {
            for (int x = 0; x < 2; x++) {
                img.setRGB(x, y, argb(128, 0, 0, 0));
            }
        }
        ImageIO.write(img, "png", pkg.resolve(Emoji.IMAGE_DIR).resolve(name + ".png").toFile());
    }

    private static int argb(int a, int r, int g, int b) {
        return a << 24 | r << 16 | g << 8 | b;
    }

    @Test
    void classesAreTheTenCategoriesInEmojiJsonOrder() {
        assertEquals(List.of("smileys-emotion", "people-body", "component", "animals-nature", "food-drink",
                "travel-places", "activities", "objects", "symbols", "flags"), Emoji.classNames());
        assertEquals(Emoji.CLASS_NAMES.size(), Emoji.CATEGORIES.size());
    }

    @Test
    void keepsPresentPngsInSortOrderAndSplitsEverySeventhImageOfEachClassIntoTest() throws IOException {
        Path pkg = writePackage();
        Emoji.Counts counts = Emoji.writeIdxSplits(pkg, pkg.resolveSibling("idx"));
        assertEquals(List.of(8, 2, 0, 0, 0, 0, 0, 0, 0, 2), counts.perClass());
        assertEquals(11, counts.train());
        assertEquals(1, counts.test());
        assertEquals(2, counts.missing(), "p-2.png and f1.png are not in the package");

        InMemoryImageDataset train = Emoji.load(cache(), Split.TRAIN);
        InMemoryImageDataset test = Emoji.load(cache(), Split.TEST);
        assertEquals(Emoji.NAME, train.name());
        assertEquals(3, train.channels());
        assertEquals(Emoji.IMAGE_SIZE, train.imageSize());
        assertEquals(10, train.numClasses());
        // train: smileys 0-5 and 7 by sort order, the person and its first variation, flags 0 and 2
        int[] ids = {10, 11, 12, 13, 14, 15, 17, 30, 31, 40, 42};
        int[] labels = {0, 0, 0, 0, 0, 0, 0, 1, 1, 9, 9};
        for (int i = 0; i < ids.length; i++) {
            assertEquals(ids[i], train.pixel(i, 0, 20, 20), "red fill of train image " + i);
            assertEquals(labels[i], train.label(i), "label of train image " + i);
        }
        assertEquals(1, test.size());
        assertEquals(0, test.label(0));
        assertEquals(16, test.pixel(0, 0, 20, 20), "the 7th smiley by sort order is the test image");
    }

    @Test
    void compositesOntoWhiteAndAveragesTwoByTwoBlocks() throws IOException {
        writePackage();
        InMemoryImageDataset train = Emoji.load(cache(), Split.TRAIN);
        // block (0,0): R (0+40+80+120)/4 = 60, G (200+100+0+0)/4 = 75, B (1+2+3+6)/4 = 3
        assertArrayEquals(new int[] {60, 75, 3}, rgb(train, 0, 0, 0));
        // fully transparent block: white, whatever colour the transparent pixels carry
        assertArrayEquals(new int[] {255, 255, 255}, rgb(train, 0, 0, 1));
        // black at alpha 128 over white: 255 * 127 / 255 = 127
        assertArrayEquals(new int[] {127, 127, 127}, rgb(train, 0, 1, 0));
        // an opaque block of one colour keeps it
        assertArrayEquals(new int[] {10, 50, 100}, rgb(train, 0, 1, 1));

        float[] px = new float[train.pixelsPerImage()];
        for (int i = 0; i < train.size(); i++) {
            train.copyImage(i, px, 0, false);
            for (float v : px) {
                assertTrue(v >= -1f && v <= 1f, "pixel " + v + " of image " + i + " is outside [-1, 1]");
            }
        }
        train.copyImage(0, px, 0, false);
        assertEquals(1f, px[1], 1e-6f, "white is 1");
        assertEquals(60 / 127.5f - 1f, px[0], 1e-6f);
        assertEquals(3 / 127.5f - 1f, px[2 * 32 * 32], 1e-6f, "blue plane of pixel (0,0)");
    }

    @Test
    void aSecondLoadReadsTheCacheWithoutThePngs() throws IOException {
        Path pkg = writePackage();
        InMemoryImageDataset first = Emoji.load(cache(), Split.TRAIN);
        assertTrue(Files.isRegularFile(pkg.resolveSibling("idx/.complete")));
        NpmPackageCache.deleteTree(pkg.resolve(Emoji.IMAGE_DIR));
        Files.delete(pkg.resolve("emoji.json"));
        InMemoryImageDataset second = Emoji.load(cache(), Split.TRAIN);
        assertEquals(first.size(), second.size());
        assertArrayEquals(rgb(first, 8, 1, 1), rgb(second, 8, 1, 1));
        assertEquals(first.label(8), second.label(8));
    }

    @Test
    void anUnfinishedCacheIsDecodedAgain() throws IOException {
        Path pkg = writePackage();
        Path idx = pkg.resolveSibling("idx");
        Files.createDirectories(idx);
        Files.writeString(idx.resolve("train-images-idx4-ubyte"), "half written");
        assertEquals(11, Emoji.load(cache(), Split.TRAIN).size());
        assertFalse(Files.readString(idx.resolve(".complete")).isBlank());
    }

    @Test
    void anUnknownCategoryIsReportedWithTheKnownOnes() throws IOException {
        Path pkg = writePackage();
        Files.writeString(pkg.resolve("emoji.json"), "[" + entry("s0", "Smileys & Emotion", 1, "") + ","
                + entry("x", "Extras", 2, "") + "]");
        IOException e = assertThrows(IOException.class, () -> Emoji.writeIdxSplits(pkg, tmp.resolve("idx")));
        assertTrue(e.getMessage().contains("'Extras'") && e.getMessage().contains("Smileys & Emotion"), e.getMessage());
    }

    @Test
    void aPngOfTheWrongSizeIsReported() throws IOException {
        Path pkg = writePackage();
        ImageIO.write(new BufferedImage(48, 48, BufferedImage.TYPE_INT_ARGB), "png",
                pkg.resolve(Emoji.IMAGE_DIR).resolve("s3.png").toFile());
        IOException e = assertThrows(IOException.class, () -> Emoji.writeIdxSplits(pkg, tmp.resolve("idx")));
        assertTrue(e.getMessage().contains("s3.png") && e.getMessage().contains("48x48"), e.getMessage());
    }

    @Test
    void trainsTheRgb32PresetAndRefusesAnMnistPresetBeforeLoading() throws IOException {
        writePackage();
        assertTrue(Datasets.isBuiltIn("emoji") && Datasets.isBuiltIn("Emoji"));
        ImageDataset ds = Datasets.openForTraining("emoji", UNetConfig.preset("rgb32"), cache());
        assertEquals(11, ds.size());

        // an empty cache without npm: the check must fail before any fetch is tried
        NpmPackageCache empty = new NpmPackageCache(tmp.resolve("empty"), List.of(tmp.resolve("no-such-npm").toString()));
        DatasetException e = assertThrows(DatasetException.class,
                () -> Datasets.openForTraining("emoji", UNetConfig.preset("mnist-small"), empty));
        assertTrue(e.getMessage().contains("32x32") && e.getMessage().contains("model.image_size is 28")
                && e.getMessage().contains("rgb32 preset"), e.getMessage());
        UNetConfig grey32 = new UNetConfig(32, 1, 8, new int[] {1, 2}, 1, new int[] {}, 10, 0f);
        e = assertThrows(DatasetException.class, () -> Datasets.openForTraining("emoji", grey32, empty));
        assertTrue(e.getMessage().contains("model.in_channels is 1") && e.getMessage().contains("model.in_channels=3"),
                e.getMessage());
    }

    private static int[] rgb(InMemoryImageDataset ds, int index, int y, int x) {
        return new int[] {ds.pixel(index, 0, y, x), ds.pixel(index, 1, y, x), ds.pixel(index, 2, y, x)};
    }
}
