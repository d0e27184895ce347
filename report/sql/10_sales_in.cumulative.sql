-- One row: a sale between two crawls of a listing, one per unit its cumulative sales count grew by
-- (inputs.sales: cumulative); dated at the later crawl, with no price of its own.
SELECT market, crawled_at, concat(listing_id, '#', CAST(crawled_at AS VARCHAR), '#', CAST(n AS VARCHAR)) AS feedback_id,
       listing_id, vendor, crawled_at AS left_at, NULL::DOUBLE AS price, NULL::VARCHAR AS currency,
       NULL::VARCHAR AS text, NULL::VARCHAR AS rating
FROM (
    SELECT *, unnest(generate_series(1, sold - before)) AS n
    FROM (SELECT *, lag(sold) OVER (PARTITION BY market, listing_id ORDER BY crawled_at) AS before FROM sold_counts)
    WHERE sold > before
)
