package dev.diffq.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Embedding;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The DDPM noise-prediction UNet, laid out exactly as docs/DESIGN.md ("UNet presets") describes.
 *
 * <p>forward input: {@code NDList(x [N,C,H,W] float32, t [N] float32 or int64, labels [N] int64)};
 * output {@code NDList(eps [N,C,H,W])}. Label {@code cfg.numClasses()} is the null class used for
 * classifier-free guidance; a conditional model given no labels treats every image as the null class.
 * An unconditional model ({@code numClasses == 0}) has no class table and ignores labels.
 *
 * <p>Initialisation: convs and linears use PyTorch's defaults (uniform +-1/sqrt(fan_in)); the last conv
 * of every residual branch (ResBlock conv2, attention projection) and the output conv start at zero.
 * Every block then starts as its skip path and the untrained model predicts eps = 0 (loss 1 on unit
 * noise), so the first steps do not fight exploding activations; the zero layers get nonzero
 * gradients at once and leave zero after the first update.
 */
public final class UNet extends Layer {

    private final UNetConfig cfg;
    private final Dense embed1;
    private final Dense embed2;
    private final Parameter classTable;
    private final Conv inputConv;
    private final List<List<ResBlock>> downRes = new ArrayList<>();
    private final List<List<Attention>> downAttn = new ArrayList<>();
    private final List<Conv> downsample = new ArrayList<>();
    private final ResBlock mid1;
    private final Attention midAttn;
    private final ResBlock mid2;
    /** Indexed by level (0 = full resolution); the up path runs them from the last level to 0. */
    private final List<List<ResBlock>> upRes = new ArrayList<>();
    private final List<List<Attention>> upAttn = new ArrayList<>();
    private final List<Conv> upsampleConv = new ArrayList<>();
    private final GroupNorm outNorm;
    private final Conv outConv;
    private final float[] frequencies;

    public UNet(UNetConfig cfg) {
        validate(cfg);
        this.cfg = cfg;
        int c = cfg.baseChannels();
        int emb = cfg.embedDim();
        int levels = cfg.levels();
        int half = c / 2;
        frequencies = new float[half];
        for (int i = 0; i < half; i++) {
            frequencies[i] = (float) Math.exp(-Math.log(10000.0) * i / half);
        }
        embed1 = addChildBlock("time_embed1", new Dense(c, emb));
        embed2 = addChildBlock("time_embed2", new Dense(emb, emb));
        classTable = cfg.conditional()
                ? param("class_table", Parameter.Type.WEIGHT, new Shape(cfg.numClasses() + 1, emb),
                        (m, shape, type) -> m.randomNormal(0f, 1f, shape, type)) // as torch.nn.Embedding
                : null;
        inputConv = addChildBlock("input_conv", new Conv(cfg.inChannels(), c, 3, 1, false));

        Deque<Integer> skipChannels = new ArrayDeque<>();
        skipChannels.push(c);
        int ch = c;
        for (int l = 0; l < levels; l++) {
            int cout = c * cfg.channelMults()[l];
            List<ResBlock> res = new ArrayList<>();
            List<Attention> attn = new ArrayList<>();
            for (int b = 0; b < cfg.blocksPerLevel(); b++) {
                res.add(addChildBlock("down" + l + "_res" + b, new ResBlock(ch, cout, emb, cfg.dropout())));
                ch = cout;
                if (cfg.hasAttention(l)) {
                    attn.add(addChildBlock("down" + l + "_attn" + b, new Attention(ch)));
                }
                skipChannels.push(ch);
            }
            downRes.add(res);
            downAttn.add(attn);
            if (l < levels - 1) {
                downsample.add(addChildBlock("down" + l + "_downsample", new Conv(ch, ch, 3, 2, false)));
                skipChannels.push(ch);
            } else {
                downsample.add(null);
            }
        }
        mid1 = addChildBlock("mid_res1", new ResBlock(ch, ch, emb, cfg.dropout()));
        midAttn = addChildBlock("mid_attn", new Attention(ch));
        mid2 = addChildBlock("mid_res2", new ResBlock(ch, ch, emb, cfg.dropout()));

        for (int l = 0; l < levels; l++) {
            upRes.add(null);
            upAttn.add(null);
            upsampleConv.add(null);
        }
        for (int l = levels - 1; l >= 0; l--) {
            int cout = c * cfg.channelMults()[l];
            List<ResBlock> res = new ArrayList<>();
            List<Attention> attn = new ArrayList<>();
            for (int b = 0; b <= cfg.blocksPerLevel(); b++) {
                int skip = skipChannels.pop();
                res.add(addChildBlock("up" + l + "_res" + b, new ResBlock(ch + skip, cout, emb, cfg.dropout())));
                ch = cout;
                if (cfg.hasAttention(l)) {
                    attn.add(addChildBlock("up" + l + "_attn" + b, new Attention(ch)));
                }
            }
            upRes.set(l, res);
            upAttn.set(l, attn);
            if (l > 0) {
                upsampleConv.set(l, addChildBlock("up" + l + "_upsample", new Conv(ch, ch, 3, 1, false)));
            }
        }
        outNorm = addChildBlock("out_norm", new GroupNorm(c));
        outConv = addChildBlock("out_conv", new Conv(c, cfg.inChannels(), 3, 1, true));
    }

