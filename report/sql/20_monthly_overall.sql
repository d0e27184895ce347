-- One row: a calendar month with listings on any market: its distinct vendors across all markets, and those of them
-- that ship from the focus country on a market they were active on that month. A vendor of the same name on two
-- markets is one vendor (as in the overall vendor counts and the migration findings): the overall trend counts it
-- once, where adding up the markets' monthly counts would count it on each.
WITH v AS (
    SELECT CAST(date_trunc('month', crawled_at) AS DATE) AS month, vendor_key, bool_or(focus_vendor) AS focus
    FROM listings
    GROUP BY CAST(date_trunc('month', crawled_at) AS DATE), vendor_key
)
SELECT month, count(*) AS vendors_all, count(*) FILTER (WHERE focus) AS vendors_focus
FROM v
GROUP BY month
ORDER BY month
