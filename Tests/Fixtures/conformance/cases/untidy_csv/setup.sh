#!/usr/bin/env bash
# Nothing to create: both CSV models print their rows with printf.
set -euo pipefail
