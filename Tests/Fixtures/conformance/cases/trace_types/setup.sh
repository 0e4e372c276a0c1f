#!/usr/bin/env bash
# Creates shop.db from shop.sql (run from anywhere).
set -euo pipefail
cd "$(dirname "$0")"
rm -f shop.db
sqlite3 shop.db < shop.sql
