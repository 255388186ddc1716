-- Retention (docs/operations.md): the audit sweep deletes by age, the job sweep by finished_at (indexed in V1).
create index audit_event_at on audit_event (at);
