-- Defect 11 of issue 8: the highest priority a team's submissions may use. max_priority is set by cluster admins and
-- binds everyone in the team; team_max_priority is set by the team's admins. A submission may use at most the lower
-- of the two; null: no cap.
alter table team add column max_priority varchar(16) check (max_priority in ('LOW', 'NORMAL', 'HIGH', 'URGENT'));
alter table team add column team_max_priority varchar(16)
    check (team_max_priority in ('LOW', 'NORMAL', 'HIGH', 'URGENT'));
