-- One row: a sale with a value in EUR within the plausible range (thresholds placeholder_min_eur..max), with its
-- value bracket: the index of the bracket of model.VALUE_BRACKETS it falls in (table value_brackets:
-- lower_eur <= eur < upper_eur).
SELECT s.*, CAST(b.bracket AS INTEGER) AS bracket
FROM sales s
LEFT JOIN value_brackets b ON s.eur >= b.lower_eur AND s.eur < b.upper_eur
WHERE s.eur IS NOT NULL AND s.eur BETWEEN CAST(:min_eur AS DECIMAL(18, 4)) AND CAST(:max_eur AS DECIMAL(18, 4))
