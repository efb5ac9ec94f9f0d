package dev.diffq.engine.image;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Image input/output and conversions between pictures and model space.
 *
 * <p>Model space is float in [-1, 1], channel-first (C, H, W) with C = 1 (grey) or 3 (RGB).
 * 8-bit p maps to p / 127.5 - 1, and back by round((x + 1) * 127.5) clamped to [0, 255], so an
 * 8-bit image survives the round trip exactly.
 */
public final class Images {

    private Images() {
    }

    // ---------- files ----------

    public static BufferedImage read(Path file) {
        try {
            BufferedImage img = ImageIO.read(file.toFile());
            if (img == null) {
                throw new IllegalArgumentException("not a readable image (PNG, JPEG, GIF, BMP): " + file);
            }
            return img;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read image " + file, e);
        }
    }

    public static void writePng(BufferedImage image, Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            if (!ImageIO.write(image, "png", file.toFile())) {
                throw new IllegalStateException("no PNG writer for image type " + image.getType());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write PNG " + file, e);
        }
    }

    // ---------- pixels ----------

    /**
     * Pixels as channel-first floats in [-1, 1]. Colour images become grey by Rec. 601 luma when
     * {@code channels == 1}; grey images are replicated when {@code channels == 3}. Alpha is ignored.
     */
    public static float[] toChw(BufferedImage img, int channels) {
        checkChannels(channels);
        int w = img.getWidth(), h = img.getHeight();
        float[] out = new float[channels * h * w];
        if (isPlainGrey(img)) {
            // Read grey samples directly: getRGB on a linear-grey image applies a gamma curve.
            WritableRaster r = img.getRaster();
            double max = (1 << img.getColorModel().getComponentSize(0)) - 1;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    float v = (float) (r.getSample(x, y, 0) / max * 2.0 - 1.0);
                    for (int c = 0; c < channels; c++) {
                        out[(c * h + y) * w + x] = v;
                    }
                }
            }
            return out;
        }
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = img.getRGB(x, y);
                int r = (rgb >> 16) & 0xff, g = (rgb >> 8) & 0xff, b = rgb & 0xff;
                if (channels == 1) {
                    int grey = (int) Math.round(0.299 * r + 0.587 * g + 0.114 * b);
                    out[y * w + x] = fromByte(grey);
                } else {
                    out[y * w + x] = fromByte(r);
                    out[(h + y) * w + x] = fromByte(g);
                    out[(2 * h + y) * w + x] = fromByte(b);
                }
            }
        }
        return out;
    }

    /** Channels the image is stored with: 1 for a grey image, 3 for a colour one (alpha does not count). */
    public static int channels(BufferedImage img) {
        return isPlainGrey(img) ? 1 : 3;
    }

    /** Whether every pixel is grey: a grey image, or a colour one whose red, green and blue agree everywhere. */
    public static boolean isGrey(BufferedImage img) {
        if (isPlainGrey(img)) {
            return true;
        }
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y);
                int r = (rgb >> 16) & 0xff, g = (rgb >> 8) & 0xff, b = rgb & 0xff;
                if (r != g || g != b) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Channel-first floats in [-1, 1] (values outside are clamped) as an 8-bit grey or RGB image. */
    public static BufferedImage fromChw(float[] chw, int channels, int height, int width) {
        checkChannels(channels);
        if (chw.length != channels * height * width) {
            throw new IllegalArgumentException("pixel array has " + chw.length + " values, expected "
                    + channels + "x" + height + "x" + width);
        }
        if (channels == 1) {
            BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
            WritableRaster r = img.getRaster();
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    r.setSample(x, y, 0, toByte(chw[y * width + x]));
                }
            }
            return img;
        }
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int plane = height * width;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int i = y * width + x;
                img.setRGB(x, y, (toByte(chw[i]) << 16) | (toByte(chw[plane + i]) << 8) | toByte(chw[2 * plane + i]));
            }
        }
        return img;
    }

    /** An image as a float32 (C, H, W) NDArray in [-1, 1]. */
    public static NDArray toArray(NDManager manager, BufferedImage img, int channels) {
        return manager.create(toChw(img, channels), new Shape(channels, img.getHeight(), img.getWidth()));
    }

    /** A (C, H, W) array in model space as an 8-bit image. */
    public static BufferedImage toImage(NDArray chw) {
        Shape s = chw.getShape();
        if (s.dimension() != 3) {
            throw new IllegalArgumentException("expected a (C, H, W) array, got shape " + s);
        }
        return fromChw(chw.toType(DataType.FLOAT32, false).toFloatArray(), (int) s.get(0), (int) s.get(1), (int) s.get(2));
    }

    /** Each image of an (N, C, H, W) batch as an 8-bit image. */
    public static List<BufferedImage> toImages(NDArray nchw) {
        Shape s = nchw.getShape();
        if (s.dimension() != 4) {
            throw new IllegalArgumentException("expected an (N, C, H, W) array, got shape " + s);
        }
        int n = (int) s.get(0), c = (int) s.get(1), h = (int) s.get(2), w = (int) s.get(3);
        float[] all = nchw.toType(DataType.FLOAT32, false).toFloatArray();
        int per = c * h * w;
        BufferedImage[] out = new BufferedImage[n];
        for (int i = 0; i < n; i++) {
            float[] one = new float[per];
            System.arraycopy(all, i * per, one, 0, per);
            out[i] = fromChw(one, c, h, w);
        }
        return List.of(out);
    }

    public static float fromByte(int p) {
        return p / 127.5f - 1f;
    }

    public static int toByte(float v) {
        long p = Math.round((v + 1.0) * 127.5);
        return (int) Math.max(0, Math.min(255, p));
    }

    private static boolean isPlainGrey(BufferedImage img) {
        return img.getColorModel() instanceof ComponentColorModel cm
                && cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY
                && img.getRaster().getNumBands() <= 2
                && (img.getRaster().getTransferType() == DataBuffer.TYPE_BYTE
                    || img.getRaster().getTransferType() == DataBuffer.TYPE_USHORT);
    }

    private static void checkChannels(int channels) {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels must be 1 (grey) or 3 (RGB), got " + channels);
        }
    }

    // ---------- geometry ----------

    /** The largest centred square of the image. */
    public static BufferedImage centreCrop(BufferedImage img) {
        int side = Math.min(img.getWidth(), img.getHeight());
        return crop(img, (img.getWidth() - side) / 2, (img.getHeight() - side) / 2, side, side);
    }

    public static BufferedImage crop(BufferedImage img, int x, int y, int width, int height) {
        if (x < 0 || y < 0 || width < 1 || height < 1 || x + width > img.getWidth() || y + height > img.getHeight()) {
            throw new IllegalArgumentException("crop " + width + "x" + height + " at (" + x + ", " + y
                    + ") does not fit in a " + img.getWidth() + "x" + img.getHeight() + " image");
        }
        BufferedImage out = new BufferedImage(width, height, outputType(img));
        if (isPlainGrey(img)) {
            return copyGreyExactly(img, out, x, y);
        }
        Graphics2D g = out.createGraphics();
        try {
            g.drawImage(img, -x, -y, null);
        } finally {
            g.dispose();
        }
        return out;
    }

    /**
     * Resizes with bicubic interpolation; shrinking by more than 2x first halves in steps so that every
     * source pixel contributes (plain bicubic would alias).
     */
    public static BufferedImage resize(BufferedImage img, int width, int height) {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("target size must be positive, got " + width + "x" + height);
        }
        if (img.getWidth() == width && img.getHeight() == height) {
            return img;
        }
        BufferedImage current = img;
        while (current.getWidth() / 2 >= width && current.getHeight() / 2 >= height) {
            current = scale(current, current.getWidth() / 2, current.getHeight() / 2);
        }
        return scale(current, width, height);
    }

    /** Centre-crop to a square, then resize to size x size: how datasets and input images are fitted. */
    public static BufferedImage fit(BufferedImage img, int size) {
        return resize(centreCrop(img), size, size);
    }

    private static BufferedImage scale(BufferedImage img, int width, int height) {
        // Grey images are scaled as RGB and converted back by luma, which is exact for grey content;
        // drawing directly into a linear-grey target would apply a gamma curve.
        BufferedImage rgb = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = rgb.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.drawImage(asRgb(img), 0, 0, width, height, null);
        } finally {
            g.dispose();
        }
        return isPlainGrey(img) ? fromChw(toChw(rgb, 1), 1, height, width) : rgb;
    }

    private static BufferedImage asRgb(BufferedImage img) {
        if (!isPlainGrey(img)) {
            return img;
        }
        float[] grey = toChw(img, 3);
        return fromChw(grey, 3, img.getHeight(), img.getWidth());
    }

    private static int outputType(BufferedImage img) {
        return isPlainGrey(img) ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB;
    }

    private static BufferedImage copyGreyExactly(BufferedImage src, BufferedImage out, int x, int y) {
        WritableRaster r = out.getRaster();
        double max = (1 << src.getColorModel().getComponentSize(0)) - 1;
        for (int j = 0; j < out.getHeight(); j++) {
            for (int i = 0; i < out.getWidth(); i++) {
                int v = (int) Math.round(src.getRaster().getSample(x + i, y + j, 0) / max * 255);
                r.setSample(i, j, 0, v);
            }
        }
        return out;
    }

    // ---------- composition ----------

    /**
     * Tiles images left to right, top to bottom, with {@code padding} pixels of a light grey between
     * them. All images must have the same size; the grid is grey when every image is grey.
     */
    public static BufferedImage grid(List<BufferedImage> images, int columns, int padding) {
        if (images.isEmpty()) {
            throw new IllegalArgumentException("grid needs at least one image");
        }
        if (columns < 1) {
            throw new IllegalArgumentException("grid columns must be >= 1, got " + columns);
        }
        int w = images.get(0).getWidth(), h = images.get(0).getHeight();
        for (BufferedImage im : images) {
            if (im.getWidth() != w || im.getHeight() != h) {
                throw new IllegalArgumentException("grid images must share one size: " + w + "x" + h
                        + " and " + im.getWidth() + "x" + im.getHeight());
            }
        }
        int cols = Math.min(columns, images.size());
        int rows = (images.size() + cols - 1) / cols;
        int gw = cols * w + (cols + 1) * padding, gh = rows * h + (rows + 1) * padding;
        boolean grey = images.stream().allMatch(Images::isPlainGrey);
        int channels = grey ? 1 : 3;
        float[] canvas = new float[channels * gh * gw];
        java.util.Arrays.fill(canvas, fromByte(200));
        for (int k = 0; k < images.size(); k++) {
            float[] px = toChw(images.get(k), channels);
            int ox = padding + (k % cols) * (w + padding), oy = padding + (k / cols) * (h + padding);
            for (int c = 0; c < channels; c++) {
                for (int y = 0; y < h; y++) {
                    System.arraycopy(px, (c * h + y) * w, canvas, (c * gh + oy + y) * gw + ox, w);
                }
            }
        }
        return fromChw(canvas, channels, gh, gw);
    }

    /** Nearest-neighbour upscaling by an integer factor, so small (28x28) previews are visible. */
    public static BufferedImage upscale(BufferedImage img, int factor) {
        if (factor <= 1) {
            return img;
        }
        int channels = channels(img);
        int w = img.getWidth(), h = img.getHeight(), W = w * factor, H = h * factor;
        float[] src = toChw(img, channels);
        float[] dst = new float[channels * H * W];
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < H; y++) {
                for (int x = 0; x < W; x++) {
                    dst[(c * H + y) * W + x] = src[(c * h + y / factor) * w + x / factor];
                }
            }
        }
        return fromChw(dst, channels, H, W);
    }

    /** A solid image, mainly for tests and placeholders. */
    public static BufferedImage solid(int width, int height, Color colour) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setColor(colour);
            g.fillRect(0, 0, width, height);
        } finally {
            g.dispose();
        }
        return img;
    }
}
