package dev.diffq.runtime.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.diffq.contract.ObjectKeys;
import dev.diffq.deploy.EmbeddedS3;

class StorageTest {
    private static EmbeddedS3 s3;
    private static ObjectStore store;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() throws Exception {
        s3 = EmbeddedS3.startTemporary();
        store = ObjectStore.connect(s3.endpoint(), s3.accessKey(), s3.secretKey(), "storage-test", 5L * 1024 * 1024);
        store.ensureBucket();
        store.ensureBucket(); // a second time is a no-op
    }

    @AfterAll
    static void stop() throws Exception {
        store.close();
        s3.close();
    }

    @Test
    void largeFileGoesUpInPartsAndComesBackIdentical() throws Exception {
        byte[] data = new byte[12 * 1024 * 1024 + 123]; // three parts of 5 MiB
        new Random(7).nextBytes(data);
        Path file = tmp.resolve("big.bin");
        Files.write(file, data);
        store.putFile("big/big.bin", file, "application/octet-stream");

        Path back = tmp.resolve("back/big.bin");
        store.download("big/big.bin", back);
        assertArrayEquals(data, Files.readAllBytes(back));
        assertEquals(List.of(new ObjectStore.ObjectInfo("big/big.bin", data.length)), store.list("big/"));
    }

    @Test
    void missingObjectsAreAnswersNotErrors() throws Exception {
        assertFalse(store.exists("nothing/here"));
        assertTrue(store.get("nothing/here").isEmpty());
        assertThrows(FileNotFoundException.class, () -> store.download("nothing/here", tmp.resolve("x")));
        store.putJson("some/thing.json", java.util.Map.of("a", 1));
        assertTrue(store.exists("some/thing.json"));
        assertEquals(1, ObjectStore.JSON.readTree(store.get("some/thing.json").orElseThrow()).get("a").asInt());
    }

    @Test
    void checkpointsAreVisibleOnlyWhenCompleteAndLatestMovesForward() throws Exception {
        CheckpointStore checkpoints = new CheckpointStore(store);
        assertTrue(checkpoints.latest("ck-job").isEmpty());
        checkpoints.upload("ck-job", 10, checkpointDir("10"));
        checkpoints.upload("ck-job", 20, checkpointDir("20"));
        checkpoints.upload("ck-job", 15, checkpointDir("15")); // late and older: latest stays at 20
        assertEquals(20, checkpoints.latest("ck-job").orElseThrow().step());

        LocalCheckpoint local = checkpoints.downloadLatest("ck-job", tmp.resolve("dl")).orElseThrow();
        assertEquals(20, local.step());
        assertEquals("20", Files.readString(local.dir().resolve("state.txt")));
        assertEquals(2048, Files.size(local.dir().resolve("model/weights.bin")));

        // files without a manifest (an upload cut short) are not a checkpoint
        store.putBytes(ObjectKeys.checkpointPrefix("ck-job", 30) + "state.txt", "30".getBytes(), "text/plain");
        assertThrows(FileNotFoundException.class, () -> checkpoints.download("ck-job", 30, tmp.resolve("dl30")));
        // a file that lost bytes is caught by the manifest's sizes
        store.putBytes(ObjectKeys.checkpointPrefix("ck-job", 10) + "model/weights.bin", new byte[5], "application/octet-stream");
        Exception e = assertThrows(java.io.IOException.class, () -> checkpoints.download("ck-job", 10, tmp.resolve("dl10")));
        assertTrue(e.getMessage().contains("manifest says 2048"), e.getMessage());
    }

    @Test
    void checkpointCacheReusesAndEvictsTheLeastRecentlyUsed() throws Exception {
        CheckpointStore checkpoints = new CheckpointStore(store);
        checkpoints.upload("cache-a", 1, checkpointDir("a1"));
        checkpoints.upload("cache-b", 1, checkpointDir("b1"));
        CheckpointCache cache = new CheckpointCache(checkpoints, tmp.resolve("cache"), 1);

        LocalCheckpoint a = cache.get("cache-a", OptionalLong.empty());
        assertEquals(a.dir(), cache.get("cache-a", OptionalLong.of(1)).dir());
        assertEquals(1, cache.hits());
        LocalCheckpoint b = cache.get("cache-b", OptionalLong.empty());
        assertEquals("b1", Files.readString(b.dir().resolve("state.txt")));
        assertFalse(Files.exists(a.dir()), "capacity 1: the older checkpoint was deleted");
        assertEquals(1, cache.size());
        assertEquals(2, cache.misses());
        assertThrows(FileNotFoundException.class, () -> cache.get("no-such-job", OptionalLong.empty()));
    }

    private Path checkpointDir(String state) throws Exception {
        Path dir = Files.createTempDirectory(tmp, "ckpt");
        Files.createDirectories(dir.resolve("model"));
        Files.writeString(dir.resolve("state.txt"), state);
        Files.write(dir.resolve("model/weights.bin"), new byte[2048]);
        return dir;
    }
}
