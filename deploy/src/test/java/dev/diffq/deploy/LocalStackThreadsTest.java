package dev.diffq.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

class LocalStackThreadsTest {

    @Test
    void oneWorkerKeepsPyTorchDefaultsSeveralShareTheCores() {
        assertEquals(List.of(), LocalStack.torchThreads(2, 1));
        assertEquals(List.of("-Dai.djl.pytorch.num_threads=1", "-Dai.djl.pytorch.num_interop_threads=1"),
                LocalStack.torchThreads(2, 2));
        assertEquals(List.of("-Dai.djl.pytorch.num_threads=4", "-Dai.djl.pytorch.num_interop_threads=1"),
                LocalStack.torchThreads(16, 4));
        assertEquals(List.of("-Dai.djl.pytorch.num_threads=1", "-Dai.djl.pytorch.num_interop_threads=1"),
                LocalStack.torchThreads(2, 3), "never fewer than one thread");
    }
}
