package org.purifybench.web.board;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** Ids come from uploaded documents and may hold any character, so every link encodes them. */
public final class Urls {
    private Urls() {
    }

    /** For a query parameter value. */
    public static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** For one path segment (a space is %20 there, not +). */
    public static String segment(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
