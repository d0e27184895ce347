-- One row: a market and a vendor of it, with the first crawl of the period that shows the vendor there.
SELECT market, vendor_key, min(crawled_at) AS first FROM listings GROUP BY market, vendor_key
