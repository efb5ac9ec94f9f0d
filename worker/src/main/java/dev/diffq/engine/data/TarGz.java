package dev.diffq.engine.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Unpacks a .tgz (as {@code npm pack} writes them) with the JDK alone: ustar headers, GNU long names and pax
 * path records; only regular files and directories are extracted, and no entry may leave the target directory.
 */
public final class TarGz {

    private static final int BLOCK = 512;

    private TarGz() {
    }

    /** Extracts {@code archive} into {@code target} (created if missing); returns the number of files written. */
    public static int extract(Path archive, Path target) throws IOException {
        Files.createDirectories(target);
        Path root = target.toAbsolutePath().normalize();
        int files = 0;
        try (InputStream in = new GZIPInputStream(new BufferedInputStream(Files.newInputStream(archive), 1 << 16), 1 << 16)) {
            byte[] header = new byte[BLOCK];
            String pendingName = null;
            while (true) {
                if (!readBlock(in, header)) {
                    break; // end of stream without the two zero blocks: accept, as tar does
                }
                if (isZero(header)) {
                    break;
                }
                verifyChecksum(header, archive);
                long size = parseOctal(header, 124, 12);
                char type = (char) header[156];
                String name = pendingName != null ? pendingName : entryName(header);
                pendingName = null;
                switch (type) {
                    case 'L' -> pendingName = trimNul(new String(readData(in, size), StandardCharsets.UTF_8));
                    case 'x' -> {
                        String path = paxPath(readData(in, size));
                        if (path != null) {
                            pendingName = path;
                        }
                    }
                    case 'g' -> skip(in, padded(size));
                    case '5' -> Files.createDirectories(resolveInside(root, name, archive));
                    case '0', '\0', '7' -> {
                        Path out = resolveInside(root, name, archive);
                        Files.createDirectories(out.getParent());
                        try (OutputStream os = Files.newOutputStream(out)) {
                            copy(in, os, size);
                        }
                        skip(in, padded(size) - size);
                        files++;
                    }
                    default -> skip(in, padded(size)); // links, devices: not in npm packages; ignored
                }
            }
        }
        return files;
    }

    private static Path resolveInside(Path root, String name, Path archive) throws IOException {
        Path p = root.resolve(name).normalize();
        if (!p.startsWith(root) || name.isEmpty()) {
            throw new IOException(archive + ": entry '" + name + "' would be written outside " + root);
        }
        return p;
    }

    private static String entryName(byte[] h) {
        String name = trimNul(new String(h, 0, 100, StandardCharsets.UTF_8));
        boolean ustar = new String(h, 257, 5, StandardCharsets.US_ASCII).equals("ustar");
        if (ustar) {
            String prefix = trimNul(new String(h, 345, 155, StandardCharsets.UTF_8));
            if (!prefix.isEmpty()) {
                name = prefix + "/" + name;
            }
        }
        return name;
    }

    private static String paxPath(byte[] data) {
        // records: "<len> <key>=<value>\n"
        String s = new String(data, StandardCharsets.UTF_8);
        int i = 0;
        while (i < s.length()) {
            int space = s.indexOf(' ', i);
            if (space < 0) {
                break;
            }
            int len = Integer.parseInt(s.substring(i, space).trim());
            String record = s.substring(space + 1, Math.min(s.length(), i + len - 1));
            if (record.startsWith("path=")) {
                return record.substring(5);
            }
            i += len;
        }
        return null;
    }

    private static void verifyChecksum(byte[] h, Path archive) throws IOException {
        long stored = parseOctal(h, 148, 8);
        long sum = 0;
        for (int i = 0; i < BLOCK; i++) {
            sum += (i >= 148 && i < 156) ? ' ' : (h[i] & 0xFF);
        }
        if (sum != stored) {
            throw new IOException(archive + ": corrupt tar header (checksum " + sum + " != " + stored + ")");
        }
    }

    private static long parseOctal(byte[] h, int off, int len) {
        long v = 0;
        for (int i = off; i < off + len; i++) {
            int b = h[i];
            if (b == 0 || b == ' ') {
                if (v != 0) {
                    break;
                }
                continue;
            }
            v = v * 8 + (b - '0');
        }
        return v;
    }

    private static String trimNul(String s) {
        int z = s.indexOf('\0');
        return z >= 0 ? s.substring(0, z) : s;
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private static long padded(long size) {
        return (size + BLOCK - 1) / BLOCK * BLOCK;
    }

    private static boolean readBlock(InputStream in, byte[] block) throws IOException {
        int n = in.readNBytes(block, 0, BLOCK);
        if (n == 0) {
            return false;
        }
        if (n < BLOCK) {
            throw new EOFException("truncated tar header");
        }
        return true;
    }

    private static byte[] readData(InputStream in, long size) throws IOException {
        if (size > 1 << 20) {
            throw new IOException("tar metadata entry too large: " + size);
        }
        byte[] data = in.readNBytes((int) size);
        if (data.length < size) {
            throw new EOFException("truncated tar entry");
        }
        skip(in, padded(size) - size);
        return data;
    }

    private static void copy(InputStream in, OutputStream out, long size) throws IOException {
        byte[] buf = new byte[1 << 16];
        long left = size;
        while (left > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) {
                throw new EOFException("truncated tar entry");
            }
            out.write(buf, 0, n);
            left -= n;
        }
    }

    private static void skip(InputStream in, long n) throws IOException {
        long left = n;
        while (left > 0) {
            long s = in.skip(left);
            if (s <= 0) {
                if (in.read() < 0) {
                    throw new EOFException("truncated tar archive");
                }
                s = 1;
            }
            left -= s;
        }
    }
}
