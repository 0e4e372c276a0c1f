WITH 
base_query as (
    select * from sales
),
columnize_cohort_on as (
    SELECT 
        *,
        'Pie: units by product' as "cohort_on"
    FROM base_query
)
SELECT
            product as "props.labels",
            sum(units) as "props.values",
    "cohort_on"
FROM columnize_cohort_on
    GROUP BY
        product ,
    "cohort_on" 
-- source: shop