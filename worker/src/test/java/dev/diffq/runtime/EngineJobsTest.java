package dev.diffq.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import dev.diffq.contract.ObjectKeys;
import dev.diffq.contract.SpecDefaults;
import dev.diffq.contract.Topics;
import dev.diffq.proto.GenerateMode;
import dev.diffq.proto.JobEvent;
import dev.diffq.proto.JobEvent.KindCase;
import dev.diffq.proto.JobRequest;
import dev.diffq.proto.JobSpec;
import dev.diffq.proto.ModelConfig;
import dev.diffq.proto.SampleSpec;
import dev.diffq.proto.TrainSpec;
import dev.diffq.engine.train.Checkpoint;
import dev.diffq.engine.train.DiffusionTrainer;
import dev.diffq.engine.train.TrainConfig;
import dev.diffq.engine.train.TrainListener;
import dev.diffq.runtime.exec.SampleJobExecutor;
import dev.diffq.runtime.exec.SpecMapping;
import dev.diffq.runtime.exec.TrainJobExecutor;
import dev.diffq.runtime.storage.CheckpointStore;
import dev.diffq.runtime.storage.ObjectStore;

/**
 * The real engine behind the runtime, on a real broker and S3 server: a tiny UNet trains on an uploaded dataset,
 * leaves checkpoints, metrics and a grid in S3, and a sampling job split in two shards draws from it the same
 * images as one unsplit run.
 */
class EngineJobsTest {
    private static RuntimeHarness h;
    private static final Duration WAIT = Duration.ofSeconds(180);

    @BeforeAll
    static void start() throws Exception {
        h = new RuntimeHarness();
        uploadTinyDataset("tiny");
        h.start(h.config("w-engine", JobKind.TRAIN, JobKind.SAMPLE),
                Map.of(JobKind.TRAIN, new TrainJobExecutor(), JobKind.SAMPLE, new SampleJobExecutor(2)));
    }

    @AfterAll
    static void stop() throws Exception {
        h.close();
    }

    /** A tiny UNet for 6 steps on the uploaded "tiny" dataset, checkpoints every 3. */
    private static JobSpec tinyTrainSpec() {
        return SpecDefaults.normalize(JobSpec.newBuilder().setName("tiny").setSeed(7).setTrain(TrainSpec.newBuilder()
                .setModel(ModelConfig.newBuilder().setPreset("custom").setImageSize(8).setInChannels(1)
                        .setBaseChannels(8).addChannelMults(1).addChannelMults(2).setBlocksPerLevel(1).setNumClasses(2))
                .setDataset("upload:tiny").setSteps(6).setBatchSize(4).setTimesteps(50).setWarmupSteps(1)
                .setCheckpointEverySteps(3)).build());
    }

    @Test
    void aJobResumedFromAnAdamWCheckpointFinishesWithAdamW(@TempDir Path tmp) throws Exception {
        // step 3 of a job as a worker from before Muon became the default left it: AdamW throughout
        JobSpec spec = tinyTrainSpec();
        Path data = tmp.resolve("tiny"); // the folder name is the dataset's name
        String prefix = ObjectKeys.dataset("tiny");
        for (ObjectStore.ObjectInfo o : h.store.list(prefix)) {
            h.store.download(o.key(), data.resolve(o.key().substring(prefix.length())));
        }
        TrainConfig old = SpecMapping.train(spec.getTrain(), data.toString(), 7, "cpu").toBuilder()
                .optimizer("adamw").steps(3).build();
        Path out = data.resolveSibling("run");
        new DiffusionTrainer().train(old, out, TrainListener.NONE);
        new CheckpointStore(h.store).upload("train-legacy", 3, out.resolve(Checkpoint.ROOT_NAME).resolve("step-3"));

        h.publish(Topics.TRAIN, RuntimeHarness.request("train-legacy", spec));
        List<JobEvent> events = h.awaitEvents("train-legacy", RuntimeHarness.hasFinal(), WAIT);
        JobEvent end = events.get(events.size() - 1);
        assertEquals(KindCase.SUCCEEDED, end.getKindCase(), "events: " + describe(events));
        JsonNode summary = ObjectStore.JSON.readTree(h.store.get(end.getSucceeded().getResult()).orElseThrow()).get("summary");
        assertEquals(3, summary.get("resumed_from_step").asLong(), summary.toString());
        assertEquals(6, summary.get("steps").asLong(), summary.toString());
        JsonNode config = ObjectStore.JSON.readTree(h.store.get(ObjectKeys.checkpointPrefix("train-legacy", 6)
                + Checkpoint.CONFIG).orElseThrow());
        assertEquals("adamw", config.get("optimizer").asText(), "the resumed run keeps its optimizer");
    }

