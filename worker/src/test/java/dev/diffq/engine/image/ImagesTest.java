package dev.diffq.engine.image;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageInputStream;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImagesTest {

    @TempDir
    Path dir;

    static BufferedImage greyRamp(int w, int h) {
        float[] px = new float[w * h];
        for (int i = 0; i < px.length; i++) {
            px[i] = Images.fromByte((i * 37) % 256);
        }
        return Images.fromChw(px, 1, h, w);
    }

    static BufferedImage colourPattern(int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, ((x * 40) % 256) << 16 | ((y * 50) % 256) << 8 | ((x * y * 7) % 256));
            }
        }
        return img;
    }

    @Test
    void everyByteSurvivesModelSpaceExactly() {
        for (int p = 0; p < 256; p++) {
            float v = Images.fromByte(p);
            assertTrue(v >= -1f && v <= 1f);
            assertEquals(p, Images.toByte(v));
        }
        assertEquals(0, Images.toByte(-7f));
        assertEquals(255, Images.toByte(3f));
    }

    @Test
    void greyAndRgbPngsRoundTripThroughFilesAndArrays() {
        BufferedImage grey = greyRamp(7, 5);
        BufferedImage rgb = colourPattern(6, 4);
        Path g = dir.resolve("sub/grey.png"), c = dir.resolve("rgb.png");
        Images.writePng(grey, g);
        Images.writePng(rgb, c);
        float[] greyBack = Images.toChw(Images.read(g), 1);
        assertArrayEquals(Images.toChw(grey, 1), greyBack);
        assertEquals(Images.fromByte(37), greyBack[1], 0f, "grey is read without gamma conversion");
        float[] rgbBack = Images.toChw(Images.read(c), 3);
        assertArrayEquals(Images.toChw(rgb, 3), rgbBack);
        // channel-first layout: G plane of pixel (x=1, y=2) = 2*50
        assertEquals(Images.fromByte(100), rgbBack[(1 * 4 + 2) * 6 + 1], 0f);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = Images.toArray(m, rgb, 3);
            assertEquals(new Shape(3, 4, 6), a.getShape());
            assertArrayEquals(rgbBack, Images.toChw(Images.toImage(a), 3));
            List<BufferedImage> batch = Images.toImages(a.expandDims(0).concat(a.expandDims(0)));
            assertEquals(2, batch.size());
            // grey replicated to three channels, and RGB reduced to luma
            assertArrayEquals(Images.toChw(grey, 1), java.util.Arrays.copyOfRange(Images.toChw(grey, 3), 35, 70));
            BufferedImage white = Images.solid(2, 2, Color.WHITE);
            assertEquals(1f, Images.toChw(white, 1)[0], 1e-6f);
        }
        assertThrows(IllegalArgumentException.class, () -> Images.toChw(grey, 2));
        assertThrows(IllegalArgumentException.class, () -> Images.fromChw(new float[3], 1, 2, 2));
    }

    @Test
    void channelsFollowTheFileAndIsGreyThePixels() {
        Path g = dir.resolve("grey.png"), c = dir.resolve("colour.png"), cg = dir.resolve("colour-grey.png");
        Images.writePng(greyRamp(5, 4), g);
        Images.writePng(colourPattern(5, 4), c);
        Images.writePng(Images.fromChw(Images.toChw(greyRamp(5, 4), 3), 3, 4, 5), cg);
        assertEquals(1, Images.channels(Images.read(g)));
        assertEquals(3, Images.channels(Images.read(c)));
        assertEquals(3, Images.channels(Images.read(cg)), "a colour file, however grey its pixels");
        assertTrue(Images.isGrey(Images.read(g)));
        assertTrue(Images.isGrey(Images.read(cg)));
        assertFalse(Images.isGrey(Images.read(c)));
    }

    @Test
    void gridPlacesImagesRowMajorWithPadding() {
        BufferedImage a = Images.solid(3, 2, Color.BLACK), b = Images.solid(3, 2, Color.WHITE);
        BufferedImage grid = Images.grid(List.of(a, b, b), 2, 1);
        assertEquals(2 * 3 + 3, grid.getWidth());
        assertEquals(2 * 2 + 3, grid.getHeight());
        assertEquals(0x000000, grid.getRGB(1, 1) & 0xffffff, "first image top left");
        assertEquals(0xffffff, grid.getRGB(5, 1) & 0xffffff, "second to its right");
        assertEquals(0xffffff, grid.getRGB(1, 4) & 0xffffff, "third on the next row");
        assertEquals(0xc8c8c8, grid.getRGB(0, 0) & 0xffffff, "padding");
        assertEquals(BufferedImage.TYPE_BYTE_GRAY, Images.grid(List.of(greyRamp(2, 2)), 1, 0).getType());
        assertThrows(IllegalArgumentException.class, () -> Images.grid(List.of(a, greyRamp(2, 2)), 2, 1));
    }

    @Test
    void centreCropAndResizeFitImagesToTheModel() {
        BufferedImage wide = colourPattern(40, 20);
        BufferedImage square = Images.centreCrop(wide);
        assertEquals(20, square.getWidth());
        assertEquals(20, square.getHeight());
        assertEquals(wide.getRGB(10, 3), square.getRGB(0, 3));
        BufferedImage fitted = Images.fit(wide, 8);
        assertEquals(8, fitted.getWidth());
        assertEquals(8, fitted.getHeight());
        // resizing a uniform grey image keeps it uniform, grey type and value
        float[] flat = new float[100];
        java.util.Arrays.fill(flat, Images.fromByte(77));
        BufferedImage g = Images.resize(Images.fromChw(flat, 1, 10, 10), 3, 3);
        assertEquals(BufferedImage.TYPE_BYTE_GRAY, g.getType());
        for (float v : Images.toChw(g, 1)) {
            assertEquals(Images.fromByte(77), v, 1e-6f);
        }
        BufferedImage up = Images.upscale(greyRamp(2, 2), 3);
        assertEquals(6, up.getWidth());
        assertEquals(Images.toChw(greyRamp(2, 2), 1)[3], Images.toChw(up, 1)[35], 0f);
        assertThrows(IllegalArgumentException.class, () -> Images.crop(wide, 30, 0, 20, 20));
    }

    @Test
    void animatedGifHasEveryFrameDelaysAndLoopsForever() throws Exception {
        List<BufferedImage> frames = List.of(greyRamp(8, 8), colourPattern(8, 8), Images.solid(8, 8, Color.RED));
        Path gif = dir.resolve("t.gif");
        AnimatedGif.write(frames, gif, 80, 1000);
        ImageReader reader = ImageIO.getImageReadersByFormatName("gif").next();
        try (ImageInputStream in = ImageIO.createImageInputStream(gif.toFile())) {
            reader.setInput(in);
            assertEquals(3, reader.getNumImages(true));
            String[] delays = new String[3];
            for (int i = 0; i < 3; i++) {
                IIOMetadataNode root = (IIOMetadataNode) reader.getImageMetadata(i).getAsTree("javax_imageio_gif_image_1.0");
                IIOMetadataNode gce = (IIOMetadataNode) root.getElementsByTagName("GraphicControlExtension").item(0);
                delays[i] = gce.getAttribute("delayTime");
            }
            assertArrayEquals(new String[] {"8", "8", "100"}, delays);
            BufferedImage last = reader.read(2);
            assertEquals(0xff0000, last.getRGB(4, 4) & 0xffffff);
        } finally {
            reader.dispose();
        }
        String raw = new String(Files.readAllBytes(gif), StandardCharsets.ISO_8859_1);
        assertTrue(raw.contains("NETSCAPE2.0"), "looping extension present");
    }
}
