package dev.diffq.deploy.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;

import dev.diffq.contract.SamplingProfile;
import dev.diffq.proto.AnagramMode;
import dev.diffq.proto.GenerateMode;
import dev.diffq.proto.InpaintMode;
import dev.diffq.proto.JobRecord;
import dev.diffq.proto.JobSpec;
import dev.diffq.proto.JobState;
import dev.diffq.proto.ModelConfig;
import dev.diffq.proto.SampleSpec;
import dev.diffq.proto.TrainSpec;

/**
 * {@code bin/diffq demo}: the README's first command. Brings the local stack up when nothing answers, then, only
 * through the coordinator's API: trains mnist-small for a few minutes, samples a 10 x 8 grid of digits with
 * classifier-free guidance, inpaints a test digit whose top half is masked, draws an anagram, and downloads the
 * PNGs into ./diffq-out/.
 */
public final class DemoCommand {
    static final String USAGE = """
            usage: bin/diffq demo [--minutes M] [--out DIR] [--url URL]
              --minutes M   training time for mnist-small (default 6)
              --out DIR     where the PNGs go (default ./diffq-out)
              --url URL     coordinator (DIFFQ_URL, default http://127.0.0.1:8080); started with bin/diffq up if down
            """;

    private final PrintStream out;
    private final ClientCli cli;

    DemoCommand(PrintStream out) {
        this.out = out;
        this.cli = new ClientCli(out, System.err, System.getenv(), System.console() != null);
    }

    public static void main(String[] args) {
        System.exit(new DemoCommand(System.out).run(args));
    }

