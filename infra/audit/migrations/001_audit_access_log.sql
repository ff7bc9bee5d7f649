-- Who read what from the audit endpoints (and the audit CLI), when and from where. Append-only: the
-- trigger refuses UPDATE and DELETE, and TRUNCATE, so the log cannot be edited by the application.
CREATE TABLE audit_access_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  user_id text,
  role text,
  allowed boolean NOT NULL,
  channel text NOT NULL,
  method text NOT NULL,
  path text NOT NULL,
  query jsonb NOT NULL DEFAULT '{}'::jsonb,
  ip text,
  user_agent text,
  request_id text
);

CREATE INDEX audit_access_log_user_idx ON audit_access_log (user_id, id);

CREATE FUNCTION audit_access_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_access_log is append-only (% refused)', TG_OP;
END;
$$;

CREATE TRIGGER audit_access_log_no_update_delete
  BEFORE UPDATE OR DELETE ON audit_access_log
  FOR EACH ROW EXECUTE FUNCTION audit_access_log_append_only();

CREATE TRIGGER audit_access_log_no_truncate
  BEFORE TRUNCATE ON audit_access_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_access_log_append_only();
