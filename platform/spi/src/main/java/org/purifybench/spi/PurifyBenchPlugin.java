package org.purifybench.spi;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The one declaration of a plug-in. The build's annotation processor writes
 * {@code META-INF/services} and {@code META-INF/purifybench/plugin.properties} from it (the host
 * reads that file before loading any class), and {@link Plugin#descriptor()} reads it at run time,
 * so the three can no longer disagree.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface PurifyBenchPlugin {
    Kind kind();

    /** Stable lower-case id used in matrix specs ({@link PluginDescriptor#ID}). */
    String id();

    String version();

    /** One line for {@code purifybench list}; defaults belong in {@link #params()}, not here. */
    String description();

    /** Reference (citation or URL) of the method implemented. */
    String paper() default "";

    Need[] needs() default {};

    /** Defenses only: what its model means in the matrix. */
    Role role() default Role.PURIFIER;

    /**
     * Evaluators only: the metric names its results publish. A name ending in {@code :*} is a family
     * published once per other defense of the cell, e.g. {@code p-asr-from:*} for {@code p-asr-from:pam}.
     */
    String[] metrics() default {};

    /** Evaluators only: roles whose models it asks for ({@link EvaluationContext#purifiedModelOf}); a matrix without them is refused. */
    Role[] needsRoles() default {};

    Param[] params() default {};
}
