-- The erasure sweep (key-cache.ts) asks every second which keys were destroyed recently.
CREATE INDEX personal_data_keys_erased_idx ON personal_data_keys (erased_at) WHERE erased_at IS NOT NULL;
