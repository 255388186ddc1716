-- Issue 8 defect 13: launches refused for now (leadership moved, quota, HTTP 409/5xx) are counted apart from attempts:
-- they are retried after a backoff and never count against maxAttempts.
alter table job add column launch_refusals int not null default 0;
