-- Projects of a tenant's members, their proposals (options, tasks and
-- window as one JSON body), each member's latest choice and their twin's
-- latest recommendation. Members are kept in the order given.
CREATE TABLE projects (
    tenant     TEXT NOT NULL,
    id         TEXT NOT NULL,
    title      TEXT NOT NULL,
    context    TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (tenant, id)
);
CREATE TABLE project_members (
    tenant     TEXT NOT NULL,
    project_id TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    position   BIGINT NOT NULL,
    PRIMARY KEY (tenant, project_id, user_id),
    FOREIGN KEY (tenant, project_id) REFERENCES projects (tenant, id) ON DELETE CASCADE
);
CREATE INDEX project_members_by_user ON project_members (tenant, user_id);
CREATE TABLE proposals (
    seq        BIGSERIAL PRIMARY KEY,
    tenant     TEXT NOT NULL,
    id         TEXT NOT NULL,
    project_id TEXT NOT NULL,
    question   TEXT NOT NULL,
    kind       TEXT NOT NULL,
    body       TEXT NOT NULL,
    status     TEXT NOT NULL,
    closes_at  TEXT,
    decision   TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (tenant, id),
    FOREIGN KEY (tenant, project_id) REFERENCES projects (tenant, id) ON DELETE CASCADE
);
CREATE INDEX proposals_by_project ON proposals (tenant, project_id, seq);
CREATE TABLE choices (
    tenant      TEXT NOT NULL,
    proposal_id TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    options     TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (tenant, proposal_id, user_id),
    FOREIGN KEY (tenant, proposal_id) REFERENCES proposals (tenant, id) ON DELETE CASCADE
);
CREATE INDEX choices_by_user ON choices (tenant, user_id);
CREATE TABLE recommendations (
    tenant      TEXT NOT NULL,
    proposal_id TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    top         TEXT,
    ranking     TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (tenant, proposal_id, user_id),
    FOREIGN KEY (tenant, proposal_id) REFERENCES proposals (tenant, id) ON DELETE CASCADE
);
CREATE INDEX recommendations_by_user ON recommendations (tenant, user_id);
