package org.purifybench.web.board;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

final class Urls {
    private Urls() {
    }

    static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
