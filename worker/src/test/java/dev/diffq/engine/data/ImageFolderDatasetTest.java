package dev.diffq.engine.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.diffq.engine.model.UNetConfig;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderDatasetTest {

    @TempDir
    Path tmp;

    /** A w x h image: left third blue, middle third the given colour, right third green. */
    private static void writeImage(Path file, int w, int h, Color middle) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.BLUE);
        g.fillRect(0, 0, w / 3, h);
        g.setColor(middle);
        g.fillRect(w / 3, 0, w - 2 * (w / 3), h);
        g.setColor(Color.GREEN);
        g.fillRect(w - w / 3, 0, w / 3, h);
        g.dispose();
        Files.createDirectories(file.getParent());
        ImageIO.write(img, "png", file.toFile());
    }

    private Path twoClassFolder() throws IOException {
        Path root = tmp.resolve("flowers");
        writeImage(root.resolve("rose/a.png"), 90, 30, Color.RED);
        writeImage(root.resolve("rose/b.png"), 30, 30, Color.RED);
        writeImage(root.resolve("daisy/a.png"), 32, 64, Color.WHITE);
        Files.writeString(root.resolve("daisy/notes.txt"), "not an image");
        return root;
    }

    @Test
    void loadsClassesInSortedOrderResizesAndCentreCrops() throws IOException {
        InMemoryImageDataset ds = ImageFolderDataset.load(twoClassFolder(), 8, 3);
        assertEquals(List.of("daisy", "rose"), ds.classNames());
        assertEquals(3, ds.size());
        assertEquals(0, ds.label(0));
        assertEquals(1, ds.label(1));
        assertEquals(8, ds.imageSize());
        // rose/a.png is 90x30: scaled to 24x8 then the centre 8 columns are the red middle third
        for (int x = 1; x < 7; x++) {
            assertEquals(255, ds.pixel(1, 0, 4, x), "red at x=" + x);
            assertEquals(0, ds.pixel(1, 2, 4, x), "no blue at x=" + x);
        }
        // rose/b.png is square: blue on the left, green on the right
        assertEquals(255, ds.pixel(2, 2, 4, 0));
        assertEquals(255, ds.pixel(2, 1, 4, 7));
        // daisy is 32x64 (portrait): width becomes 8, all three stripes remain
        assertEquals(255, ds.pixel(0, 2, 4, 0));
    }

    @Test
    void oneChannelUsesLuminance() throws IOException {
        InMemoryImageDataset ds = ImageFolderDataset.load(twoClassFolder(), 9, 1);
        assertEquals(1, ds.channels());
        int red = ds.pixel(1, 0, 4, 4);
        assertEquals(Math.round(0.299 * 255), red, 1);
        assertEquals(255, ds.pixel(0, 0, 4, 4), 1); // white
    }

    @Test
    void badFoldersFailWithWhatAndHow() throws IOException {
        DatasetException e = assertThrows(DatasetException.class,
                () -> ImageFolderDataset.load(tmp.resolve("missing"), 8, 3));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());

        Path flat = tmp.resolve("flat");
        writeImage(flat.resolve("x.png"), 8, 8, Color.RED);
        e = assertThrows(DatasetException.class, () -> ImageFolderDataset.load(flat, 8, 3));
        assertTrue(e.getMessage().contains("no class sub-folders") && e.getMessage().contains("holds 1 images"),
                e.getMessage());

        Path emptyClass = tmp.resolve("emptyclass");
        writeImage(emptyClass.resolve("a/x.png"), 8, 8, Color.RED);
        Files.createDirectories(emptyClass.resolve("b"));
        e = assertThrows(DatasetException.class, () -> ImageFolderDataset.load(emptyClass, 8, 3));
        assertTrue(e.getMessage().contains("holds no images") && e.getMessage().contains("b"), e.getMessage());

        Path corrupt = tmp.resolve("corrupt");
        writeImage(corrupt.resolve("a/x.png"), 8, 8, Color.RED);
        Files.write(corrupt.resolve("a/y.png"), new byte[] {1, 2, 3});
        e = assertThrows(DatasetException.class, () -> ImageFolderDataset.load(corrupt, 8, 3));
        assertTrue(e.getMessage().contains("y.png"), e.getMessage());
    }

    @Test
    void datasetThatDoesNotFitTheModelFailsBeforeTraining() throws IOException {
        Path folder = twoClassFolder();
        UNetConfig tenClasses = new UNetConfig(8, 3, 8, new int[] {1, 2}, 1, new int[] {}, 10, 0f);
        DatasetException e = assertThrows(DatasetException.class,
                () -> Datasets.openForTraining(folder.toString(), tenClasses, new NpmPackageCache(tmp)));
        assertTrue(e.getMessage().contains("2 classes") && e.getMessage().contains("model.num_classes=2"), e.getMessage());

        // unconditional models take any number of classes
        ImageDataset ds = Datasets.openForTraining(folder.toString(), tenClasses.withNumClasses(0), new NpmPackageCache(tmp));
        assertEquals(3, ds.size());

        UNetConfig rgb32 = UNetConfig.preset("rgb32");
        e = assertThrows(DatasetException.class,
                () -> Datasets.openForTraining("mnist", rgb32, new NpmPackageCache(tmp, List.of("/no/npm"))));
        assertTrue(e.getMessage().contains("28x28") && e.getMessage().contains("model.image_size is 32"), e.getMessage());

        UNetConfig odd = new UNetConfig(30, 3, 8, new int[] {1, 2, 2}, 1, new int[] {}, 0, 0f);
        e = assertThrows(DatasetException.class,
                () -> Datasets.openForTraining(folder.toString(), odd, new NpmPackageCache(tmp)));
        assertTrue(e.getMessage().contains("multiple of 4"), e.getMessage());

        InMemoryImageDataset gray = ImageFolderDataset.load(folder, 8, 1);
        e = assertThrows(DatasetException.class, () -> Datasets.checkFits(gray, tenClasses.withNumClasses(2)));
        assertTrue(e.getMessage().contains("model.in_channels"), e.getMessage());
    }
}
