-- The CRM (MySQL / MariaDB): customers and the region each belongs to.
DROP TABLE IF EXISTS customers;
CREATE TABLE customers (
  id      INT PRIMARY KEY,
  name    VARCHAR(100) NOT NULL,
  region  VARCHAR(20) NOT NULL,
  segment VARCHAR(20) NOT NULL
) CHARACTER SET utf8mb4;
INSERT INTO customers VALUES
  (1, 'Acme', 'north', 'enterprise'),
  (2, 'Björk & Co', 'north', 'smb'),
  (3, 'Cruz Ltda', 'south', 'smb'),
  (4, 'Dune', 'south', 'enterprise'),
  (5, 'Eastwind', 'east', 'smb'),
  (6, 'Fjord', 'west', 'smb');
