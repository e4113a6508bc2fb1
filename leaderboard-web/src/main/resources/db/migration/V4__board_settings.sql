-- The plug-in's own description and paper (results documents carry them since schema 1's optional
-- fields were added), for the defense page; null for documents written before.
ALTER TABLE run_plugins ADD COLUMN description TEXT;
ALTER TABLE run_plugins ADD COLUMN paper TEXT;
-- A defense measured with several parameter settings is one leaderboard entry per setting
-- (the fingerprint of its parameters) unless an admin marks one setting as the defense's official
-- one: then that entry is ranked and the others are shown as unranked variants.
CREATE TABLE official_settings (
    defense     VARCHAR(200) PRIMARY KEY,
    fingerprint VARCHAR(64)  NOT NULL,
    marked_at   TIMESTAMP    NOT NULL
);
