-- One row: a market, a crawl date and a drug category with listings in that crawl: what each crawl covered.
SELECT market, crawled_at, category FROM listings GROUP BY market, crawled_at, category
