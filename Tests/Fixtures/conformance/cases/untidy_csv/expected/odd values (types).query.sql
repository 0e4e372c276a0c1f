WITH 
base_query as (
    select * from model
),
columnize_cohort_on as (
    SELECT 
        *,
        'odd values (types)' as "cohort_on"
    FROM base_query
)
SELECT
            typeof(a) || ',' || typeof(b) || ',' || typeof(c) || ',' || typeof(d) || ',' || typeof(e) || ',' || typeof(f) as "props.hovertext",
            e as "props.x",
            f as "props.y",
    "cohort_on"
FROM columnize_cohort_on
    GROUP BY
        typeof(a) || ',' || typeof(b) || ',' || typeof(c) || ',' || typeof(d) || ',' || typeof(e) || ',' || typeof(f)  , 
        f  , 
        e ,
    "cohort_on" 
-- source: model_odd-values_generated_source