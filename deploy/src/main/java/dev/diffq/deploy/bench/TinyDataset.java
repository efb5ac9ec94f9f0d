package dev.diffq.deploy.bench;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import javax.imageio.ImageIO;

/**
 * A throw-away dataset made in code, in the upload format of {@code POST /v1/datasets/{name}}: a zip with one
 * folder per class of grayscale PNGs. Class {@code c0} is a left-to-right ramp, {@code c1} a top-to-bottom one,
 * each with a little noise, so the two classes differ and a model has something to learn.
 */
final class TinyDataset {
    private TinyDataset() {}

    static byte[] zip(int imageSize, int perClass, long seed) {
        Random random = new Random(seed);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (int c = 0; c < 2; c++) {
                for (int i = 0; i < perClass; i++) {
                    BufferedImage img = new BufferedImage(imageSize, imageSize, BufferedImage.TYPE_BYTE_GRAY);
                    for (int y = 0; y < imageSize; y++) {
                        for (int x = 0; x < imageSize; x++) {
                            int along = c == 0 ? x : y;
                            int v = along * 255 / Math.max(1, imageSize - 1) + random.nextInt(31) - 15;
                            int g = Math.max(0, Math.min(255, v));
                            img.getRaster().setSample(x, y, 0, g);
                        }
                    }
                    ByteArrayOutputStream png = new ByteArrayOutputStream();
                    ImageIO.write(img, "png", png);
                    zip.putNextEntry(new ZipEntry("c" + c + "/" + i + ".png"));
                    zip.write(png.toByteArray());
                    zip.closeEntry();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
