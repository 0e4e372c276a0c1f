WITH 
base_query as (
    select * from sales
),
columnize_cohort_on as (
    SELECT 
        *,
        'Barpolar by region' as "cohort_on"
    FROM base_query
)
SELECT
            sum(amount) as "props.r",
            region as "props.theta",
    "cohort_on"
FROM columnize_cohort_on
    GROUP BY
        region ,
    "cohort_on" 
-- source: shop