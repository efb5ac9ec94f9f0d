package dev.diffq.engine.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.diffq.engine.data.NpmPackageCache;
import dev.diffq.engine.eval.ClassifierManifest;
import dev.diffq.engine.eval.ClassifierStore;
import dev.diffq.engine.eval.ClassifierTrainingOptions;
import dev.diffq.engine.eval.EvaluationReport;
import dev.diffq.engine.eval.Evaluator;
import dev.diffq.engine.eval.MnistClassifier;
import dev.diffq.engine.eval.MnistData;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * {@code evaluate --samples DIR [--json] [--classifier-dir DIR]}: scores generated MNIST digits (class accuracy and
 * Fréchet distance against the test set, beside the real-digit baseline), training the classifier first when none is
 * cached.
 */
public final class EvaluateCommand {

    static final String USAGE = """
            usage: evaluate --samples DIR [--json] [--classifier-dir DIR]
              Scores generated digits: files sample_c<class>_<n>.png (class-conditional) and sample_u_<n>.png.
              --samples DIR        directory the sampler wrote
              --json               print one JSON object (progress goes to stderr)
              --classifier-dir D   where the classifier is cached (default $%s/classifier, else ~/.cache/diffq/classifier);
                                   it is trained first (a few minutes) when none is there
            Prints the class accuracy, the Fréchet distance (FD) of the classifier's 128-d features to the 10,000 MNIST
            test digits, the FD that as many real MNIST training digits reach (baseline) and FD / baseline. Each FD
            is split into the part the feature means make (digits drawn off as a whole, e.g. heavier strokes) and the
            part the covariances make; spread is the set's total feature variance over the test digits' (below 1:
            less variety than real digits), and "within classes" the same for the variety inside each class alone.
            """.formatted(ClassifierStore.CACHE_DIR_ENV);

    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT);

    /** Misread samples the text report names; the JSON report lists them all. */
    static final int MISREAD_SHOWN = 20;

    private EvaluateCommand() {
    }

    public static int run(String[] args, PrintStream out) {
        Path samples = null;
        Path classifierDir = null;
        boolean json = false;
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--samples" -> samples = Path.of(CliArgs.value(args, i++, a));
                    case "--json" -> json = true;
                    case "--classifier-dir" -> classifierDir = Path.of(CliArgs.value(args, i++, a));
                    case "-h", "--help" -> {
                        out.print(USAGE);
                        return 0;
                    }
                    default -> throw new CliArgs.UsageException("unknown argument '" + a + "'");
                }
            }
            if (samples == null) {
                throw new CliArgs.UsageException("--samples DIR is required");
            }
            if (!Files.isDirectory(samples)) {
                throw new CliArgs.UsageException("--samples: " + samples + " is not a directory");
            }
        } catch (CliArgs.UsageException e) {
            out.println("evaluate: " + e.getMessage());
            out.print(USAGE);
            return 2;
        }
        // with --json, stdout carries only the JSON object
        Consumer<String> progress = json ? System.err::println : out::println;
        try {
            ClassifierStore store = classifierDir == null ? new ClassifierStore() : new ClassifierStore(classifierDir);
            MnistData data = MnistData.load(new NpmPackageCache());
            ClassifierStore.Obtained got = store.obtain(data.train(), data.test(), data.dataId(),
                    ClassifierTrainingOptions.defaults(), ClassifierStore.Reuse.ANY, progress);
            try (MnistClassifier classifier = got.classifier()) {
                Evaluator evaluator = new Evaluator(classifier, data.test(), data.train());
                EvaluationReport report = evaluator.evaluate(samples);
                if (json) {
                    out.println(toJson(report, got.manifest()));
                } else {
                    printText(report, got.manifest(), out);
                }
            }
            return 0;
        } catch (IllegalArgumentException e) {
            out.println("evaluate: " + e.getMessage());
            return 2;
        } catch (Exception e) {
            out.println("evaluate failed: " + e.getMessage());
            return 1;
        }
    }

    static String toJson(EvaluationReport report, ClassifierManifest manifest) throws java.io.IOException {
        ObjectNode node = JSON.valueToTree(report);
        ObjectNode c = node.putObject("classifier");
        c.put("architecture", manifest.architecture());
        c.put("test_accuracy", manifest.testAccuracy());
        c.put("seed", manifest.seed());
        c.put("epochs", manifest.epochs());
        c.put("data", manifest.dataId());
        return JSON.writeValueAsString(node);
    }

    static void printText(EvaluationReport r, ClassifierManifest m, PrintStream out) {
        out.printf(Locale.ROOT, "samples: %s (%d images, %d with a single class)%n", r.samplesDir(), r.count(),
                r.labelledCount());
        if (r.classAccuracy() != null) {
            out.printf(Locale.ROOT, "class accuracy: %.4f (%d/%d)%n", r.classAccuracy(), r.correct(), r.labelledCount());
            StringBuilder per = new StringBuilder("per class:");
            for (EvaluationReport.ClassAccuracy c : r.perClass()) {
                per.append(String.format(Locale.ROOT, "  %d: %.3f (%d)", c.label(), c.accuracy(), c.count()));
            }
            out.println(per);
        } else {
            out.println("class accuracy: n/a (no sample names a single class)");
        }
        StringBuilder hist = new StringBuilder("predicted classes:");
        for (int c = 0; c < r.predictedCounts().size(); c++) {
            hist.append(' ').append(c).append(':').append(r.predictedCounts().get(c));
        }
        out.println(hist);
        out.printf(Locale.ROOT, "FD to the %d MNIST test digits: %.3f (means %.3f, covariances %.3f; spread %.2f%s)%n",
                r.referenceCount(), r.fd(), r.fdMeanTerm(), r.fd() - r.fdMeanTerm(), r.spreadRatio(),
                r.withinClassSpreadRatio() == null ? ""
                        : String.format(Locale.ROOT, ", within classes %.2f", r.withinClassSpreadRatio()));
        out.printf(Locale.ROOT,
                "real-digit baseline (%d MNIST training digits): %.3f (means %.3f, covariances %.3f; spread %.2f)%n",
                r.baselineCount(), r.baselineFd(), r.baselineFdMeanTerm(), r.baselineFd() - r.baselineFdMeanTerm(),
                r.baselineSpreadRatio());
        out.printf(Locale.ROOT, "FD / baseline: %.2f%n", r.fdRatio());
        if (!r.misread().isEmpty()) {
            StringBuilder mis = new StringBuilder("misread (file: read as):");
            int shown = Math.min(r.misread().size(), MISREAD_SHOWN);
            for (EvaluationReport.Misread m2 : r.misread().subList(0, shown)) {
                mis.append(' ').append(m2.file()).append(": ").append(m2.predicted()).append(';');
            }
            if (shown < r.misread().size()) {
                mis.append(" and ").append(r.misread().size() - shown).append(" more (--json lists all)");
            } else {
                mis.setLength(mis.length() - 1);
            }
            out.println(mis);
        }
        out.printf(Locale.ROOT, "classifier: %s, test accuracy %.4f (seed %d, %d epochs)%n", m.architecture(),
                m.testAccuracy(), m.seed(), m.epochs());
    }
}
