-- One row: a market and a listing of it shipped from the focus country in some crawl of the period.
SELECT DISTINCT market, listing_id FROM focus_rows