    private static void validate(UNetConfig cfg) {
        require(cfg.imageSize() > 0, "imageSize", "must be > 0, got " + cfg.imageSize());
        require(cfg.inChannels() > 0, "inChannels", "must be > 0, got " + cfg.inChannels());
        require(cfg.baseChannels() > 0 && cfg.baseChannels() % GroupNorm.GROUPS == 0, "baseChannels",
                "must be a positive multiple of " + GroupNorm.GROUPS + " (GroupNorm groups), got " + cfg.baseChannels());
        require(cfg.channelMults().length > 0, "channelMults", "must name at least one level");
        for (int m : cfg.channelMults()) {
            require(m > 0, "channelMults", "entries must be > 0, got " + m);
        }
        require(cfg.blocksPerLevel() > 0, "blocksPerLevel", "must be > 0, got " + cfg.blocksPerLevel());
        for (int a : cfg.attentionLevels()) {
            require(a >= 0 && a < cfg.levels(), "attentionLevels",
                    "entries must be levels in [0, " + cfg.levels() + "), got " + a);
        }
        require(cfg.numClasses() >= 0, "numClasses", "must be >= 0, got " + cfg.numClasses());
        require(cfg.dropout() >= 0f && cfg.dropout() < 1f, "dropout", "must be in [0, 1), got " + cfg.dropout());
    }

    private static void require(boolean ok, String field, String rule) {
        if (!ok) {
            throw new IllegalArgumentException("UNetConfig." + field + " " + rule);
        }
    }

    public UNetConfig config() {
        return cfg;
    }

    /** Number of scalar parameters. */
    public long parameterCount() {
        return super.parameterCount();
    }

    /** Shapes of the forward inputs for {@code Block.initialize} / {@code Trainer.initialize}. */
    public Shape[] inputShapes(int batch) {
        return new Shape[] {
            new Shape(batch, cfg.inChannels(), cfg.imageSize(), cfg.imageSize()), new Shape(batch), new Shape(batch)
        };
    }

    /** Multiply-accumulates of one forward pass for one image at {@code cfg.imageSize()}: convolutions and linear layers. */
    public long macsPerImage() {
        return macsPerImage(cfg.imageSize());
    }

    /** Multiply-accumulates of one forward pass for one {@code size x size} image: convolutions and linear layers. */
    public long macsPerImage(int size) {
        long macs = embed1.macs() + embed2.macs();
        int s = size;
        macs += inputConv.macs(s, s);
        Deque<Integer> skipSizes = new ArrayDeque<>();
        skipSizes.push(s);
        for (int l = 0; l < cfg.levels(); l++) {
            for (int b = 0; b < cfg.blocksPerLevel(); b++) {
                macs += downRes.get(l).get(b).macs(s);
                if (cfg.hasAttention(l)) {
                    macs += downAttn.get(l).get(b).macs(s);
                }
                skipSizes.push(s);
            }
            Conv down = downsample.get(l);
            if (down != null) {
                s = down.outSize(s);
                macs += down.macs(s, s);
                skipSizes.push(s);
            }
        }
        macs += mid1.macs(s) + midAttn.macs(s) + mid2.macs(s);
        for (int l = cfg.levels() - 1; l >= 0; l--) {
            for (int b = 0; b <= cfg.blocksPerLevel(); b++) {
                s = skipSizes.pop();
                macs += upRes.get(l).get(b).macs(s);
                if (cfg.hasAttention(l)) {
                    macs += upAttn.get(l).get(b).macs(s);
                }
            }
            if (l > 0) {
                s = skipSizes.peek();
                macs += upsampleConv.get(l).macs(s, s);
            }
        }
        return macs + outConv.macs(s, s);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        if (inputs.isEmpty() || inputs.size() > 3) {
            throw new IllegalArgumentException("UNet input must be NDList(x, t[, labels]), got " + inputs.size() + " arrays");
        }
        NDArray x = inputs.get(0);
        Shape xs = x.getShape();
        if (xs.dimension() != 4 || xs.get(1) != cfg.inChannels()) {
            throw new IllegalArgumentException(
                    "UNet input x must be [N, " + cfg.inChannels() + ", H, W], got " + xs);
        }
        long n = xs.get(0);
        if (inputs.size() < 2) {
            throw new IllegalArgumentException("UNet input t (timesteps, shape [N]) is missing");
        }
        NDArray t = inputs.get(1);
        if (t.getShape().dimension() != 1 || t.getShape().get(0) != n) {
            throw new IllegalArgumentException("UNet input t must have shape [" + n + "], got " + t.getShape());
        }
        NDArray labels = inputs.size() > 2 ? inputs.get(2) : null;
        return new NDList(predict(ps, x, t, labels, training));
    }

