-- The warehouse (PostgreSQL): orders, by customer id.
DROP TABLE IF EXISTS orders;
CREATE TABLE orders (
  id          serial PRIMARY KEY,
  customer_id integer NOT NULL,
  ordered_on  date NOT NULL,
  amount      numeric(10,2) NOT NULL
);
INSERT INTO orders (customer_id, ordered_on, amount) VALUES
  (1, '2024-01-05', 120.00), (1, '2024-02-11', 180.50), (2, '2024-01-20', 75.25),
  (3, '2024-01-09', 60.00),  (3, '2024-03-02', 140.00), (4, '2024-02-14', 210.00),
  (5, '2024-02-28', 95.00),  (5, '2024-03-15', 130.00), (6, '2024-03-30', 40.00);
