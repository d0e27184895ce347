-- One row: a market with its number of crawl dates in the period and its first and last crawl.
SELECT market, count(DISTINCT crawled_at) AS crawls, min(crawled_at) AS first, max(crawled_at) AS last
FROM listings GROUP BY market ORDER BY first, market
