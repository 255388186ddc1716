-- Dashboard sessions: an API token exchanged for an HttpOnly cookie (docs/dashboard.md, ADR 0015). Only the SHA-256
-- of the cookie's secret is stored; the session acts as the token it was made from, so revoking or expiring that token
-- ends the session too (cascade on delete).
create table web_session (
    session_hash char(64)    primary key,
    token_id     uuid        not null references api_token (id) on delete cascade,
    created_at   timestamptz not null,
    expires_at   timestamptz not null
);
create index web_session_expires on web_session (expires_at);
create index web_session_token on web_session (token_id);
