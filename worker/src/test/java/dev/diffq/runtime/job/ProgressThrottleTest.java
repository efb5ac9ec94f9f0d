package dev.diffq.runtime.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.diffq.proto.Progress;

class ProgressThrottleTest {
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stop() {
        timer.shutdownNow();
    }

    private record Sent(long step, long nanos) {}

    @Test
    void sendsAtMostOnePerIntervalAndNeverLosesTheLast() throws Exception {
        List<Sent> sent = new CopyOnWriteArrayList<>();
        ProgressThrottle t = new ProgressThrottle(200, timer, p -> sent.add(new Sent(p.getStep(), System.nanoTime())));
        for (int step = 1; step <= 60; step++) { // ~0.6 s of reports every 10 ms
            t.offer(Progress.newBuilder().setStep(step).build());
            Thread.sleep(10);
        }
        Thread.sleep(400); // the held last report goes out on the timer, without another offer
        assertEquals(60, sent.get(sent.size() - 1).step(), "the last report is always sent");
        assertTrue(sent.size() >= 3 && sent.size() <= 6, "sent " + sent.size() + " of 60");
        for (int i = 1; i < sent.size(); i++) {
            assertTrue(sent.get(i).step() > sent.get(i - 1).step(), "in order");
            long gapMs = (sent.get(i).nanos() - sent.get(i - 1).nanos()) / 1_000_000;
            assertTrue(gapMs >= 195, "reports " + gapMs + " ms apart");
        }
    }

    @Test
    void flushSendsTheHeldReportAndCloseDropsLaterOnes() {
        List<Long> sent = new CopyOnWriteArrayList<>();
        ProgressThrottle t = new ProgressThrottle(60_000, timer, p -> sent.add(p.getStep()));
        t.offer(Progress.newBuilder().setStep(1).build());
        t.offer(Progress.newBuilder().setStep(2).build());
        t.offer(Progress.newBuilder().setStep(3).build());
        assertEquals(List.of(1L), sent);
        t.close();
        assertEquals(List.of(1L, 3L), sent);
        t.offer(Progress.newBuilder().setStep(4).build());
        t.flush();
        assertEquals(List.of(1L, 3L), sent);
    }
}