    @Test
    void trainThenSampleInShardsGivesTheSameImagesAsOneRun() throws Exception {
        JobSpec train = tinyTrainSpec();
        h.publish(Topics.TRAIN, RuntimeHarness.request("train-1", train));
        List<JobEvent> events = h.awaitEvents("train-1", RuntimeHarness.hasFinal(), WAIT);
        assertEquals(KindCase.SUCCEEDED, events.get(events.size() - 1).getKindCase(), "events: " + describe(events));
        JobEvent last = events.stream().filter(e -> e.getKindCase() == KindCase.PROGRESS)
                .filter(e -> e.getProgress().getPhase().equals("training")).reduce((a, b) -> b).orElseThrow();
        assertTrue(events.stream().anyMatch(e -> e.getProgress().getPhase().startsWith("sample grid")),
                "the final grid reports its progress too");
        assertEquals(6, last.getProgress().getStep());
        assertTrue(Double.isFinite(last.getProgress().getLoss()));

        // checkpoints at 3 and 6, latest.json pointing at 6, metrics and a grid
        JsonNode latest = ObjectStore.JSON.readTree(h.store.get(ObjectKeys.latestCheckpoint("train-1")).orElseThrow());
        assertEquals(6, latest.get("step").asLong());
        assertTrue(h.store.exists(ObjectKeys.checkpointPrefix("train-1", 3) + "model.ndlist"));
        assertTrue(h.store.exists(ObjectKeys.checkpointPrefix("train-1", 6) + "manifest.json"));
        String metrics = new String(h.store.get(ObjectKeys.metrics("train-1")).orElseThrow());
        assertTrue(metrics.lines().count() >= 1 && metrics.contains("\"loss\""), metrics);
        byte[] grid = h.store.get(ObjectKeys.jobPrefix("train-1") + "samples/grid.png").orElseThrow();
        BufferedImage gridImage = ImageIO.read(new java.io.ByteArrayInputStream(grid));
        assertTrue(gridImage.getWidth() >= 8 * 8, "grid of 8 per class: " + gridImage.getWidth());

        // 6 images in two shards (4 + 2) and the same request as one shard
        JobSpec sample = SpecDefaults.normalize(JobSpec.newBuilder().setName("draw").setSeed(11).setSample(SampleSpec.newBuilder()
                .setCheckpointJob("train-1").addClasses(0).addClasses(1).setPerClass(3).setSampler("ddim").setSteps(5)
                .setShardSize(4).setGenerate(GenerateMode.getDefaultInstance())).build());
        for (int shard = 0; shard < 2; shard++) {
            h.publish(Topics.SAMPLE, RuntimeHarness.request("draw-2", sample).toBuilder().setShardIndex(shard)
                    .setShardCount(2).build());
        }
        h.publish(Topics.SAMPLE, RuntimeHarness.request("draw-1", sample));
        h.awaitEvents("draw-1", RuntimeHarness.hasFinal(), WAIT);
        h.awaitEvents("draw-2", es -> es.stream().filter(e -> e.getKindCase() == KindCase.SUCCEEDED).count() == 2, WAIT);
        assertTrue(h.store.exists(ObjectKeys.shardResult("draw-2", 0)));
        assertTrue(h.store.exists(ObjectKeys.shardResult("draw-2", 1)));
        for (int i = 0; i < 6; i++) {
            String name = "samples/sample_c" + (i < 3 ? 0 : 1) + "_" + i + ".png";
            byte[] one = h.store.get(ObjectKeys.jobPrefix("draw-1") + name).orElseThrow(() -> new AssertionError(name));
            byte[] sharded = h.store.get(ObjectKeys.jobPrefix("draw-2") + name).orElseThrow(() -> new AssertionError(name));
            assertArrayEquals(one, sharded, name + " differs between the sharded and the unsharded run");
            BufferedImage img = ImageIO.read(new java.io.ByteArrayInputStream(one));
            assertEquals(8, img.getWidth());
        }

        // autoguidance against the same job's step-3 checkpoint: other images
        JobSpec guided = SpecDefaults.normalize(sample.toBuilder().setSample(sample.getSample().toBuilder()
                .clearGuideWeight().setGuideCheckpointStep(3)).build()); // cleared: normalizing set it to 1 (no guide)
        assertEquals(2f, guided.getSample().getGuideWeight(), "a guide gets weight 2 by default");
        h.publish(Topics.SAMPLE, RuntimeHarness.request("draw-3", guided));
        List<JobEvent> guidedEvents = h.awaitEvents("draw-3", RuntimeHarness.hasFinal(), WAIT);
        assertEquals(KindCase.SUCCEEDED, guidedEvents.get(guidedEvents.size() - 1).getKindCase(), describe(guidedEvents));
        String first = "samples/sample_c0_0.png";
        assertFalse(java.util.Arrays.equals(h.store.get(ObjectKeys.jobPrefix("draw-1") + first).orElseThrow(),
                h.store.get(ObjectKeys.jobPrefix("draw-3") + first).orElseThrow()), "the guide changes the images");
        JsonNode guidedResult = ObjectStore.JSON.readTree(h.store.get(
                guidedEvents.get(guidedEvents.size() - 1).getSucceeded().getResult()).orElseThrow()).get("summary");
        assertEquals(3, guidedResult.get("guide_checkpoint_step").asLong(), "the result names the guide: " + guidedResult);
        assertEquals(6, guidedResult.get("checkpoint_step").asLong(), guidedResult.toString());

        // a guide step the training job never saved fails the job with a reason
        h.publish(Topics.SAMPLE, RuntimeHarness.request("draw-4", SpecDefaults.normalize(sample.toBuilder()
                .setSample(sample.getSample().toBuilder().setGuideCheckpointStep(5)).build())));
        List<JobEvent> missing = h.awaitEvents("draw-4", RuntimeHarness.hasFinal(), WAIT);
        JobEvent end = missing.get(missing.size() - 1);
        assertEquals(KindCase.FAILED, end.getKindCase(), describe(missing));
        assertTrue(end.getFailed().getReason().contains("5"), end.getFailed().getReason());
    }

    private static String describe(List<JobEvent> events) {
        return events.stream().map(e -> e.getKindCase() + (e.getKindCase() == KindCase.FAILED ? "(" + e.getFailed().getReason() + ")" : ""))
                .toList().toString();
    }

    /** Two classes of 8x8 images: bright squares top-left (class 0) and bottom-right (class 1), with noise. */
    private static void uploadTinyDataset(String name) throws Exception {
        Random rnd = new Random(3);
        for (int c = 0; c < 2; c++) {
            for (int n = 0; n < 6; n++) {
                BufferedImage img = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
                for (int y = 0; y < 8; y++) {
                    for (int x = 0; x < 8; x++) {
                        boolean on = c == 0 ? (x < 4 && y < 4) : (x >= 4 && y >= 4);
                        int v = Math.max(0, Math.min(255, (on ? 220 : 30) + rnd.nextInt(30) - 15));
                        img.getRaster().setSample(x, y, 0, v);
                    }
                }
                ByteArrayOutputStream png = new ByteArrayOutputStream();
                ImageIO.write(img, "png", png);
                h.store.putBytes(ObjectKeys.dataset(name) + "class" + c + "/img" + n + ".png", png.toByteArray(), "image/png");
            }
        }
    }

}
