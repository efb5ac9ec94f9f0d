package dev.diffq.coordinator.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.diffq.contract.ContentTypes;
import dev.diffq.coordinator.store.ObjectStore;
import dev.diffq.deploy.EmbeddedS3;
import dev.diffq.proto.Artifact;

/** A job's artifacts as files: directories become their objects, against a real S3 server. */
class ArtifactFilesTest {
    @Test
    void aCheckpointFolderBecomesOneEntryPerObjectUnderIt() throws Exception {
        try (EmbeddedS3 s3 = EmbeddedS3.startTemporary();
                ObjectStore store = new ObjectStore(s3.endpoint(), s3.endpoint(), s3.accessKey(), s3.secretKey(),
                        "us-east-1", "diffq", 60)) {
            store.ensureBucket();
            store.put("jobs/j/checkpoints/step-2/model.ndlist", new byte[5], "application/octet-stream");
            store.put("jobs/j/checkpoints/step-2/manifest.json", new byte[3], "application/octet-stream");
            store.put("jobs/j/checkpoints/step-20/model.ndlist", new byte[7], "application/octet-stream");
            store.put("jobs/j/metrics.jsonl", new byte[2], "application/x-ndjson");

            List<Artifact> recorded = List.of(
                    Artifact.newBuilder().setName("checkpoints/step-2/").setSize(8).setContentType(ContentTypes.DIRECTORY)
                            .setKind("checkpoint").build(),
                    Artifact.newBuilder().setName("metrics.jsonl").setSize(2).setContentType("application/x-ndjson")
                            .setKind("metrics").build(),
                    // a folder named without its slash is known by its content type
                    Artifact.newBuilder().setName("checkpoints/step-20").setContentType(ContentTypes.DIRECTORY)
                            .setKind("checkpoint").build(),
                    // its objects were deleted: nothing to download, nothing listed
                    Artifact.newBuilder().setName("checkpoints/step-9/").setContentType(ContentTypes.DIRECTORY)
                            .setKind("checkpoint").build());

            assertEquals(List.of(
                    new ArtifactFiles.ArtifactFile("checkpoints/step-2/manifest.json", 3, "application/json", "checkpoint",
                            "jobs/j/checkpoints/step-2/manifest.json"),
                    new ArtifactFiles.ArtifactFile("checkpoints/step-2/model.ndlist", 5, "application/octet-stream", "checkpoint",
                            "jobs/j/checkpoints/step-2/model.ndlist"),
                    new ArtifactFiles.ArtifactFile("metrics.jsonl", 2, "application/x-ndjson", "metrics", "jobs/j/metrics.jsonl"),
                    new ArtifactFiles.ArtifactFile("checkpoints/step-20/model.ndlist", 7, "application/octet-stream", "checkpoint",
                            "jobs/j/checkpoints/step-20/model.ndlist")),
                    ArtifactFiles.of("j", recorded, store));
        }
    }
}
