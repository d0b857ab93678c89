-- Grow a benchmark database to :target open cases (受理/调处中) for the deadline sweep's budget
-- (issue 22 §3), by copying the open cases there are, with their open level stint and their
-- parties, under new numbers from each town's counter. Not for a real installation.
--   psql -v target=200000 -f bench/grow_open_cases.sql <db>
-- The copies keep town, village, grid, category, handler and parties, and are spread over
-- the five levels; their deadlines fall at local midnight 1 to 20 days ahead (as the app sets
-- them), those within the warning window already warned; one in fifty is paused (an approved
-- pause, ending 2 to 21 days ahead). Nothing is due in a steady minute.
\set ON_ERROR_STOP on
BEGIN;
CREATE TEMP TABLE src ON COMMIT DROP AS
  SELECT c.*, row_number() OVER (ORDER BY c.id) AS rn
  FROM cases_case c WHERE c.status IN ('accepted', 'mediating');
CREATE TEMP TABLE grow ON COMMIT DROP AS
  SELECT s.id AS src_id, k, nextval(pg_get_serial_sequence('cases_case', 'id')) AS new_id
  FROM src s CROSS JOIN generate_series(1, 200) k
  ORDER BY k, s.rn
  LIMIT greatest(:target - (SELECT count(*) FROM src), 0);
CREATE TEMP TABLE made ON COMMIT DROP AS
  SELECT g.new_id, g.src_id, g.k,
         s.received_at - g.k * interval '2 days' AS received_at,
         ((s.level - 1 + g.k) % 5) + 1 AS level,
         (date_trunc('day', now() AT TIME ZONE 'Asia/Shanghai')
          + (1 + (s.id + g.k * 13) % 20) * interval '1 day') AT TIME ZONE 'Asia/Shanghai' AS deadline,
         (s.id + g.k * 7) % 50 = 0 AS paused
  FROM grow g JOIN src s ON s.id = g.src_id;
ALTER TABLE made ADD COLUMN year int, ADD COLUMN seq int;
UPDATE made m SET year = extract(year FROM m.received_at AT TIME ZONE 'Asia/Shanghai');
UPDATE made m SET seq = x.seq FROM (
  SELECT m2.new_id, coalesce(cc.last, 0)
           + row_number() OVER (PARTITION BY s.town_id, m2.year ORDER BY m2.new_id) AS seq
  FROM made m2 JOIN src s ON s.id = m2.src_id
  LEFT JOIN cases_casecounter cc ON cc.town_id = s.town_id AND cc.year = m2.year) x
WHERE x.new_id = m.new_id;

INSERT INTO cases_case (id, number, description, risk, source, source_ref, source_visit_id,
  source_petition_id, received_at, status, level, level_started_at, deadline, warned_deadline,
  instructions, paused_at, pause_ends_at, took_charge_at, resolved_at, resolved_level,
  resolution_method, unresolved_route, followup_due_on, followup_notified, jc_applied, jc_court,
  jc_date, jc_due_on, jc_reminded, archived_at, version, area_id, grid_id, handler_id,
  registered_by_id, took_charge_by_id, town_id, village_id, category_id, accuracy, latitude,
  longitude, merged_into_id, withdrawn_at, withdrawn_reason)
SELECT m.new_id,
  split_part(s.number, '-', 1) || '-' || m.year || '-' || lpad(m.seq::text, greatest(4, length(m.seq::text)), '0'),
  s.description, s.risk, s.source, '', NULL, NULL, m.received_at, s.status, m.level,
  greatest(m.received_at, m.deadline - interval '30 days'), m.deadline,
  CASE WHEN m.deadline <= now() + (SELECT warn_hours FROM cases_policy ORDER BY id LIMIT 1) * interval '1 hour'
       THEN m.deadline END,
  s.instructions,
  CASE WHEN m.paused THEN now() - (1 + m.new_id % 5) * interval '1 day' END,
  CASE WHEN m.paused THEN now() + (2 + m.new_id % 20) * interval '1 day' END,
  s.took_charge_at, NULL, NULL, '', '', NULL, false, false, '', NULL, NULL, false, NULL, 0,
  s.area_id, s.grid_id, s.handler_id, s.registered_by_id, s.took_charge_by_id, s.town_id,
  s.village_id, s.category_id, s.accuracy, s.latitude, s.longitude, NULL, NULL, ''
FROM made m JOIN src s ON s.id = m.src_id;

-- The open stint at the case's level (the one the ladder closes when the case moves on).
INSERT INTO cases_levelstint (level, started_at, deadline, ended_at, outcome, on_time, paused_days, case_id)
SELECT c.level, c.level_started_at, c.deadline, NULL, '', NULL, 0, c.id
FROM cases_case c JOIN made m ON m.new_id = c.id;

INSERT INTO cases_caseparty (role, case_id, resident_id, address)
SELECT p.role, m.new_id, p.resident_id, p.address
FROM made m JOIN cases_caseparty p ON p.case_id = m.src_id;

-- A paused case has its approved pause.
INSERT INTO cases_pauserequest (reason, days, requested_at, state, decided_at, resumed_at,
  case_id, decided_by_id, requested_by_id)
SELECT '当事人外出务工，待返乡后继续调解', 15, c.paused_at - interval '1 hour', 'approved',
  c.paused_at, NULL, c.id, coalesce(c.took_charge_by_id, c.handler_id, c.registered_by_id),
  coalesce(c.handler_id, c.registered_by_id)
FROM cases_case c JOIN made m ON m.new_id = c.id WHERE m.paused;

-- Each town's counter moves past the numbers issued here.
INSERT INTO cases_casecounter (town_id, year, last)
SELECT s.town_id, m.year, max(m.seq) FROM made m JOIN src s ON s.id = m.src_id
GROUP BY s.town_id, m.year
ON CONFLICT (town_id, year) DO UPDATE SET last = greatest(cases_casecounter.last, EXCLUDED.last);
COMMIT;
ANALYZE cases_case;
ANALYZE cases_levelstint;
ANALYZE cases_caseparty;
ANALYZE cases_pauserequest;
SELECT status, count(*) AS cases, count(*) FILTER (WHERE paused_at IS NOT NULL) AS paused,
       count(*) FILTER (WHERE deadline <= now()) AS due
FROM cases_case WHERE status IN ('accepted', 'mediating') GROUP BY status;
