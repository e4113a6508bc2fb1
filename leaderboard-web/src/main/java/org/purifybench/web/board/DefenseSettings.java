package org.purifybench.web.board;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.micronaut.core.annotation.Nullable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which parameters each defense of a run ran with, read from the run's recorded configuration
 * ({@code config.defenses[]: {id, params}}). Rows name a defense by its id, or, when the matrix lists
 * one id twice, by its label {@code id{key=value, ...}} (MatrixSpec.PluginRef.label in the core), so
 * both spellings are mapped. The fingerprint (first 10 hex digits of the SHA-256 of the parameters as
 * canonical JSON) tells two settings of one defense apart on the board.
 */
public final class DefenseSettings {

    /** The fingerprint of a defense whose run recorded no configuration for it. */
    public static final String UNRECORDED = "unrecorded";

    private static final ObjectMapper CANONICAL = new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    /** One defense's setting: fingerprint and parameters (null when unrecorded). */
    public record Setting(String fingerprint, @Nullable Map<String, Object> params) {
        public String paramsText() {
            if (params == null) {
                return "not recorded in the run's configuration";
            }
            return params.isEmpty() ? "defaults (no parameters given)" : new TreeMap<>(params).toString();
        }
    }

    private DefenseSettings() {
    }

    /** Row defense name -> setting, for one run; a name missing from the map is {@link #UNRECORDED}. */
    public static Map<String, Setting> of(@Nullable String configJson) {
        Map<String, Setting> out = new LinkedHashMap<>();
        if (configJson == null) {
            return out;
        }
        JsonNode defenses;
        try {
            defenses = CANONICAL.readTree(configJson).path("defenses");
        } catch (Exception e) {
            return out; // the importer stores only parsed JSON; an unreadable tree records no settings
        }
        Map<String, Integer> idCount = new TreeMap<>();
        defenses.forEach(d -> idCount.merge(d.path("id").asText(), 1, Integer::sum));
        for (JsonNode d : defenses) {
            String id = d.path("id").asText();
            Map<String, Object> params = d.path("params").isObject()
                    ? CANONICAL.convertValue(d.get("params"), TREE_MAP) : Map.of();
            Setting s = new Setting(fingerprint(params), params);
            out.put(label(id, params), s);
            if (idCount.get(id) == 1) {
                out.putIfAbsent(id, s);
            }
        }
        return out;
    }

    public static Setting lookup(Map<String, Setting> settings, String defense) {
        return settings.getOrDefault(defense, new Setting(UNRECORDED, null));
    }

    private static final com.fasterxml.jackson.core.type.TypeReference<TreeMap<String, Object>> TREE_MAP =
            new com.fasterxml.jackson.core.type.TypeReference<>() { };

    /** As the core's PluginRef.label: the id, plus the sorted parameters when there are any. */
    static String label(String id, Map<String, Object> params) {
        return params.isEmpty() ? id : id + new TreeMap<>(params);
    }

    static String fingerprint(Map<String, Object> params) {
        try {
            byte[] canonical = CANONICAL.writeValueAsString(new TreeMap<>(params)).getBytes(StandardCharsets.UTF_8);
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical)).substring(0, 10);
        } catch (NoSuchAlgorithmException | com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
