-- The compute engine a run used (results' provenance.engine: nd4j or pytorch with its library versions).
-- Null for runs imported from documents written before engines existed (they all ran on nd4j).
ALTER TABLE runs ADD COLUMN engine VARCHAR(500);
