package org.purifybench.spi;

import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** One parameter inside {@link PurifyBenchPlugin#params()}; see {@link ParamSpec} for the meaning of each element. */
@Retention(RetentionPolicy.RUNTIME)
@Target({})
public @interface Param {
    String name();

    ParamType type();

    String defaultValue();

    double min() default Double.NEGATIVE_INFINITY;

    double max() default Double.POSITIVE_INFINITY;

    String[] choices() default {};

    boolean perAttack() default false;

    String description();

    String source() default "";
}
