WITH 
base_query as (
    select * from sales
),
columnize_cohort_on as (
    SELECT 
        *,
        'Indicator: total' as "cohort_on"
    FROM base_query
)
SELECT
            sum(amount) as "columns.total",
    "cohort_on"
FROM columnize_cohort_on
    GROUP BY
    "cohort_on" 
-- source: shop