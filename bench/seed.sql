-- Fills a closed store with :rows past Opsgenie Creates as the proxy stores them (an event, its link, its
-- done create action; and the alert's status as a later Close left it: a Create itself records none), spread
-- over the last 29 days (retention keeps 30), so a run can
-- show what ingest costs on a store that is no longer empty. Used by bench/run:
--   sqlite3 -cmd ".parameter set :rows 1000000" -cmd ".parameter set :now <ms>" data/ogpd.dry-run.db < bench/seed.sql
-- Alert ids are random UUIDs, as Opsgenie's are, and each event is filed by its updatedAt, as the proxy
-- files an Opsgenie change (SqliteJournal::filed_key); ids go below any the proxy assigns next.
PRAGMA journal_mode=OFF;
PRAGMA synchronous=OFF;
PRAGMA cache_size=-1048576;
BEGIN;
CREATE TEMP TABLE seed AS
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :rows)
SELECT i,
       lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2)
       || '-a' || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))) AS alert,
       :now - (:rows - i) * 250 AS at_ms
FROM n;
INSERT INTO events (id, source, type, kind, dedupe_key, alert_id, actor_id, actor_name, title, description,
                    priority, occurred_at, received_at_ms, status, raw_body, outcome, route)
SELECT i, 'opsgenie', 'Create', 'alert.created',
       'og@' || printf('%020d', at_ms * 1000000) || ':og:' || alert || ':Create:' || (at_ms * 1000000), alert,
       '8d43133c-a002-4e95-bf2b-2d6f95e47c96', 'monitor@example.com', 'CPU load high on web-17', 'load 12.3',
       'P2', CAST(at_ms * 1000000 AS TEXT), at_ms, 'done',
       '{"action":"Create","alert":{"alertId":"' || alert || '","message":"CPU load high on web-17","tinyId":"42",'
       || '"entity":"web-17","alias":"' || alert || '","priority":"P2","username":"monitor@example.com",'
       || '"userId":"8d43133c-a002-4e95-bf2b-2d6f95e47c96","responders":[{"id":"4513b7ea","type":"team",'
       || '"name":"ops"}],"tags":["web"],"description":"load 12.3","createdAt":' || (at_ms * 1000000)
       || ',"updatedAt":' || (at_ms * 1000000) || '},"source":{"name":"web","type":"API"},'
       || '"integrationId":"be4c4000-0000-4000-8000-00000000be4c","integrationName":"Webhook"}',
       'mirrored', 'default'
FROM seed;
INSERT INTO links (alert_id, incident_id, incident_key, created_at_ms, updated_at_ms, route)
SELECT alert, 'dry-run-' || alert, alert, at_ms, at_ms, 'default' FROM seed;
INSERT INTO outbox (event_id, pair_key, target, kind, payload, state, next_attempt_at_ms, created_at_ms,
                    updated_at_ms)
SELECT i, 'alert:' || alert, 'pagerduty', 'pagerduty.create_incident',
       '{"kind":"pagerduty.create_incident","alert_id":"' || alert || '","incident_key":"' || alert
       || '","title":"CPU load high on web-17","details":"load 12.3","urgency":"high"}',
       'done', at_ms, at_ms, at_ms
FROM seed;
INSERT INTO pair_state (side, target_id, status, updated_at_ms)
SELECT 'opsgenie', alert, 'closed', at_ms FROM seed;
DROP TABLE seed;
COMMIT;
PRAGMA journal_mode=WAL;
