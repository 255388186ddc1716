-- Identity and access: subjects (users and service accounts), team memberships with roles, API tokens (hashed) and
-- the audit log of admin actions. See docs/adr/0008-api-tokens.md.

-- A subject is created implicitly when it is first given a membership or a token.
create table subject (
    name          varchar(128) primary key,
    -- Set by the bootstrap (subject 'admin'); informational: cluster-admin power is carried by tokens (api_token).
    cluster_admin boolean      not null default false,
    created_at    timestamptz  not null
);

create table membership (
    team       varchar(63)  not null references team (name) on delete cascade,
    subject    varchar(128) not null references subject (name) on delete cascade,
    role       varchar(16)  not null check (role in ('VIEWER', 'MEMBER', 'TEAM_ADMIN')),
    created_at timestamptz  not null,
    updated_at timestamptz  not null,
    primary key (team, subject)
);
create index membership_subject on membership (subject);

-- The secret is never stored: only its SHA-256 (hex) and a short non-secret prefix for display.
create table api_token (
    id            uuid         primary key,
    subject       varchar(128) not null references subject (name) on delete cascade,
    name          varchar(128) not null,
    token_hash    char(64)     not null unique,
    prefix        varchar(16)  not null,
    cluster_admin boolean      not null default false,
    created_by    varchar(128) not null,
    created_at    timestamptz  not null,
    expires_at    timestamptz,
    revoked_at    timestamptz,
    last_used_at  timestamptz
);
create index api_token_subject on api_token (subject, created_at desc);

create table audit_event (
    id      bigserial    primary key,
    at      timestamptz  not null,
    actor   varchar(128) not null,
    action  varchar(64)  not null,
    target  varchar(256) not null,
    details jsonb
);
create index audit_event_action on audit_event (action, id desc);
create index audit_event_actor on audit_event (actor, id desc);
