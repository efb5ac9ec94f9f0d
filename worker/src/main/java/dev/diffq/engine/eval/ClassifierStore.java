package dev.diffq.engine.eval;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.diffq.engine.data.Mnist;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A cached classifier of one dataset: {@code <dir>/classifier.params} and {@code <dir>/manifest.json} (written last).
 * A cached classifier is used when its manifest names this architecture, the same dataset and training data, and its
 * parameter file still has the recorded checksum; a damaged or outdated one of the same dataset is retrained over.
 * A directory holding another dataset's classifier is never used nor overwritten.
 */
public final class ClassifierStore {

    /** Environment variable that moves diffq's cache root (the classifiers live in {@code <root>/classifier*}). */
    public static final String CACHE_DIR_ENV = "DIFFQ_CACHE_DIR";
    static final String PARAMS_FILE = "classifier.params";
    static final String MANIFEST_FILE = "manifest.json";

    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .enable(SerializationFeature.INDENT_OUTPUT);

    /** How strictly a cached classifier must match the requested options. */
    public enum Reuse {
        /** Any valid cached classifier will do (evaluation). */
        ANY,
        /** Only one trained with the same seed, epochs and shift (train-classifier without --force). */
        SAME_OPTIONS,
        /** Always train a new one. */
        NEVER
    }

    /** A classifier ready for use, and whether it came from the cache. The caller closes the classifier. */
    public record Obtained(MnistClassifier classifier, ClassifierManifest manifest, boolean fromCache) {
    }

    private final Path dir;

    public ClassifierStore(Path dir) {
        this.dir = Objects.requireNonNull(dir, "dir");
    }

    /** The store in {@code dir}, or in {@code dataset}'s {@link #defaultDir} when {@code dir} is null. */
    public static ClassifierStore at(Path dir, String dataset) {
        return new ClassifierStore(dir != null ? dir : defaultDir(dataset));
    }

    /**
     * {@code <root>/classifier} for MNIST, {@code <root>/classifier-<dataset>} for the others; the root is
     * {@code $DIFFQ_CACHE_DIR}, else {@code ~/.cache/diffq}. MNIST keeps the directory it had before there were other
     * datasets, so its cached classifier is still found.
     */
    public static Path defaultDir(String dataset) {
        String env = System.getenv(CACHE_DIR_ENV);
        Path root = env != null && !env.isBlank() ? Path.of(env)
                : Path.of(System.getProperty("user.home"), ".cache", "diffq");
        return root.resolve(Mnist.NAME.equals(dataset) ? "classifier" : "classifier-" + dataset);
    }

    public Path dir() {
        return dir;
    }

    /** The manifest in the directory, whatever it describes; null when there is none or it cannot be read. */
    private ClassifierManifest readManifest() {
        Path manifestFile = dir.resolve(MANIFEST_FILE);
        if (!Files.isRegularFile(manifestFile)) {
            return null;
        }
        try {
            return JSON.readValue(manifestFile.toFile(), ClassifierManifest.class);
        } catch (IOException e) {
            return null; // unreadable: retrain over it
        }
    }

    /**
     * The manifest of a complete, intact cached classifier for {@code dataset} trained on {@code dataId}; null when
     * there is none.
     */
    public ClassifierManifest usableManifest(String dataset, String dataId) throws IOException {
        ClassifierManifest m = readManifest();
        Path params = dir.resolve(PARAMS_FILE);
        if (m == null || !Files.isRegularFile(params)) {
            return null;
        }
        boolean matches = m.format() == ClassifierManifest.FORMAT
                && ClassifierNet.ARCHITECTURE.equals(m.architecture())
                && dataset.equals(m.dataset())
                && dataId.equals(m.dataId())
                && m.featureDim() == ClassifierNet.FEATURES
                && sha256(params).equalsIgnoreCase(String.valueOf(m.paramsSha256()));
        return matches ? m : null;
    }

