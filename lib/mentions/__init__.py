"""The mention schema (the seed's field table), normalisation of raw columns, readable labels."""
