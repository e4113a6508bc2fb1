-- What each defense's model means (role: PURIFIER, BACKDOORED_BASELINE, CLEAN_BASELINE or ORACLE) and
-- the metric names each evaluator declares (a JSON array), as results documents record them. Null for
-- runs imported from documents written before they were recorded: PluginRoles infers the role then.
ALTER TABLE run_plugins ADD COLUMN role VARCHAR(32);
ALTER TABLE run_plugins ADD COLUMN metrics_json TEXT;
