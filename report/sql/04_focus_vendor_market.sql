-- One row: a market and a vendor of it with a drug listing shipped from the focus country there.
SELECT DISTINCT market, vendor_key FROM focus_rows
