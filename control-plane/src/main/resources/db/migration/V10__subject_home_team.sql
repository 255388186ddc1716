-- Defect 2 of issue 8: a team admin manages another subject's tokens only when that subject was created for the team
-- (its home team) — never because it was added to the team later. Null: created by a token of its own or by the
-- bootstrap; only the subject itself and cluster admins manage its tokens.
alter table subject add column home_team varchar(63) references team (name) on delete set null;

-- Existing subjects: the home team is the one membership that created the subject (in the same request), for subjects
-- that never held a cluster-admin token.
update subject s set home_team = m.team
from membership m
where m.subject = s.name
  and m.created_at <= s.created_at + interval '1 second'
  and not s.cluster_admin
  and not exists (select 1 from api_token t where t.subject = s.name and t.cluster_admin)
  and (select count(*) from membership x where x.subject = s.name) = 1;