    /**
     * A classifier for {@code data}: the cached one when {@code reuse} allows, else one trained on its training split,
     * measured on its test split and saved here.
     *
     * @throws IllegalArgumentException when the directory holds another dataset's classifier
     */
    public Obtained obtain(EvalData data, ClassifierTrainingOptions options, Reuse reuse, Consumer<String> log)
            throws IOException {
        Consumer<String> out = log == null ? s -> { } : log;
        options.validate();
        ClassifierManifest cached = reuse == Reuse.NEVER ? null : usableManifest(data.name(), data.dataId());
        if (cached != null && (reuse == Reuse.ANY
                || (cached.seed() == options.seed() && cached.epochs() == options.epochs()
                && cached.maxShift() == options.maxShift()))) {
            MnistClassifier c = MnistClassifier.load(dir.resolve(PARAMS_FILE), cached.channels(), cached.imageSize(),
                    cached.numClasses());
            out.accept(String.format(Locale.ROOT, "using cached classifier %s (seed %d, %d epochs, test accuracy %.4f)",
                    dir, cached.seed(), cached.epochs(), cached.testAccuracy()));
            return new Obtained(c, cached, true);
        }
        ClassifierManifest other = readManifest();
        if (other != null && !other.dataset().equals(data.name())) {
            throw new IllegalArgumentException("classifier directory " + dir + " holds the " + other.dataset()
                    + " classifier; a " + data.name() + " classifier needs its own directory: leave out "
                    + "--classifier-dir for the default one, or name another");
        }
        out.accept("training the " + data.name() + " classifier (" + ClassifierNet.ARCHITECTURE + ", seed "
                + options.seed() + ", " + options.epochs() + " epochs, " + threads() + " threads) into " + dir);
        ClassifierTrainer.Trained t = ClassifierTrainer.train(data.train(), data.test(), options, out);
        try {
            ClassifierManifest m = save(t, data, options);
            return new Obtained(t.classifier(), m, false);
        } catch (IOException | RuntimeException e) {
            t.classifier().close();
            throw e;
        }
    }

    /** Writes parameters, then the manifest that vouches for them. */
    ClassifierManifest save(ClassifierTrainer.Trained t, EvalData data, ClassifierTrainingOptions o)
            throws IOException {
        Files.createDirectories(dir);
        Files.deleteIfExists(dir.resolve(MANIFEST_FILE)); // the old manifest must not vouch for new parameters
        Path tmpParams = dir.resolve(PARAMS_FILE + ".tmp");
        t.classifier().save(tmpParams);
        move(tmpParams, dir.resolve(PARAMS_FILE));
        MnistClassifier c = t.classifier();
        ClassifierManifest m = new ClassifierManifest(ClassifierManifest.FORMAT, ClassifierNet.ARCHITECTURE,
                data.name(), c.channels(), c.imageSize(), c.numClasses(), c.featureDim(), data.dataId(), o.seed(),
                o.epochs(), o.batchSize(), o.learningRate(), o.weightDecay(), o.dropout(), o.maxShift(),
                t.testAccuracy(), t.testCount(), t.steps(), Math.round(t.trainSeconds() * 10) / 10.0, threads(),
                sha256(dir.resolve(PARAMS_FILE)), Instant.now().toString());
        Path tmpManifest = dir.resolve(MANIFEST_FILE + ".tmp");
        JSON.writeValue(tmpManifest.toFile(), m);
        move(tmpManifest, dir.resolve(MANIFEST_FILE));
        return m;
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** PyTorch's intra-op thread count as configured for DJL (the default is every core). */
    static int threads() {
        String p = System.getProperty("ai.djl.pytorch.num_threads");
        if (p != null) {
            try {
                return Integer.parseInt(p.trim());
            } catch (NumberFormatException ignored) {
                // fall through to the default
            }
        }
        return Runtime.getRuntime().availableProcessors();
    }

    static String sha256(Path file) throws IOException {
        return dev.diffq.engine.data.FileDigest.hex(file, "SHA-256");
    }
}
