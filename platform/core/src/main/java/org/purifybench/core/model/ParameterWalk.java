package org.purifybench.core.model;

/**
 * A pass over an architecture that only meets its parameters (to record their names and shapes, or
 * to create them): every operation without parameters is a no-op, so a subclass writes only
 * {@code conv}, {@code batchNorm} and {@code dense}. No tensor flows; values are null.
 */
public abstract class ParameterWalk implements Layers<Object> {
    @Override
    public Object input() {
        return null;
    }

    @Override
    public Object relu(Object x) {
        return null;
    }

    @Override
    public Object maxPool2(Object x) {
        return null;
    }

    @Override
    public Object maxPool(Object x, int kernel, int stride, int padding) {
        return null;
    }

    @Override
    public Object avgPool(Object x, int kernel, int stride) {
        return null;
    }

    @Override
    public Object adaptiveAvgPool(Object x, int inHeight, int inWidth, int out) {
        return null;
    }

    @Override
    public Object resize(Object x, int inHeight, int inWidth, int size) {
        return null;
    }

    @Override
    public Object concat(Object a, Object b) {
        return null;
    }

    @Override
    public Object dropout(Object x, long size, double p) {
        return null;
    }

    @Override
    public Object globalAvgPool(Object x) {
        return null;
    }

    @Override
    public Object flatten(Object x, long size) {
        return null;
    }

    @Override
    public Object features(Object x) {
        return null;
    }

    @Override
    public Object add(Object a, Object b) {
        return null;
    }
}
