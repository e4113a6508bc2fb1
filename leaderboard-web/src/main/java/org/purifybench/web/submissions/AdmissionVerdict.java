package org.purifybench.web.submissions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code purifybench admit JAR --json} said (format 1), and the website's own rule on top:
 * a submission is exactly one defense, and not an oracle (the sandbox passes data only, so a
 * defense that needs the attack's trigger cannot run there). Attacks and evaluators in an uploaded
 * jar are refused (the CLI refuses them already: they could not run in the sandbox).
 */
public record AdmissionVerdict(boolean accepted, String reason, String fix, String stage, List<Plugin> plugins) {

    public record Plugin(String kind, String id, String version, List<String> needs, String sha256) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Parses the CLI's verdict; throws IOException when it is not one. */
    public static AdmissionVerdict parse(byte[] json) throws IOException {
        JsonNode v = JSON.readTree(json);
        if (v == null || !v.isObject() || v.path("format").asInt() != 1 || !v.path("accepted").isBoolean()) {
            throw new IOException("not an admission verdict of format 1");
        }
        List<Plugin> plugins = new ArrayList<>();
        for (JsonNode p : v.path("plugins")) {
            List<String> needs = new ArrayList<>();
            p.path("needs").forEach(n -> needs.add(n.asText()));
            plugins.add(new Plugin(p.path("kind").asText(), p.path("id").asText(), p.path("version").asText(), needs,
                    p.path("sha256").asText()));
        }
        return new AdmissionVerdict(v.get("accepted").asBoolean(), v.path("reason").asText(""), v.path("fix").asText(""),
                v.path("stage").asText(""), plugins);
    }

    /** The website's rule: null when the jar may be run, else why not (the submitter reads it). */
    public String websiteRefusal() {
        if (plugins.size() != 1 || !"defense".equals(plugins.get(0).kind())) {
            return "the jar holds " + describe() + "; the website runs jars with exactly one defense - put other plug-ins into"
                    + " jars of their own (attacks and evaluators are not taken on the website: they would run outside the sandbox)";
        }
        if (plugins.get(0).needs().contains("ORACLE_TRIGGER")) {
            return "defense '" + plugins.get(0).id() + "' declares ORACLE_TRIGGER (it needs the attack's trigger), which the"
                    + " sandbox cannot give it - oracle defenses are not taken on the website";
        }
        return null;
    }

    public Plugin defense() {
        return plugins.get(0);
    }

    private String describe() {
        if (plugins.isEmpty()) {
            return "no plug-in";
        }
        return plugins.stream().map(p -> p.kind() + " '" + p.id() + "'").reduce((a, b) -> a + ", " + b).orElse("");
    }
}
