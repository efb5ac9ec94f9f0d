package dev.diffq.engine.sample;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.LambdaBlock;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

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
            Denoiser d = new BlockDenoiser(block, m);
            NDArray x = m.ones(new Shape(2, 1, 2, 2));
            NDArray out = d.predict(x, m.create(new long[] {3, 5}), m.create(new long[] {10, 0}));
            assertEquals(DataType.FLOAT32, seen[0]);
            assertEquals(DataType.INT64, seen[1]);
            assertArrayEquals(new float[] {13, 13, 13, 13, 5, 5, 5, 5}, out.toFloatArray());
        }
    }
}
