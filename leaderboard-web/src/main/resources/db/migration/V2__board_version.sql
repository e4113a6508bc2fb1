-- A counter every change of the published data bumps in the same transaction (import, publish,
-- delete; also from the CLI in another process), so the site can cache computed pages safely.
CREATE TABLE board_version (
    id      INTEGER PRIMARY KEY,
    version BIGINT  NOT NULL
);
INSERT INTO board_version (id, version) VALUES (1, 0);
