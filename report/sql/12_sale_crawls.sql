-- One row: a priced crawl of a listing that was sold (feedback names it), with the lowest price, currency
-- (trimmed, in capitals) and category of that crawl: a listing seen twice in one crawl takes the lowest of each.
-- The one pass over the listings that pricing sales takes.
SELECT l.market, l.listing_id, l.crawled_at, min(l.price) AS price,
       min(nullif(upper(CASE WHEN regexp_matches(l.currency, :trimmable) THEN trim(l.currency, :spaces) ELSE l.currency END),
                  '')) AS currency,
       min(l.category) AS category
FROM listings l
JOIN (SELECT DISTINCT market, listing_id FROM feedback) f ON l.market = f.market AND l.listing_id = f.listing_id
WHERE l.price IS NOT NULL
GROUP BY l.market, l.listing_id, l.crawled_at
