\set k random(1, 10000)
\set rate 1000000
\set burst 1000000000
UPDATE rate_limit_bucket AS b SET tokens = GREATEST(-(:burst::float8), LEAST(:burst, b.tokens + :rate * GREATEST(0, EXTRACT(EPOCH FROM clock_timestamp() - b.at)::float8)) - 10), at = clock_timestamp() WHERE b.key = '10.0.' || :k;
