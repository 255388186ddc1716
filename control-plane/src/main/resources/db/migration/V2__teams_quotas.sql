-- Teams, GPU flavors, quotas, decayed usage, the published queue and preemption intent.

create table team (
    name        varchar(63)      primary key,
    description text,
    -- Teams in one cohort share unused quota; 'default' also holds capacity no team's nominal quota covers.
    cohort      varchar(63)      not null default 'default',
    weight      double precision not null default 1.0 check (weight > 0),
    created_at  timestamptz      not null
);

create table flavor (
    name          varchar(63)  primary key,
    resource_name varchar(253) not null default 'nvidia.com/gpu',
    node_labels   jsonb        not null default '{}',
    tolerations   jsonb        not null default '[]',
    gpu_memory_gb int,
    created_at    timestamptz  not null
);

-- Per team per flavor, in GPUs (Kueue semantics). Null limits mean unlimited.
create table team_quota (
    team            varchar(63) not null references team (name) on delete cascade,
    flavor          varchar(63) not null references flavor (name) on delete cascade,
    nominal         int         not null check (nominal >= 0),
    borrowing_limit int check (borrowing_limit >= 0),
    lending_limit   int check (lending_limit >= 0),
    updated_at      timestamptz not null,
    primary key (team, flavor)
);

-- Decayed historical GPU usage per team (GPU-seconds as of 'as_of'), maintained by the leader.
create table team_usage (
    team        varchar(63)      primary key,
    gpu_seconds double precision not null,
    as_of       timestamptz      not null
);

-- The scheduler's view of each pending job, published by the leader after each cycle that changed it.
create table queue_entry (
    job_id          uuid        primary key references job (id) on delete cascade,
    team            varchar(63) not null,
    flavor_queue    varchar(63) not null,
    team_position   int         not null,
    flavor_position int         not null,
    reason          varchar(16) not null,
    message         text,
    estimated_start timestamptz,
    updated_at      timestamptz not null
);
create index queue_entry_team on queue_entry (team, team_position);
create index queue_entry_flavor on queue_entry (flavor_queue, flavor_position);

-- Preemption intent, recorded before the victim is stopped: its exit then settles as PREEMPTED, not as a failure.
alter table job add column preempt_reason  varchar(32);
alter table job add column preempt_message text;
alter table job add column preempted_by    uuid;
-- Attempts that ended by preemption do not count against maxAttempts.
alter table job add column preemptions     int not null default 0;
-- The GPU flavor the current attempt was admitted on (jobs may accept any flavor).
alter table job add column admitted_flavor varchar(63);
