package dev.diffq.engine.sample;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.diffq.engine.CancelledException;
import dev.diffq.engine.image.AnimatedGif;
import dev.diffq.engine.image.Images;
import dev.diffq.engine.schedule.NoiseSchedule;
import dev.diffq.engine.schedule.Objective;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Runs a {@link SampleRequest} in batches against a model and writes the outputs to a directory:
 * {@code sample_c<label>_<n>.png} per image (label {@code u} when unconditional, so {@code sample_cu_<n>.png};
 * {@code a-b} for anagrams and hybrids; n = global image index), {@code grid.png}, and on request {@code trajectory.gif}.
 *
 * <p>The model is only a {@link Denoiser} plus what its output means ({@link Objective}), its schedule,
 * its null class (= number of classes; 0 for unconditional) and its image shape; for {@link Autoguidance}, a second
 * (weaker) model of the same kind, given with {@link #withGuide}.
 */
public final class SamplingPipeline {

    /** Images of the first batch shown in the trajectory GIF, and the most frames it gets. */
    static final int GIF_IMAGES = 16;
    static final int GIF_MAX_FRAMES = 60;

    private final Denoiser denoiser;
    private final NoiseSchedule schedule;
    private final Objective objective;
    private final int nullClass;
    private final int channels;
    private final int imageSize;
    private final Denoiser guide;
    private final Objective guideObjective;

    public SamplingPipeline(Denoiser denoiser, NoiseSchedule schedule, Objective objective, int nullClass,
                            int channels, int imageSize) {
        this(denoiser, schedule, objective, nullClass, channels, imageSize, null, null);
    }

    private SamplingPipeline(Denoiser denoiser, NoiseSchedule schedule, Objective objective, int nullClass,
                             int channels, int imageSize, Denoiser guide, Objective guideObjective) {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels must be 1 or 3, got " + channels);
        }
        if (imageSize < 1) {
            throw new IllegalArgumentException("imageSize must be >= 1, got " + imageSize);
        }
        this.denoiser = denoiser;
        this.schedule = schedule;
        this.objective = objective;
        this.nullClass = nullClass;
        this.channels = channels;
        this.imageSize = imageSize;
        this.guide = guide;
        this.guideObjective = guideObjective;
    }

    /**
     * This pipeline with a guide model for requests with a guide weight other than 1: it must use this pipeline's
     * noise schedule, image shape and classes (the caller checks; see {@link Autoguidance}).
     */
    public SamplingPipeline withGuide(Denoiser guide, Objective guideObjective) {
        if (guide == null || guideObjective == null) {
            throw new IllegalArgumentException("a guide model needs its denoiser and objective");
        }
        return new SamplingPipeline(denoiser, schedule, objective, nullClass, channels, imageSize, guide, guideObjective);
    }

    public SampleResult run(SampleRequest req, Path outDir, NDManager manager, ProgressListener progress,
                            BooleanSupplier cancelled) {
        long started = System.currentTimeMillis();
        req.validate(schedule.timesteps(), nullClass);
        if (req.guideWeight() != 1 && guide == null) {
            throw new IllegalArgumentException("guideWeight " + req.guideWeight()
                    + " needs a guide model (a weaker checkpoint of the same data, e.g. an early step of the same run); "
                    + "give one or set guideWeight to 1");
        }
        ProgressListener prog = progress == null ? ProgressListener.NONE : progress;
        BooleanSupplier cancel = cancelled == null ? () -> false : cancelled;
        int count = req.count();
        int batches = (count + req.batchSize() - 1) / req.batchSize();
        int[] timesteps = req.spacing().timesteps(schedule.timesteps(), req.resolvedSteps(schedule.timesteps()));
        if (req.mode() == SampleMode.IMG2IMG) {
            timesteps = ReverseProcess.img2imgTimesteps(timesteps, req.strength());
        }
        int perBatch = req.mode() == SampleMode.INPAINT
                ? ReverseProcess.evaluations(ReverseProcess.levelSchedule(timesteps.length, req.jumpLength(), req.resample()))
                : timesteps.length;
        long total = (long) perBatch * batches;
        NoiseSource noise = new NoiseSource(req.seed());
        Shape imageShape = new Shape(channels, imageSize, imageSize);

        List<SampleResult.GeneratedImage> written = new ArrayList<>();
        List<BufferedImage> pictures = new ArrayList<>();
        List<BufferedImage> frames = new ArrayList<>();
        long evaluations = 0;
        try (NDManager requestScope = manager.newSubManager()) {
            NDArray inputImage = null, mask = null;
            if (req.mode() == SampleMode.INPAINT || req.mode() == SampleMode.IMG2IMG) {
                inputImage = loadImage(requestScope, req.image());
            }
            if (req.mode() == SampleMode.INPAINT) {
                mask = loadMask(requestScope, req.mask());
            }
            for (int b = 0; b < batches; b++) {
                if (cancel.getAsBoolean()) {
                    throw new CancelledException("sampling cancelled after " + b + " of " + batches + " batches");
                }
                int n = Math.min(req.batchSize(), count - b * req.batchSize());
                long[] indices = new long[n];
                for (int i = 0; i < n; i++) {
                    indices[i] = req.firstImageIndex() + (long) b * req.batchSize() + i;
                }
                long doneBefore = (long) b * perBatch;
                StepListener listener = (step, steps, t, x, x0) -> prog.onProgress(doneBefore + step, total);
                if (b == 0 && req.trajectoryGif()) {
                    int stride = Math.max(1, (perBatch + GIF_MAX_FRAMES - 1) / GIF_MAX_FRAMES);
                    StepListener progressOnly = listener;
                    listener = (step, steps, t, x, x0) -> {
                        progressOnly.onStep(step, steps, t, x, x0);
                        if (step % stride == 0 && step != steps) {
                            frames.add(gifFrame(x));
                        }
                    };
                }
                try (NDManager batchScope = requestScope.newSubManager()) {
                    GuidedEstimator estimator = estimator(req, indices);
                    Sampler sampler = req.sampler().create(schedule, req.eta());
                    NDArray x = switch (req.mode()) {
                        case IMG2IMG -> timesteps.length == 0
                                ? noise.batch(batchScope, indices, NoiseSource.INITIAL, imageShape).zerosLike().add(inputImage)
                                : ReverseProcess.noised(inputImage, timesteps[0], noise, indices, sampler, batchScope);
                        default -> noise.batch(batchScope, indices, NoiseSource.INITIAL, imageShape);
                    };
                    if (b == 0 && req.trajectoryGif()) {
                        frames.add(gifFrame(x));
                    }
                    ReverseProcess.Inpainting inpainting = req.mode() == SampleMode.INPAINT
                            ? new ReverseProcess.Inpainting(inputImage, mask, req.jumpLength(), req.resample())
                            : null;
                    NDArray out = ReverseProcess.run(sampler, x, timesteps, estimator, noise, indices, inpainting, listener, cancel);
                    evaluations += estimator.forwardCalls();
                    List<BufferedImage> images = Images.toImages(out.clip(-1f, 1f));
                    if (b == 0 && req.trajectoryGif()) {
                        frames.add(gifFrame(out));
                    }
                    for (int i = 0; i < n; i++) {
                        String tag = req.labelTag(indices[i]);
                        Path file = outDir.resolve(fileName(tag, indices[i]));
                        Images.writePng(images.get(i), file);
                        written.add(new SampleResult.GeneratedImage(indices[i], tag, file));
                        pictures.add(images.get(i));
                    }
                }
            }
        }
        Path grid = outDir.resolve("grid.png");
        Images.writePng(Images.grid(pictures, gridColumns(req, pictures.size()), 2), grid);
        List<Path> extras = new ArrayList<>();
        if (req.mode() == SampleMode.ANAGRAM) {
            Path rotated = outDir.resolve("grid_rotated.png");
            List<BufferedImage> flipped = pictures.stream().map(SamplingPipeline::rotate180).toList();
            Images.writePng(Images.grid(flipped, gridColumns(req, flipped.size()), 2), rotated);
            extras.add(rotated);
        }
        Path gif = null;
        if (req.trajectoryGif()) {
            gif = outDir.resolve("trajectory.gif");
            AnimatedGif.write(frames, gif, 80, 1500);
        }
        return new SampleResult(written, grid, gif, extras, evaluations, System.currentTimeMillis() - started);
    }

    /** sample_c&lt;label&gt;_&lt;n&gt;.png: e.g. sample_c3_17.png, sample_cu_0.png, sample_c3-8_2.png. */
    public static String fileName(String labelTag, long imageIndex) {
        return "sample_c" + labelTag + "_" + imageIndex + ".png";
    }

    private GuidedEstimator estimator(SampleRequest req, long[] indices) {
        X0Processing x0 = new X0Processing(req.clipX0(), req.dynamicThreshold());
        int n = indices.length;
        GuidedEstimator plain = switch (req.mode()) {
            case ANAGRAM -> GuidedEstimator.anagram(denoiser, schedule, objective, nullClass, n,
                    req.classA(), req.classB(), req.guidance(), x0);
            case HYBRID -> GuidedEstimator.hybrid(denoiser, schedule, objective, nullClass, n,
                    req.classA(), req.classB(), req.guidance(), req.blurSigma(), x0);
            default -> {
                long[] labels = null;
                if (!req.classes().isEmpty()) {
                    labels = Arrays.stream(indices).map(req::classOf).toArray();
                }
                yield GuidedEstimator.of(denoiser, schedule, objective, nullClass, labels, req.guidance(), x0);
            }
        };
        GuidedEstimator guided = plain.withGuidanceInterval(req.guidanceInterval())
                .withFrequencyGuidance(req.frequencyGuidance());
        return req.guideWeight() == 1 ? guided
                : guided.withAutoguidance(new Autoguidance(guide, guideObjective, req.guideWeight()));
    }

    /** The input image fitted to the model: (1, C, S, S) in [-1, 1]. */
    private NDArray loadImage(NDManager m, Path file) {
        BufferedImage img = Images.fit(Images.read(file), imageSize);
        return Images.toArray(m, img, channels).expandDims(0);
    }

    /** The mask fitted to the model and made binary: (1, 1, S, S), 1 (white) = generate. */
    private NDArray loadMask(NDManager m, Path file) {
        float[] grey = Images.toChw(Images.fit(Images.read(file), imageSize), 1);
        float[] binary = new float[grey.length];
        for (int i = 0; i < grey.length; i++) {
            binary[i] = grey[i] > 0 ? 1f : 0f;
        }
        return m.create(binary, new Shape(1, 1, imageSize, imageSize));
    }

    private static int gridColumns(SampleRequest req, int images) {
        if (!req.classes().isEmpty() && req.mode() != SampleMode.ANAGRAM && req.mode() != SampleMode.HYBRID
                && req.perClass() <= 16) {
            return req.perClass();
        }
        return Math.max(1, (int) Math.ceil(Math.sqrt(images)));
    }

    private BufferedImage gifFrame(NDArray x) {
        long k = Math.min(GIF_IMAGES, x.getShape().get(0));
        List<BufferedImage> imgs = Images.toImages(x.get("0:" + k).clip(-1f, 1f));
        BufferedImage grid = Images.grid(imgs, (int) Math.ceil(Math.sqrt(imgs.size())), 2);
        // Small images (MNIST) are doubled so the animation is watchable.
        return imageSize <= 32 ? Images.upscale(grid, 2) : grid;
    }

    static BufferedImage rotate180(BufferedImage img) {
        int w = img.getWidth(), h = img.getHeight();
        int c = img.getType() == BufferedImage.TYPE_BYTE_GRAY ? 1 : 3;
        float[] src = Images.toChw(img, c);
        float[] dst = new float[src.length];
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    dst[(ch * h + (h - 1 - y)) * w + (w - 1 - x)] = src[(ch * h + y) * w + x];
                }
            }
        }
        return Images.fromChw(dst, c, h, w);
    }
}
