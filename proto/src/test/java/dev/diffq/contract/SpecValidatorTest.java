package dev.diffq.contract;

import dev.diffq.proto.JobSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class SpecValidatorTest {

    private static final Limits LIMITS = Limits.defaults();
    private static final Lookup LOOKUP = new FakeLookup();

    static List<Violation> check(String json) throws Exception {
        return SpecValidator.validate(SpecDefaults.normalize(JobJson.parseSpec(json)), LIMITS, LOOKUP);
    }

    static String train(String fields) {
        return "{\"train\":{\"dataset\":\"mnist\"" + (fields.isEmpty() ? "" : "," + fields) + "}}";
    }

    static String model(String fields) {
        return train("\"model\":{" + fields + "}");
    }

    static String sample(String fields) {
        return "{\"sample\":{\"checkpoint_job\":\"job-1\"" + (fields.isEmpty() ? "" : "," + fields) + "}}";
    }

    static String sampleFrom(String job, String fields) {
        return "{\"sample\":{\"checkpoint_job\":\"" + job + "\"" + (fields.isEmpty() ? "" : "," + fields) + "}}";
    }

    static Stream<Arguments> oneViolation() {
        return Stream.of(
                // job
                arguments("{\"name\":\"" + "n".repeat(101) + "\"," + train("").substring(1), "name", "must be at most 100 characters"),
                arguments("{\"name\":\"a\\u0007b\"," + train("").substring(1), "name", "must not contain control characters"),
                arguments("{\"priority\":7," + train("").substring(1), "priority", "unknown priority: one of PRIORITY_NORMAL, PRIORITY_HIGH"),
                arguments("{\"seed\":-1," + train("").substring(1), "seed", "must be at least 0"),
                arguments("{\"max_attempts\":0," + train("").substring(1), "max_attempts", "must be between 1 and 10"),
                arguments("{\"max_attempts\":11," + train("").substring(1), "max_attempts", "must be between 1 and 10"),
                arguments("{\"name\":\"x\"}", "kind", "is required: give either train or sample"),
                // model
                arguments(model("\"preset\":\"x\""), "train.model.preset", "unknown preset 'x': one of mnist-small, mnist-base, rgb32, rgb64, custom"),
                arguments(model("\"image_size\":30"), "train.model.image_size", "must be divisible by 4 (2^(levels-1) for 3 channel_mults)"),
                arguments(model("\"preset\":\"rgb64\",\"image_size\":36"), "train.model.image_size", "must be divisible by 8 (2^(levels-1) for 4 channel_mults)"),
                arguments(model("\"image_size\":4"), "train.model.image_size", "must be between 8 and 256"),
                arguments(model("\"image_size\":512"), "train.model.image_size", "must be between 8 and 256"),
                arguments(model("\"in_channels\":2"), "train.model.in_channels", "must be 1 or 3"),
                arguments(model("\"base_channels\":36"), "train.model.base_channels", "must be a multiple of 8 (GroupNorm with 8 groups)"),
                arguments(model("\"base_channels\":1024"), "train.model.base_channels", "must be between 8 and 512"),
                arguments(model("\"channel_mults\":[1,2,2,2,2,2,2]"), "train.model.channel_mults", "must have between 1 and 6 entries"),
                arguments(model("\"channel_mults\":[1,0,2]"), "train.model.channel_mults[1]", "must be between 1 and 16"),
                arguments(model("\"attention_levels\":[3]"), "train.model.attention_levels[0]", "must be between 0 and 2 (a level of channel_mults)"),
                arguments(model("\"attention_levels\":[-1]"), "train.model.attention_levels[0]", "must be between 0 and 2 (a level of channel_mults)"),
                arguments(model("\"attention_levels\":[2,2]"), "train.model.attention_levels[1]", "must not repeat level 2"),
                arguments(model("\"blocks_per_level\":0"), "train.model.blocks_per_level", "must be between 1 and 8"),
                arguments(model("\"num_classes\":1001"), "train.model.num_classes", "must be between 0 and 1000"),
                arguments(model("\"num_classes\":5"), "train.model.num_classes", "must be 0 (unconditional) or at least 10, the number of classes of dataset 'mnist'"),
                arguments(model("\"dropout\":1"), "train.model.dropout", "must be at least 0 and less than 1"),
                // dataset
                arguments("{\"train\":{}}", "train.dataset", "is required: one of mnist, fashion-mnist, emoji, upload:<name>"),
                arguments("{\"train\":{\"dataset\":\"cifar\"}}", "train.dataset", "unknown dataset 'cifar': one of mnist, fashion-mnist, emoji, upload:<name>"),
                arguments(model("\"image_size\":32"), "train.model.image_size",
                        "must be 28 for dataset 'mnist' (28x28 grey images): use the mnist-small or mnist-base preset"),
                arguments("{\"train\":{\"dataset\":\"upload:nope\"}}", "train.dataset", "no uploaded dataset 'nope': upload it first (POST /v1/datasets/nope)"),
                arguments("{\"train\":{\"dataset\":\"upload:Bad Name\"}}", "train.dataset", "upload name 'Bad Name' must be 1 to 63 of a-z, 0-9, '.', '_', '-' starting with a letter or digit"),
                arguments("{\"train\":{\"dataset\":\"upload:many\"}}", "train.model.num_classes", "must be 0 (unconditional) or at least 12, the number of classes of dataset 'upload:many'"),
                // training
                arguments(train("\"steps\":0"), "train.steps", "must be between 1 and 1000000"),
                arguments(train("\"steps\":1000001"), "train.steps", "must be between 1 and 1000000"),
                arguments(train("\"max_minutes\":0"), "train.max_minutes", "must be greater than 0 and at most 10080"),
                arguments(train("\"batch_size\":0"), "train.batch_size", "must be between 1 and 4096"),
                arguments(train("\"batch_size\":4097"), "train.batch_size", "must be between 1 and 4096"),
                arguments(train("\"learning_rate\":0"), "train.learning_rate", "must be greater than 0 and at most 1"),
                arguments(train("\"learning_rate\":\"NaN\""), "train.learning_rate", "must be a finite number"),
                arguments(train("\"learning_rate\":\"Infinity\""), "train.learning_rate", "must be a finite number"),
                arguments(train("\"steps\":100,\"warmup_steps\":300"), "train.warmup_steps", "must be at most steps (100)"),
                arguments(train("\"warmup_steps\":-1"), "train.warmup_steps", "must be between 0 and 1000000"),
                arguments(train("\"lr_decay\":\"step\""), "train.lr_decay", "unknown lr_decay 'step': one of constant, cosine, exponential"),
                arguments(train("\"grad_clip\":-1"), "train.grad_clip", "must be between 0 and 1000"),
                arguments(train("\"ema_decay\":1"), "train.ema_decay", "must be at least 0 and less than 1"),
                arguments(train("\"ema_warmup_steps\":-1"), "train.ema_warmup_steps", "must be between 0 and 1000000"),
                arguments(train("\"label_dropout\":1.5"), "train.label_dropout", "must be at least 0 and less than 1"),
                arguments(train("\"grad_accum\":0"), "train.grad_accum", "must be between 1 and 64"),
                arguments(train("\"schedule\":\"quad\""), "train.schedule", "unknown schedule 'quad': one of linear, cosine, sigmoid"),
                arguments(train("\"timesteps\":5"), "train.timesteps", "must be between 10 and 10000"),
                arguments(train("\"objective\":\"x0\""), "train.objective", "unknown objective 'x0': one of eps, v"),
                arguments(train("\"loss\":\"mse\""), "train.loss", "unknown loss 'mse': one of l2, l1, huber"),
                arguments(train("\"min_snr_gamma\":-1"), "train.min_snr_gamma", "must be between 0 and 100"),
                arguments(train("\"checkpoint_every_steps\":-1"), "train.checkpoint_every_steps", "must be between 0 and 1000000"),
                arguments(train("\"checkpoint_every_minutes\":-1"), "train.checkpoint_every_minutes", "must be between 0 and 10080"),
                arguments(train("\"sample_every_steps\":-1"), "train.sample_every_steps", "must be between 0 and 1000000"),
                arguments(train("\"log_every_steps\":0"), "train.log_every_steps", "must be between 1 and 1000000"),
                // sampling
                arguments("{\"sample\":{}}", "sample.checkpoint_job", "is required: the id of a training job with a checkpoint"),
                arguments(sampleFrom("nope", ""), "sample.checkpoint_job", "job 'nope' is unknown or has no checkpoint yet"),
                arguments(sample("\"checkpoint_step\":0"), "sample.checkpoint_step", "must be between 1 and 1000000"),
                arguments(sample("\"sampler\":\"euler\""), "sample.sampler", "unknown sampler 'euler': one of ddpm, ddim, dpmpp-2m"),
                arguments(sample("\"steps\":1001"), "sample.steps", "must be between 1 and 1000 (the checkpoint's timesteps)"),
                arguments(sample("\"sampler\":\"dpmpp-2m\",\"steps\":0"), "sample.steps", "must be between 1 and 1000 (the checkpoint's timesteps)"),
                arguments(sampleFrom(FakeLookup.OPAQUE, "\"steps\":10001"), "sample.steps", "must be between 1 and 10000"),
                // DDPM's default (every step of the default T = 1000) does not fit a model trained with T = 500
                arguments(sampleFrom(FakeLookup.SHORT_SCHEDULE, "\"sampler\":\"ddpm\""), "sample.steps", "must be between 1 and 500 (the checkpoint's timesteps)"),
                arguments(sample("\"eta\":1.5"), "sample.eta", "must be between 0 and 1"),
                arguments(sample("\"spacing\":\"linspace\""), "sample.spacing", "unknown spacing 'linspace': one of leading, trailing"),
                arguments(sample("\"guidance\":-1"), "sample.guidance", "must be between 0 and 50"),
                arguments(sample("\"guidance\":51"), "sample.guidance", "must be between 0 and 50"),
                arguments(sample("\"classes\":[10]"), "sample.classes[0]", "must be between 0 and 9 (the checkpoint's model has 10 classes)"),
                arguments(sampleFrom(FakeLookup.OPAQUE, "\"classes\":[1000]"), "sample.classes[0]", "must be between 0 and 999"),
                arguments(sample("\"classes\":[1,2,1]"), "sample.classes[2]", "must not repeat class 1"),
                arguments(sampleFrom(FakeLookup.UNCONDITIONAL, "\"classes\":[0]"), "sample.classes", "must be empty: the checkpoint's model is unconditional"),
                arguments(sample("\"per_class\":0"), "sample.per_class", "must be at least 1"),
                arguments(sample("\"dynamic_threshold\":1"), "sample.dynamic_threshold", "must be at least 0 and less than 1"),
                arguments(sample("\"shard_size\":0"), "sample.shard_size", "must be between 1 and 1024"),
                arguments(sample("\"guidance_sigma_min\":-0.5"), "sample.guidance_sigma_min", "must be between 0 and 100000"),
                arguments(sample("\"guidance_sigma_max\":-1"), "sample.guidance_sigma_max", "must be between 0 and 100000"),
                arguments(sample("\"guidance_sigma_min\":2,\"guidance_sigma_max\":1"), "sample.guidance_sigma_max",
                        "must be greater than sample.guidance_sigma_min (2), or 0 for no upper bound"),
                arguments(sample("\"guidance_sigma_min\":0,\"guidance_sigma_max\":0,\"guidance_outside\":1.5"), "sample.guidance_outside",
                        "needs a guidance interval (sample.guidance_sigma_min or sample.guidance_sigma_max): without one every step is inside it"),
                arguments(sample("\"guidance_sigma_max\":3,\"guidance_outside\":-1"), "sample.guidance_outside", "must be between 0 and 50"),
                arguments(sample("\"guidance_sigma_max\":5.4,\"guidance_below\":0"), "sample.guidance_below",
                        "needs sample.guidance_sigma_min > 0: the steps below it are the ones it weights"),
                arguments(sample("\"guidance_sigma_min\":1,\"guidance_below\":-0.5"), "sample.guidance_below", "must be between 0 and 50"),
                arguments(sample("\"guidance_lowpass_sigma\":-1"), "sample.guidance_lowpass_sigma", "must be between 0 and 20"),
                arguments(sample("\"guidance_lowpass_sigma\":25"), "sample.guidance_lowpass_sigma", "must be between 0 and 20"),
                arguments(sample("\"guidance_lowpass_sigma\":0,\"guidance_high\":2"), "sample.guidance_high",
                        "needs sample.guidance_lowpass_sigma > 0 (the blur that splits the frequencies): without it every frequency takes sample.guidance"),
                arguments(sample("\"guidance_lowpass_sigma\":1.5,\"guidance_high\":51"), "sample.guidance_high", "must be between 0 and 50"),
                arguments(sample("\"shard_size\":1025"), "sample.shard_size", "must be between 1 and 1024"),
                arguments(sample("\"guide_weight\":2"), "sample.guide_weight",
                        "needs sample.guide_checkpoint_step (the weaker checkpoint of the same training job to guide away from)"),
                arguments(sample("\"guide_checkpoint_step\":-3"), "sample.guide_checkpoint_step", "must be between 1 and 1000000"),
                arguments(sample("\"checkpoint_step\":1000,\"guide_checkpoint_step\":1000"), "sample.guide_checkpoint_step",
                        "must be an earlier step than sample.checkpoint_step (1000): the guide is the weaker model"),
                arguments(sample("\"guide_checkpoint_step\":1000,\"guide_weight\":51"), "sample.guide_weight", "must be between 0 and 50"),
                // inpaint
                arguments(sample("\"inpaint\":{\"image\":\"u-img\"}"), "sample.inpaint.mask", "is required: the id of an upload (POST /v1/uploads)"),
                arguments(sample("\"inpaint\":{\"image\":\"u-none\",\"mask\":\"u-mask\"}"), "sample.inpaint.image", "no upload 'u-none': upload the image first (POST /v1/uploads)"),
                arguments(sample("\"inpaint\":{\"image\":\"u-img\",\"mask\":\"u-big\"}"), "sample.inpaint.mask", "must be the size of the image (28x28), is 32x32"),
                arguments(sample("\"inpaint\":{\"image\":\"u-big\",\"mask\":\"u-big\"}"), "sample.inpaint.image", "must be 28x28 like the checkpoint's model, is 32x32"),
                arguments(sample("\"inpaint\":{\"image\":\"u-img\",\"mask\":\"u-mask\",\"jump_length\":60}"), "sample.inpaint.jump_length", "must be between 1 and 20 (the sampling steps)"),
                arguments(sample("\"inpaint\":{\"image\":\"u-img\",\"mask\":\"u-mask\",\"resample\":0}"), "sample.inpaint.resample", "must be between 1 and 50"),
                // img2img
                arguments(sample("\"img2img\":{}"), "sample.img2img.image", "is required: the id of an upload (POST /v1/uploads)"),
                arguments(sample("\"img2img\":{\"image\":\"u-big\"}"), "sample.img2img.image", "must be 28x28 like the checkpoint's model, is 32x32"),
                arguments(sample("\"img2img\":{\"image\":\"u-img\",\"strength\":0}"), "sample.img2img.strength", "must be greater than 0 and at most 1"),
                arguments(sample("\"img2img\":{\"image\":\"u-img\",\"strength\":1.01}"), "sample.img2img.strength", "must be greater than 0 and at most 1"),
                // anagram and hybrid
                arguments(sample("\"anagram\":{\"class_a\":10,\"class_b\":1}"), "sample.anagram.class_a", "must be between 0 and 9 (the checkpoint's model has 10 classes)"),
                arguments(sampleFrom(FakeLookup.UNCONDITIONAL, "\"anagram\":{\"class_a\":1,\"class_b\":2}"), "sample.anagram", "needs a class-conditional model: the checkpoint's model is unconditional"),
                arguments(sample("\"classes\":[1],\"anagram\":{\"class_a\":6,\"class_b\":9}"), "sample.classes", "must be empty in anagram mode: give class_a and class_b"),
                arguments(sample("\"hybrid\":{\"class_a\":1,\"class_b\":-1}"), "sample.hybrid.class_b", "must be between 0 and 9 (the checkpoint's model has 10 classes)"),
                arguments(sample("\"hybrid\":{\"class_a\":1,\"class_b\":7,\"blur_sigma\":0}"), "sample.hybrid.blur_sigma", "must be greater than 0 and at most 20"),
                arguments(sampleFrom(FakeLookup.UNCONDITIONAL, "\"hybrid\":{\"class_a\":1,\"class_b\":2}"), "sample.hybrid", "needs a class-conditional model: the checkpoint's model is unconditional"));
    }

    @ParameterizedTest(name = "{0} -> {1}: {2}")
    @MethodSource
    void oneViolation(String json, String field, String rule) throws Exception {
        List<Violation> violations = check(json);
        assertEquals(List.of(new Violation(field, rule)), violations, json);
        assertEquals(400, Violation.httpStatus(violations));
    }

    static Stream<String> valid() {
        return Stream.of(
                train(""),
                "{\"name\":\"digits\",\"priority\":\"PRIORITY_HIGH\",\"seed\":\"42\",\"max_attempts\":10," + train("").substring(1),
                "{\"train\":{\"dataset\":\"fashion-mnist\",\"model\":{\"preset\":\"mnist-base\"}}}",
                "{\"train\":{\"dataset\":\"upload:flowers\",\"model\":{\"preset\":\"rgb32\"}}}",
                "{\"train\":{\"dataset\":\"upload:flowers\",\"model\":{\"preset\":\"rgb64\"}}}",
                "{\"train\":{\"dataset\":\"upload:many\",\"model\":{\"num_classes\":0}}}",
                "{\"train\":{\"dataset\":\"upload:many\",\"model\":{\"num_classes\":12}}}",
                "{\"train\":{\"dataset\":\"upload:flowers\",\"model\":{\"preset\":\"custom\",\"image_size\":16,\"in_channels\":1,"
                        + "\"base_channels\":8,\"channel_mults\":[1,2]}}}",
                model("\"preset\":\"MNIST-Small\""),
                "{\"train\":{\"dataset\":\"emoji\",\"model\":{\"preset\":\"rgb32\"}}}",
                "{\"train\":{\"dataset\":\"emoji\",\"model\":{\"image_size\":32,\"in_channels\":3,\"attention_levels\":[0,1,2],"
                        + "\"dropout\":0.1,\"num_classes\":0}}}",
                train("\"steps\":1"),
                train("\"steps\":1000000,\"batch_size\":4096,\"learning_rate\":1"),
                train("\"max_minutes\":5"),
                train("\"steps\":100,\"warmup_steps\":100"),
                train("\"lr_decay\":\"Constant\",\"schedule\":\"cosine\",\"objective\":\"v\",\"loss\":\"huber\",\"min_snr_gamma\":5"),
                train("\"grad_clip\":0,\"checkpoint_every_steps\":0,\"checkpoint_every_minutes\":0,\"ema_decay\":0"),
                sample(""),
                sample("\"classes\":[0,1,2,3,4,5,6,7,8,9],\"per_class\":1000"),
                sample("\"sampler\":\"ddpm\""),
                sample("\"sampler\":\"ddim\",\"steps\":1000,\"eta\":1,\"guidance\":0,\"spacing\":\"leading\""),
                sample("\"guidance_sigma_min\":0.28,\"guidance_sigma_max\":5.4"),
                sample("\"guidance_sigma_max\":5.4"),
                sample("\"guidance_sigma_max\":3,\"guidance_outside\":1.5"),
                sample("\"guidance_outside\":1"),
                sample("\"guidance_sigma_min\":1,\"guidance_sigma_max\":5.4,\"guidance_below\":0,\"guidance_lowpass_sigma\":1.5"),
                sample("\"guidance_lowpass_sigma\":1.5"),
                sample("\"guidance_sigma_min\":1,\"guidance_sigma_max\":5.4,\"guidance_lowpass_sigma\":1,\"guidance_high\":1.5"),
                sample("\"guidance_high\":1"),
                sample("\"guide_checkpoint_step\":1000"),
                sample("\"guide_checkpoint_step\":1000,\"checkpoint_step\":2281,\"guide_weight\":2.5"),
                sample("\"guide_checkpoint_step\":0,\"guide_weight\":1"),
                sample("\"dynamic_threshold\":0.995,\"shard_size\":1024,\"checkpoint_step\":500"),
                sampleFrom(FakeLookup.SHORT_SCHEDULE, "\"sampler\":\"ddpm\",\"steps\":500"),
                sampleFrom(FakeLookup.UNCONDITIONAL, "\"per_class\":16"),
                sampleFrom(FakeLookup.OPAQUE, "\"classes\":[999]"),
                sample("\"steps\":50,\"inpaint\":{\"image\":\"u-img\",\"mask\":\"u-mask\",\"jump_length\":50,\"resample\":1}"),
                sample("\"img2img\":{\"image\":\"u-img\",\"strength\":1}"),
                sample("\"anagram\":{\"class_a\":6,\"class_b\":9}"),
                sample("\"anagram\":{\"class_a\":0,\"class_b\":0}"),
                sample("\"hybrid\":{\"class_a\":1,\"class_b\":7,\"blur_sigma\":20}"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void valid(String json) throws Exception {
        assertEquals(List.of(), check(json), json);
    }

    @Test
    void everyPresetWithItsDefaultsIsValid() throws Exception {
        for (String preset : ModelPresets.NAMES) {
            // an uploaded dataset is resized to the model, so any preset fits it
            assertEquals(List.of(), check("{\"train\":{\"dataset\":\"upload:flowers\",\"model\":{\"preset\":\"" + preset + "\"}}}"),
                    preset);
        }
    }

    @Test
    void tooManyImagesIsTooLargeNotInvalid() throws Exception {
        List<Violation> violations = check(sample("\"classes\":[0,1,2,3,4,5,6,7,8,9],\"per_class\":1001"));
        assertEquals(List.of(new Violation("sample.per_class", "asks for 10010 images: at most 10000 per job", true)), violations);
        assertEquals(413, Violation.httpStatus(violations));
    }

    @Test
    void imageLimitComesFromLimits() throws Exception {
        JobSpec spec = SpecDefaults.normalize(JobJson.parseSpec(sample("\"per_class\":200")));
        assertEquals(List.of(), SpecValidator.validate(spec, LIMITS, LOOKUP));
        List<Violation> small = SpecValidator.validate(spec, LIMITS.withMaxImagesPerJob(100), LOOKUP);
        assertEquals(1, small.size());
        assertTrue(small.get(0).tooLarge());
        assertEquals("asks for 200 images: at most 100 per job", small.get(0).rule());
    }

    @Test
    void tooLargeAndInvalidTogetherAnswer413() throws Exception {
        List<Violation> violations = check(sample("\"per_class\":20000,\"eta\":2"));
        assertEquals(2, violations.size(), violations.toString());
        assertEquals(413, Violation.httpStatus(violations));
    }

    @Test
    void reportsEveryViolationAtOnce() throws Exception {
        List<Violation> violations = check(train("\"batch_size\":0,\"steps\":0,\"loss\":\"mse\",\"model\":{\"in_channels\":2}"));
        assertEquals(List.of("train.model.in_channels", "train.steps", "train.batch_size", "train.loss"),
                violations.stream().map(Violation::field).toList());
    }

    @Test
    void builtInDatasetNeedsAModelOfItsImageSizeAndChannels() throws Exception {
        String rgb = "must be %s for dataset 'emoji' (32x32 RGB images): use the rgb32 preset";
        assertEquals(List.of(new Violation("train.model.image_size", rgb.formatted(32)),
                        new Violation("train.model.in_channels", rgb.formatted(3))),
                check("{\"train\":{\"dataset\":\"emoji\",\"model\":{\"preset\":\"mnist-small\"}}}"));
        String grey = "must be %s for dataset 'fashion-mnist' (28x28 grey images): use the mnist-small or mnist-base preset";
        assertEquals(List.of(new Violation("train.model.image_size", grey.formatted(28)),
                        new Violation("train.model.in_channels", grey.formatted(1))),
                check("{\"train\":{\"dataset\":\"fashion-mnist\",\"model\":{\"preset\":\"rgb32\"}}}"));
        // a model that breaks its own rules is reported for those alone
        assertEquals(List.of(new Violation("train.model.base_channels", "must be a multiple of 8 (GroupNorm with 8 groups)")),
                check("{\"train\":{\"dataset\":\"emoji\",\"model\":{\"preset\":\"mnist-small\",\"base_channels\":36}}}"));
    }

    @Test
    void customModelNeedsItsShape() throws Exception {
        List<Violation> violations = check(model("\"preset\":\"custom\""));
        assertEquals(List.of(
                new Violation("train.model.image_size", "is required for a custom model"),
                new Violation("train.model.in_channels", "is required for a custom model"),
                new Violation("train.model.base_channels", "is required for a custom model"),
                new Violation("train.model.channel_mults", "is required for a custom model")), violations);
    }

    @Test
    void inpaintWithoutImagesNamesBoth() throws Exception {
        assertEquals(List.of(
                new Violation("sample.inpaint.image", "is required: the id of an upload (POST /v1/uploads)"),
                new Violation("sample.inpaint.mask", "is required: the id of an upload (POST /v1/uploads)")),
                check(sample("\"inpaint\":{}")));
    }

    @Test
    void withoutLookupReferencesAreNotChecked() throws Exception {
        JobSpec spec = SpecDefaults.normalize(JobJson.parseSpec(
                sampleFrom("nope", "\"inpaint\":{\"image\":\"u-none\",\"mask\":\"u-none\"}")));
        assertEquals(List.of(), SpecValidator.validate(spec, LIMITS));
        assertFalse(SpecValidator.validate(spec, LIMITS, LOOKUP).isEmpty());
        JobSpec upload = SpecDefaults.normalize(JobJson.parseSpec("{\"train\":{\"dataset\":\"upload:unknown\"}}"));
        assertEquals(List.of(), SpecValidator.validate(upload, LIMITS));
    }

    @Test
    void shapeRulesStillApplyWithoutLookup() throws Exception {
        JobSpec spec = SpecDefaults.normalize(JobJson.parseSpec(sample("\"steps\":0,\"inpaint\":{}")));
        List<String> fields = SpecValidator.validate(spec, LIMITS).stream().map(Violation::field).toList();
        assertEquals(List.of("sample.steps", "sample.inpaint.image", "sample.inpaint.mask"), fields);
    }

    @Test
    void imagesRequestedCountsClassesOnlyWhereTheModeUsesThem() throws Exception {
        assertEquals(80, SpecValidator.imagesRequested(JobJson.parseSpec(sample("\"classes\":[0,1,2,3,4,5,6,7,8,9]")).getSample()));
        assertEquals(8, SpecValidator.imagesRequested(JobJson.parseSpec(sample("")).getSample()));
        assertEquals(5, SpecValidator.imagesRequested(JobJson.parseSpec(sample("\"per_class\":5,\"anagram\":{\"class_a\":1,\"class_b\":2}")).getSample()));
        assertEquals(6, SpecValidator.imagesRequested(JobJson.parseSpec(sample("\"per_class\":3,\"classes\":[1,2],\"img2img\":{\"image\":\"u-img\"}")).getSample()));
    }
}
