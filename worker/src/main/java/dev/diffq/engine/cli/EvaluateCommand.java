package dev.diffq.engine.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.diffq.engine.data.NpmPackageCache;
import dev.diffq.engine.eval.ClassifierManifest;
import dev.diffq.engine.eval.ClassifierStore;
import dev.diffq.engine.eval.ClassifierTrainingOptions;
import dev.diffq.engine.eval.EvalData;
import dev.diffq.engine.eval.EvaluationReport;
import dev.diffq.engine.eval.Evaluator;
import dev.diffq.engine.eval.MnistClassifier;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * {@code evaluate --samples DIR [--dataset NAME] [--json] [--classifier-dir DIR]}: scores generated images of a
 * dataset (class accuracy and Fréchet distance against its test split, beside the real-image baseline), training the
 * dataset's classifier first when none is cached.
 */
public final class EvaluateCommand {

    static final String USAGE = """
            usage: evaluate --samples DIR [--dataset NAME] [--json] [--classifier-dir DIR]
              Scores generated images: files sample_c<class>_<n>.png (class-conditional) and sample_u_<n>.png.
              --samples DIR        directory the sampler wrote
              --dataset NAME       the data the model learnt: %s (default %s); the samples must have
                                   its image size and channels
              --json               print one JSON object (progress goes to stderr)
              --classifier-dir D   where the dataset's classifier is cached (default $%s/classifier for mnist,
                                   classifier-NAME for the others; else under ~/.cache/diffq); it is trained first
                                   (a few minutes) when none is there
            Prints the class accuracy, the Fréchet distance (FD) of the classifier's 128-d features to the dataset's
            test images, the FD that as many real training images reach (baseline) and FD / baseline. Each FD is split
            into the part the feature means make (images drawn off as a whole, e.g. heavier strokes) and the part the
            covariances make; spread is the set's total feature variance over the test images' (below 1: less variety
            than real images), and "within classes" the same for the variety inside each class alone.
            """.formatted(String.join(", ", EvalData.names()), EvalData.DEFAULT, ClassifierStore.CACHE_DIR_ENV);

    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT);

    /** Misread samples the text report names; the JSON report lists them all. */
    static final int MISREAD_SHOWN = 20;

    private EvaluateCommand() {
    }

    public static int run(String[] args, PrintStream out) {
        Path samples = null;
        String dataset = EvalData.DEFAULT;
        Path classifierDir = null;
        boolean json = false;
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--samples" -> samples = Path.of(CliArgs.value(args, i++, a));
                    case "--dataset" -> dataset = EvalData.checkName(CliArgs.value(args, i++, a));
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
        } catch (CliArgs.UsageException | IllegalArgumentException e) {
            out.println("evaluate: " + e.getMessage());
            out.print(USAGE);
            return 2;
        }
        // with --json, stdout carries only the JSON object
        Consumer<String> progress = json ? System.err::println : out::println;
        try {
            ClassifierStore store = ClassifierStore.at(classifierDir, dataset);
            EvalData data = EvalData.load(dataset, new NpmPackageCache());
            Evaluator.checkSamples(samples, data);
            ClassifierStore.Obtained got = store.obtain(data, ClassifierTrainingOptions.defaults(),
                    ClassifierStore.Reuse.ANY, progress);
            try (MnistClassifier classifier = got.classifier()) {
                Evaluator evaluator = new Evaluator(classifier, data);
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
        out.printf(Locale.ROOT, "FD to the %d %s test images: %.3f (means %.3f, covariances %.3f; spread %.2f%s)%n",
                r.referenceCount(), r.dataset(), r.fd(), r.fdMeanTerm(), r.fd() - r.fdMeanTerm(), r.spreadRatio(),
                r.withinClassSpreadRatio() == null ? ""
                        : String.format(Locale.ROOT, ", within classes %.2f", r.withinClassSpreadRatio()));
        out.printf(Locale.ROOT,
                "real-image baseline (%d %s training images): %.3f (means %.3f, covariances %.3f; spread %.2f)%n",
                r.baselineCount(), r.dataset(), r.baselineFd(), r.baselineFdMeanTerm(),
                r.baselineFd() - r.baselineFdMeanTerm(), r.baselineSpreadRatio());
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
