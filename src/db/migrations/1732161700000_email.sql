-- Up Migration

-- Where the IMAP receiver is in each mailbox it reads: the UID of the last mail it stored through
-- the inbound pipeline, meaningful only under the UIDVALIDITY it was read with (a server that
-- renumbers a mailbox changes its UIDVALIDITY, RFC 9051 §2.3.1.1). The lease lets one API process
-- at a time read a mailbox when several run.
CREATE TABLE email_mailboxes (
  channel_account_id uuid NOT NULL REFERENCES channel_accounts (id) ON DELETE CASCADE,
  mailbox            text NOT NULL DEFAULT 'INBOX',
  uid_validity       bigint,
  last_uid           bigint NOT NULL DEFAULT 0 CHECK (last_uid >= 0),
  -- The internal date of the last mail stored: after a UIDVALIDITY change, reading resumes from that day.
  last_internal_date timestamptz,
  lease_owner        text,
  lease_until        timestamptz,
  updated_at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (channel_account_id, mailbox)
);

-- Down Migration
DROP TABLE email_mailboxes;