    private NDArray predict(ParameterStore ps, NDArray x, NDArray t, NDArray labels, boolean training) {
        NDArray emb = embed2.apply(ps, Ops.silu(embed1.apply(ps, timestepEmbedding(t), training)), training);
        if (classTable != null) {
            emb = emb.add(Embedding.embedding(classLabels(x, labels), ps.getValue(classTable, x.getDevice(), training),
                    SparseFormat.DENSE).singletonOrThrow());
        }
        NDArray embSilu = Ops.silu(emb);

        Deque<NDArray> skips = new ArrayDeque<>();
        NDArray h = inputConv.apply(ps, x, training);
        skips.push(h);
        for (int l = 0; l < cfg.levels(); l++) {
            for (int b = 0; b < cfg.blocksPerLevel(); b++) {
                h = downRes.get(l).get(b).apply(ps, h, embSilu, training);
                if (cfg.hasAttention(l)) {
                    h = downAttn.get(l).get(b).apply(ps, h, training);
                }
                skips.push(h);
            }
            Conv down = downsample.get(l);
            if (down != null) {
                h = down.apply(ps, h, training);
                skips.push(h);
            }
        }
        h = mid1.apply(ps, h, embSilu, training);
        h = midAttn.apply(ps, h, training);
        h = mid2.apply(ps, h, embSilu, training);
        for (int l = cfg.levels() - 1; l >= 0; l--) {
            for (int b = 0; b <= cfg.blocksPerLevel(); b++) {
                h = NDArrays.concat(new NDList(h, skips.pop()), 1);
                h = upRes.get(l).get(b).apply(ps, h, embSilu, training);
                if (cfg.hasAttention(l)) {
                    h = upAttn.get(l).get(b).apply(ps, h, training);
                }
            }
            if (l > 0) {
                // Nearest upsampling to the size of the skips of the level above (2x, or 2x-1 after an odd size).
                Shape target = skips.peek().getShape();
                h = h.getNDArrayInternal().interpolation(new long[] {target.get(2), target.get(3)}, 0, false);
                h = upsampleConv.get(l).apply(ps, h, training);
            }
        }
        return outConv.apply(ps, outNorm.apply(ps, h, training, true), training);
    }

    /** Sinusoidal embedding of width C: [sin(t f_i), cos(t f_i)], f_i = exp(-ln(10000) i / (C/2)). */
    private NDArray timestepEmbedding(NDArray t) {
        NDManager manager = t.getManager();
        NDArray steps = t.getDataType() == DataType.FLOAT32 ? t : t.toType(DataType.FLOAT32, false);
        NDArray angles = steps.reshape(-1, 1).mul(manager.create(frequencies).reshape(1, -1));
        return NDArrays.concat(new NDList(angles.sin(), angles.cos()), 1);
    }

    private NDArray classLabels(NDArray x, NDArray labels) {
        long n = x.getShape().get(0);
        if (labels == null) {
            return x.getManager().full(new Shape(n), (long) cfg.nullClass(), DataType.INT64, x.getDevice());
        }
        if (labels.getShape().dimension() != 1 || labels.getShape().get(0) != n) {
            throw new IllegalArgumentException("UNet input labels must have shape [" + n + "], got " + labels.getShape());
        }
        NDArray asLong = labels.getDataType() == DataType.INT64 ? labels : labels.toType(DataType.INT64, false);
        long min = asLong.min().getLong();
        long max = asLong.max().getLong();
        if (min < 0 || max > cfg.nullClass()) {
            throw new IllegalArgumentException("UNet input labels must be in [0, " + cfg.nullClass() + "] ("
                    + cfg.nullClass() + " = null class), got values in [" + min + ", " + max + "]");
        }
        return asLong;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
