package org.purifybench.web.importing;

import com.fasterxml.jackson.core.JsonStreamContext;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.regex.Pattern;

/**
 * Where in a document a problem is, written as JSONPath ({@code $.rows[3].metric}) so a message
 * points at the very value to fix. Built from parents only when a message needs it: checking a
 * 16 MB document must not format a path per value.
 */
final class JsonPath {

    static final JsonPath ROOT = new JsonPath(null, null, -1);

    private static final Pattern PLAIN_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private static final int MAX_SHOWN = 100;

    private final JsonPath parent;
    private final String name;
    private final int index;

    private JsonPath(JsonPath parent, String name, int index) {
        this.parent = parent;
        this.name = name;
        this.index = index;
    }

    JsonPath field(String fieldName) {
        return new JsonPath(this, fieldName, -1);
    }

    JsonPath index(int i) {
        return new JsonPath(this, null, i);
    }

    /** The path of the value a streaming parser is at (for an object: the field it just read). */
    static JsonPath of(JsonStreamContext context) {
        Deque<JsonStreamContext> chain = new ArrayDeque<>();
        for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
            chain.push(c);
        }
        JsonPath path = ROOT;
        for (JsonStreamContext c : chain) {
            if (c.inArray()) {
                path = path.index(Math.max(0, c.getCurrentIndex()));
            } else if (c.getCurrentName() != null) {
                path = path.field(c.getCurrentName());
            }
        }
        return path;
    }

    @Override
    public String toString() {
        if (parent == null) {
            return "$";
        }
        String prefix = parent.toString();
        if (name == null) {
            return prefix + "[" + index + "]";
        }
        return PLAIN_NAME.matcher(name).matches() ? prefix + "." + name
                : prefix + "['" + printable(name).replace("'", "\\'") + "']";
    }

    /**
     * The text with control characters written as \\uXXXX (a message must not carry the characters
     * it refuses), cut at 100 characters (nor a 50,000-character key).
     */
    static String printable(String s) {
        StringBuilder sb = new StringBuilder(Math.min(s.length(), MAX_SHOWN + 3));
        for (int i = 0; i < s.length(); i++) {
            if (i == MAX_SHOWN) {
                return sb.append("...").toString();
            }
            char c = s.charAt(i);
            if (Character.isISOControl(c)) {
                sb.append(String.format("\\u%04X", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
