-- The quickstart's shop database; `make run` builds data/shop.db from this file.
CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    ordered_on TEXT NOT NULL,
    region TEXT,
    channel TEXT,
    customer_id INTEGER NOT NULL,
    amount REAL NOT NULL,
    qty INTEGER NOT NULL
);
CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    segment TEXT NOT NULL
);
INSERT INTO customers VALUES
 (1, 'Acme', 'enterprise'), (2, 'Bolt', 'smb'), (3, 'Cobalt', 'smb'),
 (4, 'Dune', 'enterprise'), (5, 'Echo', 'consumer'), (6, 'Fjord', 'consumer');
INSERT INTO orders VALUES
 (1, '2024-01-03', 'north', 'web', 1, 120.0, 2),
 (2, '2024-01-09', 'south', 'store', 2, 45.5, 1),
 (3, '2024-01-17', 'east', 'web', 3, 80.0, 4),
 (4, '2024-01-28', 'west', 'phone', 4, 300.0, 6),
 (5, '2024-02-02', 'north', 'web', 5, 15.25, 1),
 (6, '2024-02-11', 'south', 'web', 6, 60.0, 3),
 (7, '2024-02-19', 'east', 'store', 1, 210.0, 5),
 (8, '2024-02-26', 'west', 'web', 2, 99.99, 2),
 (9, '2024-03-04', 'north', 'phone', 3, 42.0, 1),
 (10, '2024-03-12', 'south', 'web', 4, 510.0, 9),
 (11, '2024-03-21', 'east', 'web', 5, 33.3, 2),
 (12, '2024-03-30', 'west', 'store', 6, 75.0, 3),
 (13, '2024-04-06', 'north', 'web', 1, 180.0, 4),
 (14, '2024-04-15', 'south', 'phone', 2, 25.0, 1),
 (15, '2024-04-23', 'east', 'web', 3, 140.0, 3),
 (16, '2024-04-29', 'west', 'web', 4, 260.0, 5);
