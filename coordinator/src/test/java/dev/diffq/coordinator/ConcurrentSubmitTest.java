package dev.diffq.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import com.google.protobuf.InvalidProtocolBufferException;

import dev.diffq.contract.Topics;
import dev.diffq.proto.JobRecord;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/** Submissions run concurrently (group commit): each gets its own job, and keys and ids stay unique. */
@QuarkusTest
@WithTestResource(CoordinatorServices.class)
class ConcurrentSubmitTest {
    private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"");

    @Inject
    CoordinatorRuntime runtime;

    @TestHTTPResource("/v1/jobs")
    URI jobs;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private record Answer(int status, String id) {}

    private Answer send(HttpRequest request) throws Exception {
        HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
        Matcher m = ID.matcher(r.body());
        return new Answer(r.statusCode(), m.find() ? m.group(1) : null);
    }

    private HttpRequest post(String name, String idempotencyKey) {
        var b = HttpRequest.newBuilder(jobs).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofString(JobApiTest.trainSpec(name)));
        if (idempotencyKey != null) {
            b.header("Idempotency-Key", idempotencyKey);
        }
        return b.build();
    }

    /** Runs every call at once (as far as the pool allows), released together by a latch. */
    private static List<Answer> concurrently(int threads, List<Callable<Answer>> calls) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Answer>> futures = new ArrayList<>();
            for (Callable<Answer> c : calls) {
                futures.add(pool.submit(() -> {
                    go.await();
                    return c.call();
                }));
            }
            go.countDown();
            List<Answer> out = new ArrayList<>();
            for (Future<Answer> f : futures) {
                out.add(f.get());
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    private Map<String, Integer> recordsPerJob(String topic) {
        Map<String, Integer> n = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : TopicReader.readAll(runtime.config().kafka().bootstrap(), topic)) {
            n.merge(r.key(), 1, Integer::sum);
        }
        return n;
    }

    private static JobRecord parseRecord(byte[] b) {
        try {
            return JobRecord.parseFrom(b);
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void twoHundredConcurrentSubmissionsEachGetTheirOwnJobAndOneRecord() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        List<Callable<Answer>> calls = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            String name = "burst-" + run + "-" + i;
            calls.add(() -> send(post(name, null)));
        }
        List<Answer> answers = concurrently(32, calls);
        Set<String> ids = new HashSet<>();
        for (Answer a : answers) {
            assertEquals(201, a.status(), "every submission is accepted");
            ids.add(a.id());
        }
        assertEquals(200, ids.size(), "distinct ids");
        Map<String, Integer> records = recordsPerJob(Topics.JOBS);
        Map<String, Integer> requests = recordsPerJob(Topics.TRAIN);
        for (String id : ids) {
            assertEquals(1, records.getOrDefault(id, 0), "one record on diffq.jobs for " + id);
            assertEquals(1, requests.getOrDefault(id, 0), "one request for " + id);
            assertTrue(runtime.table().get(id).isPresent(), id + " is in the table");
        }
    }

    @Test
    void concurrentPostsWithOneIdempotencyKeyMakeOneJob() throws Exception {
        String key = "same-" + UUID.randomUUID();
        List<Callable<Answer>> calls = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            calls.add(() -> send(post("same-key", key)));
        }
        List<Answer> answers = concurrently(24, calls);
        Set<String> ids = new HashSet<>();
        int created = 0;
        for (Answer a : answers) {
            assertTrue(a.status() == 201 || a.status() == 200, "status " + a.status());
            created += a.status() == 201 ? 1 : 0;
            ids.add(a.id());
        }
        assertEquals(1, created, "exactly one call creates the job");
        assertEquals(1, ids.size(), "every call answers the same job");
        String id = ids.iterator().next();
        long withKey = TopicReader.readAll(runtime.config().kafka().bootstrap(), Topics.JOBS).stream()
                .map(r -> parseRecord(r.value())).filter(r -> r.getIdempotencyKey().equals(key)).count();
        assertEquals(1, withKey, "one record carries the key");
        assertEquals(1, recordsPerJob(Topics.TRAIN).getOrDefault(id, 0), "one request");
    }

    @Test
    void concurrentPutsOfOneIdMakeOneJob() throws Exception {
        String id = "put-" + UUID.randomUUID().toString().substring(0, 8);
        URI uri = URI.create(jobs + "/" + id);
        List<Callable<Answer>> calls = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            calls.add(() -> send(HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                    .timeout(Duration.ofSeconds(60))
                    .PUT(HttpRequest.BodyPublishers.ofString(JobApiTest.trainSpec("same-id"))).build()));
        }
        List<Answer> answers = concurrently(24, calls);
        assertEquals(1, answers.stream().filter(a -> a.status() == 201).count(), "one PUT creates");
        assertTrue(answers.stream().allMatch(a -> (a.status() == 201 || a.status() == 200) && id.equals(a.id())),
                "the others answer the same job: " + answers);
        assertEquals(1, recordsPerJob(Topics.JOBS).getOrDefault(id, 0));
        assertEquals(1, recordsPerJob(Topics.TRAIN).getOrDefault(id, 0));
    }
}
