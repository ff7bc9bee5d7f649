-- Durable abandoned-cart timers: one per customer with items in the cart, re-armed by every cart
-- change (armed_by = that change's event id), dropped by checkout or clear. Written by the notifier
-- before its checkpoint moves, so a replay of the log converges on the same rows.
CREATE TABLE IF NOT EXISTS notifier_cart_reminders (
  user_id  text        PRIMARY KEY,
  armed_by text        NOT NULL,
  due_at   timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS notifier_cart_reminders_due ON notifier_cart_reminders (due_at);
