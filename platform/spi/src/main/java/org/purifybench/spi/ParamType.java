package org.purifybench.spi;

/** The type of a declared plug-in parameter ({@link ParamSpec}). */
public enum ParamType {
    /** {@code true} or {@code false}. */
    BOOLEAN,
    /** A whole number, checked against {@link ParamSpec#min()} and {@link ParamSpec#max()}. */
    INT,
    /** A real number, checked against {@link ParamSpec#min()} and {@link ParamSpec#max()}. */
    NUMBER,
    /** Free text; when {@link ParamSpec#choices()} is not empty, one of them. */
    STRING,
    /** Comma-separated numbers (e.g. a grid), each checked against min and max. */
    NUMBER_LIST
}
