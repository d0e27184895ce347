-- One row: a listing and a day on which it was sold, with the listing's price, currency and category at its last
-- priced crawl on or before that day, else at its first priced crawl (NULL when no crawl priced it). A crawl that
-- shows no price does not hide the last one known. The lookup is a join on the listing plus a date condition (Spark
-- has no ASOF JOIN), over sale_crawls: no second pass over the listings.
WITH sale_days AS (  -- the last crawl depends on the listing and the day only: one lookup per listing and day
    SELECT DISTINCT market, listing_id, left_at FROM feedback
), last_crawl AS (
    SELECT d.market, d.listing_id, d.left_at, max(c.crawled_at) AS before
    FROM sale_days d JOIN sale_crawls c ON d.market = c.market AND d.listing_id = c.listing_id AND c.crawled_at <= d.left_at
    GROUP BY d.market, d.listing_id, d.left_at
), first_crawl AS (
    SELECT market, listing_id, min(crawled_at) AS after FROM sale_crawls GROUP BY market, listing_id
)
SELECT d.market, d.listing_id, d.left_at, coalesce(b.price, a.price) AS price,
       CASE WHEN b.price IS NOT NULL THEN b.currency ELSE a.currency END AS currency,
       coalesce(b.category, a.category) AS category
FROM sale_days d
LEFT JOIN last_crawl lc ON d.market = lc.market AND d.listing_id = lc.listing_id AND d.left_at = lc.left_at
LEFT JOIN sale_crawls b ON d.market = b.market AND d.listing_id = b.listing_id AND lc.before = b.crawled_at
LEFT JOIN first_crawl fc ON d.market = fc.market AND d.listing_id = fc.listing_id
LEFT JOIN sale_crawls a ON d.market = a.market AND d.listing_id = a.listing_id AND fc.after = a.crawled_at
