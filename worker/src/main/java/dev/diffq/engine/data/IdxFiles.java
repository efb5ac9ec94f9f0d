package dev.diffq.engine.data;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Reads and writes the idx format of the MNIST files: a magic number (0, 0, type 0x08 = unsigned byte,
 * number of dimensions), the dimensions as big-endian int32, then the bytes. Files ending in ".gz" are read gunzipped.
 */
public final class IdxFiles {

    private static final int UNSIGNED_BYTE = 0x08;

    private IdxFiles() {
    }

    /** An idx array of unsigned bytes. */
    public record IdxArray(int[] dims, byte[] data) {
    }

    public static IdxArray read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("idx file not found: " + file);
        }
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
             InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw) {
            DataInputStream data = new DataInputStream(in);
            int magic = data.readInt();
            int type = (magic >>> 8) & 0xFF;
            int ndims = magic & 0xFF;
            if ((magic >>> 16) != 0 || type != UNSIGNED_BYTE || ndims < 1 || ndims > 4) {
                throw new IOException(file + ": not an idx file of unsigned bytes (magic 0x"
                        + Integer.toHexString(magic) + ", expected 0x0000080N)");
            }
            int[] dims = new int[ndims];
            long total = 1;
            for (int i = 0; i < ndims; i++) {
                dims[i] = data.readInt();
                if (dims[i] < 0) {
                    throw new IOException(file + ": negative dimension " + dims[i]);
                }
                total *= dims[i];
            }
            if (total > Integer.MAX_VALUE - 8) {
                throw new IOException(file + ": too large (" + total + " bytes)");
            }
            byte[] bytes = new byte[(int) total];
            try {
                data.readFully(bytes);
            } catch (EOFException e) {
                throw new IOException(file + ": truncated, expected " + total + " data bytes after the header", e);
            }
            return new IdxArray(dims, bytes);
        }
    }

    public static void write(Path file, int[] dims, byte[] bytes) throws IOException {
        try (OutputStream raw = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            DataOutputStream out = new DataOutputStream(raw);
            out.writeInt((UNSIGNED_BYTE << 8) | dims.length);
            for (int d : dims) {
                out.writeInt(d);
            }
            out.write(bytes);
            out.flush();
        }
    }

    /**
     * Loads an images file ({@code N x H x W}) and its labels file ({@code N}) as a one-channel dataset.
     *
     * @param classNames label names; labels must lie in {@code 0..classNames.size()-1}
     */
    public static InMemoryImageDataset loadImagesAndLabels(String name, Path images, Path labels, List<String> classNames)
            throws IOException {
        IdxArray img = read(images);
        IdxArray lab = read(labels);
        if (img.dims().length != 3 || img.dims()[1] != img.dims()[2]) {
            throw new IOException(images + ": expected square images N x H x W, got dims " + java.util.Arrays.toString(img.dims()));
        }
        if (lab.dims().length != 1) {
            throw new IOException(labels + ": expected a 1-d labels array, got dims " + java.util.Arrays.toString(lab.dims()));
        }
        if (lab.dims()[0] != img.dims()[0]) {
            throw new IOException(images + " holds " + img.dims()[0] + " images but " + labels + " holds "
                    + lab.dims()[0] + " labels");
        }
        int[] labelInts = new int[lab.data().length];
        for (int i = 0; i < labelInts.length; i++) {
            labelInts[i] = lab.data()[i] & 0xFF;
            if (labelInts[i] >= classNames.size()) {
                throw new IOException(labels + ": label " + labelInts[i] + " at index " + i + " is outside 0.."
                        + (classNames.size() - 1));
            }
        }
        return new InMemoryImageDataset(name, img.data(), labelInts, classNames, 1, img.dims()[1]);
    }
}
