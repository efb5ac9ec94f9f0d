package dev.diffq.engine.sample;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

/** Test helper: concatenates (1, ...) arrays along the batch axis. */
final class NDArrayStack {
    private NDArrayStack() {
    }

    static NDArray stack(NDManager m, NDArray... rows) {
        return NDArrays.concat(new NDList(rows));
    }
}
