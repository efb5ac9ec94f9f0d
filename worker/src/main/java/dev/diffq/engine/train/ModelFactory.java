package dev.diffq.engine.train;

import ai.djl.nn.Block;
import dev.diffq.engine.model.UNet;
import dev.diffq.engine.model.UNetConfig;

import java.util.function.Function;

/** How training and checkpoint loading build a model from its config. Tests may pass smaller blocks. */
public final class ModelFactory {

    /** The project's UNet. */
    public static final Function<UNetConfig, Block> UNET = UNet::new;

    private ModelFactory() {
    }
}
