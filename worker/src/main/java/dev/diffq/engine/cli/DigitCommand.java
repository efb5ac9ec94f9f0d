package dev.diffq.engine.cli;

import java.awt.image.BufferedImage;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Set;

import dev.diffq.engine.data.InMemoryImageDataset;
import dev.diffq.engine.data.Mnist;
import dev.diffq.engine.data.NpmPackageCache;
import dev.diffq.engine.data.Split;
import dev.diffq.engine.image.Images;

/**
 * {@code diffq engine mnist-digit}: writes one MNIST digit as a PNG, and optionally a mask hiding part of it, so
 * inpainting and image-to-image can be tried on real digits (the demo uses it).
 */
public final class DigitCommand {
    private DigitCommand() {}

    static final String USAGE = """
            usage: diffq engine mnist-digit --out PNG [--split test|train] [--index N | --digit D] [--mask PNG --mask-half top|bottom|left|right]
              writes MNIST image N (or the first image of digit D) of the split as a 28x28 grey PNG; with --mask, also a
              mask PNG that is white (generate) over the chosen half and black (keep) elsewhere.
            """;

    public static int run(String[] argv, PrintStream out) {
        try {
            Args args = new Args(argv, Set.of());
            Path file = args.path("out");
            Split split = args.string("split", "test").equals("train") ? Split.TRAIN : Split.TEST;
            int digit = args.integer("digit", -1, 0, 9);
            int index = args.integer("index", 0, 0, Integer.MAX_VALUE);
            String maskPath = args.string("mask", null);
            String half = args.string("mask-half", "top");
            args.finish();
            if (!Set.of("top", "bottom", "left", "right").contains(half)) {
                throw new Args.UsageException("--mask-half must be top, bottom, left or right, got '" + half + "'");
            }
            InMemoryImageDataset ds = Mnist.load(new NpmPackageCache(), split);
            if (digit >= 0) {
                index = -1;
                for (int i = 0; i < ds.size() && index < 0; i++) {
                    if (ds.label(i) == digit) {
                        index = i;
                    }
                }
            }
            if (index >= ds.size()) {
                throw new Args.UsageException("--index must be below " + ds.size() + " for the " + split + " split");
            }
            int size = ds.imageSize();
            BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_BYTE_GRAY);
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    img.getRaster().setSample(x, y, 0, ds.pixel(index, 0, y, x));
                }
            }
            Images.writePng(img, file);
            out.printf("wrote MNIST %s image %d (digit %d) to %s%n", split.name().toLowerCase(), index, ds.label(index), file);
            if (maskPath != null) {
                BufferedImage mask = new BufferedImage(size, size, BufferedImage.TYPE_BYTE_GRAY);
                for (int y = 0; y < size; y++) {
                    for (int x = 0; x < size; x++) {
                        boolean generate = switch (half) {
                            case "top" -> y < size / 2;
                            case "bottom" -> y >= size / 2;
                            case "left" -> x < size / 2;
                            default -> x >= size / 2;
                        };
                        mask.getRaster().setSample(x, y, 0, generate ? 255 : 0);
                    }
                }
                Images.writePng(mask, Path.of(maskPath));
                out.printf("wrote a mask (white = generate the %s half) to %s%n", half, maskPath);
            }
            return 0;
        } catch (IllegalArgumentException e) {
            out.println("diffq engine mnist-digit: " + e.getMessage());
            out.print(USAGE);
            return 2;
        } catch (Exception e) {
            out.println("diffq engine mnist-digit: " + e.getMessage());
            return 1;
        }
    }
}
