package org.purifybench.web.store;

/**
 * Micronaut Data fixes a repository's SQL dialect at compile time, so every repository has one
 * sub-interface per supported database; the configured {@code datasources.default.dialect}
 * selects which one becomes a bean. The SQL written by hand here is portable and the same
 * Flyway migrations serve both databases.
 */
public final class Dialects {
    public static final String PROPERTY = "datasources.default.dialect";
    public static final String H2 = "H2";
    public static final String POSTGRES = "POSTGRES";

    private Dialects() {
    }
}
