WITH 
base_query as (
    select * from model
),
columnize_cohort_on as (
    SELECT 
        *,
        'odd values' as "cohort_on"
    FROM base_query
)
SELECT
            d as "props.hovertext",
            c as "props.text",
            a as "props.x",
            b as "props.y",
    "cohort_on"
FROM columnize_cohort_on
    GROUP BY
        a  , 
        d  , 
        b  , 
        c ,
    "cohort_on" 
-- source: model_odd-values_generated_source