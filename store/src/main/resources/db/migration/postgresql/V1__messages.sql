-- The archive: every message verbatim (all frames) with what queries select on.
-- ts is the signing time (the body's timestamp) in milliseconds since the epoch.
CREATE TABLE messages (
  id BIGSERIAL PRIMARY KEY,
  msg_id TEXT,
  topic TEXT NOT NULL,
  category TEXT,
  ts BIGINT NOT NULL,
  received BIGINT NOT NULL,
  signer TEXT,
  cert_fingerprint TEXT,
  format TEXT NOT NULL,
  epoch TEXT,
  seq BIGINT,
  topic_frame BYTEA NOT NULL,
  body_frame BYTEA NOT NULL,
  signature_frame BYTEA
);
CREATE UNIQUE INDEX messages_msg_id ON messages (msg_id);
CREATE INDEX messages_ts ON messages (ts, id);
CREATE INDEX messages_topic_ts ON messages (topic, ts);
CREATE INDEX messages_category_ts ON messages (category, ts);
CREATE INDEX messages_signer_epoch_seq ON messages (signer, epoch, seq);

CREATE TABLE message_users (
  message_id BIGINT NOT NULL REFERENCES messages (id),
  username TEXT NOT NULL,
  PRIMARY KEY (username, message_id)
);
CREATE INDEX message_users_message ON message_users (message_id);

CREATE TABLE message_packages (
  message_id BIGINT NOT NULL REFERENCES messages (id),
  package TEXT NOT NULL,
  PRIMARY KEY (package, message_id)
);
CREATE INDEX message_packages_message ON message_packages (message_id);
