WITH 
base_query as (
    select * from sales
),
columnize_cohort_on as (
    SELECT 
        *,
        'Histogram of amounts' as "cohort_on"
    FROM base_query
)
SELECT
            amount as "props.x",
    "cohort_on"
FROM columnize_cohort_on
    GROUP BY
        amount ,
    "cohort_on" 
-- source: shop