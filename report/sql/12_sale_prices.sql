-- One row: a listing and a day on which it was sold, with the listing's price, currency and category at its last
-- priced crawl on or before that day, else at its first priced crawl (NULL when no crawl priced it).
-- A listing seen twice in one crawl takes the lowest price, currency and category of that crawl; a crawl that
-- shows no price does not hide the last one known. One pass over the listings (the crawls of sold listings);
-- the lookup is a join on the listing plus a date condition (Spark has no ASOF JOIN).
WITH crawls AS (
    SELECT l.market, l.listing_id, l.crawled_at, min(l.price) AS price, min(l.currency) AS currency,
           min(l.category) AS category
    FROM listings l
    JOIN (SELECT DISTINCT market, listing_id FROM feedback) f ON l.market = f.market AND l.listing_id = f.listing_id
    WHERE l.price IS NOT NULL
    GROUP BY l.market, l.listing_id, l.crawled_at
), sale_days AS (  -- the last crawl depends on the listing and the day only: one lookup per listing and day
    SELECT DISTINCT market, listing_id, left_at FROM feedback
), last_crawl AS (
    SELECT d.market, d.listing_id, d.left_at, max(c.crawled_at) AS before
    FROM sale_days d JOIN crawls c ON d.market = c.market AND d.listing_id = c.listing_id AND c.crawled_at <= d.left_at
    GROUP BY d.market, d.listing_id, d.left_at
), first_crawl AS (
    SELECT market, listing_id, min(crawled_at) AS after FROM crawls GROUP BY market, listing_id
)
SELECT d.market, d.listing_id, d.left_at, coalesce(b.price, a.price) AS price,
       CASE WHEN b.price IS NOT NULL THEN b.currency ELSE a.currency END AS currency,
       coalesce(b.category, a.category) AS category
FROM sale_days d
LEFT JOIN last_crawl lc ON d.market = lc.market AND d.listing_id = lc.listing_id AND d.left_at = lc.left_at
LEFT JOIN crawls b ON d.market = b.market AND d.listing_id = b.listing_id AND lc.before = b.crawled_at
LEFT JOIN first_crawl fc ON d.market = fc.market AND d.listing_id = fc.listing_id
LEFT JOIN crawls a ON d.market = a.market AND d.listing_id = a.listing_id AND fc.after = a.crawled_at
