\set k 7
\set rate 1000000
\set burst 1000000000
WITH taken AS (INSERT INTO rate_limit_bucket AS b (key, tokens, at) VALUES ('10.0.' || :k, :burst - 1, clock_timestamp()) ON CONFLICT (key) DO UPDATE SET tokens = LEAST(:burst, b.tokens + :rate * GREATEST(0, EXTRACT(EPOCH FROM clock_timestamp() - b.at)::float8)) - 1, at = clock_timestamp() WHERE LEAST(:burst, b.tokens + :rate * GREATEST(0, EXTRACT(EPOCH FROM clock_timestamp() - b.at)::float8)) >= 1 RETURNING b.tokens) SELECT EXISTS (SELECT 1 FROM taken) AS admitted, (SELECT LEAST(:burst, b.tokens + :rate * GREATEST(0, EXTRACT(EPOCH FROM clock_timestamp() - b.at)::float8)) FROM rate_limit_bucket AS b WHERE b.key = '10.0.' || :k) AS tokens;
