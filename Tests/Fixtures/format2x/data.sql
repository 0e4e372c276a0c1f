CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER, region TEXT, category TEXT, amount REAL, quantity INTEGER, ordered_on TEXT);
INSERT INTO orders VALUES
 (1, 1, 'north', 'tools', 120.5, 3, '2024-01-03'),
 (2, 2, 'south', 'garden', 80.0, 1, '2024-01-05'),
 (3, 1, 'north', 'garden', 45.25, 2, '2024-02-11'),
 (4, 3, 'east', 'tools', 300.0, 6, '2024-02-14'),
 (5, 2, 'south', 'tools', 15.75, 1, '2024-03-01'),
 (6, 4, 'west', 'kitchen', 99.99, 4, '2024-03-09'),
 (7, 3, 'east', 'kitchen', 60.0, 2, '2024-03-20'),
 (8, 4, 'west', 'garden', 42.0, 1, '2024-04-02'),
 (9, 1, 'north', 'kitchen', 18.5, 1, '2024-04-18'),
 (10, 5, 'o''hara', 'tools', 70.0, 2, '2024-04-30');
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, segment TEXT);
INSERT INTO customers VALUES (1,'Ada','retail'),(2,'Bo','wholesale'),(3,'Cy','retail'),(4,'Di','online'),(5,'Ed','online');
