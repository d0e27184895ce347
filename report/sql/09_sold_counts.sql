-- One row: a listing in one crawl with its cumulative sales count (inputs.sales: cumulative only).
SELECT market, listing_id, any_value(vendor_key) AS vendor, crawled_at, max(sold) AS sold
FROM scraped WHERE sold IS NOT NULL GROUP BY market, listing_id, crawled_at
