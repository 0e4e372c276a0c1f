-- The every-item fixture's database; the browser tests run this file through Python's
-- sqlite3 into data/items.db before building the project.
CREATE TABLE regions (
    name TEXT PRIMARY KEY,
    colour TEXT NOT NULL          -- one colour per region, read with column(colour)[0]
);
CREATE TABLE sales (
    id INTEGER PRIMARY KEY,
    day TEXT NOT NULL,
    region TEXT NOT NULL REFERENCES regions(name),
    product TEXT NOT NULL,
    units INTEGER NOT NULL
);
INSERT INTO regions VALUES ('north', '#1f77b4'), ('south', '#ff7f0e'), ('east', '#2ca02c');
-- 12 rows: 4 days x 3 regions; units deliberately unsorted so that sorting shows.
INSERT INTO sales VALUES
 (1,  '2024-05-01', 'north', 'apples',  7),
 (2,  '2024-05-01', 'south', 'pears',   3),
 (3,  '2024-05-01', 'east',  'plums',  12),
 (4,  '2024-05-02', 'north', 'pears',   1),
 (5,  '2024-05-02', 'south', 'apples',  9),
 (6,  '2024-05-02', 'east',  'apples',  4),
 (7,  '2024-05-03', 'north', 'plums',  15),
 (8,  '2024-05-03', 'south', 'plums',   2),
 (9,  '2024-05-03', 'east',  'pears',  11),
 (10, '2024-05-04', 'north', 'apples',  6),
 (11, '2024-05-04', 'south', 'pears',  13),
 (12, '2024-05-04', 'east',  'plums',   5);
