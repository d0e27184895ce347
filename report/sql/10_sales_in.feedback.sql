-- One row: a feedback row as given (inputs.sales: feedback); the same sale may be seen in several crawls.
SELECT market, crawled_at, feedback_id, listing_id, vendor, left_at, price, currency, text, rating FROM feedback_in