    int run(String[] args) {
        double minutes = 6;
        Path outDir = Path.of("diffq-out");
        String url = System.getenv().getOrDefault("DIFFQ_URL", ClientCli.DEFAULT_URL);
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--minutes" -> minutes = Double.parseDouble(value(args, ++i, "--minutes"));
                    case "--out" -> outDir = Path.of(value(args, ++i, "--out"));
                    case "--url" -> url = value(args, ++i, "--url");
                    case "--help", "-h" -> {
                        out.print(USAGE);
                        return 0;
                    }
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
            if (!(minutes > 0 && minutes <= 600)) {
                throw new IllegalArgumentException("--minutes must be between 0 and 600");
            }
        } catch (IllegalArgumentException e) {
            out.println("diffq demo: " + e.getMessage());
            out.print(USAGE);
            return 2;
        }
        try {
            return demo(url, minutes, outDir);
        } catch (CliException e) {
            out.println("diffq demo: " + e.getMessage());
            return e.exitCode();
        } catch (Exception e) {
            out.println("diffq demo: " + e.getMessage());
            return 1;
        }
    }

    private int demo(String url, double minutes, Path outDir) throws Exception {
        long started = System.nanoTime();
        ensureStack(url);
        CoordinatorClient c = new CoordinatorClient(url, System.getenv().getOrDefault("DIFFQ_TOKEN", ""));
        Files.createDirectories(outDir);

        out.printf("%n1/4  training mnist-small on MNIST for %.1f minutes%n", minutes);
        JobSpec train = JobSpec.newBuilder().setName("demo: mnist-small").setSeed(1).setTrain(TrainSpec.newBuilder()
                .setModel(ModelConfig.newBuilder().setPreset("mnist-small"))
                .setDataset("mnist")
                .setMaxMinutes((float) minutes)
                .setCheckpointEveryMinutes(2f)).build();
        JobRecord trained = runJob(c, train);
        String trainId = trained.getId();
        List<Path> written = new ArrayList<>();
        written.addAll(fetch(c, trainId, outDir, Map.of("samples/grid.png", "training-grid.png")));

        out.printf("%n2/4  sampling 8 of each digit 0-9 with the default sampling profile%n");
        JobSpec digits = JobSpec.newBuilder().setName("demo: digits").setSeed(2).setSample(SampleSpec.newBuilder()
                .setCheckpointJob(trainId).addAllClasses(IntStream.range(0, 10).boxed().toList()).setPerClass(8)
                .setGenerate(GenerateMode.getDefaultInstance())).build();
        JobRecord sampled = runJob(c, digits);
        written.addAll(fetch(c, sampled.getId(), outDir, Map.of("samples/grid.png", "digits-grid.png")));

        out.printf("%n3/4  inpainting the top half of an MNIST test digit%n");
        Path work = Files.createTempDirectory("diffq-demo");
        Path digit = work.resolve("digit.png");
        Path mask = work.resolve("mask.png");
        exportDigit(digit, mask);
        Files.copy(digit, outDir.resolve("inpaint-input.png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(mask, outDir.resolve("inpaint-mask.png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        written.add(outDir.resolve("inpaint-input.png"));
        written.add(outDir.resolve("inpaint-mask.png"));
        String imageId = c.uploadImage(digit).id();
        String maskId = c.uploadImage(mask).id();
        JobSpec inpaint = JobSpec.newBuilder().setName("demo: inpaint").setSeed(3).setSample(SampleSpec.newBuilder()
                .setCheckpointJob(trainId).addClasses(7).setPerClass(4)
                .setInpaint(InpaintMode.newBuilder().setImage(imageId).setMask(maskId))).build();
        JobRecord inpainted = runJob(c, inpaint);
        written.addAll(fetch(c, inpainted.getId(), outDir, Map.of("samples/grid.png", "inpaint-grid.png")));

        out.printf("%n4/4  an anagram: a 6 upright that reads as a 2 upside down%n");
        JobSpec anagram = JobSpec.newBuilder().setName("demo: anagram").setSeed(4).setSample(SampleSpec.newBuilder()
                .setCheckpointJob(trainId).setPerClass(4)
                .setAnagram(AnagramMode.newBuilder().setClassA(6).setClassB(2))).build();
        JobRecord anagrammed = runJob(c, anagram);
        written.addAll(fetch(c, anagrammed.getId(), outDir, Map.of("samples/grid.png", "anagram-grid.png",
                "samples/grid_rotated-shard-0.png", "anagram-grid-rotated.png")));

        out.printf("%ndone in %s. The pictures:%n", duration((System.nanoTime() - started) / 1e9));
        for (Path p : written) {
            out.println("  " + p.toAbsolutePath());
        }
        out.printf("Jobs: bin/diffq jobs   (the stack keeps running; stop it with bin/diffq down)%n");
        return 0;
    }

    private JobRecord runJob(CoordinatorClient c, JobSpec spec) {
        JobRecord submitted = c.submit(spec, Optional.empty(), Optional.empty());
        out.println("     job " + submitted.getId() + "  (bin/diffq watch " + submitted.getId() + ")");
        if (submitted.getSpec().hasSample()) {
            out.println("     sampling profile " + SamplingProfile.of(submitted.getSpec().getSample()).describe());
        }
        JobRecord end = cli.watch(c, submitted.getId(), false);
        if (end.getState() != JobState.SUCCEEDED) {
            throw new CliException("job " + end.getId() + " ended " + end.getState()
                    + (end.getError().isEmpty() ? "" : ": " + end.getError()), CliException.FAILED);
        }
        return end;
    }

    /** Downloads the named artifacts to {@code outDir} under new names; returns the files written. */
    private List<Path> fetch(CoordinatorClient c, String jobId, Path outDir, Map<String, String> names) {
        List<Path> files = new ArrayList<>();
        for (CoordinatorClient.ArtifactLink link : c.artifacts(jobId)) {
            String target = names.get(link.name());
            if (target != null) {
                Path file = outDir.resolve(target);
                c.download(link.url(), file);
                files.add(file);
            }
        }
        if (files.isEmpty()) {
            throw new CliException("job " + jobId + " has none of " + names.keySet(), CliException.FAILED);
        }
        return files;
    }

    /** One MNIST test digit (a 7) and a mask over its top half, written by the engine's mnist-digit command. */
    private void exportDigit(Path digit, Path mask) throws IOException, InterruptedException {
        Path diffq = Path.of(System.getenv().getOrDefault("DIFFQ_HOME", ".")).resolve("bin/diffq");
        Process p = new ProcessBuilder(diffq.toString(), "engine", "mnist-digit", "--split", "test", "--digit", "7",
                "--out", digit.toString(), "--mask", mask.toString(), "--mask-half", "top")
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new CliException("could not export an MNIST test digit: " + log.strip(), CliException.FAILED);
        }
    }

    /** Starts {@code bin/diffq up} in the background when the coordinator does not answer, and waits for it. */
    private void ensureStack(String url) throws IOException, InterruptedException {
        if (healthy(url)) {
            out.println("using the diffq stack at " + url);
            return;
        }
        URI uri = URI.create(url);
        if (!List.of("127.0.0.1", "localhost").contains(uri.getHost())) {
            throw new CliException("the coordinator at " + url + " does not answer", CliException.UNREACHABLE);
        }
        Path home = Path.of(System.getenv().getOrDefault("DIFFQ_HOME", "."));
        Path data = Path.of(System.getenv().getOrDefault("DIFFQ_DATA_DIR", ".diffq"));
        Files.createDirectories(data.resolve("logs"));
        Path log = data.resolve("logs/up.log");
        out.println("starting the local stack (bin/diffq up; log: " + log + ") ...");
        List<String> cmd = new ArrayList<>(List.of(home.resolve("bin/diffq").toString(), "up"));
        if (uri.getPort() > 0) {
            cmd.addAll(List.of("--http-port", Integer.toString(uri.getPort())));
        }
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (!healthy(url)) {
            if (System.nanoTime() > deadline) {
                throw new CliException("the local stack did not come up within 5 minutes: see " + log, CliException.FAILED);
            }
            Thread.sleep(1000);
        }
        out.println("the stack is up: " + url);
    }

    private static boolean healthy(String url) {
        try {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(url + "/q/health"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static String value(String[] args, int i, String name) {
        if (i >= args.length) {
            throw new IllegalArgumentException(name + " needs a value");
        }
        return args[i];
    }

    private static String duration(double seconds) {
        long s = Math.round(seconds);
        return String.format("%dm%02ds", s / 60, s % 60);
    }
}
