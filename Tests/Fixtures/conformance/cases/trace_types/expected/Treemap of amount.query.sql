WITH 
base_query as (
    select * from sales
),
columnize_cohort_on as (
    SELECT 
        *,
        'Treemap of amount' as "cohort_on"
    FROM base_query
)
SELECT
            product as "props.labels",
            '' as "props.parents",
            sum(amount) as "props.values",
    "cohort_on"
FROM columnize_cohort_on
    GROUP BY
        product ,
    "cohort_on" 
-- source: shop