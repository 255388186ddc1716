-- Defect 11 of issue 8: the per-team pending limit (athanor.api.max-pending-per-team) counts a team's PENDING jobs on
-- every submission; this keeps that count an index-only scan of the team's pending jobs.
create index job_team_pending on job (team) where state = 'PENDING';
