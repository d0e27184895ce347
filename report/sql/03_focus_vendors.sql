-- One row: a vendor (by case-folded name) with a drug listing shipped from the focus country, on any market.
SELECT DISTINCT vendor_key FROM focus_rows
