WITH 
base_query as (
    select * from sales
),
columnize_cohort_on as (
    SELECT 
        *,
        'Bar - amount by region' as "cohort_on"
    FROM base_query
)
SELECT
            region as "props.x",
            sum(amount) as "props.y",
    "cohort_on"
FROM columnize_cohort_on
    GROUP BY
        region ,
    "cohort_on"
    ORDER BY
        region 
-- source: shop