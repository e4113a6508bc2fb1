package org.purifybench.web.importing;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.purifybench.web.importing.ImportException.Reason;

/**
 * The checks every value of a document gets, wherever it sits (config and provenance included),
 * before the schema looks at it: text without control characters, numbers that are finite. Both
 * are things the JSON Schema cannot say, and both would otherwise be stored and served as they are.
 */
final class PlainValues {

    private static final Pattern ROW_VALUE = Pattern.compile("\\$\\.rows\\[\\d+]\\.value");

    /**
     * The evaluators whose values are fractions, as results-schema.json's row rule lists them. The
     * schema refuses other values too; this says what was meant (a percentage where a fraction belongs).
     */
    private static final Set<String> FRACTION_EVALUATORS = Set.of("accuracy", "ra", "qra", "qra-transfer", "lmc");

    private PlainValues() {
    }

    /** Runs before the schema, so it must not assume the document's shape. */
    static void fractions(JsonNode doc) {
        JsonNode rows = doc.path("rows");
        for (int i = 0; i < rows.size(); i++) {
            JsonNode row = rows.get(i);
            JsonNode value = row.path("value");
            String evaluator = row.path("evaluator").asText("");
            if (value.isNumber() && FRACTION_EVALUATORS.contains(evaluator)
                    && !(value.doubleValue() >= 0 && value.doubleValue() <= 1)) {
                throw new ImportException(Reason.SCHEMA, JsonPath.ROOT.field("rows").index(i).field("value") + " is " + value
                        + ", but evaluator '" + evaluator + "' reports fractions in [0, 1] (metric '"
                        + JsonPath.printable(row.path("metric").asText("")) + "'; docs/results-schema.md) - a rate of 67.6% is"
                        + " written 0.676; import the results.json the run wrote, unedited");
            }
        }
    }

    static void check(JsonNode node, JsonPath at) {
        if (node.isTextual()) {
            text(node.textValue(), at, null);
        } else if (node.isNumber()) {
            if ((node.isDouble() || node.isFloat()) && !Double.isFinite(node.doubleValue())) {
                String where = at.toString();
                throw new ImportException(Reason.SCHEMA, where + " is " + (Double.isNaN(node.doubleValue()) ? "NaN"
                        : "infinite (" + node.doubleValue() + "; a number beyond 1.8e308 reads as infinite too)")
                        + " - numbers must be finite" + (ROW_VALUE.matcher(where).matches()
                        ? "; a metric that is undefined (such as 0/0) is written as null (docs/results-schema.md)" : ""));
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                check(node.get(i), at.index(i));
            }
        } else if (node.isObject()) {
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                text(e.getKey(), at, e.getKey());
                check(e.getValue(), at.field(e.getKey()));
            }
        }
    }

    /** Tab and newline are text (an approximation may span lines); every other control character is refused. */
    private static void text(String s, JsonPath at, String key) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\t' && c != '\n' && Character.isISOControl(c)) {
                String where = key == null ? at.toString() : "the key '" + JsonPath.printable(key) + "' in " + at;
                throw new ImportException(Reason.SCHEMA, where + " contains the control character "
                        + String.format("U+%04X", (int) c) + " (at character " + (i + 1) + ") - text may hold tabs and"
                        + " newlines but no other control characters; remove it and import again");
            }
        }
    }
}
