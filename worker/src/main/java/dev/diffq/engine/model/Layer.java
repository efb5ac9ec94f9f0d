package dev.diffq.engine.model;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;

/**
 * Base of the UNet's layers. Every parameter shape is known when the layer is built, so no shape
 * inference is needed. The UNet calls its layers through typed package-private methods instead of
 * {@link Block#forward}: DJL's forward re-walks the whole parameter tree on every call to check it is
 * initialised, which is pure overhead when done for every layer of every step.
 */
abstract class Layer extends AbstractBlock {

    /** A parameter with a fixed shape and initializer. */
    protected final Parameter param(String name, Parameter.Type type, Shape shape, Initializer init) {
        return addParameter(Parameter.builder().setName(name).setType(type).optShape(shape).optInitializer(init).build());
    }

    /** Uniform(-bound, bound): PyTorch's default for conv and linear weights and biases is bound = 1/sqrt(fanIn). */
    static Initializer uniform(float bound) {
        return (manager, shape, dataType) -> manager.randomUniform(-bound, bound, shape, dataType);
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        for (Block child : getChildren().values()) {
            child.initialize(manager, dataType, inputShapes);
        }
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " is only called from UNet");
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inputShapes;
    }

    /** Number of scalar parameters (known from the shapes, before initialisation). */
    long parameterCount() {
        return getParameters().values().stream().mapToLong(p -> p.getShape().size()).sum();
    }
}
