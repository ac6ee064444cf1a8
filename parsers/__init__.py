"""Pure parsers for Swedish numbers, amounts, periods, scales and prose facts."""
