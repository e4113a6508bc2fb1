package org.purifybench.core.results;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Everything a run produced, as written to results.json. It is the contract between the runner
 * and anything downstream (reports, plots, other people's scripts), so its fields are documented
 * in docs/results-schema.md and checked by results-schema.json; change them only as that policy
 * says. Lists are never null, so consumers need no null checks.
 */
@JsonPropertyOrder({"schema", "schemaVersion", "runId", "createdAt", "profile", "configHash", "config",
        "provenance", "approximations", "plugins", "cells", "rows", "curves", "failures"})
// "schema" is a constant tag written for humans and tools that sniff files; ResultsIO checks it on
// read, so the bean never needs to store it.
@JsonIgnoreProperties(value = "schema", allowGetters = true)
public final class ResultsDocument {
    /** The file-type tag stored in the top-level "schema" field. */
    public static final String SCHEMA_NAME = "purifybench-results";
    /**
     * Bumped on breaking changes and on additions an older reader must not skip (docs/results-schema.md):
     * 2 added {@code failures}, which a reader of version 1 would drop, showing an incomplete run as complete.
     */
    public static final int SCHEMA_VERSION = 2;
    /** The oldest version still read: a version 1 document reads as one without failure records. */
    public static final int OLDEST_READ_VERSION = 1;

    private int schemaVersion = SCHEMA_VERSION;
    private String runId;
    private String createdAt;
    private String profile;
    private String configHash;
    private JsonNode config;
    private Provenance provenance;
    private List<String> approximations = new ArrayList<>();
    private List<PluginInfo> plugins = new ArrayList<>();
    private List<CellInfo> cells = new ArrayList<>();
    private List<ResultRow> rows = new ArrayList<>();
    private List<Curve> curves = new ArrayList<>();
    private List<FailedUnit> failures = new ArrayList<>();

    @JsonProperty("schema")
    public String getSchema() {
        return SCHEMA_NAME;
    }

    public int getSchemaVersion() {
        return schemaVersion;
    }

    public void setSchemaVersion(int schemaVersion) {
        this.schemaVersion = schemaVersion;
    }

    public String getRunId() {
        return runId;
    }

    public void setRunId(String runId) {
        this.runId = runId;
    }

    /** ISO-8601 instant, e.g. 2025-01-31T12:00:00Z. */
    public String getCreatedAt() {
        return createdAt;
    }

    public void setCreatedAt(String createdAt) {
        this.createdAt = createdAt;
    }

    public String getProfile() {
        return profile;
    }

    public void setProfile(String profile) {
        this.profile = profile;
    }

    public String getConfigHash() {
        return configHash;
    }

    public void setConfigHash(String configHash) {
        this.configHash = configHash;
    }

    public JsonNode getConfig() {
        return config;
    }

    public void setConfig(JsonNode config) {
        // Jackson hands a JSON null to a JsonNode property as NullNode; normalise so that a
        // document read back equals the one written.
        this.config = config == null || config.isNull() || config.isMissingNode() ? null : config;
    }

    public Provenance getProvenance() {
        return provenance;
    }

    public void setProvenance(Provenance provenance) {
        this.provenance = provenance;
    }

    public List<String> getApproximations() {
        return approximations;
    }

    public void setApproximations(List<String> approximations) {
        this.approximations = listOrEmpty(approximations);
    }

    public List<PluginInfo> getPlugins() {
        return plugins;
    }

    public void setPlugins(List<PluginInfo> plugins) {
        this.plugins = listOrEmpty(plugins);
    }

    public List<CellInfo> getCells() {
        return cells;
    }

    public void setCells(List<CellInfo> cells) {
        this.cells = listOrEmpty(cells);
    }

    public List<ResultRow> getRows() {
        return rows;
    }

    public void setRows(List<ResultRow> rows) {
        this.rows = listOrEmpty(rows);
    }

    public List<Curve> getCurves() {
        return curves;
    }

    public void setCurves(List<Curve> curves) {
        this.curves = listOrEmpty(curves);
    }

    /** Units that produced no results, with why; empty when all ran, and in documents of version 1 (not recorded then). */
    public List<FailedUnit> getFailures() {
        return failures;
    }

    public void setFailures(List<FailedUnit> failures) {
        this.failures = listOrEmpty(failures);
    }

    /** False for documents of schemaVersion 1, written before failed units were recorded. */
    public boolean failuresRecorded() {
        return schemaVersion >= 2;
    }

    private static <T> List<T> listOrEmpty(List<T> list) {
        return list == null ? new ArrayList<>() : new ArrayList<>(list);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ResultsDocument d
                && schemaVersion == d.schemaVersion
                && Objects.equals(runId, d.runId) && Objects.equals(createdAt, d.createdAt)
                && Objects.equals(profile, d.profile) && Objects.equals(configHash, d.configHash)
                && Objects.equals(config, d.config) && Objects.equals(provenance, d.provenance)
                && approximations.equals(d.approximations) && plugins.equals(d.plugins)
                && cells.equals(d.cells) && rows.equals(d.rows) && curves.equals(d.curves) && failures.equals(d.failures);
    }

    @Override
    public int hashCode() {
        return Objects.hash(schemaVersion, runId, createdAt, profile, configHash, config, provenance,
                approximations, plugins, cells, rows, curves, failures);
    }

    @Override
    public String toString() {
        return "ResultsDocument[runId=" + runId + ", profile=" + profile + ", cells=" + cells.size()
                + ", rows=" + rows.size() + ", curves=" + curves.size() + ", failures=" + failures.size() + "]";
    }
}
