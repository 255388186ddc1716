-- Jobs, attempts, the timeline, metric series, logs, artifacts and the ingest de-duplication cursor.

create table job (
    id                    uuid primary key,
    name                  varchar(63)  not null,
    team                  varchar(63)  not null,
    kind                  varchar(16)  not null,
    state                 varchar(16)  not null,
    priority              varchar(8)   not null,
    priority_weight       int          not null,
    labels                jsonb        not null,
    idempotency_key       varchar(128),
    resources             jsonb        not null,
    spec                  jsonb        not null,
    max_attempts          int          not null,
    retry_backoff_seconds int          not null,
    max_runtime_seconds   bigint       not null,
    attempt               int          not null default 0,
    cancel_requested      boolean      not null default false,
    reason                varchar(64),
    message               text,
    not_before            timestamptz,
    created_at            timestamptz  not null,
    updated_at            timestamptz  not null,
    started_at            timestamptz,
    finished_at           timestamptz,
    progress_step         bigint,
    progress_total        bigint,
    progress_eta          double precision,
    progress_phase        varchar(64),
    progress_at           timestamptz,
    last_metrics          jsonb,
    result                jsonb,
    version               bigint       not null default 0
);

-- One job per (team, idempotency key).
create unique index job_team_idempotency on job (team, idempotency_key) where idempotency_key is not null;
-- Keyset pagination, newest first, with and without filters.
create index job_created on job (created_at desc, id desc);
create index job_team_created on job (team, created_at desc, id desc);
create index job_state_created on job (state, created_at desc, id desc);
create index job_kind_created on job (kind, created_at desc, id desc);
-- The dispatcher only ever looks at live jobs: keep that index small.
create index job_live on job (state, priority_weight desc, created_at) where state not in ('SUCCEEDED', 'FAILED', 'CANCELLED');
-- Retention sweeps finished jobs by age.
create index job_finished on job (finished_at) where finished_at is not null;

create table attempt (
    job_id         uuid        not null references job (id) on delete cascade,
    number         int         not null,
    state          varchar(16) not null,
    launcher       varchar(32) not null,
    launch_name    varchar(80) not null,
    created_at     timestamptz not null,
    started_at     timestamptz,
    finished_at    timestamptz,
    last_heartbeat timestamptz,
    exit_code      int,
    reason         varchar(64),
    message        text,
    last_lines     jsonb,
    result         jsonb,
    version        bigint      not null default 0,
    primary key (job_id, number)
);

create table transition (
    id         bigserial primary key,
    job_id     uuid        not null references job (id) on delete cascade,
    attempt    int         not null,
    from_state varchar(16),
    to_state   varchar(16) not null,
    reason     varchar(64) not null,
    message    text,
    at         timestamptz not null
);
create index transition_job on transition (job_id, id);

create table metric_point (
    job_id  uuid             not null references job (id) on delete cascade,
    attempt int              not null,
    worker  int              not null,
    name    varchar(128)     not null,
    step    bigint           not null,
    value   double precision not null,
    at      timestamptz      not null
);
create index metric_point_series on metric_point (job_id, name, attempt, step);

create table log_line (
    id      bigserial primary key,
    job_id  uuid        not null references job (id) on delete cascade,
    attempt int         not null,
    worker  int         not null,
    stream  varchar(16) not null,
    line    text        not null,
    at      timestamptz not null
);
create index log_line_job on log_line (job_id, id);

create table artifact (
    job_id     uuid          not null references job (id) on delete cascade,
    attempt    int           not null,
    worker     int           not null,
    name       varchar(512)  not null,
    uri        varchar(2048) not null,
    size_bytes bigint        not null,
    sha256     varchar(64),
    kind       varchar(64),
    at         timestamptz   not null,
    primary key (job_id, attempt, worker, name)
);

-- Highest event seq applied per worker process: replays at or below it are dropped.
create table event_cursor (
    job_id   uuid   not null references job (id) on delete cascade,
    attempt  int    not null,
    worker   int    not null,
    last_seq bigint not null,
    primary key (job_id, attempt, worker)
);
