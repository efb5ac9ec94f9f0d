package dev.diffq.engine.sample;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.LambdaBlock;
import dev.diffq.engine.model.ForwardBudget;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class BlockDenoiserTest {

    @Test
    void passesFloatTimestepsAndLongLabelsToTheBlock() {
        try (NDManager m = NDManager.newBaseManager()) {
            DataType[] seen = new DataType[2];
            // out = x * t + label, per sample: checks argument order and types
            LambdaBlock block = new LambdaBlock(in -> {
                seen[0] = in.get(1).getDataType();
                seen[1] = in.get(2).getDataType();
                NDArray t = in.get(1).reshape(-1, 1, 1, 1);
                NDArray l = in.get(2).toType(DataType.FLOAT32, false).reshape(-1, 1, 1, 1);
                return new NDList(in.get(0).mul(t).add(l));
            });
            Denoiser d = new BlockDenoiser(block, m, ForwardBudget.UNLIMITED);
            NDArray x = m.ones(new Shape(2, 1, 2, 2));
            NDArray out = d.predict(x, m.create(new long[] {3, 5}), m.create(new long[] {10, 0}));
            assertEquals(DataType.FLOAT32, seen[0]);
            assertEquals(DataType.INT64, seen[1]);
            assertArrayEquals(new float[] {13, 13, 13, 13, 5, 5, 5, 5}, out.toFloatArray());
        }
    }

    @Test
    void aBatchLargerThanOnePassRunsInEqualPiecesInOrder() {
        try (NDManager m = NDManager.newBaseManager()) {
            java.util.List<Long> passSizes = new java.util.ArrayList<>();
            LambdaBlock block = new LambdaBlock(in -> {
                passSizes.add(in.get(0).getShape().get(0));
                NDArray t = in.get(1).reshape(-1, 1, 1, 1);
                NDArray l = in.get(2).toType(DataType.FLOAT32, false).reshape(-1, 1, 1, 1);
                return new NDList(in.get(0).mul(t).add(l));
            });
            // 9 images at most 8 per pass: two pieces of 5 and 4, not 8 and a slow remainder of 1
            Denoiser d = new BlockDenoiser(block, m, 8);
            NDArray x = m.arange(9f * 4).reshape(9, 1, 2, 2);
            long[] t = {1, 2, 3, 4, 5, 6, 7, 8, 9};
            long[] labels = {0, 1, 2, 3, 4, 5, 6, 7, 8};
            NDArray out = d.predict(x, m.create(t), m.create(labels));
            assertEquals(java.util.List.of(5L, 4L), passSizes);
            NDArray whole = new BlockDenoiser(block, m, ForwardBudget.UNLIMITED).predict(x, m.create(t), m.create(labels));
            assertEquals(new Shape(9, 1, 2, 2), out.getShape());
            assertArrayEquals(whole.toFloatArray(), out.toFloatArray());
            assertEquals(35f * 9 + 8, out.get(8, 0, 1, 1).getFloat()); // the last pixel of the last image: x t + label
            assertThrows(IllegalArgumentException.class, () -> new BlockDenoiser(block, m, 0));
        }
    }
}
