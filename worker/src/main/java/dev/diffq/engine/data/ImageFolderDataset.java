package dev.diffq.engine.data;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * A folder with one sub-folder per class of PNG/JPEG/BMP/GIF images. Class names are the sub-folder names in
 * sorted order (label i = i-th name). Each image is scaled so its shorter side is the model's image size, centre-cropped
 * to a square and converted to 1 channel (luminance) or 3 (RGB). Everything is decoded once, into memory.
 */
public final class ImageFolderDataset {

    private static final List<String> EXTENSIONS = List.of(".png", ".jpg", ".jpeg", ".bmp", ".gif");

    private ImageFolderDataset() {
    }

    public static InMemoryImageDataset load(Path folder, int imageSize, int channels) throws IOException {
        if (channels != 1 && channels != 3) {
            throw new DatasetException("image folder " + folder + ": channels must be 1 or 3, got " + channels);
        }
        if (imageSize < 4) {
            throw new DatasetException("image folder " + folder + ": image size must be at least 4, got " + imageSize);
        }
        if (!Files.isDirectory(folder)) {
            throw new DatasetException("dataset folder " + folder + " does not exist or is not a directory: "
                    + "pass a folder with one sub-folder of images per class");
        }
        if (!Files.isReadable(folder)) {
            throw new DatasetException("dataset folder " + folder + " is not readable: check its permissions");
        }
        List<Path> classDirs;
        try (Stream<Path> s = Files.list(folder)) {
            classDirs = s.filter(Files::isDirectory).filter(p -> !p.getFileName().toString().startsWith("."))
                    .sorted().toList();
        }
        if (classDirs.isEmpty()) {
            long looseImages;
            try (Stream<Path> s = Files.list(folder)) {
                looseImages = s.filter(ImageFolderDataset::isImageFile).count();
            }
            throw new DatasetException("dataset folder " + folder + " has no class sub-folders"
                    + (looseImages > 0 ? " (it holds " + looseImages + " images directly)" : "")
                    + ": put the images of each class in their own sub-folder, e.g. " + folder.resolve("cats") + "/1.png"
                    + " (one sub-folder is fine for an unconditional model)");
        }
        List<String> classNames = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (Path dir : classDirs) {
            List<Path> images;
            try (Stream<Path> s = Files.list(dir)) {
                images = s.filter(ImageFolderDataset::isImageFile).sorted().toList();
            }
            if (images.isEmpty()) {
                throw new DatasetException("class folder " + dir + " holds no images (" + String.join(", ", EXTENSIONS)
                        + "): add images or remove the folder");
            }
            int label = classNames.size();
            classNames.add(dir.getFileName().toString());
            for (Path f : images) {
                files.add(f);
                labels.add(label);
            }
        }
        int pixelsPerImage = channels * imageSize * imageSize;
        long total = (long) files.size() * pixelsPerImage;
        if (total > Integer.MAX_VALUE - 8) {
            throw new DatasetException("dataset folder " + folder + ": " + files.size() + " images at " + imageSize
                    + "x" + imageSize + "x" + channels + " do not fit in memory (" + total + " bytes); use fewer images "
                    + "or a smaller image size");
        }
        byte[] pixels = new byte[(int) total];
        int[] labelArray = new int[files.size()];
        for (int i = 0; i < files.size(); i++) {
            BufferedImage img = read(files.get(i));
            BufferedImage square = resizeAndCrop(img, imageSize);
            writePixels(square, channels, pixels, i * pixelsPerImage);
            labelArray[i] = labels.get(i);
        }
        String name = folder.toAbsolutePath().normalize().getFileName() == null ? folder.toString()
                : folder.toAbsolutePath().normalize().getFileName().toString();
        return new InMemoryImageDataset(name, pixels, labelArray, classNames, channels, imageSize);
    }

    static boolean isImageFile(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return Files.isRegularFile(p) && !n.startsWith(".") && EXTENSIONS.stream().anyMatch(n::endsWith);
    }

    private static BufferedImage read(Path file) throws IOException {
        BufferedImage img;
        try {
            img = ImageIO.read(file.toFile());
        } catch (IOException | RuntimeException e) {
            throw new DatasetException("cannot read image " + file + " (" + e.getMessage()
                    + "): replace or remove the file");
        }
        if (img == null) {
            throw new DatasetException("cannot decode image " + file + ": not a valid PNG/JPEG/BMP/GIF; replace or remove the file");
        }
        return img;
    }

    /** Scales the shorter side to {@code size} (halving first for large reductions, to avoid aliasing), then centre-crops. */
    static BufferedImage resizeAndCrop(BufferedImage src, int size) {
        BufferedImage cur = toRgb(src);
        int w = cur.getWidth();
        int h = cur.getHeight();
        double scale = (double) size / Math.min(w, h);
        int targetW = Math.max(size, (int) Math.round(w * scale));
        int targetH = Math.max(size, (int) Math.round(h * scale));
        while (cur.getWidth() / 2 >= targetW && cur.getHeight() / 2 >= targetH) {
            cur = draw(cur, cur.getWidth() / 2, cur.getHeight() / 2);
        }
        if (cur.getWidth() != targetW || cur.getHeight() != targetH) {
            cur = draw(cur, targetW, targetH);
        }
        int x0 = (targetW - size) / 2;
        int y0 = (targetH - size) / 2;
        return cur.getSubimage(x0, y0, size, size);
    }

    private static BufferedImage toRgb(BufferedImage src) {
        if (src.getType() == BufferedImage.TYPE_INT_RGB) {
            return src;
        }
        BufferedImage rgb = new BufferedImage(src.getWidth(), src.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = rgb.createGraphics();
        g.drawImage(src, 0, 0, null); // transparent pixels become black
        g.dispose();
        return rgb;
    }

    private static BufferedImage draw(BufferedImage src, int w, int h) {
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
        g.drawImage(src, 0, 0, w, h, null);
        g.dispose();
        return out;
    }

    private static void writePixels(BufferedImage img, int channels, byte[] dst, int offset) {
        int s = img.getWidth();
        for (int y = 0; y < s; y++) {
            for (int x = 0; x < s; x++) {
                int rgb = img.getRGB(x, y);
                int r = (rgb >> 16) & 0xFF;
                int g = (rgb >> 8) & 0xFF;
                int b = rgb & 0xFF;
                if (channels == 1) {
                    dst[offset + y * s + x] = (byte) Math.round(0.299 * r + 0.587 * g + 0.114 * b);
                } else {
                    dst[offset + y * s + x] = (byte) r;
                    dst[offset + s * s + y * s + x] = (byte) g;
                    dst[offset + 2 * s * s + y * s + x] = (byte) b;
                }
            }
        }
    }
}
