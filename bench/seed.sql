-- Fills a closed store with :rows past Opsgenie Creates as the proxy stores them (an event, its link, its
-- done create action, the alert's status), spread over the last 29 days (retention keeps 30), so a run can
-- show what ingest costs on a store that is no longer empty. Used by bench/run:
--   sqlite3 -cmd ".parameter set :rows 1000000" -cmd ".parameter set :now <ms>" data/ogpd.dry-run.db < bench/seed.sql
-- Dedupe keys are random like a body digest's; ids go below any the proxy assigns next.
PRAGMA journal_mode=OFF;
PRAGMA synchronous=OFF;
PRAGMA cache_size=-1048576;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :rows)
INSERT INTO events (id, source, type, kind, dedupe_key, alert_id, actor_id, actor_name, title, description,
                    priority, received_at_ms, status, raw_body, outcome, route)
SELECT i, 'opsgenie', 'Create', 'alert.created', 'og:sha256:' || lower(hex(randomblob(32))), 'seed-' || i,
       '8d43133c-a002-4e95-bf2b-2d6f95e47c96', 'monitor@example.com', 'CPU load high on web-17', 'load 12.3',
       'P2', :now - (:rows - i) * 250, 'done',
       '{"action":"Create","alert":{"alertId":"seed-' || i || '","message":"CPU load high on web-17","tinyId":"42",'
       || '"entity":"web-17","alias":"seed-' || i || '","priority":"P2","username":"monitor@example.com",'
       || '"userId":"8d43133c-a002-4e95-bf2b-2d6f95e47c96","responders":[{"id":"4513b7ea","type":"team",'
       || '"name":"ops"}],"tags":["web"],"description":"load 12.3"},"source":{"name":"web","type":"API"},'
       || '"integrationId":"be4c4000-0000-4000-8000-00000000be4c","integrationName":"Webhook"}',
       'mirrored', 'default'
FROM n;
INSERT INTO links (alert_id, incident_id, incident_key, created_at_ms, updated_at_ms, route)
SELECT alert_id, 'dry-run-' || alert_id, alert_id, received_at_ms, received_at_ms, 'default' FROM events
WHERE alert_id LIKE 'seed-%';
INSERT INTO outbox (event_id, pair_key, target, kind, payload, state, next_attempt_at_ms, created_at_ms,
                    updated_at_ms)
SELECT id, 'alert:' || alert_id, 'pagerduty', 'pagerduty.create_incident',
       '{"kind":"pagerduty.create_incident","alert_id":"' || alert_id || '","incident_key":"' || alert_id
       || '","title":"CPU load high on web-17","details":"load 12.3","urgency":"high"}',
       'done', received_at_ms, received_at_ms, received_at_ms
FROM events WHERE alert_id LIKE 'seed-%';
INSERT INTO pair_state (side, target_id, status, updated_at_ms)
SELECT 'opsgenie', alert_id, 'open', received_at_ms FROM events WHERE alert_id LIKE 'seed-%';
COMMIT;
PRAGMA journal_mode=WAL;
