-- Sentence-embedding vectors, keyed by paper and model: a model change is
-- seen (the model id differs) and never mixed with older vectors.
CREATE TABLE paper_vectors (
    paper_id TEXT COLLATE "C" NOT NULL REFERENCES papers(id),
    model_id TEXT COLLATE "C" NOT NULL,
    dim      BIGINT NOT NULL,
    vector   BYTEA NOT NULL,                    -- little-endian f32 x dim
    PRIMARY KEY (paper_id, model_id)
);
CREATE INDEX paper_vectors_model ON paper_vectors(model_id);
