-- One row per (event, message kind) the notifier handled: written after the message was handed to
-- SMTP (or refused for good) and before the notifier's checkpoint moves past the event.
CREATE TABLE IF NOT EXISTS notifier_sent_mail (
  event_id   text        NOT NULL,
  kind       text        NOT NULL,
  message_id text        NOT NULL,
  status     text        NOT NULL CHECK (status IN ('sent', 'failed', 'skipped')),
  handled_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (event_id, kind)
);
