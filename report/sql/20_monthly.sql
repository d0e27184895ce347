-- One row: a market and a calendar month with listings: distinct vendors and listings (all, and from the focus
-- country) and valid sales (all, and by focus-country vendors).
-- Distinct vendors and listings are made distinct first, then counted: one pass each, where several
-- count(DISTINCT ...) FILTER columns would make Spark expand every row once per column.
WITH months AS (
    SELECT market, CAST(date_trunc('month', crawled_at) AS DATE) AS month, vendor_key, listing_id, focus_vendor, focus_listing
    FROM listings
), v AS (
    SELECT market, month, count(*) AS vendors_all, count(*) FILTER (WHERE focus) AS vendors_focus
    FROM (SELECT market, month, vendor_key, bool_or(focus_vendor) AS focus FROM months GROUP BY market, month, vendor_key)
    GROUP BY market, month
), l AS (
    SELECT market, month, count(*) AS listings_all, count(*) FILTER (WHERE focus) AS listings_focus
    FROM (SELECT market, month, listing_id, bool_or(focus_listing) AS focus FROM months GROUP BY market, month, listing_id)
    GROUP BY market, month
), s AS (
    SELECT market, CAST(date_trunc('month', left_at) AS DATE) AS month, count(*) FILTER (WHERE focus) AS sales_focus,
           count(*) AS sales_all
    FROM valid_sales GROUP BY market, CAST(date_trunc('month', left_at) AS DATE)
)
SELECT v.market, v.month, v.vendors_all, v.vendors_focus, l.listings_all, l.listings_focus,
       coalesce(s.sales_focus, 0) AS sales_focus, coalesce(s.sales_all, 0) AS sales_all
FROM v JOIN l ON v.market = l.market AND v.month = l.month
LEFT JOIN s ON v.market = s.market AND v.month = s.month
ORDER BY v.month, v.market
